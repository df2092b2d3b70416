"""Runs the whole stack in the foreground: action server, Rasa server, web app (and the Telegram
bridge when TELEGRAM_BOT_TOKEN is set). Waits until each is healthy, prints where to go, and
stops every child on Ctrl-C or SIGTERM (SIGTERM to each, up to 15 s to drain, then SIGKILL).
Each child's output goes to var/log/<name>.log.

After start-up the supervisor keeps the stack serving. A child that exits is restarted with
exponential backoff (1 s, 2 s, 4 s ... at most 30 s; back to 1 s once it has stayed healthy for
60 s); a child whose health URL stops answering (3 checks in a row, 2 s timeout, one every ~2 s)
is hung: its process group gets SIGKILL and it is restarted the same way. The others keep
serving meanwhile. A child that fails during the first start-up still stops everything (exit 1).

Nothing outlives a supervisor killed with SIGKILL: every child asks the kernel for SIGKILL when
the supervisor dies (PR_SET_PDEATHSIG, Linux), and var/run/stack.json names the supervisor and
its children's process groups, so the next start stops whatever of this checkout is left."""
from __future__ import annotations

import ctypes
import json
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
HEALTH_INTERVAL = 2.0  # seconds between a running child's health checks
HEALTH_TIMEOUT = 2.0  # a check that gets no answer in this long fails
HEALTH_FAILURES = 3  # failed checks in a row that make a child hung
BACKOFF_MAX = 30  # restart delays double from 1 s up to this
STABLE_AFTER = 60.0  # healthy this long after a restart: the next delay is 1 s again
DRAIN = 15.0  # on SIGTERM/SIGINT, how long children get before SIGKILL
LEFTOVER_GRACE = 5.0  # how long a previous run's processes get between SIGTERM and SIGKILL

PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
except (OSError, AttributeError):
    _prctl = None


def _die_with(parent: int):
    """preexec_fn for a child (runs after Popen's setsid, before exec): SIGKILL it when the
    supervisor dies. The setting survives exec; it is tied to the thread that forked, so children
    are only ever started from the main thread. If the supervisor died before prctl took effect,
    the child is already an orphan and kills itself."""

    def preexec() -> None:
        if _prctl is not None:
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


def describe_exit(code: int) -> str:
    return f"signal {-code}" if code < 0 else f"code {code}"


@dataclass
class Child:
    name: str
    argv: list[str]
    health: str | None
    proc: subprocess.Popen | None = None
    log: Path | None = None
    started: float = 0.0  # monotonic time of the last (re)start
    ready: bool = False  # has been healthy since the last (re)start
    healthy_since: float | None = None  # start of the current run of passed checks
    next_check: float = 0.0
    failures: int = 0  # failed health checks in a row
    restarts: int = 0  # restarts so far
    streak: int = 0  # restarts since the child last stayed healthy for STABLE_AFTER
    restart_at: float | None = None  # when a dead child is due to start again

    def start(self, env: dict, logdir: Path) -> None:
        self.log = logdir / f"{self.name}.log"
        out = open(self.log, "ab", buffering=0)
        if self.restarts:
            out.write(f"\n--- supervisor: restart {self.restarts} ---\n".encode())
        # Own process group, so stopping it also stops anything it forked (Sanic workers).
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with(os.getpid()),
        )
        out.close()
        self.started = time.monotonic()
        self.ready = self.health is None
        self.healthy_since = self.started if self.ready else None
        self.next_check = 0.0
        self.failures = 0
        self.restart_at = None

    def healthy(self) -> bool:
        if self.health is None:
            return True
        try:
            with urllib.request.urlopen(self.health, timeout=HEALTH_TIMEOUT) as r:
                return r.status == 200
        except (OSError, ValueError):  # refused, reset, timed out (socket.timeout is an OSError)
            return False

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def signal_group(self, signum: int) -> None:
        """Signal the child's process group: the child and anything it forked. Also after the
        child itself has exited, for what it left in its group (a group's id is not reused while
        any member lives)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.signal_group(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the whole group and reap the child."""
        if self.proc is None:
            return
        self.signal_group(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


# --- var/run/stack.json: what a supervisor killed with SIGKILL may have left behind -----------

def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on, or None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2:].split()


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def _start_time(pid: int) -> int | None:
    """Start time in clock ticks since boot: with the pid, names one process even if pids wrap."""
    st = _stat(pid)
    return int(st[19]) if st else None


def _belongs_here(pid: int) -> bool:
    """Is the process one of this checkout's: working directory or command line in ROOT?"""
    root = str(ROOT)
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
        if cwd == root or cwd.startswith(root + os.sep):
            return True
    except OSError:
        pass
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return root in cmdline


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st and int(st[2]) == pgid:
                members.append(int(entry.name))
    return members


def _ancestors(pid: int) -> set[int]:
    """The pid, its parent, its parent's parent... (never stopped, whatever the file says)."""
    seen = set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        st = _stat(pid)
        if not st:
            break
        pid = int(st[1])
    return seen


def write_runfile(path: Path, children: list[Child]) -> None:
    data = {
        "pid": os.getpid(),
        "start_time": _start_time(os.getpid()),
        "root": str(ROOT),
        "children": {
            c.name: {"pgid": c.proc.pid, "start_time": _start_time(c.proc.pid)}
            for c in children if c.proc is not None
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def stop_leftovers(path: Path) -> None:
    """Stop what the run that wrote `path` left running (its supervisor, if still alive, and its
    children's process groups), if it is this checkout's: SIGTERM, then SIGKILL after 5 s."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    protected = _ancestors(os.getpid())

    def same(pid, start_time) -> bool:  # the recorded process, not a later one with its pid
        return isinstance(pid, int) and (start_time is None or _start_time(pid) == start_time)

    found: dict[int, str] = {}
    sup = data.get("pid")
    if same(sup, data.get("start_time")) and _alive(sup) and _belongs_here(sup):
        found[sup] = "supervisor"
    for name, child in (data.get("children") or {}).items():
        pgid = child.get("pgid") if isinstance(child, dict) else None
        if not isinstance(pgid, int) or pgid <= 1:
            continue
        if _stat(pgid) is not None and not same(pgid, child.get("start_time")):
            continue  # the pid (so the group id) is someone else's now; a group outlives its leader
        for pid in _group_members(pgid):
            if _alive(pid) and _belongs_here(pid):
                found[pid] = name
    for pid in protected:
        found.pop(pid, None)
    if found:
        names = ", ".join(f"{name} (pid {pid})" for pid, name in sorted(found.items()))
        print(f"A previous run (supervisor pid {sup}, {path}) left processes running; stopping {names}", flush=True)
        # The supervisor first, so it is stopping (not restarting) when its children go.
        for pid in sorted(found, key=lambda p: found[p] != "supervisor"):
            try:
                os.kill(pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + LEFTOVER_GRACE
        while any(_alive(p) for p in found) and time.monotonic() < deadline:
            time.sleep(0.1)
        stubborn = [p for p in found if _alive(p)]
        for pid in stubborn:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + LEFTOVER_GRACE
        while any(_alive(p) for p in stubborn) and time.monotonic() < deadline:
            time.sleep(0.1)
        killed = f" ({len(stubborn)} needed SIGKILL)" if stubborn else ""
        print(f"Stopped the previous run's processes{killed}.", flush=True)
    try:
        path.unlink()
    except OSError:
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
    runfile = var / "run" / "stack.json"
    stop_leftovers(runfile)
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
        deadline = time.monotonic() + DRAIN
        for c in children:
            while c.proc and c.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            c.kill()
        try:
            runfile.unlink()
        except OSError:
            pass
        print("Stopped.", flush=True)
        return code

    def schedule_restart(c: Child, why: str) -> None:
        """`c` is dead and reaped: start it again after its backoff delay."""
        c.restarts += 1
        c.streak += 1
        delay = min(BACKOFF_MAX, 2 ** (c.streak - 1))
        c.restart_at = time.monotonic() + delay
        c.proc = None
        print(f"{why}; restarting in {delay}s (restart {c.restarts})", flush=True)
        write_runfile(runfile, children)

    started = time.monotonic()
    for c in children:
        c.start(env, logdir)
    write_runfile(runfile, children)
    pending = list(children)
    while pending:
        if stopping:
            return shutdown(0)
        for c in list(pending):
            if c.proc.poll() is not None:
                print(f"{c.name} exited during start-up ({c.log}):\n{c.tail()}", file=sys.stderr)
                return shutdown(1)
            if c.healthy():
                now = time.monotonic()
                print(f"{c.name} ready after {now - started:.1f}s", flush=True)
                c.ready, c.healthy_since, c.next_check = True, now, now + HEALTH_INTERVAL
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
    # Supervision: one pass over the children about every half second. Only this (the main)
    # thread starts children, which PR_SET_PDEATHSIG needs.
    while not stopping:
        for c in children:
            if stopping:
                break
            now = time.monotonic()
            if c.proc is None:  # dead, waiting out its backoff
                if now >= c.restart_at:
                    c.start(env, logdir)
                    write_runfile(runfile, children)
                    print(f"{c.name} restarted (pid {c.proc.pid})", flush=True)
                continue
            code = c.proc.poll()
            if code is not None:
                c.signal_group(signal.SIGKILL)  # whatever it forked goes with it
                if code > 0:
                    print(f"{c.name} log ({c.log}):\n{c.tail(10)}", file=sys.stderr, flush=True)
                schedule_restart(c, f"{c.name} exited ({describe_exit(code)})")
                continue
            if not c.ready:  # restarted, not healthy yet
                if c.healthy():
                    now = time.monotonic()
                    c.ready, c.healthy_since, c.next_check = True, now, now + HEALTH_INTERVAL
                    print(f"{c.name} ready again after {now - c.started:.1f}s", flush=True)
                elif now - c.started > START_TIMEOUT:
                    c.kill()
                    schedule_restart(c, f"{c.name} not healthy {START_TIMEOUT:.0f}s after its restart; killed it")
                continue
            if c.streak and c.healthy_since is not None and now - c.healthy_since >= STABLE_AFTER:
                c.streak = 0  # stayed healthy: the next restart waits 1 s again
            if c.health is None or now < c.next_check:
                continue
            ok = c.healthy()
            now = time.monotonic()
            c.next_check = now + HEALTH_INTERVAL
            if ok:
                c.failures = 0
                if c.healthy_since is None:
                    c.healthy_since = now
                continue
            c.failures += 1
            c.healthy_since = None
            if c.failures >= HEALTH_FAILURES:
                c.kill()
                schedule_restart(
                    c, f"{c.name} hung ({c.health} did not answer {HEALTH_FAILURES} checks in a row, "
                       f"{HEALTH_TIMEOUT:.0f}s timeout); killed it (SIGKILL)"
                )
        time.sleep(0.5)
    return shutdown(0)
