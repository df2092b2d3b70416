"""`pmo-tutor run` with a database that does not answer: Rasa's SQL tracker store would wait for it
forever, so the supervisor checks first and exits at once with a message naming the setting (and
never the password), before starting anything."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.dbcheck import shown, unreachable

ROOT = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_says_why_without_the_password(tmp_path):
    assert unreachable(f"sqlite:///{tmp_path}/ok.db") is None
    url = f"postgresql+psycopg2://rasa:s3cret@127.0.0.1:{closed_port()}/tracker"
    started = time.monotonic()
    problem = unreachable(url)
    assert problem and "refused" in problem.lower() and "s3cret" not in problem
    assert time.monotonic() - started < 10
    assert "s3cret" not in shown(url) and "***" in shown(url)
    assert unreachable("not a url at all") and unreachable(f"sqlite:///{tmp_path}/no/such/dir/x.db")


@pytest.mark.parametrize("setting", ["TRACKER_STORE_URL", "DATABASE_URL"])
def test_run_exits_with_a_clear_message_when_a_database_is_down(tmp_path, setting):
    env = dict(os.environ, PMO_TUTOR_VAR=str(tmp_path / "var"), RASA_PORT=str(closed_port()),
               ACTION_PORT=str(closed_port()), WEB_PORT=str(closed_port()), PMO_TUTOR_TRAINER_TOKEN="t")
    env.pop("TRACKER_STORE_URL", None)
    env.pop("DATABASE_URL", None)
    env[setting] = f"postgresql+psycopg2://rasa:s3cret@127.0.0.1:{closed_port()}/db"
    started = time.monotonic()
    done = subprocess.run([str(Path(sys.executable).parent / "pmo-tutor"), "run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{setting} postgresql+psycopg2://rasa:***@127.0.0.1" in done.stderr and "does not answer" in done.stderr
    assert "s3cret" not in done.stdout + done.stderr
    assert "ready" not in done.stdout and not (tmp_path / "var" / "run" / "stack.json").exists()  # nothing started
    assert time.monotonic() - started < 30
