"""tests/nlu/conversations.yml, conversations_fresh.yml, conversations_holdout.yml,
conversations_final.yml and conversations_fifth.yml are well formed: no model needed (the runner is
evaluate_conversations.py). The fresh file is a held-out set written after the judging code was tuned on
the first, so its seeds must be new; the holdout file is a third set, written after the judging code was
tuned on both, so its seeds must be new to both; the final file is a fourth set, written after the
judging code was tuned on all three, so its seeds must be new to all three; the fifth file is a fifth
set, written after the judging code was tuned on all four, so its seeds must be new to all four."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.scenarios.variants import variant
from evaluate_conversations import CONVERSATIONS as FIRST_FILE
from evaluate_conversations import EXPECT_KINDS, Conversation, load_conversations

FRESH_FILE = FIRST_FILE.with_name("conversations_fresh.yml")
HOLDOUT_FILE = FIRST_FILE.with_name("conversations_holdout.yml")
FINAL_FILE = FIRST_FILE.with_name("conversations_final.yml")
FIFTH_FILE = FIRST_FILE.with_name("conversations_fifth.yml")
MANAGER_FILE = FIRST_FILE.with_name("conversations_manager.yml")  # manager level, seed 0, blind
FILES = {"first": FIRST_FILE, "fresh": FRESH_FILE, "holdout": HOLDOUT_FILE, "final": FINAL_FILE,
         "fifth": FIFTH_FILE, "manager": MANAGER_FILE}
LOADED = {name: load_conversations(path) for name, path in FILES.items()}
CONVERSATIONS = [c for convs in LOADED.values() for c in convs]
FILE_OF = {c.id: name for name, convs in LOADED.items() for c in convs}
RISK_REF = re.compile(r"\b[Rr](\d{1,2})\b")
SCENARIOS = {"riverside-wms", "northgate-epr", "ravensford-school"}
MANAGER_SCENARIOS = {"eastmere-risk-policy", "northbridge-portfolio-report"}
# file -> (conversations per scenario at least, the personas each scenario must have, or None)
SPECS = {
    "first": (4, {"unsure new coordinator", "precise senior analyst", "terse fast typist", "out-of-order learner"}),
    "fresh": (3, None),
    "holdout": (3, None),
    "final": (3, None),
    "fifth": (3, None),
    "manager": (3, None),
}
FRESH_PERSONAS = {"cautious ex-finance analyst", "chatty coordinator", "row misnamer", "blunt PMO lead",
                  "three points at once", "curious questioner", "late answerer"}
COMMANDS = ("hint", "progress", "finish")
HOLDOUT_PERSONAS = {"phone typist", "programme accountant", "self-corrector", "curt seasoned PMO lead",
                    "row-by-row reader", "thanks-and-agreed learner", "apologetic PMO apprentice",
                    "pushes back once with a new fact", "two fixes after a third point"}
FINAL_PERSONAS = {"contracts manager", "ex-auditor", "long paragraphs", "polite wonderer",
                  "question-asking project administrator", "fixes only when asked",
                  "non-native English speaker", "wrong twice, accepts the defence",
                  "risk titles instead of ids"}
FIFTH_PERSONAS = {"health-and-safety officer", "bullet-list writer", "names rows by owner",
                  "sceptic who asks why", "Scrum master new to registers", "quotes PRINCE2 terms",
                  "changes mind mid-message", "fixes in numbers only", "wrong row, then restates it"}
# The holdout, final and fifth files sometimes phrase the commands in natural words: any of these counts as the command.
NATURAL_COMMANDS = {
    "hint": ("hint", "clue", "pointer"),
    "progress": ("progress", "how am i doing", "score", "so far"),
    "finish": ("finish", "done", "wrap it up", "stop here"),
}


@pytest.mark.parametrize("name", FILES)
def test_enough_conversations_across_scenarios_and_personas(name: str):
    convs_all = LOADED[name]
    per_scenario, personas = SPECS[name]
    scenarios = MANAGER_SCENARIOS if name == "manager" else SCENARIOS
    assert len(convs_all) >= len(scenarios) * per_scenario
    by_scenario = Counter(c.scenario for c in convs_all)
    assert set(by_scenario) == scenarios
    assert all(n >= per_scenario for n in by_scenario.values()), by_scenario
    for scenario in by_scenario:
        convs = [c for c in convs_all if c.scenario == scenario]
        if personas is not None:
            assert {c.persona for c in convs} == personas, scenario
        else:  # the fresh, holdout, final and fifth files: three different personas per scenario
            assert len({c.persona for c in convs}) == len(convs), scenario
        if name == "manager":
            continue  # played on the artefact as written (seed 0), as the manager held-out batches are
        seeds = [c.seed for c in convs]
        assert len(set(seeds)) == len(seeds), f"{scenario}: repeated seeds {seeds}"
        assert sum(1 for s in seeds if s != 0) > len(seeds) / 2, f"{scenario}: mostly seed 0"


# Each later set was written blind after the ones before it: new seeds (never 0), new ids, every
# persona of its list used (the fresh set plays some personas on two scenarios; the later sets give
# every conversation a persona of its own).
LATER = [("fresh", FRESH_PERSONAS, False), ("holdout", HOLDOUT_PERSONAS, True), ("final", FINAL_PERSONAS, True),
         ("fifth", FIFTH_PERSONAS, True)]


@pytest.mark.parametrize("n", range(len(LATER)), ids=[name for name, _, _ in LATER])
def test_later_file_is_held_out(n: int):
    name, personas, one_each = LATER[n]
    earlier = LOADED["first"] + [c for prev, _, _ in LATER[:n] for c in LOADED[prev]]
    earlier_seeds = {c.seed for c in earlier}
    for c in LOADED[name]:
        assert c.seed != 0 and c.seed not in earlier_seeds, f"{c.id}: seed {c.seed} not new"
        assert 14 <= len(c.turns) <= 22, f"{c.id}: {len(c.turns)} turns"
    assert {c.persona for c in LOADED[name]} == personas
    assert not one_each or len(LOADED[name]) == len(personas)
    assert not {c.id for c in earlier} & {c.id for c in LOADED[name]}


@pytest.mark.parametrize("conv", CONVERSATIONS, ids=lambda c: c.id)
def test_flaw_and_risk_ids_exist(conv: Conversation):
    s = variant(conv.scenario, conv.seed)
    flaws = {f.id for f in s.flaws}
    rows = {r.id for r in s.rows}
    for t in conv.turns:
        for f in t.expect.found + t.expect.fixed + t.expect.agreed + t.expect.not_agreed:
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
        for f in t.expect.agreed + t.expect.not_agreed:
            assert f in found_at, f"{conv.id} turn {t.n}: objection to {f} before it was found"
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
    manager = FILE_OF[conv.id] == "manager"
    # At manager level each fix is followed by its objection round, so fixes come in turn.
    assert later or manager, f"{conv.id}: no fix given later, out of order or two in one message"
    if manager:
        assert any(t.expect.agreed for t in conv.turns), f"{conv.id}: no objection answered"

    natural = FILE_OF[conv.id] in ("holdout", "final", "fifth", "manager")
    words = {cmd: NATURAL_COMMANDS[cmd] if natural else (cmd,) for cmd in COMMANDS}
    session = [t.say.lower() for t in conv.turns if t.expect.kind == "session"]
    for cmd in COMMANDS:
        assert any(w in s for s in session for w in words[cmd]), f"{conv.id}: no '{cmd}' command"
    last = conv.turns[-1].say.lower()
    assert conv.turns[-1].expect.kind == "session" and any(w in last for w in words["finish"]), (
        f"{conv.id}: finish must be the last turn (it ends the session)"
    )


@pytest.mark.parametrize("name", FILES)
def test_ids_unique_and_named_after_scenario_and_seed(name: str):
    for c in LOADED[name]:
        assert c.id.startswith(c.scenario.split("-")[0]) and c.id.endswith(f"-s{c.seed}"), c.id
