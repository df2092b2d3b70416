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
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

RECENT_EVENTS = 30  # about five learner turns; a rule needs one
CACHED_CONVERSATIONS = 5000
_SAVED = "_pmo_last_saved_event"  # set on trackers this store has read or saved


class RecentEventsSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, recent_events: int = RECENT_EVENTS,
                 cached_conversations: int = CACHED_CONVERSATIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent_events = int(recent_events)
        self.cached_conversations = int(cached_conversations)
        self._trackers: OrderedDict[str, DialogueStateTracker] = OrderedDict()
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            self._keep_sqlite_connections()

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

    # -- reading --------------------------------------------------------------------------
    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = self._trackers.get(sender_id)
        if tracker is not None and not self._unsaved(tracker):
            self._trackers.move_to_end(sender_id)
            return tracker
        # Not cached, or an interrupted message left unsaved events on it: the database decides.
        self._trackers.pop(sender_id, None)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._trim(tracker)
            self._mark_saved(tracker)
            self._remember(tracker)
        return tracker

    # -- writing --------------------------------------------------------------------------
    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await super().save(tracker)  # writes what _additional_events returns
        except BaseException:
            self._trackers.pop(tracker.sender_id, None)
            raise
        self._mark_saved(tracker)
        self._trim(tracker)
        self._remember(tracker)

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
