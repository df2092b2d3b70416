"""Hostile input and access on Rasa's REST channel (rasa_server.channels.GuardedRestInput), against
real Rasa servers started here as `make run` starts them (credentials.yml, our endpoints), with
--debug so that anything reaching Rasa would be in its log:
- one without RASA_REST_TOKEN (local use: no token needed), one with it set;
- one action server behind both, so normal messages get their normal replies.
The web app and the Telegram bridge's RasaClient are pointed at the guarded server too."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from local import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "pmo-tutor.tar.gz"
BIN = Path(sys.executable).parent
TOKEN = "rest-token-" + secrets.token_urlsafe(12)
WEBHOOK = "/webhooks/rest/webhook"
START_TIMEOUT = 240


class Server:
    def __init__(self, name: str, cmd: list[str], env: dict, health: str, log: Path):
        self.name, self.health, self.log = name, health, log
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited during start-up:\n{self.log.read_text(errors='replace')[-3000:]}")
        try:
            return requests.get(self.health, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    tmp = tmp_path_factory.mktemp("rest-guard")
    env = dict(os.environ)
    env.pop("RASA_REST_TOKEN", None)
    env.update(
        RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore", PYTHONUNBUFFERED="1", SANIC_HOST="127.0.0.1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PMO_TUTOR_VAR=str(tmp / "var"), DATABASE_URL=f"sqlite:///{tmp}/progress.db",
    )
    action_port = free_port()
    started = [Server("actions", [str(BIN / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
                      env, f"http://127.0.0.1:{action_port}/health", tmp / "actions.log")]
    urls = {}
    for name, token in (("open", None), ("guarded", TOKEN)):
        port = free_port()
        endpoints = tmp / f"endpoints-{name}.yml"
        endpoints.write_text(yaml.safe_dump({
            "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook", "enable_selective_domain": True},
            "tracker_store": {"type": "rasa_server.tracker_store.RecentEventsSQLTrackerStore", "dialect": "sqlite",
                              "db": str(tmp / f"tracker-{name}.db")},
        }))
        server_env = dict(env, RASA_REST_TOKEN=token) if token else env
        urls[name] = f"http://127.0.0.1:{port}"
        started.append(Server(
            name,
            [sys.executable, "-m", "rasa_server", "run", "--model", str(MODEL), "--interface", "127.0.0.1",
             "--port", str(port), "--credentials", "credentials.yml", "--endpoints", str(endpoints), "--debug"],
            server_env, f"{urls[name]}/webhooks/rest/", tmp / f"rasa-{name}.log"))
    try:
        deadline = time.monotonic() + START_TIMEOUT
        pending = list(started)
        while pending:
            pending = [s for s in pending if not s.ready()]
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {START_TIMEOUT}s: {[s.name for s in pending]}")
            time.sleep(0.5)
        yield {s.name: s for s in started} | {"urls": urls}
    finally:
        for s in started:
            s.stop()


def post(url: str, data=None, json=None, headers=None, **kw) -> requests.Response:
    return requests.post(f"{url}{WEBHOOK}", data=data, json=json, headers=headers, timeout=60, **kw)


def replies_text(r: requests.Response) -> str:
    return "\n".join(m.get("text", "") for m in r.json())


# -- malformed bodies ----------------------------------------------------------------------------
MALFORMED = [
    ("empty body", b"", "empty"),
    ("whitespace body", b"  \n", "empty"),
    ("not JSON", b"sender=ana&message=hello", "not valid JSON"),
    ("broken JSON", b'{"sender": "ana", "message": ', "not valid JSON"),
    ("bad UTF-8", b'{"sender": "ana", "message": "\xff\xfe"}', "not valid JSON"),
    ("deeply nested JSON", b"[" * 100_000, "not valid JSON"),
    ("JSON array", b'[{"sender": "ana", "message": "hello"}]', "not a JSON array"),
    ("JSON number", b"42", "not a JSON number"),
    ("JSON string", b'"hello"', "not a JSON string"),
    ("JSON null", b"null", "not a JSON null"),
    ("missing sender", b'{"message": "hello"}', '"sender" is required'),
    ("empty sender", b'{"sender": "  ", "message": "hello"}', '"sender" is required'),
    ("numeric sender", b'{"sender": 12, "message": "hello"}', '"sender" must be a string'),
    ("object sender", b'{"sender": {"id": 1}, "message": "hello"}', '"sender" must be a string'),
    ("missing message", b'{"sender": "ana"}', '"message" is required'),
    ("null message", b'{"sender": "ana", "message": null}', '"message" is required'),
    ("list message", b'{"sender": "ana", "message": ["hello"]}', '"message" must be a string'),
    ("long sender", ('{"sender": "%s", "message": "hello"}' % ("s" * 201)).encode(), '"sender" is too long'),
    ("list metadata", b'{"sender": "ana", "message": "hello", "metadata": [1]}', '"metadata" must be a JSON object'),
]


@pytest.mark.parametrize("body,phrase", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_body_is_a_400_with_a_clear_message(servers, body, phrase):
    r = post(servers["urls"]["open"], data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    assert phrase in r.json()["error"]


def test_malformed_bodies_never_reached_rasa(servers):
    """Runs after the parametrised cases: none of them caused an error or a message in Rasa."""
    log = servers["open"].log_text()
    assert "rest.message.received.failure" not in log and "Traceback" not in log


def test_a_sender_at_the_limit_and_a_normal_message_get_the_normal_reply(servers):
    url = servers["urls"]["open"]
    r = post(url, json={"sender": "s" * 200, "message": "hello"})
    assert r.status_code == 200 and "PMO Challenge Tutor" in replies_text(r)
    r = post(url, json={"sender": "rest-guard-learner", "message": "hello"})
    assert r.status_code == 200
    assert all(m["recipient_id"] == "rest-guard-learner" for m in r.json())
    assert "PMO Challenge Tutor" in replies_text(r) and any(m.get("buttons") for m in r.json())
    assert requests.get(f"{url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}


# -- oversized messages --------------------------------------------------------------------------
def test_an_oversized_message_is_a_413_and_never_logged(servers):
    url, rasa = servers["urls"]["open"], servers["open"]
    seen = "seen-" + secrets.token_hex(8)  # proves the log check can see a message that reached Rasa
    assert post(url, json={"sender": "rest-guard-big", "message": f"hello {seen}"}).status_code == 200

    huge = "huge-" + secrets.token_hex(8)
    r = post(url, json={"sender": "rest-guard-big", "message": huge + "x" * (5 * 2**20)})
    assert r.status_code == 413 and "too large" in r.json()["error"]

    over = "over-" + secrets.token_hex(8)
    message = (over + " ") * (4001 // (len(over) + 1) + 1)
    r = post(url, json={"sender": "rest-guard-big", "message": message[:4001]})
    assert r.status_code == 413 and "at most 4000" in r.json()["error"]

    at_limit = post(url, json={"sender": "rest-guard-big", "message": ("fine " * 800)[:4000]})
    assert at_limit.status_code == 200

    time.sleep(0.5)
    log = rasa.log_text()
    assert seen in log, "Rasa's debug log no longer shows incoming messages: this check proves nothing"
    assert huge not in log and over not in log
    assert len(log) < 2**20


# -- the token -----------------------------------------------------------------------------------
def test_with_a_token_set_requests_without_it_are_401(servers):
    url = servers["urls"]["guarded"]
    hello = {"sender": "rest-guard-token", "message": "hello"}
    for headers in ({}, {"Authorization": f"Bearer wrong-{TOKEN}"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer "}):
        r = post(url, json=hello, headers=headers)
        assert r.status_code == 401, headers
        assert "token" in r.json()["error"] and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert post(url, json=hello, params={"token": "nope"}).status_code == 401
    # No token: no feedback on the body either.
    assert post(url, data=b"[1]").status_code == 401
    assert post(url, json={"sender": "x", "message": "y" * 5000}).status_code == 401


def test_with_the_right_token_the_bot_replies(servers):
    url = servers["urls"]["guarded"]
    r = post(url, json={"sender": "rest-guard-token", "message": "hello"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and "PMO Challenge Tutor" in replies_text(r)
    r = post(url, json={"sender": "rest-guard-token-q", "message": "hello"}, params={"token": TOKEN})
    assert r.status_code == 200 and "PMO Challenge Tutor" in replies_text(r)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert post(url, data=b"[1]", headers=auth).status_code == 400
    assert post(url, json={"sender": "x", "message": "y" * 5000}, headers=auth).status_code == 413


async def test_the_web_app_and_the_telegram_bridge_send_the_token(servers, store, monkeypatch):
    from aiohttp.test_utils import TestClient, TestServer

    from bot.channels.telegram import RasaClient
    from bot.web.app import make_app

    url = servers["urls"]["guarded"]
    monkeypatch.setenv("RASA_REST_TOKEN", TOKEN)
    learner = "web-" + "g" * 24  # the cookie's shape
    web = TestClient(TestServer(make_app(store, "trainer-token", rasa_url=url)))
    await web.start_server()
    try:
        r = await web.post("/chat/message", json={"message": "hello"},
                           headers={"Cookie": f"pmo_learner={learner}", "Content-Type": "application/json"})
        assert r.status == 200, await r.text()
        assert "PMO Challenge Tutor" in str(await r.json())
    finally:
        await web.close()

    rasa = RasaClient(url, 60)
    try:
        replies = await rasa.send("telegram:4242", "hello", {"learner_id": "telegram:4242"})
        assert "PMO Challenge Tutor" in "\n".join(m.get("text", "") for m in replies)
    finally:
        await rasa.close()

    monkeypatch.delenv("RASA_REST_TOKEN")
    web = TestClient(TestServer(make_app(store, "trainer-token", rasa_url=url)))
    await web.start_server()
    try:  # without the token the web app gets Rasa's 401, and says the tutor is not answering
        r = await web.post("/chat/message", json={"message": "hello"},
                           headers={"Cookie": f"pmo_learner={learner}", "Content-Type": "application/json"})
        assert r.status == 502
    finally:
        await web.close()
