"""Runs the whole stack in the foreground: action server, Rasa server, web app (and the Telegram
bridge when TELEGRAM_BOT_TOKEN is set). Waits until each is healthy, prints where to go, and
stops every child on Ctrl-C or SIGTERM. Each child's output goes to var/log/<name>.log."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_TIMEOUT = float(os.environ.get("PMO_TUTOR_START_TIMEOUT", "180"))


@dataclass
class Child:
    name: str
    argv: list[str]
    health: str | None
    proc: subprocess.Popen | None = None
    log: Path | None = None

    def start(self, env: dict, logdir: Path) -> None:
        self.log = logdir / f"{self.name}.log"
        out = open(self.log, "ab", buffering=0)
        # Own process group, so stopping it also stops anything it forked (Sanic workers).
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()

    def healthy(self) -> bool:
        if self.health is None:
            return True
        try:
            with urllib.request.urlopen(self.health, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def quiet_env() -> dict:
    """Environment for Rasa processes: no telemetry (the machine may be offline), less noise."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def tracker_store_endpoint(url: str) -> dict:
    """Rasa's SQL tracker store takes parts, not a URL: split TRACKER_STORE_URL."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    ep = {"type": "rasa_server.tracker_store.RecentEventsSQLTrackerStore", "dialect": u.drivername, "db": u.database}
    if u.drivername.startswith("sqlite") and u.database:
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    for key, value in (("url", u.host), ("port", u.port), ("username", u.username), ("password", u.password)):
        if value:
            ep[key] = value
    return ep


def write_endpoints(var: Path, action_port: int) -> Path:
    tracker_url = os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{var / 'tracker.db'}"
    endpoints = {
        # Our actions never read the domain: not sending it saves serialising it on every message.
        "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook", "enable_selective_domain": True},
        "tracker_store": tracker_store_endpoint(tracker_url),
    }
    path = var / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    path.chmod(0o600)  # may hold a database password
    return path


def main(model: str = "models/pmo-tutor.tar.gz") -> int:
    var = Path(os.environ.get("PMO_TUTOR_VAR", ROOT / "var"))
    logdir = var / "log"
    logdir.mkdir(parents=True, exist_ok=True)
    rasa_port = int(os.environ.get("RASA_PORT", 5005))
    action_port = int(os.environ.get("ACTION_PORT", 5055))
    web_port = int(os.environ.get("WEB_PORT", 8000))
    env = quiet_env()
    env.setdefault("DATABASE_URL", f"sqlite:///{var / 'progress.db'}")
    if not env.get("PMO_TUTOR_TRAINER_TOKEN"):
        env["PMO_TUTOR_TRAINER_TOKEN"] = secrets.token_urlsafe(24)
        print(f"Trainer token (generated for this run): {env['PMO_TUTOR_TRAINER_TOKEN']}", flush=True)
    endpoints = write_endpoints(var, action_port)
    rasa = str(BIN / "rasa")
    children = [
        Child(
            "actions",
            [rasa, "run", "actions", "--port", str(action_port), "--actions", "actions"],
            f"http://127.0.0.1:{action_port}/health",
        ),
        Child(
            "rasa",
            [sys.executable, "-m", "rasa_server", "run", "--model", model, "--interface", "127.0.0.1",
             "--port", str(rasa_port),
             "--credentials", "credentials.yml", "--endpoints", str(endpoints)],
            f"http://127.0.0.1:{rasa_port}/",
        ),
        Child("web", [str(BIN / "pmo-tutor"), "web", "--port", str(web_port)],
              f"http://127.0.0.1:{web_port}/api/health"),
    ]
    if env.get("TELEGRAM_BOT_TOKEN"):
        children.append(Child("telegram", [str(BIN / "pmo-tutor"), "telegram"], None))
    env["SANIC_HOST"] = "127.0.0.1"  # the action server listens on loopback only
    env["RASA_URL"] = f"http://127.0.0.1:{rasa_port}"

    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def shutdown(code: int) -> int:
        print("Stopping...", flush=True)
        for c in children:
            c.stop()
        deadline = time.monotonic() + 15
        for c in children:
            while c.proc and c.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            c.kill()
        print("Stopped.", flush=True)
        return code

    started = time.monotonic()
    for c in children:
        c.start(env, logdir)
    pending = list(children)
    while pending:
        if stopping:
            return shutdown(0)
        for c in list(pending):
            if c.proc.poll() is not None:
                print(f"{c.name} exited during start-up ({c.log}):\n{c.tail()}", file=sys.stderr)
                return shutdown(1)
            if c.healthy():
                print(f"{c.name} ready after {time.monotonic() - started:.1f}s", flush=True)
                pending.remove(c)
        if time.monotonic() - started > START_TIMEOUT:
            names = ", ".join(c.name for c in pending)
            print(f"not ready after {START_TIMEOUT:.0f}s: {names}; see {logdir}", file=sys.stderr)
            return shutdown(1)
        time.sleep(0.3)

    print(
        "\nPMO Challenge Tutor is running.\n"
        f"  Learner chat:      http://127.0.0.1:{web_port}/\n"
        f"  Trainer dashboard: http://127.0.0.1:{web_port}/trainer\n"
        f"  Trainer API:       http://127.0.0.1:{web_port}/api/learners (Authorization: Bearer <token>)\n"
        f"  Rasa REST channel: POST http://127.0.0.1:{rasa_port}/webhooks/rest/webhook\n"
        f"  Logs:              {logdir}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    while not stopping:
        for c in children:
            if c.proc.poll() is not None:
                print(f"{c.name} stopped unexpectedly ({c.log}):\n{c.tail()}", file=sys.stderr)
                return shutdown(1)
        time.sleep(0.5)
    return shutdown(0)
