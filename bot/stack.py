"""Runs the whole stack in the foreground: action server, Rasa server, web app (and the Telegram
bridge when TELEGRAM_BOT_TOKEN is set). Waits until each is healthy, prints where to go, and
stops every child on Ctrl-C or SIGTERM (SIGTERM to each, up to 15 s to drain, then SIGKILL).
Each child's output goes to var/log/<name>.log.

After start-up the supervisor keeps the stack serving. A child that exits is restarted with
exponential backoff (1 s, 2 s, 4 s ... at most 30 s; back to 1 s once it has stayed healthy for
60 s); a child whose health URL stops answering (3 checks in a row, 2 s timeout, one every ~2 s)
while idle is hung: its process group gets SIGKILL and it is restarted the same way. A child that
does not answer but is using the CPU (a Rasa server under a class's load answers late: its one
event loop is working through the queue) is busy, not hung, and is killed only if it goes on not
answering for 60 s. The others keep serving meanwhile. A child that fails during the first
start-up still stops everything (exit 1). The loop is the Supervisor class, which bot/cluster.py
(`make run-cluster`) uses too.

Nothing outlives a supervisor killed with SIGKILL: every child asks the kernel for SIGKILL when
the supervisor dies (PR_SET_PDEATHSIG, Linux), and var/run/stack.json names the supervisor and
its children's process groups, so the next start stops whatever of this checkout is left."""
from __future__ import annotations

import ctypes
import json
import os
import pwd
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_TIMEOUT = float(os.environ.get("PMO_TUTOR_START_TIMEOUT", "180"))
HEALTH_INTERVAL = 2.0  # seconds between a running child's health checks
HEALTH_TIMEOUT = 2.0  # a check that gets no answer in this long fails
HEALTH_FAILURES = 3  # failed checks in a row that make a child hung, if it is idle meanwhile
BUSY_CPU = 0.05  # a child using at least this share of a CPU while failing its checks is busy, not hung
BUSY_LIMIT = 60.0  # ... and is taken for hung only after failing its checks this long
BACKOFF_MAX = 30  # restart delays double from 1 s up to this
STABLE_AFTER = 60.0  # healthy this long after a restart: the next delay is 1 s again
DRAIN = 15.0  # on SIGTERM/SIGINT, how long children get before SIGKILL
LEFTOVER_GRACE = 5.0  # how long a previous run's processes get between SIGTERM and SIGKILL

PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
except (OSError, AttributeError):
    _prctl = None


def _die_with(parent: int, signum: int = signal.SIGKILL):
    """preexec_fn for a child (runs after Popen's setsid and its change of user, before exec):
    send it `signum` (SIGKILL unless a child asks for a gentler one) when the supervisor dies. The
    setting survives exec; it is tied to the thread that forked, so children are only ever started
    from the main thread. If the supervisor died before prctl took effect, the child is already an
    orphan and kills itself."""

    def preexec() -> None:
        if _prctl is not None:
            _prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def describe_exit(code: int) -> str:
    return f"signal {-code}" if code < 0 else f"code {code}"


@dataclass
class Child:
    name: str
    argv: list[str]
    health: str | None  # a URL that answers 200 while the child is healthy
    probe: Callable[[], bool] | None = None  # or a check of its own (a database, Redis); may raise
    stop_signal: int = signal.SIGTERM  # what asks it to drain and exit (PostgreSQL: SIGINT)
    death_signal: int = signal.SIGKILL  # what it gets if the supervisor dies
    user: str | None = None  # run as this user (PostgreSQL refuses to run as root)
    tier: int = 0  # start order: higher tiers need lower ones, and are stopped first
    env: dict | None = None  # extra environment for this child only
    proc: subprocess.Popen | None = None
    log: Path | None = None
    started: float = 0.0  # monotonic time of the last (re)start
    ready: bool = False  # has been healthy since the last (re)start
    healthy_since: float | None = None  # start of the current run of passed checks
    next_check: float = 0.0
    failures: int = 0  # failed health checks in a row
    failing_since: float | None = None  # when the current run of failed checks began
    cpu_mark: float | None = None  # the process group's CPU seconds then
    busy_noted: bool = False  # said once per run of failed checks that it is busy, not hung
    restarts: int = 0  # restarts so far
    streak: int = 0  # restarts since the child last stayed healthy for STABLE_AFTER
    restart_at: float | None = None  # when a dead child is due to start again

    def start(self, env: dict, logdir: Path) -> None:
        self.log = logdir / f"{self.name}.log"
        out = open(self.log, "ab", buffering=0)
        if self.restarts:
            out.write(f"\n--- supervisor: restart {self.restarts} ---\n".encode())
        as_user = {}
        if self.user and os.geteuid() == 0:
            pw = pwd.getpwnam(self.user)
            as_user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        # Own process group, so stopping it also stops anything it forked (Sanic workers). The
        # change of user happens before preexec_fn, so the death signal is kept.
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=dict(env, **(self.env or {})), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with(os.getpid(), self.death_signal), **as_user,
        )
        out.close()
        self.started = time.monotonic()
        self.ready = not self.checked
        self.healthy_since = self.started if self.ready else None
        self.next_check = 0.0
        self.failures = 0
        self.failing_since = self.cpu_mark = None
        self.busy_noted = False
        self.restart_at = None

    @property
    def checked(self) -> bool:
        """Does the child have a health check (an URL or a probe)?"""
        return self.health is not None or self.probe is not None

    def healthy(self) -> bool:
        if self.probe is not None:
            try:
                return bool(self.probe())
            except Exception:  # noqa: BLE001 - a probe that fails for any reason is a failed check
                return False
        if self.health is None:
            return True
        try:
            with urllib.request.urlopen(self.health, timeout=HEALTH_TIMEOUT) as r:
                return r.status == 200
        except (OSError, ValueError):  # refused, reset, timed out (socket.timeout is an OSError)
            return False

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by the child's process group, or None."""
        if self.proc is None:
            return None
        ticks = 0
        for pid in _group_members(self.proc.pid):
            st = _stat(pid)
            if st:
                ticks += int(st[11]) + int(st[12])  # utime, stime
        return ticks / _CLK_TCK

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
            self.signal_group(self.stop_signal)

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


def databases_missing(var: Path, env: dict) -> str | None:
    """Why the stack cannot start, if a database it needs does not answer: Rasa's SQL tracker store
    would wait for its database forever (the progress database only makes the web app degraded,
    but nothing could be saved, so it is checked too)."""
    from bot.dbcheck import shown, unreachable

    for name, url in (("TRACKER_STORE_URL", os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{var / 'tracker.db'}"),
                      ("DATABASE_URL", env["DATABASE_URL"])):
        problem = unreachable(url)
        if problem:
            return (f"{name} {shown(url)} does not answer ({problem}). Start that database or correct "
                    f"{name}, then run again (Rasa's tracker store would otherwise wait for it forever).")
    return None


def write_endpoints(var: Path, action_port: int, lock_store: dict | None = None) -> Path:
    """Rasa's endpoints.yml. `lock_store` defaults to the one-process lock store that hands a
    conversation's lock straight to its next message (rasa_server/lock_store.py); several Rasa
    processes pass {"type": "rasa_server.lock_store.QuickRedisLockStore", "url": host, "port": ...,
    "db": ...}."""
    tracker_url = os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{var / 'tracker.db'}"
    endpoints = {
        # Our actions never read the domain: not sending it saves serialising it on every message.
        "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook", "enable_selective_domain": True},
        "tracker_store": tracker_store_endpoint(tracker_url),
        "lock_store": dict(lock_store or {"type": "rasa_server.lock_store.QuickInMemoryLockStore"}),
    }
    path = var / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    path.chmod(0o600)  # may hold a database password
    return path


class Supervisor:
    """Starts children, keeps them serving and stops them: the loop shared by `make run`
    (this module) and `make run-cluster` (bot/cluster.py).

    A child that exits is restarted with exponential backoff; one whose health check fails
    HEALTH_FAILURES times in a row is hung: SIGKILL and the same restart. With a `hold_dir`, a
    file named after a child in it holds that child stopped (it is drained as on shutdown and not
    restarted) until the file is removed: a rolling restart, or measuring with fewer replicas.
    `on_hold(child, held)` runs before a held child is drained (held=True) and after a released
    one is started (held=False): the cluster takes it out of (puts it back into) nginx's rotation
    there, so nothing is sent to a replica while it shuts down."""

    def __init__(self, env: dict, logdir: Path, runfile: Path, hold_dir: Path | None = None,
                 on_hold: Callable[[Child, bool], None] | None = None):
        self.env = env
        self.on_hold = on_hold
        self.logdir = logdir
        self.runfile = runfile
        self.hold_dir = hold_dir
        self.children: list[Child] = []
        self.stopping = False
        self.started = time.monotonic()
        self._held: set[str] = set()

    def install_signals(self) -> None:
        def on_signal(signum, _frame):
            self.stopping = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def write_runfile(self) -> None:
        write_runfile(self.runfile, self.children)

    def launch(self, group: list[Child]) -> bool:
        """Start `group` and wait until each is healthy. False (after printing why) if one exits
        or is still not healthy after START_TIMEOUT, or a signal asks to stop; the caller then
        calls shutdown()."""
        began = time.monotonic()
        for c in group:
            c.start(self.env, self.logdir)
            self.children.append(c)
        self.write_runfile()
        pending = list(group)
        while pending:
            if self.stopping:
                return False
            for c in list(pending):
                if c.proc.poll() is not None:
                    print(f"{c.name} exited during start-up ({c.log}):\n{c.tail()}", file=sys.stderr)
                    return False
                if c.healthy():
                    now = time.monotonic()
                    print(f"{c.name} ready after {now - self.started:.1f}s", flush=True)
                    c.ready, c.healthy_since, c.next_check = True, now, now + HEALTH_INTERVAL
                    pending.remove(c)
            if time.monotonic() - began > START_TIMEOUT:
                names = ", ".join(c.name for c in pending)
                print(f"not ready after {START_TIMEOUT:.0f}s: {names}; see {self.logdir}", file=sys.stderr)
                return False
            time.sleep(0.3)
        return True

    @staticmethod
    def _drain(group: list[Child]) -> None:
        for c in group:
            c.stop()
        deadline = time.monotonic() + DRAIN
        for c in group:
            while c.proc and c.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            c.kill()

    def shutdown(self, code: int) -> int:
        """Stop every child, the highest tier first (each tier gets up to DRAIN seconds to finish
        what it is doing while the tiers it needs still run), then SIGKILL what is left."""
        print("Stopping...", flush=True)
        for tier in sorted({c.tier for c in self.children}, reverse=True):
            self._drain([c for c in self.children if c.tier == tier])
        try:
            self.runfile.unlink()
        except OSError:
            pass
        print("Stopped.", flush=True)
        return code

    def schedule_restart(self, c: Child, why: str) -> None:
        """`c` is dead and reaped: start it again after its backoff delay."""
        c.restarts += 1
        c.streak += 1
        delay = min(BACKOFF_MAX, 2 ** (c.streak - 1))
        c.restart_at = time.monotonic() + delay
        c.proc = None
        print(f"{why}; restarting in {delay}s (restart {c.restarts})", flush=True)
        self.write_runfile()

    def _is_held(self, c: Child) -> bool:
        return self.hold_dir is not None and (self.hold_dir / c.name).exists()

    def _hold(self, c: Child) -> None:
        if c.name not in self._held:
            self._held.add(c.name)
            print(f"{c.name} held ({self.hold_dir / c.name} exists): stopping it", flush=True)
            self._tell_hold(c, True)
            if c.proc is not None:
                self._drain([c])
            c.proc, c.restart_at, c.ready = None, None, False
            self.write_runfile()

    def _release(self, c: Child) -> None:
        self._held.discard(c.name)
        c.streak = 0
        c.start(self.env, self.logdir)
        self.write_runfile()
        print(f"{c.name} released: started (pid {c.proc.pid})", flush=True)
        self._tell_hold(c, False)

    def _tell_hold(self, c: Child, held: bool) -> None:
        if self.on_hold is None:
            return
        try:
            self.on_hold(c, held)
        except Exception as e:  # noqa: BLE001 - a failed reload must not stop the supervision
            print(f"could not take {c.name} {'out of' if held else 'back into'} rotation: {e}", flush=True)

    def supervise(self) -> int:
        """Keep the children serving until SIGTERM/SIGINT; then stop them all. One pass over the
        children about every half second. Only this (the main) thread starts children, which
        PR_SET_PDEATHSIG needs."""
        while not self.stopping:
            for c in self.children:
                if self.stopping:
                    break
                if self.hold_dir is not None:
                    if self._is_held(c):
                        self._hold(c)
                        continue
                    if c.name in self._held:
                        self._release(c)
                        continue
                self._check(c)
            time.sleep(0.5)
        return self.shutdown(0)

    def _check(self, c: Child) -> None:
        now = time.monotonic()
        if c.proc is None:  # dead, waiting out its backoff
            if now >= c.restart_at:
                c.start(self.env, self.logdir)
                self.write_runfile()
                print(f"{c.name} restarted (pid {c.proc.pid})", flush=True)
            return
        code = c.proc.poll()
        if code is not None:
            c.signal_group(signal.SIGKILL)  # whatever it forked goes with it
            if code > 0:
                print(f"{c.name} log ({c.log}):\n{c.tail(10)}", file=sys.stderr, flush=True)
            self.schedule_restart(c, f"{c.name} exited ({describe_exit(code)})")
            return
        if not c.ready:  # restarted, not healthy yet
            if c.healthy():
                now = time.monotonic()
                c.ready, c.healthy_since, c.next_check = True, now, now + HEALTH_INTERVAL
                print(f"{c.name} ready again after {now - c.started:.1f}s", flush=True)
            elif now - c.started > START_TIMEOUT:
                c.kill()
                self.schedule_restart(c, f"{c.name} not healthy {START_TIMEOUT:.0f}s after its restart; killed it")
            return
        if c.streak and c.healthy_since is not None and now - c.healthy_since >= STABLE_AFTER:
            c.streak = 0  # stayed healthy: the next restart waits 1 s again
        if not c.checked or now < c.next_check:
            return
        ok = c.healthy()
        now = time.monotonic()
        c.next_check = now + HEALTH_INTERVAL
        if ok:
            c.failures, c.failing_since, c.cpu_mark, c.busy_noted = 0, None, None, False
            if c.healthy_since is None:
                c.healthy_since = now
            return
        c.failures += 1
        c.healthy_since = None
        if c.failing_since is None:
            c.failing_since, c.cpu_mark = now, c.cpu_seconds()
        if c.failures < HEALTH_FAILURES:
            return
        # Not answering. Hung (stopped, deadlocked, waiting on something that never comes) if it
        # is idle meanwhile; if it is using the CPU it is busy (a replica under a class's load
        # answers its health check late): taken for hung only after BUSY_LIMIT.
        cpu, failing = c.cpu_seconds(), now - c.failing_since
        busy = cpu is not None and c.cpu_mark is not None and cpu - c.cpu_mark >= BUSY_CPU * max(failing, HEALTH_INTERVAL)
        what = c.health or "its health probe"
        if busy and failing < BUSY_LIMIT:
            if not c.busy_noted:
                c.busy_noted = True
                print(f"{c.name} is slow to answer {what} but busy (CPU {cpu - c.cpu_mark:.1f}s in {failing:.0f}s); "
                      f"not restarting it unless this lasts {BUSY_LIMIT:.0f}s", flush=True)
            return
        c.kill()
        if busy:
            why = f"{c.name} hung (busy but {what} did not answer for {failing:.0f}s); killed it (SIGKILL)"
        else:
            why = (f"{c.name} hung ({what} did not answer {c.failures} checks in a row, "
                   f"{HEALTH_TIMEOUT:.0f}s timeout, while idle); killed it (SIGKILL)")
        self.schedule_restart(c, why)

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
    if (problem := databases_missing(var, env)) is not None:
        print(problem, file=sys.stderr, flush=True)
        return 1
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

    sup = Supervisor(env, logdir, runfile)
    sup.install_signals()
    if not sup.launch(children):
        return sup.shutdown(0 if sup.stopping else 1)

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
    return sup.supervise()
