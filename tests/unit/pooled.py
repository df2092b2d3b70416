"""Test helpers for scenarios with a flaw pool: a pool flaw is in play only at the seeds that
inject it, so a test of one flaw runs at a seed that has it."""
from __future__ import annotations

import functools

from bot.scenarios.loader import get_scenario
from bot.scenarios.model import Flaw, Scenario
from bot.scenarios.variants import picks


def every_flaw(s: Scenario) -> list[Flaw]:
    """The flaws a scenario can seed: those at every seed, and its pool's."""
    return [*s.flaws, *(i.flaw for i in s.pool)]


@functools.lru_cache(maxsize=None)
def seed_with(sid: str, flaw_id: str, start: int) -> int:
    """`start` if its register holds the flaw, else the next seed that injects it."""
    s = get_scenario(sid)
    if any(f.id == flaw_id for f in s.flaws):
        return start
    return next(n for n in range(start, start + 5000) if any(i.flaw.id == flaw_id for i in picks(s, n)))
