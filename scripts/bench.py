"""`make bench`: our stack against plain Rasa 3.6's `rasa init` project, served the same way.

Measures, for both: training time from scratch (empty graph cache), cold start to ready,
p50/p95/p99 latency of a learner message over REST (sequential), messages per second with 16
and 64 concurrent learners, resident memory of each process. Writes results/bench/bench.json
and results/bench/bench.md with the ratios ours/baseline. All traffic goes to 127.0.0.1.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "results" / "bench"
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", 300))
# Messages per learner in the sequential run: a realistic session. Both Rasa's trackers grow with
# the conversation (the policies and the action call read the whole session), so one sender
# sending hundreds of messages would measure an unrealistically long conversation.
SESSION_LENGTH = 30
LONG_SESSION = 200
CONCURRENT_SECONDS = float(os.environ.get("BENCH_CONCURRENT_SECONDS", 15))

OUR_MESSAGES = [
    "What's the budget?",
    "Who holds the StockPilot contract?",
    "R1's owner is wrong",
    "Is R4 really scored right? 3 x 4 is 12",
    "tell me about R8",
    "when do we go live?",
    "I'm not happy with R11",
    "R3 hasn't been reviewed since March",
]
# The manager level: a draft policy's clauses, read by the manager level's own reader as well.
MANAGER_MESSAGES = [
    "Who chairs the Portfolio Board?",
    "C7: a 15 sits in both the project and the programme band",
    "C2 has an appetite but no tolerances, so how would a PM know they're outside it?",
    "tell me about C9",
    "Isn't C13 going to stop people reporting red risks?",
    "the lessons clause just archives everything",
    "I'm not sure about section 10",
    "what's the tolerance?",
]
BASELINE_MESSAGES = ["hello", "I am feeling great", "I am sad", "did that help you?", "yes", "bye"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(cache: Path | None = None) -> dict:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
               SQLALCHEMY_SILENCE_UBER_WARNING="1", PYTHONWARNINGS="ignore")
    if cache:
        env["RASA_CACHE_DIRECTORY"] = str(cache)
    return env


def timed_train(cwd: Path, args: list[str], out: Path) -> float:
    """Training from scratch: a fresh output folder and an empty graph cache."""
    with tempfile.TemporaryDirectory() as cache:
        start = time.monotonic()
        subprocess.run([str(BIN / "rasa"), "train", *args, "--out", str(out), "--fixed-model-name", "bench"],
                       cwd=cwd, env=env_for(Path(cache)), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return time.monotonic() - start


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited while starting: {proc.args}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready in {timeout}s")


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process tree, per command (rasa server, action server, web app)."""
    out: dict[str, float] = {}
    root = psutil.Process(pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            cmd = " ".join(p.cmdline()[1:4])
            out[f"{p.pid} {cmd}"] = round(p.memory_info().rss / 2**20, 1)
        except psutil.Error:
            continue
    return out


async def post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as r:
        await r.read()
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}")
    return (time.perf_counter() - start) * 1000


async def sequential(session, url: str, messages: list[str], setup: str | None, prefix: str) -> dict:
    """p50/p95/p99 of one message at a time, in realistic sessions of SESSION_LENGTH messages."""
    learners = [f"{prefix}-seq-{n}" for n in range(-(-SEQUENTIAL // SESSION_LENGTH))]
    if setup:
        for s in learners + [f"{prefix}-warm-up"]:
            await post(session, url, s, setup)
    for m in messages:  # warm-up
        await post(session, url, f"{prefix}-warm-up", m)
    latencies = [await post(session, url, learners[i // SESSION_LENGTH], messages[i % len(messages)])
                 for i in range(SEQUENTIAL)]
    q = statistics.quantiles(latencies, n=100)
    return {"p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "p99_ms": round(q[98], 1),
            "sequential_messages": SEQUENTIAL, "messages_per_learner": SESSION_LENGTH}


async def load(url: str, messages: list[str], setup: str | None, prefix: str) -> dict:
    connector = aiohttp.TCPConnector(limit=128)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        senders = [f"{prefix}-{n}" for n in range(64)]
        if setup:
            for s in senders + [f"{prefix}-long"]:
                await post(session, url, s, setup)
        result = await sequential(session, url, messages, setup, prefix)
        # One long conversation: does a message get slower as the conversation grows?
        long_run = [await post(session, url, f"{prefix}-long", messages[i % len(messages)])
                    for i in range(LONG_SESSION)]
        result["long_session_first_p50_ms"] = round(statistics.median(long_run[:50]), 1)
        result["long_session_last_p50_ms"] = round(statistics.median(long_run[-50:]), 1)
        for users in (16, 64):
            done = 0
            stop = time.monotonic() + CONCURRENT_SECONDS

            async def learner(sender: str) -> None:
                nonlocal done
                i = 0
                while time.monotonic() < stop:
                    await post(session, url, sender, messages[i % len(messages)])
                    done += 1
                    i += 1

            start = time.monotonic()
            await asyncio.gather(*(learner(s) for s in senders[:users]))
            result[f"msgs_per_s_{users}"] = round(done / (time.monotonic() - start), 1)
        return result


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def bench_ours(tmp: Path) -> dict:
    train_s = timed_train(ROOT, ["--data", "data/nlu", "data/stories", "data/rules"], tmp / "ours-models")
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = env_for() | {k: str(v) for k, v in ports.items()} | {
        "PMO_TUTOR_VAR": str(tmp / "ours-var"),
        "DATABASE_URL": f"sqlite:///{tmp}/ours-progress.db",
        "TRACKER_STORE_URL": f"sqlite:///{tmp}/ours-tracker.db",
        "PMO_TUTOR_TRAINER_TOKEN": "bench",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    start = time.monotonic()
    proc = subprocess.Popen([str(BIN / "pmo-tutor"), "run", "--model", str(tmp / "ours-models" / "bench.tar.gz")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        for line in iter(proc.stdout.readline, b""):
            if b"is running" in line:
                break
        else:
            raise RuntimeError("our stack did not start")
        cold = time.monotonic() - start
        url = f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook"
        setup = '/start_scenario{"scenario": "riverside-wms", "seed": 0}'
        result = asyncio.run(load(url, OUR_MESSAGES, setup, "ours"))
        result["manager"] = asyncio.run(manager_level(url))
        memory = rss_mb(proc.pid)
    finally:
        stop(proc)
    return {"train_s": round(train_s, 1), "cold_start_s": round(cold, 1), **result,
            "rss_mb": memory, "rss_total_mb": round(sum(memory.values()), 1)}


async def manager_level(url: str) -> dict:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        setup = '/start_scenario{"scenario": "eastmere-risk-policy", "seed": 0}'
        return await sequential(session, url, MANAGER_MESSAGES, setup, "manager")


def bench_baseline(tmp: Path) -> dict:
    project = tmp / "baseline"
    shutil.copytree(BIN.parent / "lib" / "python3.10" / "site-packages" / "rasa" / "cli" / "initial_project", project)
    train_s = timed_train(project, [], project / "models")
    port = free_port()
    start = time.monotonic()
    proc = subprocess.Popen([str(BIN / "rasa"), "run", "--model", "models/bench.tar.gz", "--interface", "127.0.0.1",
                             "--port", str(port), "--credentials", "credentials.yml"],
                            cwd=project, env=env_for(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        cold = time.monotonic() - start
        result = asyncio.run(load(f"http://127.0.0.1:{port}/webhooks/rest/webhook", BASELINE_MESSAGES, None, "base"))
        memory = rss_mb(proc.pid)
    finally:
        stop(proc)
    return {"train_s": round(train_s, 1), "cold_start_s": round(cold, 1), **result,
            "rss_mb": memory, "rss_total_mb": round(sum(memory.values()), 1)}


METRICS = [
    ("train_s", "training from scratch (s)", "lower"),
    ("cold_start_s", "cold start to ready (s)", "lower"),
    ("p50_ms", "latency p50 (ms)", "lower"),
    ("p95_ms", "latency p95 (ms)", "lower"),
    ("p99_ms", "latency p99 (ms)", "lower"),
    ("long_session_first_p50_ms", f"latency p50, messages 1-50 of a {LONG_SESSION}-message conversation (ms)", "lower"),
    ("long_session_last_p50_ms", f"latency p50, messages {LONG_SESSION - 49}-{LONG_SESSION} of it (ms)", "lower"),
    ("msgs_per_s_16", "messages/s, 16 learners", "higher"),
    ("msgs_per_s_64", "messages/s, 64 learners", "higher"),
    ("rss_total_mb", "resident memory, all processes (MB)", "lower"),
]


def markdown(ours: dict, base: dict) -> str:
    lines = ["| metric | ours | baseline (rasa init) | ours / baseline |", "|---|---:|---:|---:|"]
    for key, label, _ in METRICS:
        ratio = ours[key] / base[key] if base[key] else float("nan")
        lines.append(f"| {label} | {ours[key]} | {base[key]} | {ratio:.2f} |")
    m = ours["manager"]
    lines.append(f"| latency p95, manager level: a draft policy (ms) | {m['p95_ms']} | {base['p95_ms']} | "
                 f"{m['p95_ms'] / base['p95_ms']:.2f} |")
    lines.append("")
    lines.append("Resident memory per process (ours): " + ", ".join(f"{k}: {v} MB" for k, v in ours["rss_mb"].items()))
    return "\n".join(lines)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pmo-bench-") as tmp:
        tmp = Path(tmp)
        base = bench_baseline(tmp)
        ours = bench_ours(tmp)
    report = {"ours": ours, "baseline": base,
              "ratios": {k: round(ours[k] / base[k], 3) for k, _, _ in METRICS if base[k]},
              "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    (OUT / "bench.json").write_text(json.dumps(report, indent=2))
    md = markdown(ours, base)
    (OUT / "bench.md").write_text("# Benchmark: PMO Challenge Tutor vs plain Rasa\n\n" + md + "\n")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
