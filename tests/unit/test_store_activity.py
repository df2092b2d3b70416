"""A move records the learner as active without two extra statements each time."""
from __future__ import annotations

from bot.progress import store as store_module
from bot.progress.models import Learner


def test_a_move_records_a_new_learner_and_a_renamed_one_at_once(store):
    with store.transaction() as db:
        store.note_activity(db, "telegram:7", "Ana", "telegram")
    with store.transaction() as db:
        store.note_activity(db, "telegram:7", "Ana", "telegram")  # found: remembered for a minute
    with store.transaction() as db:
        store.note_activity(db, "telegram:7", "Ana Silva", "telegram")  # a new name is written at once
    with store.transaction() as db:
        assert db.get(Learner, "telegram:7").display_name == "Ana Silva"


def test_last_active_is_kept_to_the_minute(store, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(store_module.time, "monotonic", lambda: clock[0])
    with store.transaction() as db:
        store.note_activity(db, "ana", None, "rest")
    with store.transaction() as db:
        store.note_activity(db, "ana", None, "rest")
        first = db.get(Learner, "ana").last_active
    clock[0] += 30
    with store.transaction() as db:
        store.note_activity(db, "ana", None, "rest")
        assert db.get(Learner, "ana").last_active == first  # not written again within the minute
    clock[0] += store_module.ACTIVE_PRECISION
    with store.transaction() as db:
        store.note_activity(db, "ana", None, "rest")
        assert db.get(Learner, "ana").last_active > first
