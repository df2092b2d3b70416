"""SIGTERM drains the web app: `pmo-tutor web` stops taking connections, lets a chat message that is
waiting on the tutor finish (the learner gets the answer, not a reset), then exits 0. And a web
app whose database is down at start-up keeps serving and says so, instead of a crash loop."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from aiohttp import web
from web_support import FakeRasa
from local import free_port

ROOT = Path(__file__).resolve().parents[2]
SLOW = 3.0  # seconds the stand-in tutor takes to answer


class SlowRasa(FakeRasa):
    arrived: list[float] = []

    async def webhook(self, request):
        self.arrived.append(time.monotonic())
        await asyncio.sleep(SLOW)
        return await super().webhook(request)


@pytest.fixture
def slow_rasa():
    rasa, loop, port = SlowRasa(), asyncio.new_event_loop(), free_port()
    rasa.arrived = []
    runner = web.AppRunner(rasa.app)

    async def start():
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    rasa.url = f"http://127.0.0.1:{port}"
    yield rasa
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def start_web(tmp_path, rasa_url: str, database_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, RASA_URL=rasa_url, DATABASE_URL=database_url, PMO_TUTOR_TRAINER_TOKEN="t",
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "pmo-tutor"), "web", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=open(tmp_path / "web.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp_path / "web.log").read_text()
        try:
            requests.get(f"{url}/api/health", timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the web app did not start")


def test_sigterm_lets_an_in_flight_chat_message_finish_then_exits(tmp_path, slow_rasa):
    proc, url = start_web(tmp_path, slow_rasa.url, f"sqlite:///{tmp_path}/p.db")
    try:
        s = requests.Session()
        s.get(url + "/")  # the learner cookie
        result = {}

        def send():
            r = s.post(url + "/chat/message", json={"message": "Who owns R3?"}, timeout=30)
            result["status"], result["body"] = r.status_code, r.json()

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 10
        while not slow_rasa.arrived and time.monotonic() < deadline:  # in flight: the tutor is on it
            time.sleep(0.05)
        assert slow_rasa.arrived and not slow_rasa.received
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(requests.ConnectionError):  # no new connections while draining
            requests.get(url + "/api/health", timeout=2)
        sender.join(30)
        assert result.get("status") == 200, result
        assert result["body"]["messages"]  # the tutor's answer reached the learner
        assert proc.wait(timeout=20) == 0
        assert time.monotonic() - sent_at >= SLOW - 1  # it waited for the answer
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_web_app_started_with_postgresql_down_serves_degraded_instead_of_crashing(tmp_path, slow_rasa):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    proc, url = start_web(tmp_path, slow_rasa.url, f"postgresql+psycopg2://tutor:pw@127.0.0.1:{closed}/progress")
    try:
        health = requests.get(url + "/api/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        s = requests.Session()
        assert s.get(url + "/").status_code == 200
        r = s.post(url + "/chat/message", json={"message": "hello"}, timeout=10)
        assert r.status_code == 503 and "can't save progress" in r.json()["error"]
        time.sleep(1)
        assert proc.poll() is None  # still up: no crash, so no restart loop
        log = (tmp_path / "web.log").read_text()
        assert "unavailable at start-up" in log and "Traceback" not in log and ":pw@" not in log
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
