"""Deterministic variants: the same scenario and seed always give the same register.

A variant shuffles the register's row order and renumbers the rows R1..Rn, so a learner who
replays a scenario cannot rely on remembering "R4 was the bad owner". Seed 0 is the register as
written in the file. Text that names a risk uses `{R3}` placeholders, rendered here.
"""
from __future__ import annotations

import functools
import random
import re
from typing import Any

from bot.scenarios.loader import get_scenario
from bot.scenarios.model import Scenario

PLACEHOLDER = re.compile(r"\{(R\d{1,2})\}")


def _render(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: ids.get(m.group(1), m.group(1)), value)
    if isinstance(value, list):
        return [_render(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, ids) for k, v in value.items()}
    return value


def make_variant(scenario: Scenario, seed: int) -> Scenario:
    rows = list(scenario.rows)
    if seed:
        random.Random(f"{scenario.id}:{seed}").shuffle(rows)
    ids = {row.id: f"R{n}" for n, row in enumerate(rows, start=1)}
    data = _render(scenario.dict(by_alias=True), ids)
    data["register"] = [
        dict(_render(row.dict(), ids), id=ids[row.id]) for row in rows
    ]
    for flaw in data["flaws"]:
        for key in ("risk_id", "other_risk_id"):
            if flaw[key]:
                flaw[key] = ids[flaw[key]]
        flaw["also_on"] = [ids[r] for r in flaw.get("also_on") or []]
    return Scenario.parse_obj(data)


@functools.lru_cache(maxsize=256)
def variant(scenario_id: str, seed: int) -> Scenario:
    """The register a session plays; cached because every message of a session needs it."""
    return make_variant(get_scenario(scenario_id), seed)


def random_seed() -> int:
    return random.SystemRandom().randint(1, 9999)
