"""tests/nlu/conversations.yml is well formed: no model needed (the runner is evaluate_conversations.py)."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.scenarios.variants import variant
from evaluate_conversations import EXPECT_KINDS, Conversation, load_conversations

CONVERSATIONS = load_conversations()
RISK_REF = re.compile(r"\b[Rr](\d{1,2})\b")
PERSONAS = {"unsure new coordinator", "precise senior analyst", "terse fast typist", "out-of-order learner"}
COMMANDS = ("hint", "progress", "finish")


def test_enough_conversations_across_scenarios_and_personas():
    assert len(CONVERSATIONS) >= 12
    by_scenario = Counter(c.scenario for c in CONVERSATIONS)
    assert set(by_scenario) == {"riverside-wms", "northgate-epr", "ravensford-school"}
    assert all(n >= 4 for n in by_scenario.values()), by_scenario
    for scenario in by_scenario:
        convs = [c for c in CONVERSATIONS if c.scenario == scenario]
        assert {c.persona for c in convs} == PERSONAS, scenario
        seeds = [c.seed for c in convs]
        assert len(set(seeds)) == len(seeds), f"{scenario}: repeated seeds {seeds}"
        assert sum(1 for s in seeds if s != 0) > len(seeds) / 2, f"{scenario}: mostly seed 0"


@pytest.mark.parametrize("conv", CONVERSATIONS, ids=lambda c: c.id)
def test_flaw_and_risk_ids_exist(conv: Conversation):
    s = variant(conv.scenario, conv.seed)
    flaws = {f.id for f in s.flaws}
    rows = {r.id for r in s.rows}
    for t in conv.turns:
        for f in t.expect.found + t.expect.fixed:
            assert f in flaws, f"{conv.id} turn {t.n}: no flaw {f} in {conv.scenario}"
        for n in RISK_REF.findall(t.say):
            assert f"R{int(n)}" in rows, f"{conv.id} turn {t.n}: no risk R{n} in {conv.scenario} seed {conv.seed}"


@pytest.mark.parametrize("conv", CONVERSATIONS, ids=lambda c: c.id)
def test_expectations_are_consistent(conv: Conversation):
    assert 10 <= len(conv.turns) <= 25, f"{conv.id}: {len(conv.turns)} turns"
    assert all(t.expect.kind in EXPECT_KINDS + ("flaws",) for t in conv.turns)
    found_at: dict[str, int] = {}
    for t in conv.turns:
        for f in t.expect.found:
            assert f not in found_at, f"{conv.id} turn {t.n}: {f} already found at turn {found_at[f]}"
            found_at[f] = t.n
        for f in t.expect.fixed:
            assert f in found_at, f"{conv.id} turn {t.n}: fix for {f} before it was found"
    fixed = [f for t in conv.turns for f in t.expect.fixed]
    assert len(fixed) == len(set(fixed)), f"{conv.id}: a flaw fixed twice"


@pytest.mark.parametrize("conv", CONVERSATIONS, ids=lambda c: c.id)
def test_every_class_of_turn(conv: Conversation):
    kinds = Counter(t.expect.kind for t in conv.turns)
    assert kinds["question"] >= 1, f"{conv.id}: no genuine question"
    assert kinds["false"] >= 1, f"{conv.id}: no wrong challenge of a sound row"
    assert kinds["clarification"] + sum(t.expect.clarification for t in conv.turns) >= 1, f"{conv.id}: no clarification"

    found_at = {f: t.n for t in conv.turns for f in t.expect.found}
    answer, later = False, False
    for t in conv.turns:
        for f in t.expect.fixed:
            if f in t.expect.found:
                continue  # challenge and fix in one message
            if found_at[f] == t.n - 1:
                answer = True  # the fix in answer to the PM's question after the concession
            else:
                later = True  # given later, out of order, after a question in between
        if len([f for f in t.expect.fixed if f not in t.expect.found]) >= 2:
            later = True  # two fixes in one message
    assert answer, f"{conv.id}: no fix given in answer to the PM"
    assert later, f"{conv.id}: no fix given later, out of order or two in one message"

    session = [t.say.lower() for t in conv.turns if t.expect.kind == "session"]
    for cmd in COMMANDS:
        assert any(cmd in s for s in session), f"{conv.id}: no '{cmd}' command"
    assert conv.turns[-1].expect.kind == "session" and "finish" in conv.turns[-1].say.lower(), (
        f"{conv.id}: finish must be the last turn (it ends the session)"
    )


def test_ids_unique_and_named_after_scenario_and_seed():
    for c in CONVERSATIONS:
        assert c.id.startswith(c.scenario.split("-")[0]) and c.id.endswith(f"-s{c.seed}"), c.id
