"""Rasa's SQL tracker store, keeping every event but working on the recent ones.

Profiling a 30-message role-play showed the Rasa server's time growing with the conversation:
each message re-read and re-parsed every event of the session from the database, counted them
again to find what was new, replayed the whole history for each policy and sent all of it to the
action server. Nothing here needs that history: the role-play state lives in the progress store,
the domain has no slots and the rules look at the last turn only. So this store
- still writes every event to the database (the full transcript stays in `events`),
- keeps each conversation's tracker in memory between messages instead of re-reading it,
- hands Rasa only the most recent RECENT_EVENTS events, so a message costs the same at the 5th
  turn and the 500th,
- on SQLite keeps connections open with WAL, instead of a new connection, a full journal and an
  fsync for every save.

Several Rasa processes may serve the same conversation (`make run-cluster`: two replicas behind
nginx, any replica may take any message). The database, not a process's memory, is the truth:
a kept tracker remembers the database id of the newest event it holds, and before it is used
again one indexed query fetches the events written after that id (by another replica) and
applies them, in order, to the kept tracker; usually there are none, or the few of the turn the
other replica served. A save checks that nobody wrote in between (Rasa's lock store serialises a
conversation's messages, so nobody should); if someone did, the kept tracker is dropped and the
next message reads the conversation from the database.
"""
from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

RECENT_EVENTS = 30  # about five learner turns; a rule needs one
CACHED_CONVERSATIONS = 5000
_SAVED = "_pmo_last_saved_event"  # set on trackers this store has read or saved
_LAST_ID = "_pmo_last_event_id"  # the database id of the newest event such a tracker holds
_INDEX = "ix_events_sender_id_id"  # finds a conversation's newest events without reading the older ones


class RecentEventsSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, recent_events: int = RECENT_EVENTS,
                 cached_conversations: int = CACHED_CONVERSATIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent_events = int(recent_events)
        self.cached_conversations = int(cached_conversations)
        self._trackers: OrderedDict[str, DialogueStateTracker] = OrderedDict()
        if self.engine.dialect.name == "sqlite":
            if self.engine.url.database not in (None, "", ":memory:"):
                self._keep_sqlite_connections()
        else:
            self._check_connections()
        self._index_events()

    def _keep_sqlite_connections(self) -> None:
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=QueuePool, pool_size=2,
                                       connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(self.engine, "connect")
        def _wal(conn, _):
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; a crash may lose the last turn
            cur.close()

        self.sessionmaker = sessionmaker(bind=self.engine)

    def _check_connections(self) -> None:
        """A server database (PostgreSQL) may restart under a running replica: test a pooled
        connection before use, so the first message after a restart does not fail."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    def _index_events(self) -> None:
        try:
            sa.Index(_INDEX, self.SQLEvent.sender_id, self.SQLEvent.id).create(self.engine, checkfirst=True)
        except sa.exc.SQLAlchemyError as e:  # another replica creating it at the same moment
            logger.warning("Could not create index %s on events: %s", _INDEX, e)

    # -- reading --------------------------------------------------------------------------
    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = self._trackers.get(sender_id)
        if tracker is not None and not self._unsaved(tracker) and self._catch_up(tracker):
            self._trackers.move_to_end(sender_id)
            return tracker
        # Not kept, or an interrupted message left unsaved events on it: the database decides.
        self._trackers.pop(sender_id, None)
        tracker = self._load(sender_id)
        if tracker is not None:
            self._trim(tracker)
            self._mark_saved(tracker)
            self._remember(tracker)
        return tracker

    def _load(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's latest session from the database (as Rasa's own retrieve), with
        the id of its newest event."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(r.data) for r in rows], self.domain.slots)
        setattr(tracker, _LAST_ID, rows[-1].id)
        return tracker

    def _catch_up(self, tracker: DialogueStateTracker) -> bool:
        """Apply to a kept tracker the events other processes wrote since it was read or saved.
        False if the tracker has no known position (then it is read afresh)."""
        last = getattr(tracker, _LAST_ID, None)
        if last is None:
            return False
        E = self.SQLEvent
        with self.engine.connect() as conn:  # Core, not an ORM session: this runs on every message
            rows = conn.execute(sa.select(E.id, E.data).where(E.sender_id == tracker.sender_id, E.id > last)
                                .order_by(E.id)).all()
        if not rows:
            return True
        for event in deserialise_events([json.loads(r.data) for r in rows]):
            tracker.update(event)  # as DialogueStateTracker.from_events does, one by one
        setattr(tracker, _LAST_ID, rows[-1].id)
        self._trim(tracker)
        self._mark_saved(tracker)
        logger.debug("Conversation %s: %d events from another process applied", tracker.sender_id, len(rows))
        return True

    # -- writing --------------------------------------------------------------------------
    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's SQLTrackerStore.save, writing only what this store has not written yet, and
        noting the id of the newest event."""
        try:
            await self.stream_events(tracker)
            diverged, last = self._write(tracker)
        except BaseException:
            self._trackers.pop(tracker.sender_id, None)
            raise
        if diverged:
            # Someone else wrote to this conversation since we read it: keep nothing in memory,
            # the next message reads the conversation from the database.
            logger.warning("Conversation %s was written by another process meanwhile; re-reading it next time",
                           tracker.sender_id)
            self._trackers.pop(tracker.sender_id, None)
            return
        setattr(tracker, _LAST_ID, last)
        self._mark_saved(tracker)
        self._trim(tracker)
        self._remember(tracker)

    def _write(self, tracker: DialogueStateTracker) -> tuple[bool, Optional[int]]:
        if not hasattr(tracker, _SAVED):
            return self._write_new(tracker)
        # One insert of the turn's events and one indexed read of the ids after the newest we
        # knew, in one transaction: Core statements, not ORM objects flushed one by one (the
        # ORM's way was a sixth of the server's time per message). More ids than rows written
        # means another process wrote to this conversation meanwhile.
        E = self.SQLEvent
        known = getattr(tracker, _LAST_ID, None)
        rows = [self._values(tracker.sender_id, event) for event in self._unsaved(tracker)]
        after = E.sender_id == tracker.sender_id
        with self.engine.begin() as conn:
            if rows:
                conn.execute(E.__table__.insert(), rows)
            ids = conn.execute(sa.select(E.id).where(after if known is None else after & (E.id > known))
                               .order_by(E.id)).scalars().all()
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")
        return len(ids) != len(rows), ids[-1] if ids else known

    def _write_new(self, tracker: DialogueStateTracker) -> tuple[bool, Optional[int]]:
        """A tracker we never saw (a new conversation): Rasa's way, counting rows."""
        E = self.SQLEvent
        with self.session_scope() as session:
            rows = [self.SQLEvent(**self._values(tracker.sender_id, event))
                    for event in super()._additional_events(session, tracker)]
            session.add_all(rows)
            session.flush()  # assigns the ids
            last = rows[-1].id if rows else session.query(sa.func.max(E.id)).filter(
                E.sender_id == tracker.sender_id).scalar()
            session.commit()
        return False, last

    @staticmethod
    def _values(sender_id: str, event: Event) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        if hasattr(tracker, _SAVED):
            return iter(self._unsaved(tracker))
        return super()._additional_events(session, tracker)  # a tracker we never saw: count rows

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is not None and hasattr(tracker, _SAVED):
            await self._stream_new_events(self.event_broker, self._unsaved(tracker), tracker.sender_id)
        else:
            await super().stream_events(tracker)

    # -- bookkeeping ----------------------------------------------------------------------
    @staticmethod
    def _unsaved(tracker: DialogueStateTracker) -> list[Event]:
        """Events appended since this store last read or saved the tracker (found by identity)."""
        last = getattr(tracker, _SAVED, None)
        events = tracker.events
        if last is None:
            return list(events)
        for i in range(len(events) - 1, -1, -1):
            if events[i] is last:
                return [events[j] for j in range(i + 1, len(events))]
        return list(events)  # cannot happen: trimming only drops events older than the last saved

    @staticmethod
    def _mark_saved(tracker: DialogueStateTracker) -> None:
        setattr(tracker, _SAVED, tracker.events[-1] if tracker.events else None)

    def _trim(self, tracker: DialogueStateTracker) -> None:
        # Slots, the latest message and the active loop are tracker fields already applied from
        # the dropped events, so only the replayable history shrinks.
        while len(tracker.events) > self.recent_events:
            tracker.events.popleft()

    def _remember(self, tracker: DialogueStateTracker) -> None:
        self._trackers[tracker.sender_id] = tracker
        self._trackers.move_to_end(tracker.sender_id)
        while len(self._trackers) > self.cached_conversations:
            self._trackers.popitem(last=False)
