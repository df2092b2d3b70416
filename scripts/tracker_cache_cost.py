"""What it costs the Rasa server to check its kept trackers against the database (several replicas
may serve one conversation; rasa_server/tracker_store.py), against the alternatives.

    python scripts/tracker_cache_cost.py [--url TRACKER_STORE_URL] [--turns 30] [--repeat 200]

Times one `retrieve` of a conversation of --turns learner turns (4 events each), four ways:
- kept, unchecked: the tracker from memory, no query (the store before clustering; wrong with
  two replicas),
- kept, checked: memory plus one indexed query for newer events; none found (same replica),
- kept, caught up: the other replica served the last turn; its 4 events are read and applied
  (the conversation grows by --repeat turns over this loop),
- no cache: the whole session read and replayed from the database (what a store without a
  cache does on every message).
Default URL: a temporary SQLite file. Prints milliseconds per retrieve (median).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered  # noqa: E402

from bot.stack import tracker_store_endpoint  # noqa: E402
from rasa_server.tracker_store import RecentEventsSQLTrackerStore  # noqa: E402

DOMAIN = Domain.from_yaml("version: '3.1'\nintents:\n  - challenge_wrong_owner\n")


def turn(tracker, n: int) -> None:
    tracker.update(UserUttered(f"R{n}'s owner is wrong", {"name": "challenge_wrong_owner", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_pm_respond"))
    tracker.update(BotUttered(f"Rob Atkinson (PM): fair point about R{n}." * 5))
    tracker.update(ActionExecuted("action_listen"))


def open_store(url: str) -> RecentEventsSQLTrackerStore:
    ep = tracker_store_endpoint(url)
    ep.pop("type")
    return RecentEventsSQLTrackerStore(domain=DOMAIN, host=ep.pop("url", None), **ep)  # as Rasa passes it


async def measure(url: str, turns: int, repeat: int) -> dict[str, float]:
    one, two = open_store(url), open_store(url)
    sender = f"cost-{time.time_ns()}"
    tracker = await one.get_or_create_tracker(sender)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    for n in range(turns):
        turn(tracker, n)
    await one.save(tracker)
    times: dict[str, list[float]] = {k: [] for k in ("kept, unchecked", "kept, checked", "kept, caught up", "no cache")}
    for _ in range(repeat):  # each way in its own loop, so one does not disturb the next's timing
        t = time.perf_counter()
        one._trackers.get(sender)
        times["kept, unchecked"].append(time.perf_counter() - t)
    for _ in range(repeat):
        t = time.perf_counter()
        await one.retrieve(sender)
        times["kept, checked"].append(time.perf_counter() - t)
    for i in range(repeat):
        other = await two.retrieve(sender)  # the other replica serves a turn
        turn(other, turns + i)
        await two.save(other)
        t = time.perf_counter()
        await one.retrieve(sender)
        times["kept, caught up"].append(time.perf_counter() - t)
    for _ in range(repeat):
        one._trackers.pop(sender, None)
        t = time.perf_counter()
        await one.retrieve(sender)
        times["no cache"].append(time.perf_counter() - t)
    return {k: round(1000 * statistics.median(v), 3) for k, v in times.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="TRACKER_STORE_URL (default: a temporary SQLite file)")
    p.add_argument("--turns", type=int, default=30)
    p.add_argument("--repeat", type=int, default=200)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/tracker.db"
        result = asyncio.run(measure(url, args.turns, args.repeat))
    print(f"retrieve, ms (median of {args.repeat}; conversation of {args.turns}+ turns; {url.split(':')[0]}):")
    for k, v in result.items():
        print(f"  {k:16} {v:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
