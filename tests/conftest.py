"""Shared test set-up. The `stack` fixture starts the real stack (`pmo-tutor run`: action server,
Rasa server, web app) once per test session, on its own ports and databases, for the end-to-end
tests in tests/e2e and tests/telegram, and stops it with SIGTERM afterwards."""
import os

# Rasa must not try to reach its telemetry server from tests (the machine is offline).
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "pmo-tutor.tar.gz"


from local import free_port  # noqa: E402  (re-exported: tests use it from here too)


class Stack:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.token = secrets.token_urlsafe(16)
        self.ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
        self.rasa = f"http://127.0.0.1:{self.ports['RASA_PORT']}"
        self.web = f"http://127.0.0.1:{self.ports['WEB_PORT']}"
        self.proc = None
        self.output = tmp / "stack.out"

    def start(self) -> None:
        env = dict(os.environ)
        env.update({k: str(v) for k, v in self.ports.items()})
        env.update(
            PMO_TUTOR_VAR=str(self.tmp / "var"),
            DATABASE_URL=f"sqlite:///{self.tmp}/progress.db",
            TRACKER_STORE_URL=f"sqlite:///{self.tmp}/tracker.db",
            PMO_TUTOR_TRAINER_TOKEN=self.token,
        )
        env.pop("TELEGRAM_BOT_TOKEN", None)
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "pmo-tutor"), "run", "--model", str(MODEL)],
            cwd=ROOT, env=env, stdout=open(self.output, "wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stack exited during start-up:\n{self.output.read_text()}")
            if "is running" in self.output.read_text():
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"stack not ready in time:\n{self.output.read_text()}")

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.returncode if self.proc else None

    def say(self, sender: str, message: str) -> list[dict]:
        r = requests.post(f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60)
        r.raise_for_status()
        return r.json()

    def api(self, path: str, token: str | None = "default") -> requests.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {self.token if token == 'default' else token}"}
        return requests.get(f"{self.web}{path}", headers=headers, timeout=30)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    s = Stack(tmp_path_factory.mktemp("stack"))
    s.start()
    children = psutil.Process(s.proc.pid).children(recursive=True)
    yield s
    # `make run`'s contract: SIGTERM stops every child process, and the runner exits cleanly.
    code = s.stop()
    _, alive = psutil.wait_procs(children, timeout=20)
    for p in alive:
        p.kill()
    assert len(children) >= 3, "expected action server, Rasa server and web app"
    assert code == 0 and not alive, f"exit {code}; still running: {[p.pid for p in alive]}"


@pytest.fixture(autouse=True, scope="session")
def fresh_caches():
    """Each test session starts with empty caches (scenarios loaded, variants built, patterns
    compiled): a process that has run tests before hands the next session warm ones. mutmut
    (`make mutate`) forks every mutant's test run from a process that ran the whole suite, and a
    cached register or pattern would hide a mutant in the code that builds it. Every functools
    cache in the judging code, the scenario loader and the variants is cleared."""
    import importlib
    import pkgutil

    import bot.evaluation

    names = [f"bot.evaluation.{m.name}" for m in pkgutil.iter_modules(bot.evaluation.__path__)]
    for module in map(importlib.import_module, names + ["bot.scenarios.loader", "bot.scenarios.variants"]):
        for value in list(vars(module).values()):
            if getattr(value, "__module__", None) == module.__name__ and callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


@pytest.fixture(autouse=True)
def shipped_scenarios(monkeypatch):
    """In-process tests read the scenarios shipped in data/scenarios, whatever the shell says."""
    from bot.scenarios.loader import DEFAULT_DIR

    monkeypatch.setenv("PMO_TUTOR_SCENARIOS", str(DEFAULT_DIR))


@pytest.fixture(autouse=True)
def no_imported_scenarios_between_tests():
    """A store makes its imported scenarios part of the library; the next test starts without them."""
    from bot.scenarios import loader

    yield
    loader.use_imported(None)


@pytest.fixture
def store(tmp_path):
    """A progress database in a real SQLite file of the test's own."""
    from bot.progress.store import ProgressStore

    return ProgressStore(f"sqlite:///{tmp_path}/p.db")


@pytest.fixture
def rw():
    """The foundation register as written (seed 0)."""
    from bot.scenarios.variants import variant

    return variant("riverside-wms", 0)


@pytest.fixture
def ng():
    """The practitioner register as written (seed 0)."""
    from bot.scenarios.variants import variant

    return variant("northgate-epr", 0)
