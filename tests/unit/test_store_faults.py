"""The progress database failing under the tutor: a SQLite file locked (briefly: the store tries
again with backoff and the move is recorded once; for long: StoreUnavailable, nothing recorded),
read-only, deleted or emptied mid-run, and a PostgreSQL server that is down. Real SQLite files,
real locks, a closed local port; the action server's answer for each."""
from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from bot.progress.models import Challenge, Learner, Utterance
from bot.progress.store import CANNOT_SAVE, ProgressStore, StoreUnavailable
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.taxonomy import intent_for
from bot.tutor import Incoming, Tutor

SID, SEED, CONV = "riverside-wms", 7, "chat-ana"


def msg(text: str, intent: str | None = None, confidence: float = 0.0) -> Incoming:
    return Incoming(CONV, "ana", text, intent=intent, confidence=confidence)


def owner_challenge() -> Incoming:
    f = next(f for f in variant(SID, SEED).flaws if f.type == T.WRONG_OWNER)
    return msg(f"Could we check the owner of {f.risk_id}? Callum has no authority over the StockPilot contract.",
               intent_for(T.WRONG_OWNER), 0.9)


def count(store: ProgressStore, model) -> int:
    with store.transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


class WriteLock:
    """Another process's write transaction on the file (BEGIN IMMEDIATE: readers go on in WAL
    mode, writers wait), held until released."""

    def __init__(self, path):
        self.conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self, after: float = 0.0) -> threading.Thread | None:
        if after:
            t = threading.Timer(after, self.release)
            t.start()
            return t
        self.conn.execute("COMMIT")
        self.conn.close()
        return None


@pytest.fixture
def db_file(tmp_path):
    return tmp_path / "progress.db"


@pytest.fixture
def quick(db_file):
    """A store on a real file that waits 0.2 s for a lock per attempt (the default is 10 s)."""
    return ProgressStore(f"sqlite:///{db_file}", busy_timeout=0.2)


def test_a_brief_lock_is_waited_out_and_the_move_recorded_once(quick, db_file, caplog):
    t = Tutor(quick)
    t.start(msg("/start_scenario"), SID, SEED)
    lock = WriteLock(db_file)
    timer = lock.release(after=0.5)  # longer than the busy timeout: the store's own retry gets past it
    with caplog.at_level(logging.WARNING, "bot.progress.store"):
        replies = t.respond(owner_challenge())
    timer.join()
    assert replies and count(quick, Challenge) == 1
    assert "progress database busy" in caplog.text and "attempt 2 of 3" in caplog.text


def test_a_lock_that_outlasts_the_retries_is_store_unavailable_and_nothing_is_recorded(quick, db_file):
    t = Tutor(quick)
    t.start(msg("/start_scenario"), SID, SEED)
    before = (count(quick, Challenge), count(quick, Utterance))
    lock = WriteLock(db_file)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="locked"):
        t.respond(owner_challenge())
    # three attempts, each waiting out the 0.2 s busy timeout, with 0.2 s and 0.4 s between
    assert 0.9 < time.monotonic() - started < 5
    lock.release()
    assert (count(quick, Challenge), count(quick, Utterance)) == before  # nothing half-recorded
    t.respond(owner_challenge())  # the learner sends it again: recorded once
    assert count(quick, Challenge) == before[0] + 1


def test_readers_are_not_held_up_by_a_writer(quick, db_file):
    Tutor(quick).start(msg("/start_scenario"), SID, SEED)
    lock = WriteLock(db_file)
    try:
        started = time.monotonic()
        assert count(quick, Learner) == 1 and quick.health() is None
        assert time.monotonic() - started < 0.5
    finally:
        lock.release()


def _read_only(db_file):
    """The file and its folder read-only; as root (who may write anyway) the file is also opened
    read-only, as SQLite opens a file its user cannot write."""
    ProgressStore(f"sqlite:///{db_file}").engine.dispose()  # created, in WAL mode
    for f in (db_file, db_file.with_name(db_file.name + "-wal"), db_file.with_name(db_file.name + "-shm")):
        if f.exists():
            f.chmod(0o444)
    db_file.parent.chmod(0o555)
    if os.geteuid() == 0:
        return f"sqlite:///file:{db_file}?mode=ro&uri=true"
    return f"sqlite:///{db_file}"


def test_a_read_only_file_is_store_unavailable_for_writes_and_still_readable(db_file):
    url = _read_only(db_file)
    try:
        store = ProgressStore(url, busy_timeout=0.2)
        t = Tutor(store)
        with pytest.raises(StoreUnavailable, match="readonly|read-only|read only"):
            t.start(msg("/start_scenario"), SID, SEED)
        assert count(store, Learner) == 0  # reads work
        assert store.health() is None  # it answers and has its tables: writes say why they fail
    finally:
        db_file.parent.chmod(0o755)


def test_a_file_deleted_mid_run_is_noticed_and_refused(quick, db_file):
    t = Tutor(quick)
    t.start(msg("/start_scenario"), SID, SEED)
    assert quick.health() is None
    for f in db_file.parent.glob(db_file.name + "*"):
        f.unlink()
    problem = quick.health()
    assert problem and "deleted" in problem
    with pytest.raises(StoreUnavailable, match="deleted"):
        t.respond(owner_challenge())  # not written to a file nobody will read again
    # another file in its place (a restore, or a new empty one) is noticed too
    ProgressStore(f"sqlite:///{db_file}").engine.dispose()
    assert "replaced" in quick.health()


def test_lost_tables_make_the_health_check_degraded(quick, db_file):
    Tutor(quick).start(msg("/start_scenario"), SID, SEED)
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("DROP TABLE utterances")
    conn.commit()
    conn.close()
    assert "lost its tables (utterances)" in quick.health()


def test_postgresql_down_is_store_unavailable_without_a_crash(caplog):
    url = f"postgresql+psycopg2://tutor:secret@127.0.0.1:{closed_port()}/progress"
    with caplog.at_level(logging.ERROR):
        store = ProgressStore(url)  # the process starts; the database is tried again on each request
    assert "unavailable at start-up" in caplog.text and "secret" not in caplog.text
    problem = store.health()
    assert problem and "refused" in problem.lower() and "secret" not in problem
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        Tutor(store).start(msg("/start_scenario"), SID, SEED)
    assert time.monotonic() - started < 10
    assert Tutor(store).scenarios()  # the built-in scenarios are still served


# -- the action server ---------------------------------------------------------------------------
async def _action_run(action, text, intent, confidence, entities=()):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    tracker = Tracker(sender_id=CONV, slots={}, latest_message={
        "text": text, "intent": {"name": intent, "confidence": confidence}, "entities": list(entities), "metadata": {}},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name=None)
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, {})
    return dispatcher.messages


@pytest.mark.parametrize("fault", ["postgresql_down", "locked", "deleted"])
async def test_the_action_server_says_progress_cannot_be_saved_not_a_stack_trace(monkeypatch, db_file, fault, caplog):
    from actions import actions

    url = f"sqlite:///{db_file}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("bot.progress.store.BUSY_TIMEOUT", 0.2)
    actions.the_tutor.cache_clear()
    try:
        start = ('/start_scenario{"scenario": "riverside-wms", "seed": 7}', "start_scenario", 1.0,
                 [{"entity": "scenario", "value": SID}, {"entity": "seed", "value": SEED}])
        await _action_run(actions.ActionStartScenario(), *start)
        lock = None
        if fault == "postgresql_down":
            monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg2://u:p@127.0.0.1:{closed_port()}/x")
            actions.the_tutor.cache_clear()
        elif fault == "locked":
            lock = WriteLock(db_file)
        else:
            for f in db_file.parent.glob(db_file.name + "*"):
                f.unlink()
        challenge = owner_challenge()
        with caplog.at_level(logging.ERROR, "actions.actions"):
            messages = await _action_run(actions.ActionPmRespond(), challenge.text, challenge.intent, challenge.confidence)
        if lock:
            lock.release()
        assert messages[0]["text"] == f"Tutor: {actions.UNSAVED}" and CANNOT_SAVE in messages[0]["text"]
        assert messages[1]["custom"] == actions.UNSAVED_MARK
        assert "Traceback" not in caplog.text and "not recorded: progress database unavailable" in caplog.text
        # the action server itself is fine: the next move, once the database is back, works
        if fault == "locked":
            messages = await _action_run(actions.ActionPmRespond(), challenge.text, challenge.intent, challenge.confidence)
            assert "Tutor: Sorry" not in messages[0]["text"]
            assert count(actions.the_tutor().store, Challenge) == 1
    finally:
        actions.the_tutor.cache_clear()


def test_a_deleted_file_is_reported_once_with_where_its_data_still_is(quick, db_file, caplog):
    Tutor(quick).start(msg("/start_scenario"), SID, SEED)
    db_file.unlink()
    with caplog.at_level(logging.ERROR, "bot.progress.store"):
        for _ in range(3):
            with pytest.raises(StoreUnavailable):
                Tutor(quick).respond(owner_challenge())
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and "deleted" in r.getMessage()]
    assert len(errors) == 1 and f"/proc/{os.getpid()}/fd/" in errors[0]
    rescue = errors[0].split("copy ")[1].split(" to ")[0]
    import shutil

    shutil.copyfile(rescue, db_file)  # the advice works: the data is back
    again = ProgressStore(f"sqlite:///{db_file}")
    assert count(again, Learner) == 1
