"""rasa_server/lock_store.py without a server: real asyncio, real Redis (when redis-server is
installed), no mocks. Ticket order, a lock handed on at once, expiry, cancellation, and Rasa's
own lock store for comparison."""
from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from local import free_port
from rasa_server.lock_store import QuickInMemoryLockStore, QuickRedisLockStore

HOLD = 0.05  # seconds each message keeps the lock (its own processing)


async def burst(store, n: int, conversation: str = "team", hold: float = HOLD, **lock_kw):
    """n messages for one conversation arrive at once; each holds the lock for `hold` seconds.
    Returns (order they got the lock in, seconds from the burst to each one's release)."""
    order: list[int] = []
    done: dict[int, float] = {}
    start = time.perf_counter()

    async def message(i: int) -> None:
        async with store.lock(conversation, **lock_kw):
            order.append(i)
            await asyncio.sleep(hold)
        done[i] = time.perf_counter() - start

    await asyncio.gather(*(message(i) for i in range(n)))
    return order, [done[i] for i in range(n)]


async def test_eight_at_once_are_served_in_ticket_order_without_waiting_a_second():
    store = QuickInMemoryLockStore()
    order, done = await burst(store, 8)
    assert order == list(range(8))  # Rasa's ticket order: the order the messages arrived in
    # Each is handed the lock as the one before releases it: 8 x 50 ms, not 7 x 1 s of polling.
    assert max(done) < 8 * HOLD + 0.3, done
    assert store.conversation_locks == {} and store._waiters == {}  # nothing left behind


async def test_rasas_own_lock_store_polls_once_a_second():
    """What the quick store replaces: three messages at once, the third waits two 1 s polls."""
    order, done = await burst(InMemoryLockStore(), 3, hold=0.02)
    assert order == [0, 1, 2]
    assert max(done) >= 1.9, done


async def test_conversations_do_not_wait_for_each_other():
    store = QuickInMemoryLockStore(max_concurrent=0)  # no limit on messages in progress
    start = time.perf_counter()
    results = await asyncio.gather(*(burst(store, 1, conversation=f"learner-{k}", hold=0.2) for k in range(20)))
    assert time.perf_counter() - start < 0.5
    assert all(order == [0] for order, _ in results)


async def test_at_most_max_concurrent_messages_are_processed_at_once_first_come_first_served():
    store = QuickInMemoryLockStore(max_concurrent=4)
    inside, most, admitted = 0, 0, []

    async def message(k: int) -> None:
        nonlocal inside, most
        async with store.lock(f"learner-{k}"):
            inside += 1
            most = max(most, inside)
            admitted.append(k)
            await asyncio.sleep(0.02)
            inside -= 1

    start = time.perf_counter()
    await asyncio.gather(*(message(k) for k in range(20)))
    assert most == 4
    assert admitted == list(range(20))  # in arrival order
    assert 0.09 <= time.perf_counter() - start < 0.4  # five rounds of 20 ms
    assert store.conversation_locks == {}


async def test_a_message_that_gives_up_waiting_for_a_place_passes_it_on():
    store = QuickInMemoryLockStore(max_concurrent=1)
    got: dict[str, float] = {}
    start = time.perf_counter()

    async def message(name: str, hold: float) -> None:
        async with store.lock(name):
            got[name] = time.perf_counter() - start
            await asyncio.sleep(hold)

    tasks = [asyncio.create_task(message(n, 0.1)) for n in ("first", "gives up", "third")]
    await asyncio.sleep(0.03)
    tasks[1].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert set(got) == {"first", "third"} and 0.09 <= got["third"] < 0.2, got
    assert store._slots.free == 1 and not store._slots.waiting
    assert store.conversation_locks == {}


async def test_a_message_arriving_later_waits_behind_the_queue():
    store = QuickInMemoryLockStore()
    order: list[str] = []

    async def message(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("c"):
            order.append(name)
            await asyncio.sleep(HOLD)

    await asyncio.gather(message("first", 0), message("second", 0.01), message("third", 0.02),
                         message("late", 0.06))
    assert order == ["first", "second", "third", "late"]


async def test_a_hung_holder_loses_the_lock_when_its_ticket_expires():
    """Rasa's lifetime: a message holding the lock past it no longer blocks the next one, which
    gets the lock when the ticket expires (not at the next 1 s poll, not when the holder ends)."""
    store = QuickInMemoryLockStore()
    got: dict[str, float] = {}
    start = time.perf_counter()

    async def hung() -> None:
        async with store.lock("c", lock_lifetime=0.3):
            got["hung"] = time.perf_counter() - start
            await asyncio.sleep(1.5)

    async def next_one() -> None:
        await asyncio.sleep(0.01)
        async with store.lock("c", lock_lifetime=5):
            got["next"] = time.perf_counter() - start

    await asyncio.gather(hung(), next_one())
    assert 0.29 <= got["next"] < 0.6, got
    assert store.conversation_locks == {}


async def test_a_waiter_that_gives_up_passes_its_turn_on():
    """A request cancelled while waiting (the client went away) gives its ticket back at once."""
    store = QuickInMemoryLockStore()
    got: dict[str, float] = {}
    start = time.perf_counter()

    async def holder() -> None:
        async with store.lock("c"):
            await asyncio.sleep(0.2)

    async def waiter(name: str) -> None:
        async with store.lock("c"):
            got[name] = time.perf_counter() - start

    tasks = [asyncio.create_task(holder()), asyncio.create_task(waiter("gives up")),
             asyncio.create_task(waiter("behind"))]
    await asyncio.sleep(0.05)
    tasks[1].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert "gives up" not in got
    assert 0.19 <= got["behind"] < 0.4, got
    assert store.conversation_locks == {} and store._waiters == {}


async def test_a_failing_message_releases_the_lock():
    store = QuickInMemoryLockStore()
    order: list[int] = []

    async def message(i: int) -> None:
        async with store.lock("c"):
            order.append(i)
            await asyncio.sleep(0.01)
            if i == 1:
                raise RuntimeError("the action server fell over")

    start = time.perf_counter()
    results = await asyncio.gather(*(message(i) for i in range(4)), return_exceptions=True)
    assert order == [0, 1, 2, 3]
    assert isinstance(results[1], RuntimeError)
    assert time.perf_counter() - start < 0.5


async def test_a_lock_that_vanished_is_a_lock_error_as_in_rasa():
    store = QuickInMemoryLockStore()
    ticket = store.issue_ticket("c")
    store.delete_lock("c")
    with pytest.raises(LockError):
        await store._acquire_lock("c", ticket, 1)


def test_endpoints_yml_builds_it_by_module_path(monkeypatch):
    """As Rasa 3.6 reads `lock_store: {type: rasa_server.lock_store.QuickInMemoryLockStore}`."""
    store = LockStore.create(EndpointConfig(type="rasa_server.lock_store.QuickInMemoryLockStore"))
    assert isinstance(store, QuickInMemoryLockStore) and isinstance(store, InMemoryLockStore)
    monkeypatch.setenv("SANIC_WORKERS", "2")  # workers would each have their own locks
    with pytest.raises(ValueError, match="QuickRedisLockStore"):
        QuickInMemoryLockStore()


def test_make_runs_endpoints_use_the_quick_lock_store(tmp_path, monkeypatch):
    """bot/stack.py writes endpoints.yml with it; Rasa reads the file and builds it."""
    from rasa.core.utils import AvailableEndpoints

    from bot.stack import write_endpoints

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path}/tracker.db")
    endpoints = AvailableEndpoints.read_endpoints(str(write_endpoints(tmp_path, 5055)))
    assert isinstance(LockStore.create(endpoints.lock_store), QuickInMemoryLockStore)
    redis = {"type": "rasa_server.lock_store.QuickRedisLockStore", "url": "10.0.0.5", "port": 6380, "db": 2}
    endpoints = AvailableEndpoints.read_endpoints(str(write_endpoints(tmp_path, 5055, lock_store=redis)))
    store = LockStore.create(endpoints.lock_store)  # redis-py connects lazily: nothing is contacted
    assert isinstance(store, QuickRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["host"] == "10.0.0.5"
    assert (store.red.connection_pool.connection_kwargs["port"], store.red.connection_pool.connection_kwargs["db"]) == (6380, 2)


# -- QuickRedisLockStore, against a real redis-server of its own ------------------------------

@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def redis_store(port: int, prefix: str) -> QuickRedisLockStore:
    """Built as Rasa builds it from endpoints.yml (url, port, db, key_prefix)."""
    store = LockStore.create(EndpointConfig(url="127.0.0.1", type="rasa_server.lock_store.QuickRedisLockStore",
                                            port=port, db=1, key_prefix=prefix))
    assert isinstance(store, QuickRedisLockStore)
    return store


async def test_redis_two_processes_serve_one_conversation_in_ticket_order(redis_port):
    """Two stores on one Redis stand for two Rasa processes taking the same team's messages."""
    a, b = redis_store(redis_port, "order"), redis_store(redis_port, "order")
    order: list[int] = []
    start = time.perf_counter()

    async def message(i: int) -> None:
        async with (a if i % 2 else b).lock("team"):
            order.append(i)
            await asyncio.sleep(HOLD)

    await asyncio.gather(*(message(i) for i in range(8)))
    assert order == list(range(8))
    # 25 ms polls: each hand-over costs at most one poll, not a second.
    assert time.perf_counter() - start < 8 * HOLD + 8 * a.poll_seconds + 0.3
    assert a.get_lock("team") is None  # the last one out deleted the lock


async def test_redis_tickets_taken_at_once_are_never_lost(redis_port):
    """Many tickets taken at once on one conversation by two stores: each one distinct, none
    overwritten (Rasa's read-change-write could lose one)."""
    a, b = redis_store(redis_port, "race"), redis_store(redis_port, "race")
    loop = asyncio.get_running_loop()
    tickets = await asyncio.gather(*(loop.run_in_executor(None, (a if i % 2 else b).issue_ticket, "c")
                                     for i in range(40)))
    assert sorted(tickets) == list(range(40))
    assert len(a.get_lock("c").tickets) == 40
    for t in tickets:
        b.cleanup("c", t)
    assert a.get_lock("c") is None


async def test_redis_a_hung_holder_loses_the_lock_when_its_ticket_expires(redis_port):
    store = redis_store(redis_port, "expiry")
    got: dict[str, float] = {}
    start = time.perf_counter()

    async def hung() -> None:
        async with store.lock("c", lock_lifetime=0.3):
            await asyncio.sleep(1.2)

    async def next_one() -> None:
        await asyncio.sleep(0.01)
        async with store.lock("c", lock_lifetime=5):
            got["next"] = time.perf_counter() - start

    await asyncio.gather(hung(), next_one())
    assert 0.29 <= got["next"] < 0.5, got
    assert store.get_lock("c") is None
