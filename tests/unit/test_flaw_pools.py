"""Flaw pools: a scenario declares a sound register and flaws a seed may inject, so a replay is a
new exercise, not a reshuffle. Every seed must give a valid, consistent scenario (property tests
over many seeds), and the flaws a seed injects must be the ones the register really shows."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.evaluation.evaluator import Evaluator
from bot.evaluation.lint import lint_rows
from bot.evaluation.reading import read
from bot.evaluation.state import SessionState, Verdict
from bot.scenarios.loader import DEFAULT_DIR, get_scenario, scenario_files
from bot.scenarios.model import Scenario
from bot.scenarios.register_import import RegisterRow
from bot.scenarios.variants import PLACEHOLDER, make_variant, picks, render, renumbering, seed_for, seeded_types
from bot.taxonomy import FlawType as T

POOLED = sorted(s.id for s in map(get_scenario, (p.stem for p in scenario_files(DEFAULT_DIR))) if s.pool)
SEEDS = st.integers(min_value=0, max_value=2**31)
MECHANICAL = {T.SCORE_MISMATCH, T.STALE_REVIEW}  # the linter sees these from the row alone


def test_the_library_has_pooled_scenarios_at_several_levels():
    levels = {get_scenario(sid).level for sid in POOLED}
    assert len(POOLED) >= 3 and len(levels) >= 2, POOLED


def _rows(v: Scenario) -> list[RegisterRow]:
    return [RegisterRow(line=n, **{k: getattr(r, k) for k in (
        "id", "title", "description", "category", "probability", "impact", "score", "owner", "response",
        "actions", "status", "last_reviewed")}) for n, r in enumerate(v.rows, start=2)]


@pytest.mark.parametrize("sid", POOLED)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=SEEDS)
def test_every_seed_gives_a_valid_consistent_scenario(sid, seed):
    s = get_scenario(sid)
    v = make_variant(s, seed)
    Scenario.parse_obj(v.dict(by_alias=True))  # valid as a file would be
    assert [r.id for r in v.rows] == [f"R{n}" for n in range(1, len(v.rows) + 1)]
    assert len(v.flaws) == len(s.flaws) + s.pool_picks and not v.pool
    # every {R3} placeholder was rendered: no text names a row the seed dropped
    assert not PLACEHOLDER.search(v.json())
    # the injected flaws are on the register: the changed fields show, the twin is there, the
    # missing risk's row is gone
    for i in picks(s, seed):
        f = v.flaw(i.flaw.id)
        if i.change:
            row = v.row(f.risk_id)
            for field, value in i.change.items():
                got = getattr(row, field)
                assert (got.isoformat() if isinstance(got, dt.date) else got) == (
                    value.isoformat() if isinstance(value, dt.date) else value), (field, row.id)
        if i.remove:
            assert not any(r.title == s.row(i.remove).title for r in v.rows)
        if i.add:
            assert v.row(f.other_risk_id).title == i.add.title


@pytest.mark.parametrize("sid", POOLED)
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_rows_a_seed_leaves_sound_are_sound_where_the_linter_can_tell(sid, seed):
    """A score that doesn't add up or a stale review shows on exactly the rows the key says."""
    s = get_scenario(sid)
    v = make_variant(s, seed)
    found = {(f.risk_id, T(f.type)) for f in lint_rows(_rows(v), v.as_of, v.tolerance) if T(f.type) in MECHANICAL}
    keyed = {(f.risk_id, f.type) for f in v.flaws if f.type in MECHANICAL}
    for place in keyed:
        assert place in found, f"{sid} seed {seed}: the key's {place} is not on the register"
    pooled_rows = {(i.flaw.risk_id, i.flaw.type) for i in s.pool}
    renumbered = {r.title: r.id for r in v.rows}
    for rid, t in found - keyed:
        base = next(r for r in s.rows if renumbered.get(r.title) == rid) if rid in renumbered.values() else None
        # a row a pool flaw was NOT injected into must not show that pool flaw
        assert not (base and (base.id, t) in pooled_rows), f"{sid} seed {seed}: {rid} shows {t.value} uninjected"


@pytest.mark.parametrize("sid", POOLED)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=1, max_value=10**6))
def test_the_pm_defends_a_pooled_row_when_the_flaw_is_not_injected(sid, seed):
    """Challenged for a pool flaw the seed left out, the PM defends the sound row in character."""
    s = get_scenario(sid)
    v = make_variant(s, seed)
    chosen = {i.flaw.id for i in picks(s, seed)}
    ids = renumbering(s, seed)
    for i in s.pool:
        if i.flaw.id in chosen or not i.change or i.flaw.risk_id not in ids:
            continue
        row = v.row(ids[i.flaw.risk_id])
        said = render(i.flaw.challenge or "the " + i.flaw.type.value.replace("_", " "), ids)
        text = said if row.id in said else f"{row.id}: {said}"
        outcome = Evaluator(v).evaluate(SessionState(), read(text, v, f"challenge_{i.flaw.type.value}", 0.9))
        assert Verdict.HIT not in outcome.verdicts, (sid, seed, text, outcome)
        if Verdict.FALSE in outcome.verdicts:  # the PM defends the row from its own facts
            assert row.defences[i.flaw.type] in " ".join(r.text for r in outcome.replies), (sid, seed, text)


def test_replays_differ_in_their_flaws_not_only_in_order():
    for sid in POOLED:
        s = get_scenario(sid)
        subsets = {frozenset(i.flaw.id for i in picks(s, n)) for n in range(1, 60)}
        assert len(subsets) >= 5, sid


def test_seed_zero_is_the_file_as_written():
    for sid in POOLED:
        s = get_scenario(sid)
        assert [i.flaw.id for i in picks(s, 0)] == [i.flaw.id for i in s.pool[: s.pool_picks]]


def test_a_seed_is_chosen_to_practise_the_learners_misses():
    s = get_scenario(POOLED[0])
    rare = min((i.flaw.type.value for i in s.pool), key=lambda t: sum(i.flaw.type.value == t for i in s.pool))
    for _ in range(5):
        seed = seed_for(s, {rare: 3})
        assert seed is not None and rare in seeded_types(s, seed)
        assert rare in {f.type.value for f in make_variant(s, seed).flaws}
    assert seed_for(s, {}) is None
    assert seed_for(get_scenario("riverside-wms"), {rare: 3}) is None or get_scenario("riverside-wms").pool


def test_an_inconsistent_pool_is_refused_with_the_reason():
    data = get_scenario(POOLED[0]).dict(by_alias=True)
    inj = next(i for i in data["pool"] if i["change"])
    row = next(r for r in data["register"] if r["id"] == inj["flaw"]["risk_id"])
    row["defences"].pop(inj["flaw"]["type"], None)
    with pytest.raises(ValueError, match="needs a defence"):
        Scenario.parse_obj(data)
    data = get_scenario(POOLED[0]).dict(by_alias=True)
    data["pool_picks"] = len(data["pool"]) + 1
    with pytest.raises(ValueError, match="picks from a pool"):
        Scenario.parse_obj(data)
