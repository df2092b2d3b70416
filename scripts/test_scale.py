"""`make test-scale`: the cluster under a class's load, with a Rasa replica killed mid-run.

1. Starts `python -m bot.cluster` (what `make run-cluster` runs) in the background with its own
   var directory (var/test-scale, emptied first) and waits until it is serving. Replica rasa-2
   starts held (var/test-scale/cluster/hold/rasa-2), so the first measurement has one replica.
2. One replica: scripts/load.py with --compare-learners learners (default 100) through nginx
   on 5005.
3. Releases rasa-2, waits until it answers, warms it up, and measures again with two replicas and
   the same number of learners.
4. Rolling restart (an upgrade): --roll-learners learners (default 100, 6 s mean pause between
   messages, as a class plays) while rasa-1 and then rasa-2 are held (drained and stopped) and
   released (started again). The client never resends: no message may fail, nothing may be lost.
5. Fault run: --learners learners (default 200); after --kill-after seconds rasa-1 gets SIGKILL.
   The learners' client resends a message that failed with a connection error or a 5xx (up to 3
   times); load.py then checks the progress store: nothing lost, nothing duplicated, nothing
   misattributed (a message recorded twice is accepted only where the client had resent it),
   and at most 1% of messages failed. The supervisor must have restarted rasa-1.
6. SIGTERM to the supervisor: everything it started must stop (ports free, no process left).

Writes results/scale/{one-replica,two-replicas,rolling-restart,fault}.json and summary.json; prints the
throughput with one and with two replicas; exit status 1 if any check failed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cluster import APP_ROLE, PROGRESS_DB, Ports, cluster_home  # noqa: E402
from bot.stack import _alive, _group_members, stop_leftovers  # noqa: E402

OUT = ROOT / "results" / "scale"
ROLL_SETTLE = 10.0  # seconds between one replica answering again and stopping the next


def log(msg: str) -> None:
    print(f"[test-scale {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def answers(url: str, timeout: float = 5) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def say(port: int, sender: str, text: str, timeout: float = 120) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                 data=json.dumps({"sender": sender, "message": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            return r.status
    except OSError as e:
        return getattr(e, "code", 0) or 0


class Cluster:
    def __init__(self, var: Path, model: str):
        self.var = var
        self.model = model
        self.hold = var / "cluster" / "hold"  # through the link, if var/cluster is one
        self.runfile = var / "run" / "cluster.json"
        self.output = OUT / "cluster.out"
        self.ports = Ports.from_env()
        self.proc: subprocess.Popen | None = None

    def start(self, held: list[str], timeout: float = 400) -> None:
        stop_leftovers(self.runfile)  # a previous test-scale's cluster, if its runner was killed
        linked = self.var / "cluster"
        if linked.is_symlink():  # the data was kept outside the checkout (bot.cluster.cluster_home)
            shutil.rmtree(linked.resolve(), ignore_errors=True)
        if self.var.exists():
            shutil.rmtree(self.var)
        self.var.mkdir(parents=True)
        cluster_home(self.var)  # as the cluster will find it (maybe a link out of the checkout)
        self.hold.mkdir()
        for name in held:
            (self.hold / name).touch()
        env = dict(os.environ, PMO_TUTOR_VAR=str(self.var), PMO_TUTOR_TRAINER_TOKEN="test-scale-token")
        for key in ("DATABASE_URL", "TRACKER_STORE_URL", "REDIS_URL", "TELEGRAM_BOT_TOKEN"):
            env.pop(key, None)  # the cluster's own PostgreSQL and Redis
        self.output.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.output, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cluster", "--model", self.model], cwd=ROOT, env=env,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the cluster exited during start-up ({self.proc.returncode}):\n{self.tail()}")
            if "is running" in self.text():
                return
            time.sleep(1)
        raise RuntimeError(f"the cluster was not serving after {timeout:.0f}s:\n{self.tail()}")

    def text(self) -> str:
        try:
            return self.output.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-n:])

    def database_url(self) -> str:
        secrets = json.loads((self.var / "cluster" / "secrets.json").read_text())
        return f"postgresql+psycopg2://{APP_ROLE}:{secrets[APP_ROLE]}@127.0.0.1:{self.ports.postgres}/{PROGRESS_DB}"

    def pgid(self, name: str) -> int:
        return json.loads(self.runfile.read_text())["children"][name]["pgid"]

    def release(self, name: str, port: int, timeout: float = 240) -> float:
        began = time.monotonic()
        (self.hold / name).unlink()
        deadline = began + timeout
        while time.monotonic() < deadline:
            if answers(f"http://127.0.0.1:{port}/"):
                return time.monotonic() - began
            time.sleep(1)
        raise RuntimeError(f"{name} did not answer {timeout:.0f}s after its release:\n{self.tail()}")

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.text():
                return True
            time.sleep(1)
        return False

    def stop(self, timeout: float = 180) -> tuple[int | None, float]:
        """SIGTERM to the supervisor; its exit code (None if it had to be killed) and the time."""
        if self.proc is None or self.proc.poll() is not None:
            return (self.proc.returncode if self.proc else None), 0.0
        began = time.monotonic()
        pgids = list((json.loads(self.runfile.read_text()).get("children") or {}).values()) \
            if self.runfile.exists() else []
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            code = None
        self.leftovers = [pid for child in pgids for pid in _group_members(child["pgid"]) if _alive(pid)]
        return code, time.monotonic() - began


def post(port: int, sender: str, text: str, timeout: float = 60) -> tuple[int, str]:
    """A message to the REST channel: (status, body); (0, reason) when there was no answer."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                 data=json.dumps({"sender": sender, "message": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return 0, str(e)


def stores_down(cluster: "Cluster", checks: dict) -> dict:
    """Redis (the lock store), then PostgreSQL (tracker and progress stores), held stopped: a
    message meanwhile is refused with the reason (never 200 with nothing, which RestInput gives on
    a store's failure); released, messages are answered again."""
    ports, found = cluster.ports, {}
    for store, port in (("redis", ports.redis), ("postgres", ports.postgres)):
        (cluster.hold / store).touch()
        deadline = time.monotonic() + 60
        while listening(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        down, body = post(ports.rest, f"test-scale-{store}-down", "R3 has no owner")
        log(f"{store} stopped: a message was answered {down} {body[:120]}")
        # 503 from the REST channel, or (the progress store down) the tutor's own "can't save
        # progress" reply with its mark, which the web chat turns into a 503 that keeps the text
        told = down == 503 and "send it again" in body or down == 200 and "storage_unavailable" in body
        checks[f"{store} down: the learner is told to send it again, never an empty reply"] = told
        (cluster.hold / store).unlink()
        began = time.monotonic()
        while time.monotonic() - began < 120:
            status, body = post(ports.rest, f"test-scale-{store}-back", "hello", timeout=30)
            if status == 200 and "PMO Challenge Tutor" in body:
                break
            time.sleep(2)
        back = round(time.monotonic() - began, 1)
        log(f"{store} released: messages answered again after {back} s")
        checks[f"{store} back: messages answered again"] = status == 200
        found[store] = {"answered_while_down": down, "answered_again_after_s": back}
    return found


def load(name: str, url: str, learners: int, seed: int, database_url: str, *, retries: int,
         during: tuple[float, Callable[[], None]] | None = None, extra: tuple[str, ...] = ()) -> dict:
    """scripts/load.py against `url`; `during` = (seconds, action): the action runs in a thread
    that many seconds into the run (if it is still running)."""
    out = OUT / f"{name}.json"
    out.unlink(missing_ok=True)
    argv = [sys.executable, "scripts/load.py", "--rasa", url, "--learners", str(learners), "--seed", str(seed),
            "--retries", str(retries), "--json", "--out", str(out), *extra]
    env = dict(os.environ, DATABASE_URL=database_url)  # not on the command line, where ps shows it
    log(f"{name}: {learners} learners through {url}" + (f" ({' '.join(extra)})" if extra else ""))
    began = time.monotonic()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    thread = None
    if during is not None:
        after, action = during

        def run() -> None:
            while proc.poll() is None and time.monotonic() - began < after:
                time.sleep(0.2)
            if proc.poll() is None:
                action()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
    _, err = proc.communicate()
    ended = time.monotonic()
    if thread is not None:
        thread.join(timeout=300)
    if not out.exists():
        raise RuntimeError(f"load.py wrote no summary (exit {proc.returncode}):\n{err[-3000:]}")
    summary = json.loads(out.read_text())
    summary["exit_code"] = proc.returncode
    summary["ended_after_s"] = round(ended - began, 1)
    log(f"{name}: {summary['messages']} messages, {summary['throughput_msg_s']} msg/s, p50 {summary['p50_ms']} ms, "
        f"p95 {summary['p95_ms']} ms, errors {summary['errors']}, retries {summary['retries']}, "
        f"lost {summary['lost']}, duplicated {summary['duplicated']}, misattributed {summary['misattributed']}, "
        f"recorded twice after a retry {summary['recorded_twice_after_retry']}"
        + ("" if summary["passed"] else f"; FAILED: {summary.get('error_kinds')} {summary.get('problems', [])[:5]}"))
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="models/pmo-tutor.tar.gz")
    p.add_argument("--learners", type=int, default=200, help="the fault run's learners")
    p.add_argument("--compare-learners", type=int, default=100, help="learners of the one- and two-replica runs")
    p.add_argument("--kill-after", type=float, default=30.0, help="seconds into the fault run to kill rasa-1")
    p.add_argument("--roll-learners", type=int, default=100, help="learners of the rolling-restart run")
    p.add_argument("--roll-think", type=float, default=6.0, help="their mean pause between messages (s)")
    p.add_argument("--var", type=Path, default=ROOT / "var" / "test-scale")
    args = p.parse_args(argv)

    began = time.monotonic()
    cluster = Cluster(args.var.resolve(), args.model)
    ports = cluster.ports
    rest = f"http://127.0.0.1:{ports.rest}"
    checks: dict[str, bool] = {}
    results: dict = {"learners_fault_run": args.learners, "learners_compared": args.compare_learners,
                     "cores": os.cpu_count()}
    failure = None
    try:
        log(f"starting the cluster (var {cluster.var}; rasa-2 held)")
        t = time.monotonic()
        cluster.start(held=["rasa-2"])
        results["start_s"] = round(time.monotonic() - t, 1)
        checks["cluster started"] = True
        log(f"cluster serving after {results['start_s']} s")
        db = cluster.database_url()
        assert say(ports.rest, "test-scale-warmup-1", "hello") == 200, "no answer through nginx"
        assert answers(f"http://127.0.0.1:{ports.web}/api/health"), "the web app does not answer"

        one = load("one-replica", rest, args.compare_learners, 11, db, retries=0)
        checks["one replica: nothing lost or duplicated"] = one["passed"]

        took = cluster.release("rasa-2", ports.replicas[1])
        log(f"rasa-2 released and answering after {took:.1f} s")
        for port in ports.replicas:  # warm both up (a cold replica's first messages are slow)
            for text in ('/start_scenario{"scenario": "riverside-wms", "seed": 1}', "R3 has no owner", "hint"):
                say(port, f"test-scale-warmup-{port}", text)
        two = load("two-replicas", rest, args.compare_learners, 12, db, retries=0)
        checks["two replicas: nothing lost or duplicated"] = two["passed"]

        # A rolling restart (an upgrade): each replica in turn held (drained and stopped) and
        # released while learners play, who never resend: no message may fail.
        rolled: dict = {}

        def roll() -> None:
            for name, port in zip(("rasa-1", "rasa-2"), ports.replicas):
                t0 = time.monotonic()
                (cluster.hold / name).touch()
                deadline = t0 + 60
                while answers(f"http://127.0.0.1:{port}/", timeout=2) and time.monotonic() < deadline:
                    time.sleep(0.5)
                took = cluster.release(name, port)
                rolled[name] = round(time.monotonic() - t0, 1)
                log(f"rolling restart: {name} drained, restarted and answering after {rolled[name]} s "
                    f"(start-up {took:.1f} s)")
                time.sleep(ROLL_SETTLE)  # as docs/deploy.md says: let it take traffic before the next
            rolled["done_after_s"] = round(time.monotonic() - roll_began, 1)

        roll_began = time.monotonic()
        rolling = load("rolling-restart", rest, args.roll_learners, 14, db, retries=0, during=(5.0, roll),
                       extra=("--think", str(args.roll_think)))
        checks["rolling restart: both replicas restarted while learners played"] = (
            "rasa-2" in rolled and rolled["done_after_s"] <= rolling["ended_after_s"] + 5.0)
        checks["rolling restart: no message failed, nothing lost or duplicated (no client retries)"] = (
            rolling["passed"] and rolling["errors"] == 0 and rolling["retries"] == 0)
        results["rolling_restart"] = {**rolling, "restarted": rolled}

        victim = {}

        def kill_rasa_1() -> None:
            pid = cluster.pgid("rasa-1")
            victim["pid"], victim["at"] = pid, time.monotonic()
            log(f"kill -9 rasa-1 (pid {pid})")
            os.kill(pid, signal.SIGKILL)

        fault = load("fault", rest, args.learners, 13, db, retries=3, during=(args.kill_after, kill_rasa_1))
        checks["rasa-1 killed mid-run"] = "pid" in victim and fault["wall_s"] > args.kill_after
        # a retry carries the message's id: one processed before its reply was lost is not recorded again
        checks["fault run: nothing lost or duplicated, no retry recorded twice, errors <= 1%"] = (
            fault["passed"] and fault["recorded_twice_after_retry"] == 0)
        restarted = cluster.wait_for("rasa-1 ready again", timeout=240)
        checks["the supervisor restarted rasa-1"] = restarted and "rasa-1 exited (signal 9)" in cluster.text()
        if restarted:
            log("rasa-1 restarted by the supervisor and answering again")
        results["stores_down"] = stores_down(cluster, checks)
        results.update(one_replica=one, two_replicas=two, fault=fault)
        results["speedup"] = round(two["throughput_msg_s"] / one["throughput_msg_s"], 2) if one["throughput_msg_s"] else None
    except (RuntimeError, AssertionError, OSError, KeyError, ValueError) as e:
        failure = f"{type(e).__name__}: {e}"
        log(f"FAILED: {failure}")
        checks.setdefault("cluster started", False)
    finally:
        log("SIGTERM to the supervisor")
        code, took = cluster.stop()
        free = [port for port in [ports.rest, ports.actions, ports.web, ports.postgres, ports.redis,
                                  *ports.replicas, *ports.action_servers] if listening(port)]
        left = getattr(cluster, "leftovers", [])
        checks["SIGTERM stopped everything"] = code == 0 and not free and not left
        log(f"supervisor exited {code} after {took:.1f} s; ports still open: {free or 'none'}; "
            f"processes left: {left or 'none'}")
        if code != 0:
            print(cluster.tail(), file=sys.stderr)

    results["checks"] = checks
    results["failure"] = failure
    results["total_s"] = round(time.monotonic() - began, 1)
    (OUT / "summary.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    if "one_replica" in results:
        one, two, fault = results["one_replica"], results["two_replicas"], results["fault"]
        print(f"Throughput ({os.cpu_count()} cores, {args.compare_learners} learners each, whole sessions):")
        print(f"  one replica:  {one['throughput_msg_s']:6.1f} msg/s   p50 {one['p50_ms']:.0f} ms, p95 {one['p95_ms']:.0f} ms")
        print(f"  two replicas: {two['throughput_msg_s']:6.1f} msg/s   p50 {two['p50_ms']:.0f} ms, p95 {two['p95_ms']:.0f} ms"
              f"   ({results['speedup']}x)")
        print(f"Fault run ({args.learners} learners, rasa-1 killed after {args.kill_after:.0f} s): "
              f"{fault['throughput_msg_s']} msg/s, {fault['errors']} errors, {fault['retries']} retries, "
              f"lost {fault['lost']}, duplicated {fault['duplicated']}, "
              f"recorded twice after a retry {fault['recorded_twice_after_retry']}")
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    passed = sum(checks.values())
    print(f"Took {results['total_s']:.0f} s; results in {OUT.relative_to(ROOT)}/")
    print(f"test-scale: {passed} passed, {len(checks) - passed} failed")
    return 0 if failure is None and all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
