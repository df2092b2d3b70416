"""The web app with its progress database unavailable: a SQLite file locked, read-only or deleted
mid-run, a PostgreSQL server that is down. The chat answers 503 "the tutor can't save progress
right now, please try again" (the page keeps the text in the box) without sending the message on;
the health check says "degraded" and why; nothing else stops serving."""
from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from web_support import ANA, TOKEN, FakeRasa, auth

from bot.progress.store import CANNOT_SAVE, ProgressStore
from bot.web.app import make_app

STATIC = Path(__file__).resolve().parents[2] / "bot" / "web" / "static"


def post_json(learner: str = ANA) -> dict:
    return {"Cookie": f"pmo_learner={learner}", "Content-Type": "application/json"}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def cannot_save(r) -> None:
    assert r.status == 503, (r.status, await r.text())
    assert (await r.json()) == {"error": CANNOT_SAVE} and r.headers["Retry-After"]


@pytest.fixture
def db_file(tmp_path):
    return tmp_path / "progress.db"


@pytest.fixture
async def app_on(rasa):
    """make_app on a store of the test's choosing; closed afterwards."""
    clients = []

    async def start(store: ProgressStore, fake: FakeRasa | None = None) -> TestClient:
        url = rasa.url
        if fake is not None:
            server = TestServer(fake.app)
            await server.start_server()
            url = str(server.make_url("")).rstrip("/")
            clients.append(server)
        c = TestClient(TestServer(make_app(store, TOKEN, rasa_url=url)))
        await c.start_server()
        clients.append(c)
        return c

    yield start
    for c in clients:
        await c.close()


async def test_health_is_the_binding_ok_when_the_database_is_fine(app_on, db_file):
    c = await app_on(ProgressStore(f"sqlite:///{db_file}"))
    r = await c.get("/api/health")
    assert r.status == 200 and await r.json() == {"status": "ok"}
    assert (await c.get("/api/health?ready=1")).status == 200


async def test_a_locked_database_is_a_503_the_message_is_not_sent_on_and_the_app_keeps_serving(app_on, rasa, db_file):
    store = ProgressStore(f"sqlite:///{db_file}", busy_timeout=0.3)
    c = await app_on(store)
    lock = sqlite3.connect(db_file, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        slow = asyncio.ensure_future(c.post("/chat/message", json={"message": "Who owns R3?"}, headers=post_json()))
        await asyncio.sleep(0.1)
        # meanwhile the event loop is free: the health check (a read) and the pages answer at once
        started = time.monotonic()
        r = await c.get("/api/health")
        assert await r.json() == {"status": "ok"} and time.monotonic() - started < 0.5
        assert (await c.get("/")).status == 200
        await cannot_save(await slow)
        assert rasa.received == []  # never reached the tutor: nothing to count twice
    finally:
        lock.execute("COMMIT")
        lock.close()
    r = await c.post("/chat/message", json={"message": "Who owns R3?"}, headers=post_json())
    assert r.status == 200 and [m["message"] for m in rasa.received] == ["Who owns R3?"]


async def test_a_read_only_database_is_a_503_for_the_chat_and_the_trainer_can_still_read(app_on, rasa, db_file):
    ProgressStore(f"sqlite:///{db_file}").engine.dispose()
    for f in db_file.parent.glob(db_file.name + "*"):
        f.chmod(0o444)
    url = f"sqlite:///file:{db_file}?mode=ro&uri=true" if os.geteuid() == 0 else f"sqlite:///{db_file}"
    c = await app_on(ProgressStore(url, busy_timeout=0.2))
    await cannot_save(await c.post("/chat/message", json={"message": "hello"}, headers=post_json()))
    await cannot_save(await c.post("/chat/name", json={"name": "Ana"}, headers=post_json()))
    assert rasa.received == []
    r = await c.get("/api/learners", headers=auth())
    assert r.status == 200 and await r.json() == []
    assert (await c.get("/chat/history", headers=post_json())).status == 200


async def test_a_database_deleted_mid_run_is_reported_and_refused(app_on, rasa, db_file):
    store = ProgressStore(f"sqlite:///{db_file}")
    c = await app_on(store)
    assert (await c.post("/chat/message", json={"message": "hello"}, headers=post_json())).status == 200
    for f in db_file.parent.glob(db_file.name + "*"):
        f.unlink()
    r = await c.get("/api/health")
    body = await r.json()
    assert r.status == 200 and body["status"] == "degraded" and "deleted" in body["reason"]
    assert (await c.get("/api/health?ready=1")).status == 503
    await cannot_save(await c.post("/chat/message", json={"message": "again"}, headers=post_json()))
    assert [m["message"] for m in rasa.received] == ["hello"]
    r = await c.get("/api/learners", headers=auth())
    assert r.status == 503 and (await r.json())["error"] == CANNOT_SAVE


async def test_lost_tables_are_reported(app_on, db_file):
    c = await app_on(ProgressStore(f"sqlite:///{db_file}"))
    conn = sqlite3.connect(db_file)
    conn.execute("DROP TABLE hints")
    conn.commit()
    conn.close()
    body = await (await c.get("/api/health")).json()
    assert body == {"status": "degraded", "reason": "the progress database has lost its tables (hints)"}


async def test_postgresql_down_starts_degraded_and_answers_503_not_500(app_on, rasa):
    store = ProgressStore(f"postgresql+psycopg2://tutor:pw@127.0.0.1:{closed_port()}/progress")
    c = await app_on(store)  # no crash at start-up: the app serves, and says what is wrong
    body = await (await c.get("/api/health")).json()
    assert body["status"] == "degraded" and "refused" in body["reason"].lower() and "pw" not in body["reason"]
    for path in ("/chat/history", "/chat/progress"):
        await cannot_save(await c.get(path, headers=post_json()))
    await cannot_save(await c.post("/chat/message", json={"message": "hello"}, headers=post_json()))
    for path in ("/api/learners", "/api/report", f"/api/learners/{ANA}/sessions", "/api/sessions/1"):
        r = await c.get(path, headers=auth())
        assert r.status == 503 and (await r.json())["error"] == CANNOT_SAVE, path
    assert (await c.get("/api/scenarios", headers=auth())).status == 200  # the built-in ones
    assert (await c.get("/")).status == 200 and rasa.received == []


class UnsavedRasa(FakeRasa):
    """Rasa relaying what the actions say when the progress database is down."""

    async def webhook(self, request):
        from actions.actions import UNSAVED, UNSAVED_MARK

        body = await request.json()
        self.received.append(body)
        return web.json_response([{"recipient_id": body["sender"], "text": f"Tutor: {UNSAVED}"},
                                  {"recipient_id": body["sender"], "custom": UNSAVED_MARK}])


async def test_when_the_actions_cannot_save_the_chat_answers_503_so_the_page_keeps_the_text(app_on, db_file):
    fake = UnsavedRasa()
    c = await app_on(ProgressStore(f"sqlite:///{db_file}"), fake)
    await cannot_save(await c.post("/chat/message", json={"message": "R3's owner is wrong"}, headers=post_json()))
    assert [m["message"] for m in fake.received] == ["R3's owner is wrong"]


class DeletingRasa(FakeRasa):
    """The database goes away while the tutor answers: the answer was recorded, so it is shown."""

    def __init__(self, db_file):
        super().__init__()
        self.db_file = db_file

    async def webhook(self, request):
        response = await super().webhook(request)
        for f in self.db_file.parent.glob(self.db_file.name + "*"):
            f.unlink()
        return response


async def test_an_answer_the_tutor_gave_is_shown_even_if_the_database_fails_afterwards(app_on, db_file):
    c = await app_on(ProgressStore(f"sqlite:///{db_file}"), DeletingRasa(db_file))
    r = await c.post("/chat/message", json={"message": "hello"}, headers=post_json())
    assert r.status == 200 and (await r.json())["messages"]  # not a 503 that would make the learner repeat it


def test_the_chat_page_keeps_the_text_in_the_box_when_a_message_is_not_sent():
    """The page's error path (a 503, a 502): the text goes back in the box, the bubble goes."""
    js = (STATIC / "chat.js").read_text()
    catch = js[js.index("} catch (e) {", js.index("async function say")):]
    catch = catch[: catch.index("} finally {")]
    assert "mine.remove()" in catch and "input.value" in catch and "Your text is still in the box" in catch
    submit = js[js.index('form.addEventListener("submit"'):]
    assert 'input.value = ""' in submit[:200]  # cleared on sending, so the catch must restore it
