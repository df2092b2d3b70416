"""Progress queries at scale: fill a database with 10,000 learners and 1,000,000 challenges, then
time the trainer API's learner list and session view through the real web app.

    python scripts/scale.py [--learners 10000] [--challenges 1000000] [--db PATH]

Writes results/bench/scale.json. Traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import insert

from bot.progress.models import Challenge, Learner, Session, Utterance
from bot.progress.store import ProgressStore
from bot.scenarios.variants import variant
from bot.web.app import make_app

ROOT = Path(__file__).resolve().parents[1]
VERDICTS = ["hit", "partial", "false", "repeat", "question", "fix_accepted", "fix_rejected", "unclear"]
SCENARIOS = ["riverside-wms", "northgate-epr"]


def fill(store: ProgressStore, learners: int, challenges: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = dt.datetime(2026, 11, 1)
    per_learner = max(1, challenges // learners)
    sessions_per_learner = 3
    with store.engine.begin() as conn:
        conn.execute(insert(Learner), [
            {"id": f"learner-{n}", "display_name": f"Learner {n}", "channel": rng.choice(["rest", "telegram"]),
             "created_at": now, "last_active": now - dt.timedelta(minutes=n)} for n in range(learners)
        ])
        conn.execute(insert(Session), [
            {"id": n * sessions_per_learner + k + 1, "learner_id": f"learner-{n}", "conversation_id": f"learner-{n}",
             "scenario": SCENARIOS[k % 2], "seed": k, "status": "finished", "started_at": now,
             "ended_at": now, "context": {}, "score": {"found": 3, "fixed": 1, "total": 7,
             "false_challenges": 1, "hints": 1, "craft": 0.5, "points": 37, "max_points": 115, "percent": 32}}
            for n in range(learners) for k in range(sessions_per_learner)
        ])
        batch = []
        flaw_ids = {s: [f.id for f in variant(s, 0).flaws] for s in SCENARIOS}
        for n in range(learners):
            for i in range(per_learner):
                k = i % sessions_per_learner
                verdict = rng.choice(VERDICTS)
                batch.append({
                    "session_id": n * sessions_per_learner + k + 1, "learner_id": f"learner-{n}", "at": now,
                    "text": "Is the owner of R4 right, given the contract sits with Priya?", "verdict": verdict,
                    "flaw_id": rng.choice(flaw_ids[SCENARIOS[k % 2]]) if verdict == "hit" else None,
                })
                if len(batch) >= 50_000:
                    conn.execute(insert(Challenge), batch)
                    batch.clear()
        if batch:
            conn.execute(insert(Challenge), batch)
        conn.execute(insert(Utterance), [
            {"session_id": 1, "at": now, "speaker": rng.choice(["learner", "pm", "tutor"]), "text": "..."}
            for _ in range(200)
        ])


async def measure(store: ProgressStore, rounds: int = 20) -> dict:
    server = TestServer(make_app(store, token="scale"), host="127.0.0.1")
    await server.start_server()
    headers = {"Authorization": "Bearer scale"}
    paths = {"learners": "/api/learners", "session": "/api/sessions/1", "transcript": "/api/sessions/1/transcript",
             "dashboard_report": "/api/report"}
    timings: dict[str, list[float]] = {name: [] for name in paths}
    async with ClientSession() as http:
        for _ in range(rounds):
            for name, path in paths.items():
                start = time.perf_counter()
                async with http.get(server.make_url(path), headers=headers) as r:
                    await r.read()
                    assert r.status == 200, (path, r.status)
                timings[name].append((time.perf_counter() - start) * 1000)
    await server.close()
    return {name: {"median_ms": round(statistics.median(v), 1), "max_ms": round(max(v), 1)} for name, v in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--challenges", type=int, default=1_000_000)
    parser.add_argument("--db", help="SQLite file to fill (default: a temporary file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"{tmp}/scale.db"
        store = ProgressStore(f"sqlite:///{db}")
        start = time.monotonic()
        fill(store, args.learners, args.challenges)
        fill_s = time.monotonic() - start
        result = {"learners": args.learners, "challenges": args.challenges, "fill_s": round(fill_s, 1),
                  "api": asyncio.run(measure(store))}
    out = ROOT / "results" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
