"""The tracker store keeps every event in the database but gives Rasa only the recent ones."""
from __future__ import annotations

import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from rasa_server.tracker_store import RecentEventsSQLTrackerStore

DOMAIN = Domain.from_yaml("version: '3.1'\nintents:\n  - challenge_wrong_owner\n")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "tracker.db"


def open_store(db, **kwargs) -> RecentEventsSQLTrackerStore:
    return RecentEventsSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), **kwargs)


def stored(db, sender="learner") -> list[str]:
    with sqlite3.connect(db) as c:
        return [row[0] for row in c.execute(
            "select type_name || ':' || coalesce(action_name, '') from events where sender_id=? order by id", (sender,))]


def turn(tracker, n: int) -> None:
    """One learner message as Rasa logs it: the message, the PM's reply, back to listening."""
    tracker.update(UserUttered(f"R{n}'s owner is wrong", {"name": "challenge_wrong_owner", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_pm_respond"))
    tracker.update(BotUttered(f"Rob Atkinson (PM): fair point about R{n}."))
    tracker.update(ActionExecuted("action_listen"))


async def new_conversation(store, sender="learner"):
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    return tracker


async def test_every_event_is_written_once_while_rasa_sees_only_recent_ones(db):
    store = open_store(db, recent_events=10)
    tracker = await new_conversation(store)
    for n in range(1, 21):
        tracker = await store.retrieve("learner")
        turn(tracker, n)
        await store.save(tracker)
    rows = stored(db)
    assert len(rows) == 1 + 3 + 20 * 4  # the listen from get_or_create, the session start, 20 turns
    assert rows.count("user:") == 20
    assert len(tracker.events) == 10
    assert tracker.latest_message.text == "R20's owner is wrong"


async def test_the_tracker_stays_in_memory_between_messages(db):
    store = open_store(db)
    tracker = await new_conversation(store)
    assert await store.retrieve("learner") is tracker


async def test_a_message_that_failed_halfway_is_not_half_remembered(db):
    store = open_store(db)
    await new_conversation(store)
    tracker = await store.retrieve("learner")
    tracker.update(UserUttered("R3 is an issue, not a risk", {"name": "challenge_wrong_owner", "confidence": 0.9}))
    # ... the processor fails before saving: the next message starts from what the database holds
    again = await store.retrieve("learner")
    assert again is not tracker
    assert all(not isinstance(e, UserUttered) for e in again.events)
    assert "user:" not in stored(db)


async def test_after_a_restart_the_conversation_carries_on_without_duplicates(db):
    store = open_store(db, recent_events=6)
    tracker = await new_conversation(store)
    for n in range(1, 4):
        turn(tracker, n)
        await store.save(tracker)
    restarted = open_store(db, recent_events=6)
    tracker = await restarted.retrieve("learner")
    assert len(tracker.events) == 6
    assert tracker.latest_message.text == "R3's owner is wrong"
    turn(tracker, 4)
    await restarted.save(tracker)
    rows = stored(db)
    assert rows.count("user:") == 4
    assert len(rows) == 1 + 3 + 4 * 4


async def test_conversations_are_kept_apart_and_the_cache_is_bounded(db):
    store = open_store(db, cached_conversations=2)
    for sender in ("amira", "ben", "chloe"):
        tracker = await new_conversation(store, sender)
        turn(tracker, 1)
        await store.save(tracker)
    assert list(store._trackers) == ["ben", "chloe"]
    amira = await store.retrieve("amira")  # read back from the database
    assert amira.latest_message.text == "R1's owner is wrong"
    assert stored(db, "amira").count("user:") == 1


async def test_sqlite_runs_in_wal_mode(db):
    await new_conversation(open_store(db))
    with sqlite3.connect(db) as c:
        assert c.execute("pragma journal_mode").fetchone()[0] == "wal"


# -- several Rasa processes on one database (make run-cluster: any replica takes any message) -------

async def test_two_replicas_taking_turns_see_every_turn_and_write_each_once(db):
    one, two = open_store(db, recent_events=10), open_store(db, recent_events=10)
    await new_conversation(one)
    for n in range(1, 9):
        store = one if n % 2 else two  # round robin, as nginx does
        tracker = await store.retrieve("learner")
        # what this replica holds is what the database says, though the other replica served the last turn
        if n > 1:
            assert tracker.latest_message.text == f"R{n - 1}'s owner is wrong"
        turn(tracker, n)
        await store.save(tracker)
    rows = stored(db)
    assert rows.count("user:") == 8
    assert len(rows) == 1 + 3 + 8 * 4
    for store in (one, two):
        tracker = await store.retrieve("learner")
        fresh = await open_store(db, recent_events=10).retrieve("learner")
        assert tracker.latest_message.text == "R8's owner is wrong"
        assert [e.as_dict() for e in tracker.events] == [e.as_dict() for e in fresh.events]


async def test_a_kept_tracker_costs_one_query_when_nobody_else_wrote(db):
    store = open_store(db)
    tracker = await new_conversation(store)
    statements = []
    sa_event = __import__("sqlalchemy").event
    sa_event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert await store.retrieve("learner") is tracker
    assert len(statements) == 1 and "events.id >" in statements[0]


async def test_a_write_nobody_was_meant_to_make_in_between_drops_the_kept_tracker(db):
    """Rasa's lock store serialises a conversation; if two processes still wrote at once, the
    database stays the truth: both writes are kept, and the next message reads them."""
    one, two = open_store(db), open_store(db)
    await new_conversation(one)
    a = await one.retrieve("learner")
    b = await two.retrieve("learner")
    turn(a, 1)
    turn(b, 2)
    await one.save(a)
    await two.save(b)  # two did not see one's turn
    assert "learner" not in two._trackers
    again = await two.retrieve("learner")
    texts = [e.text for e in again.events if isinstance(e, UserUttered)]
    assert texts == ["R1's owner is wrong", "R2's owner is wrong"]
    assert stored(db).count("user:") == 2


async def test_a_new_session_started_by_the_other_replica_is_seen(db):
    one, two = open_store(db), open_store(db)
    await new_conversation(one)
    tracker = await one.retrieve("learner")
    turn(tracker, 1)
    await one.save(tracker)
    other = await two.retrieve("learner")
    other.update(ActionExecuted("action_session_start"))
    other.update(SessionStarted())
    other.update(ActionExecuted("action_listen"))
    turn(other, 2)
    await two.save(other)
    mine = await one.retrieve("learner")
    applied = [e.text for e in mine.applied_events() if isinstance(e, UserUttered)]
    assert applied == ["R2's owner is wrong"]  # as a fresh read of the latest session gives
