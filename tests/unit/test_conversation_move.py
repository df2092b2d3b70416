"""A chat that changes id (a Telegram group upgraded to a supergroup) keeps its role-play."""
from bot.progress.store import ProgressStore

OLD, NEW = "telegram-group:-4001", "telegram-group:-1004001"


def start(store: ProgressStore, conversation: str, scenario: str) -> int:
    with store.transaction() as db:
        store.touch_learner(db, "telegram:111", "Ana Silva", "telegram")
        return store.start_session(db, conversation, "telegram:111", scenario, 3).id


def active(store: ProgressStore, conversation: str):
    with store.transaction() as db:
        s = store.active_session(db, conversation)
        return s and s.id


def test_the_sessions_follow_the_chat(store):
    first = start(store, OLD, "riverside-wms")
    second = start(store, OLD, "northgate-epr")  # the first is abandoned by starting again
    assert store.move_conversation(OLD, NEW) == 2
    assert active(store, NEW) == second and active(store, OLD) is None
    assert store.move_conversation(OLD, NEW) == 0  # the second service message changes nothing
    with store.transaction() as db:
        assert {s.id for s in store.sessions_of(db, "telegram:111")} == {first, second}


def test_a_session_already_started_in_the_new_chat_stays_the_active_one(store):
    start(store, OLD, "riverside-wms")
    newer = start(store, NEW, "northgate-epr")
    store.move_conversation(OLD, NEW)
    assert active(store, NEW) == newer
    with store.transaction() as db:
        statuses = sorted(s.status for s in store.sessions_of(db, "telegram:111"))
    assert statuses == ["abandoned", "active"]
