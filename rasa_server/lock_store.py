"""Per-conversation lock stores that hand the lock on at once instead of polling once a second.

Rasa serialises the messages of one conversation with a ticket lock (`rasa.core.lock_store`):
each message takes the next ticket and waits until its ticket is the one served. Its waiting loop
sleeps `wait_time_in_seconds` (1 s) between looks, so when a team's eight messages arrive at once
in one conversation the eighth waits up to seven seconds, most of it asleep while the lock is free.

- `QuickInMemoryLockStore` (one Rasa process, as `make run` starts it): a waiting message sleeps
  on an `asyncio.Event` of its own ticket, set by the message ahead of it the moment it releases
  the lock. Rasa's `TicketLock` still keeps the books, so the order is Rasa's ticket order and a
  ticket still expires after its lifetime (60 s, TICKET_LOCK_LIFETIME): a waiter also wakes when
  the ticket ahead of it expires, and never later than Rasa's own poll would have looked.
- `QuickRedisLockStore` (several Rasa processes sharing Redis): looks every POLL_SECONDS (25 ms)
  instead of every second. Rasa's RedisLockStore reads a lock, changes it and writes it back
  without a transaction, so two processes taking tickets at once can lose one; looking 40 times a
  second would make that likelier, so here every change is an optimistic Redis transaction
  (WATCH/MULTI, retried on conflict) and a look only reads.

Both also admit at most `max_concurrent` messages (default MAX_CONCURRENT, 3) of the process into
processing at a time, first come first served, so that under a class-sized burst the event loop
keeps answering its health URL (see _Admission).

endpoints.yml (Rasa 3.6 builds a custom lock store as `cls(endpoint_config=<the section>)`,
`rasa.core.lock_store._load_from_module_name_in_endpoint_config`):

    lock_store:
      type: rasa_server.lock_store.QuickInMemoryLockStore

    lock_store:
      type: rasa_server.lock_store.QuickRedisLockStore
      url: redis.internal      # the host, as for Rasa's `type: redis`
      port: 6379
      db: 1
      password: ...            # and Rasa's other RedisLockStore keys (key_prefix, use_ssl...)
      poll_seconds: 0.025      # optional
      max_concurrent: 3        # optional, either store; 0 for no limit

The in-memory store is one process's: Rasa runs several Sanic workers (SANIC_WORKERS) only with a
lock store it thinks is shared, and it takes any custom `type` for one, so this store refuses to
start with SANIC_WORKERS > 1 (use the Redis one there).
"""
from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Dict, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.025  # QuickRedisLockStore: between two looks at a lock held by another message
MAX_CONCURRENT = 3  # messages one Rasa process works on at a time (0: no limit); see _Admission
T = TypeVar("T")


class _Slots:
    """At most `size` holders at a time, handed out strictly in arrival order. (asyncio.Semaphore
    in Python 3.10 lets a newcomer take a freed place before the waiter it woke, which sends that
    waiter to the back of the queue: under load some messages waited several times as long.)"""

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiting: "collections.deque[asyncio.Future]" = collections.deque()

    async def acquire(self) -> None:
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        try:
            await future  # the place is handed over by release(): `free` was not raised for it
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed over just as the wait was cancelled: pass it on
            elif future in self.waiting:
                self.waiting.remove(future)
            raise

    def release(self) -> None:
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_result(None)
                return
        self.free += 1


class _Admission:
    """At most `max_concurrent` messages of this process are processed at a time; the others
    wait, in arrival order, for a place (after their conversation's lock, so a message waiting
    behind its own conversation takes no place). `max_concurrent` comes from endpoints.yml, else
    RASA_MAX_CONCURRENT, else MAX_CONCURRENT; 0 is no limit.

    Measured on the 2-core machine with 120-200 learners starting within 5 s (scripts/load.py)
    and Rasa's health URL polled twice a second: with no limit the URL took over 2 s three times
    in a row and the supervisor killed the server as hung, 200 conversations in flight (53% of
    the messages failed). Every admitted message runs a slice of its work in each turn of the
    event loop, and a request needs several turns, so the health URL's wait grows with the number
    admitted: at most 8 at a time, 2.3-3.4 s at worst; 3, at most 0.4 s; 2, 0.16 s. Throughput
    was the same within the machine's noise (the CPU is the limit either way: 22-29 msg/s with 8,
    31 with 3, 24-27 with 2, on a machine other work was also using; on the quiet machine, 200
    learners, runs with 3 and with 8 one after the other differed by -1.8 msg/s on average, and the
    slowest message took up to 5.3 s with 3, 9.6 s with 8), so 3. docs/benchmarks.md, "Load"."""

    max_concurrent: int = MAX_CONCURRENT
    _slots: Optional[_Slots] = None

    def _admission(self, max_concurrent: Any) -> None:
        if max_concurrent is None:
            max_concurrent = os.environ.get("RASA_MAX_CONCURRENT") or MAX_CONCURRENT
        self.max_concurrent = int(max_concurrent)
        self._slots = _Slots(self.max_concurrent) if self.max_concurrent > 0 else None

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as ticket_lock:  # type: ignore[misc]
            if self._slots is None:
                yield ticket_lock
                return
            await self._slots.acquire()
            try:
                yield ticket_lock
            finally:
                self._slots.release()


class QuickInMemoryLockStore(_Admission, InMemoryLockStore):
    """Rasa's in-memory ticket lock; a waiter is woken when the lock is handed to its ticket."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 max_concurrent: Optional[int] = None, **_: Any) -> None:
        workers = os.environ.get("SANIC_WORKERS", "1")
        if workers.strip() not in ("", "1"):
            raise ValueError(
                f"QuickInMemoryLockStore serialises conversations within one process, but "
                f"SANIC_WORKERS={workers}: use rasa_server.lock_store.QuickRedisLockStore")
        super().__init__()
        if endpoint_config is not None:
            max_concurrent = endpoint_config.kwargs.get("max_concurrent", max_concurrent)
        self._admission(max_concurrent)
        # conversation id -> ticket number -> the event its waiter sleeps on
        self._waiters: Dict[Text, Dict[int, asyncio.Event]] = {}

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:  # as Rasa: the lock is gone (every ticket on it expired)
                break
            if not lock.is_locked(ticket):
                return lock
            event = asyncio.Event()
            waiting = self._waiters.setdefault(conversation_id, {})
            waiting[ticket] = event
            try:
                await asyncio.wait_for(event.wait(), _until_next_look(lock, wait_time_in_seconds))
            except asyncio.TimeoutError:
                pass  # the ticket ahead expired, or the fallback look is due
            finally:
                if waiting.get(ticket) is event:
                    del waiting[ticket]
                if not waiting and self._waiters.get(conversation_id) is waiting:
                    del self._waiters[conversation_id]
            self.update_lock(conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        super().cleanup(conversation_id, ticket_number)
        self._wake(conversation_id)

    def _wake(self, conversation_id: Text) -> None:
        """Wake the waiter whose ticket is now served (expired tickets are skipped, as Rasa does).
        If the lock is gone, every waiter looks again (and fails, as it would in Rasa)."""
        waiting = self._waiters.get(conversation_id)
        if not waiting:
            return
        lock = self.get_lock(conversation_id)
        if lock is None:
            for event in waiting.values():
                event.set()
            return
        event = waiting.get(lock.now_serving)
        if event is not None:
            event.set()


def _until_next_look(lock: TicketLock, wait_time_in_seconds: float) -> float:
    """How long a waiter may sleep: until the served ticket expires (then the next one is served
    without anyone releasing), and never longer than Rasa's own poll interval (a safety net:
    a waiter is normally woken by the release long before)."""
    head = lock.tickets[0] if lock.tickets else None  # is_locked() just dropped expired tickets
    if head is None:
        return 0.0
    return max(0.0, min(float(wait_time_in_seconds), head.expires - time.time() + 0.001))


class QuickRedisLockStore(_Admission, RedisLockStore):
    """Rasa's Redis ticket lock, looked at every `poll_seconds` and changed only in transactions."""

    def __init__(
        self,
        host: Text = "localhost",
        port: int = 6379,
        db: int = 1,
        endpoint_config: Optional[EndpointConfig] = None,
        poll_seconds: float = POLL_SECONDS,
        max_concurrent: Optional[int] = None,
        **kwargs: Any,
    ) -> None:
        if endpoint_config is not None:  # built from endpoints.yml: `url` is the host, as for type: redis
            options = dict(endpoint_config.kwargs)
            host = endpoint_config.url or options.pop("host", host)
            port = options.pop("port", port)
            db = options.pop("db", db)
            poll_seconds = options.pop("poll_seconds", poll_seconds)
            max_concurrent = options.pop("max_concurrent", max_concurrent)
            kwargs = {**options, **kwargs}
        kwargs.pop("url", None)
        super().__init__(host=host, port=int(port), db=int(db), **kwargs)
        self.poll_seconds = float(poll_seconds)
        self._admission(max_concurrent)

    # -- every change is one optimistic transaction -------------------------------------------
    def _transact(self, conversation_id: Text,
                  change: Callable[[Optional[TicketLock]], Tuple[T, Optional[TicketLock]]]) -> T:
        """Read the lock under WATCH; `change` returns (result, the lock to keep, or None to
        delete it); the write goes in MULTI/EXEC, so a ticket taken by another process meanwhile
        makes Redis abort it and redis-py run the whole change again on the new value."""
        key = self.key_prefix + conversation_id
        out: Dict[str, Any] = {}

        def run(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            out["result"], keep = change(lock)
            pipe.multi()
            if keep is None:
                if raw is not None:
                    pipe.delete(key)
            else:
                dumped = keep.dumps()
                if raw is None or dumped != (raw.decode() if isinstance(raw, bytes) else raw):
                    pipe.set(key, dumped)

        self.red.transaction(run, key)
        return out["result"]

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        logger.debug(f"Issuing ticket for conversation '{conversation_id}'.")

        def take(lock: Optional[TicketLock]) -> Tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._transact(conversation_id, take)
        except Exception as e:  # noqa: BLE001 - as Rasa: a failure to take a ticket is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{e}")

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets (written back only if one was dropped)."""
        def drop(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._transact(conversation_id, drop)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._transact(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove the ticket, and the lock if nobody else holds one, in one transaction: Rasa
        does it in two steps, and a ticket another process took between them was deleted with
        the lock (its message then failed with a LockError)."""
        def finish(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock if lock.is_someone_waiting() else None

        self._transact(conversation_id, finish)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        logger.debug(f"Acquiring lock for conversation '{conversation_id}'.")
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(min(self.poll_seconds, float(wait_time_in_seconds)))
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
