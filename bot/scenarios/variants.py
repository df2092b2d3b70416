"""Deterministic variants: the same scenario and seed always give the same register.

A scenario with a flaw pool first injects the seed's pick of pool flaws into its sound register
(a row's owner swapped, its review aged, a twin row added, a row dropped as the missing risk), so
a replay is a new exercise; then every variant shuffles the row order and renumbers the rows
R1..Rn, so a learner cannot rely on remembering "R4 was the bad owner". Seed 0 is the register as
written in the file, with the pool's first picks. Text that names a risk uses `{R3}`
placeholders, rendered here.
"""
from __future__ import annotations

import functools
import random
import re
from typing import Any

from bot.scenarios.loader import get_scenario
from bot.scenarios.model import Injection, Row, Scenario

PLACEHOLDER = re.compile(r"\{(R\d{1,2})\}")


def _render(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: ids.get(m.group(1), m.group(1)), value)
    if isinstance(value, list):
        return [_render(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, ids) for k, v in value.items()}
    return value


def picks(scenario: Scenario, seed: int) -> list[Injection]:
    """The pool flaws a seed injects: the first ones written for seed 0, a seeded sample otherwise."""
    if not seed:
        return list(scenario.pool[: scenario.pool_picks])
    chosen = random.Random(f"{scenario.id}:pool:{seed}").sample(range(len(scenario.pool)), scenario.pool_picks)
    return [scenario.pool[i] for i in sorted(chosen)]


def seeded_types(scenario: Scenario, seed: int) -> set[str]:
    """The flaw types a session of this scenario and seed holds."""
    return {f.type.value for f in scenario.flaws} | {i.flaw.type.value for i in picks(scenario, seed)}


def seed_for(scenario: Scenario, missed: dict[str, int], tries: int = 400) -> int | None:
    """A seed whose injected flaws practise what the learner has missed most (None when the pool
    cannot make a difference). Among equally good seeds one is drawn at random, so a learner who
    keeps missing the same type still meets new registers."""
    if not scenario.pool or not any(missed.values()):
        return None
    weight = {n: sum(missed.get(t, 0) for t in seeded_types(scenario, n)) for n in range(1, tries + 1)}
    best = max(weight.values())
    if best == min(weight.values()):
        return None
    return random.SystemRandom().choice([n for n, w in weight.items() if w == best])


def inject(scenario: Scenario, seed: int) -> Scenario:
    """The scenario as a seed plays it before renumbering: the pool's picks injected, rows in file order."""
    if not scenario.pool:
        return scenario
    chosen = picks(scenario, seed)
    rows = []
    for row in scenario.rows:
        if any(i.remove == row.id for i in chosen):
            continue
        rows.append(Row.parse_obj({**row.dict(), **_merged(chosen, row.id)}))
    rows += [i.add for i in chosen if i.add]
    return scenario.copy(update={
        "rows": rows, "flaws": scenario.flaws + [i.flaw for i in chosen], "pool": [], "pool_picks": 0,
    })


def _merged(chosen: list[Injection], risk_id: str) -> dict:
    merged: dict = {}
    for i in chosen:
        if i.change and i.flaw.risk_id == risk_id:
            merged.update(i.change)
    return merged


def _order(scenario: Scenario, seed: int) -> list[Row]:
    rows = list(scenario.rows)
    if seed:
        random.Random(f"{scenario.id}:{seed}").shuffle(rows)
    return rows


def renumbering(scenario: Scenario, seed: int) -> dict[str, str]:
    """The file's row ids -> the ids a seed's register shows (rows a seed drops are absent)."""
    return {row.id: f"R{n}" for n, row in enumerate(_order(inject(scenario, seed), seed), start=1)}


def render(text: str, ids: dict[str, str]) -> str:
    return _render(text, ids)


def make_variant(scenario: Scenario, seed: int) -> Scenario:
    scenario = inject(scenario, seed)
    rows = _order(scenario, seed)
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
