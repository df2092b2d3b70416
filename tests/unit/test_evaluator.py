"""The evaluator judges learner messages against every seeded flaw of every shipped scenario.

Risk ids are renumbered per seed, so every test derives them from the variant's own flaw and
row objects; nothing here hard-codes "R4".
"""
from __future__ import annotations

import pytest

from bot.evaluation.evaluator import MAX_FIX_ATTEMPTS, Evaluator, fix_accepted, without_question
from bot.evaluation.reading import read
from bot.evaluation.state import SessionState, Verdict
from bot.nlp.patterns import NUMBER_WORDS
from bot.scenarios.loader import DEFAULT_DIR, get_scenario, scenario_files
from bot.scenarios.model import Flaw, Row, Scenario
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.taxonomy import intent_for
from pooled import every_flaw, seed_with

SCENARIO_IDS = tuple(sorted(sid for sid in (p.stem for p in scenario_files(DEFAULT_DIR))
                            if get_scenario(sid).level != "manager"))
SEEDS = (0, 7)  # the file's own order, and a shuffled, renumbered variant

# -- how learners phrase each kind of challenge ------------------------------------------------

PHRASES: dict[T, str] = {
    T.NOT_A_RISK: "Isn't {rid} an issue rather than a risk? It's already happened.",
    T.VAGUE_DESCRIPTION: "{Rid} is far too vague. What would cause it, and what would the effect be?",
    T.SCORE_MISMATCH: "On {rid}, {p} x {i} is {pi}, so why is it scored {score}?",
    T.UNDERRATED: "Given what the brief says, isn't {rid} rated too low? It looks more likely than that to me.",
    T.WRONG_OWNER: "Does the owner of {rid} really have the authority to act on it?",
    T.MISSING_RESPONSE: "What exactly will be done on {rid}, by whom and by when? 'Monitor' is not an action.",
    T.STRATEGY_MISMATCH: "Why has {rid} been transferred to a firm that can't carry it? What's the fallback?",
    T.STALE_REVIEW: "When was {rid} last reviewed? It looks out of date to me.",
    T.DUPLICATE: "Aren't {rid} and {other} the same risk?",
    T.MISSING_RISK: "We've got nothing on the register about {keyword}.",
    T.CLOSED_WITHOUT_REASON: "Why was {rid} closed? What evidence is there that it can't happen any more?",
    T.NOT_ESCALATED: "{Rid} scores {score}, above the tolerance of {tol}. Has it been escalated to the board?",
    T.OPPORTUNITY_SCORED_AS_THREAT: "{Rid} is an upside for us, yet it's scored and handled like a threat. "
    "Shouldn't its impact be the size of the benefit?",
}

# The right flaw type, but no risk named.
TYPE_ONLY: dict[T, str] = {
    T.NOT_A_RISK: "Some of these have already happened. Aren't they issues rather than risks?",
    T.VAGUE_DESCRIPTION: "Some descriptions are too vague: what would cause them, and what would the effect be?",
    T.SCORE_MISMATCH: "I don't think all the scores add up.",
    T.UNDERRATED: "I think one of these is underrated, given what the brief says.",
    T.WRONG_OWNER: "I'm not sure every owner has the authority to act.",
    T.MISSING_RESPONSE: "Some of the actions don't say who does what by when.",
    T.STRATEGY_MISMATCH: "Is the response strategy right everywhere? I can't see a fallback.",
    T.STALE_REVIEW: "Some rows look stale. When were they last reviewed?",
    T.DUPLICATE: "I think two of the rows are duplicates.",
    T.MISSING_RISK: "I think you've missed a risk that's in the brief.",
    T.CLOSED_WITHOUT_REASON: "Why have some rows been closed? What evidence is there?",
    T.NOT_ESCALATED: "Has everything above tolerance been escalated?",
    T.OPPORTUNITY_SCORED_AS_THREAT: "One of the opportunities looks as if it's been scored like a threat.",
}


def _cap(ref: str) -> str:
    return ref[:1].upper() + ref[1:]


def phrase(flaw_type: T, s: Scenario, row: Row | None, ref: str = "", other: str = "", keyword: str = "") -> str:
    """A natural challenge of `flaw_type`, naming the risk as `ref` (default: its id)."""
    ref = ref or (row.id if row else "")
    fields = dict(rid=ref, Rid=_cap(ref), other=other, keyword=keyword, tol=s.tolerance)
    if row is not None:
        fields.update(p=row.probability, i=row.impact, pi=row.probability * row.impact, score=row.score)
    return PHRASES[flaw_type].format(**fields)


def hit_text(s: Scenario, flaw: Flaw) -> str:
    if flaw.type == T.MISSING_RISK:
        return phrase(flaw.type, s, None, keyword=flaw.keywords[0])
    return phrase(flaw.type, s, s.row(flaw.risk_id), other=flaw.other_risk_id or "")


def evaluate(s: Scenario, text: str, intent: str | None = None, confidence: float = 0.0, state=None):
    state = state if state is not None else SessionState()
    outcome = Evaluator(s).evaluate(state, read(text, s, intent, confidence))
    return outcome, state


def pm_text(outcome) -> str:
    return " ".join(r.text for r in outcome.replies if r.speaker == "pm")


def flaw_params():
    # a pool flaw is judged at the first seed from 0 (the file's order) and from 7 that injects it
    return [
        pytest.param((sid, f.id, n), id=f"{sid}-{f.id}-{f.type.value}-seed{n}")
        for sid in SCENARIO_IDS
        for f in every_flaw(get_scenario(sid))
        for n in dict.fromkeys(seed_with(sid, f.id, seed) for seed in SEEDS)
    ]


def located_flaw_params():
    """Flaws that sit on a row of the register (all but missing_risk)."""
    return [p for p in flaw_params() if variant(*p.values[0][::2]).flaw(p.values[0][1]).type != T.MISSING_RISK]


def correct_rows(s: Scenario) -> list[Row]:
    flawed = {r for f in s.flaws for r in (f.risk_id, f.other_risk_id) if r}
    return [r for r in s.rows if r.id not in flawed]


def alias_ref(row: Row) -> str:
    alias = row.aliases[0]
    return alias if alias.startswith("the ") else f"the {alias} risk"


@pytest.fixture
def case(request):
    sid, flaw_id, seed = request.param
    s = variant(sid, seed)
    return s, s.flaw(flaw_id)


# -- hits -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", flaw_params(), indirect=True)
@pytest.mark.parametrize("with_intent", [True, False], ids=["nlu-intent", "cues-only"])
def test_natural_challenge_is_a_hit(case, with_intent):
    """A natural challenge of the right flaw on the right risk is a hit, with or without the NLU intent."""
    s, flaw = case
    intent, conf = (intent_for(flaw.type), 0.9) if with_intent else (None, 0.0)
    outcome, state = evaluate(s, hit_text(s, flaw), intent, conf)
    assert outcome.verdicts == [Verdict.HIT]
    assert outcome.judgements[0].flaw_id == flaw.id
    assert outcome.judgements[0].risk_id == flaw.risk_id
    assert state.found == {flaw.id}
    assert outcome.replies[0].text == flaw.replies.hit


@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_every_missing_risk_keyword_is_recognised(sid):
    """Any keyword of a missing_risk flaw, in a plain 'nothing on the register' sentence, is a hit."""
    s = variant(sid, 0)
    for flaw in (f for f in s.flaws if f.type == T.MISSING_RISK):
        for keyword in flaw.keywords:
            outcome, _ = evaluate(s, phrase(T.MISSING_RISK, s, None, keyword=keyword))
            assert outcome.verdicts == [Verdict.HIT], keyword


# -- ways of naming a risk -------------------------------------------------------------------------


def _references(row: Row, style: str) -> str:
    n = int(row.id[1:])
    word = {v: k for k, v in NUMBER_WORDS.items()}[n]
    return {
        "id": row.id,
        "number": f"risk {n}",
        "number-word": f"risk {word}",
        "hash": f"#{n}",
        "alias": alias_ref(row),
    }[style]


@pytest.mark.parametrize("case", located_flaw_params(), indirect=True)
@pytest.mark.parametrize("style", ["id", "number", "number-word", "hash", "alias"])
def test_risk_can_be_named_by_id_number_or_description(case, style):
    """'R4', 'risk 4', 'risk four', '#4' and the row's own alias all point at the same risk."""
    s, flaw = case
    row = s.row(flaw.risk_id)
    other = _references(s.row(flaw.other_risk_id), style) if flaw.other_risk_id else ""
    text = phrase(flaw.type, s, row, ref=_references(row, style), other=other)
    outcome, state = evaluate(s, text, intent_for(flaw.type), 0.9)
    assert outcome.verdicts == [Verdict.HIT], text
    assert state.found == {flaw.id}


# -- partial challenges ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", located_flaw_params(), indirect=True)
def test_right_risk_without_a_flaw_is_partial(case):
    """Naming a flawed risk without saying what is wrong is partial and credits nothing."""
    s, flaw = case
    outcome, state = evaluate(s, f"I'm not happy with {flaw.risk_id}.", "challenge_general", 0.9)
    assert outcome.verdicts == [Verdict.PARTIAL]
    assert outcome.judgements[0].flaw_id is None
    assert state.found == set() and state.asked == []
    assert state.focus_risk == flaw.risk_id


@pytest.mark.parametrize("case", flaw_params(), indirect=True)
@pytest.mark.parametrize("with_intent", [True, False])
def test_the_scenarios_model_challenge_earns_the_flaw(case, with_intent):
    """The challenge hints and the debrief offer as a model must itself be credited."""
    s, flaw = case
    assert flaw.challenge, f"{s.id} {flaw.id} has no model challenge"
    intent = intent_for(flaw.type) if with_intent else None
    outcome, state = evaluate(s, flaw.challenge, intent, 0.9 if with_intent else 0.0)
    # Exactly that flaw: a model challenge that also names its fix is taken as the fix too.
    assert state.found == {flaw.id}
    assert outcome.verdicts in ([Verdict.HIT], [Verdict.HIT, Verdict.FIX_ACCEPTED])
    assert {j.flaw_id for j in outcome.judgements} == {flaw.id}


@pytest.mark.parametrize("case", flaw_params(), indirect=True)
def test_right_flaw_without_a_risk_is_partial(case):
    """Naming the right kind of flaw without saying where is partial and credits nothing."""
    s, flaw = case
    outcome, state = evaluate(s, TYPE_ONLY[flaw.type], intent_for(flaw.type), 0.9)
    assert outcome.verdicts == [Verdict.PARTIAL]
    assert outcome.judgements[0].flaw_type == flaw.type
    assert state.found == set()


@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_a_question_that_sounds_like_a_challenge_gets_the_facts(sid):
    """The PM answers from the brief, whether or not the register has a flaw of that kind."""
    s = variant(sid, 0)
    text = "Thanks for your time. Can I ask what the board's tolerance is for escalation?"
    outcome, state = evaluate(s, text, intent_for(T.NOT_ESCALATED), 0.7)
    reply = pm_text(outcome)
    assert f"{s.tolerance}" in reply
    # A question that asserts nothing is answered and never counted as a challenge.
    assert outcome.verdicts == [Verdict.QUESTION]
    assert state.found == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_flaw_named_right_after_a_partial_lands_on_the_focus_risk(seed):
    """'What about R6?' then 'the owner can't act on it' credits the owner flaw on R6."""
    s = variant("riverside-wms", seed)
    flaw = next(f for f in s.flaws if f.type == T.WRONG_OWNER)
    state = SessionState()
    evaluate(s, f"I'm not happy with {flaw.risk_id}.", "challenge_general", 0.9, state)
    outcome, _ = evaluate(s, "Does the owner have the authority to act?", intent_for(T.WRONG_OWNER), 0.9, state)
    assert outcome.verdicts == [Verdict.HIT]
    assert outcome.judgements[0].flaw_id == flaw.id


# -- false challenges ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", flaw_params(), indirect=True)
def test_flaw_alleged_on_a_correct_row_is_false(case):
    """Alleging a flaw type on a row with nothing wrong is false, answered with that row's defence."""
    s, flaw = case
    correct = correct_rows(s)
    assert len(correct) >= 2
    row = next((r for r in correct if flaw.type in r.defences), correct[0])
    if flaw.type == T.MISSING_RISK:
        text = phrase(T.MISSING_RISK, s, None, keyword=alias_ref(row))
    elif flaw.type == T.DUPLICATE:
        text = phrase(T.DUPLICATE, s, row, other=next(r.id for r in correct if r is not row))
    else:
        text = phrase(flaw.type, s, row)
    outcome, state = evaluate(s, text, intent_for(flaw.type), 0.9)
    assert outcome.verdicts == [Verdict.FALSE], text
    assert outcome.judgements[0].risk_id == row.id
    assert outcome.judgements[0].flaw_type == flaw.type
    assert state.found == set()
    if flaw.type in row.defences:
        assert pm_text(outcome) == row.defences[flaw.type]
    else:
        assert row.id in pm_text(outcome)


@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_defences_name_the_renumbered_risk(sid):
    """A defence that names a risk by placeholder speaks of the variant's id, not the file's."""
    s = variant(sid, 7)
    for row in s.rows:
        for text in row.defences.values():
            assert "{R" not in text


# -- repeats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", flaw_params(), indirect=True)
def test_same_hit_twice_is_a_repeat(case):
    """Challenging a flaw already found (after moving on from it) is a repeat, not a second hit."""
    s, flaw = case
    text, intent = hit_text(s, flaw), intent_for(flaw.type)
    state = SessionState()
    evaluate(s, text, intent, 0.9, state)
    evaluate(s, "What's the go-live date?", "ask_question", 0.9, state)  # moves on from the fix
    outcome, _ = evaluate(s, text, intent, 0.9, state)
    # Never a second hit or a charge; a restated challenge that carries its fix may count as the fix.
    assert outcome.verdicts in ([Verdict.REPEAT], [Verdict.FIX_ACCEPTED] if fix_accepted(flaw, text) else [])
    assert state.found == {flaw.id}
    assert "{" not in pm_text(outcome) and flaw.type.value not in pm_text(outcome)


# -- proposing fixes -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", flaw_params(), indirect=True)
def test_model_answer_is_accepted_as_a_fix(case):
    """After a hit the PM asks for a fix; the scenario's own model answer is accepted."""
    s, flaw = case
    outcome, state = evaluate(s, hit_text(s, flaw), intent_for(flaw.type), 0.9)
    assert state.asked == [flaw.id] and state.open_fixes == [flaw.id]
    outcome, state = evaluate(s, f"I'd suggest this: {flaw.fix.model_answer}", "propose_fix", 0.9, state)
    assert outcome.verdicts == [Verdict.FIX_ACCEPTED]
    assert state.fixed == {flaw.id}
    assert state.asked == [] and state.open_fixes == []
    assert pm_text(outcome) == flaw.fix.accepted_reply


@pytest.mark.parametrize("case", flaw_params(), indirect=True)
def test_irrelevant_fix_is_rejected_then_given_away(case):
    """An irrelevant proposal is rejected; after two rejections the tutor gives the answer, and
    the fix stays open (it no longer scores)."""
    s, flaw = case
    _, state = evaluate(s, hit_text(s, flaw), intent_for(flaw.type), 0.9)
    for attempt in range(1, MAX_FIX_ATTEMPTS + 1):
        outcome, state = evaluate(s, "Let's have a meeting about it.", "propose_fix", 0.9, state)
        assert outcome.verdicts == [Verdict.FIX_REJECTED]
        assert outcome.replies[0].text == flaw.fix.rejected_reply
        assert flaw.id not in state.fixed
        assert state.fix_given == (set() if attempt < MAX_FIX_ATTEMPTS else {flaw.id})
    assert state.open_fixes == [flaw.id]
    assert outcome.replies[-1].speaker == "tutor"
    assert flaw.fix.model_answer in outcome.replies[-1].text


@pytest.mark.parametrize("text, accepted", [
    ("Rate the probability 4 at least, given the two failed loads.", True),
    ("I'd make it likely, four out of five.", True),
    ("Let's look again after the review on 14 December.", False),  # a date, not a rating of 4
    ("Could we revisit it in 2025 terms?", False),
])
def test_fix_numbers_count_only_as_whole_numbers(text, accepted):
    s = variant("northgate-epr", 0)
    flaw = next(f for f in s.flaws if f.type == T.UNDERRATED)
    _, state = evaluate(s, hit_text(s, flaw), intent_for(flaw.type), 0.9)
    outcome, state = evaluate(s, text, "propose_fix", 0.9, state)
    assert outcome.verdicts == [Verdict.FIX_ACCEPTED if accepted else Verdict.FIX_REJECTED]


def test_fix_terms_match_at_the_start_of_words():
    s = variant("northgate-epr", 0)
    flaw = next(f for f in s.flaws if "now" in f.fix.accept[0])
    _, state = evaluate(s, hit_text(s, flaw), intent_for(flaw.type), 0.9)
    outcome, _ = evaluate(s, "I know David Kerr would own it.", "propose_fix", 0.9, state)
    assert outcome.verdicts == [Verdict.FIX_REJECTED]  # "know" is not "now"


@pytest.mark.parametrize("seed", SEEDS)
def test_fix_given_with_the_challenge_counts_at_once(seed):
    """A challenge that also proposes an acceptable fix is a hit and a fix in one message."""
    s = variant("riverside-wms", seed)
    flaw = next(f for f in s.flaws if f.type == T.SCORE_MISMATCH)
    text = f"On {flaw.risk_id}, 3 x 4 is 12, not 7, so it should be scored 12."
    outcome, state = evaluate(s, text, intent_for(T.SCORE_MISMATCH), 0.9)
    assert outcome.verdicts == [Verdict.HIT, Verdict.FIX_ACCEPTED]
    assert [j.flaw_id for j in outcome.judgements] == [flaw.id, flaw.id]
    assert state.fixed == {flaw.id}
    assert state.asked == []
    assert pm_text(outcome).endswith(flaw.fix.accepted_reply)
    # no closing question the learner has already answered
    assert outcome.replies[0].text == without_question(flaw.replies.hit)
    assert not outcome.replies[0].text.rstrip().endswith("?")


@pytest.mark.parametrize("seed", SEEDS)
def test_challenge_on_another_risk_moves_on_from_the_pending_fix(seed):
    """With a fix pending, a new challenge on another risk is judged as a challenge."""
    s = variant("riverside-wms", seed)
    owner = next(f for f in s.flaws if f.type == T.WRONG_OWNER)
    score = next(f for f in s.flaws if f.type == T.SCORE_MISMATCH)
    _, state = evaluate(s, hit_text(s, owner), intent_for(T.WRONG_OWNER), 0.9)
    outcome, state = evaluate(s, hit_text(s, score), intent_for(T.SCORE_MISMATCH), 0.9, state)
    assert outcome.verdicts == [Verdict.HIT]
    assert state.found == {owner.id, score.id}
    assert state.asked == [score.id] and state.open_fixes == [owner.id, score.id]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_challenge_elsewhere_while_a_fix_is_pending_is_judged_as_a_challenge(sid, seed):
    """With any fix pending, a hit on any other flaw is credited as that hit, not taken as the fix.

    Guards against numbers in the new challenge ("R12", "risk 5", "3 x 4 is 12") satisfying
    the pending fix's keywords (a score of 12, a probability of 4 or 5).
    """
    s = variant(sid, seed)
    for pending in s.flaws:
        for other in s.flaws:
            if other is pending:
                continue
            _, state = evaluate(s, hit_text(s, pending), intent_for(pending.type), 0.9)
            assert state.asked == [pending.id]
            outcome, state = evaluate(s, hit_text(s, other), intent_for(other.type), 0.9, state)
            assert outcome.verdicts == [Verdict.HIT], (pending.id, other.id)
            assert outcome.judgements[0].flaw_id == other.id
            assert pending.id not in state.fixed, (pending.id, other.id)


# -- questions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_question_about_the_project_is_answered_from_the_brief(sid, seed):
    """'What's the budget?' is a question, answered from the brief's budget facts."""
    s = variant(sid, seed)
    outcome, state = evaluate(s, "What's the budget?", "ask_question", 0.9)
    assert outcome.verdicts == [Verdict.QUESTION]
    budget_answers = [f.answer for f in s.brief.facts if "budget" in f.keywords]
    assert pm_text(outcome) in budget_answers
    assert state.found == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_question_about_a_risk_is_answered_from_the_register(seed):
    """'Who owns R6?' asked as a question gets the row's owner, not a verdict on it."""
    s = variant("riverside-wms", seed)
    row = s.row(next(f for f in s.flaws if f.type == T.WRONG_OWNER).risk_id)
    outcome, state = evaluate(s, f"Who is {row.id} with at the moment?", "ask_question", 0.9)
    assert outcome.verdicts == [Verdict.QUESTION]
    assert row.owner in pm_text(outcome)
    assert state.found == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_everyday_word_that_is_also_an_alias_asks_about_the_project(seed):
    """'How is the training going?' gets the brief's training facts; 'who owns the training one?' the row."""
    s = variant("riverside-wms", seed)
    training = next(r for r in s.rows if "training" in r.aliases)
    fact = next(f.answer for f in s.brief.facts if "training" in f.keywords)
    outcome, _ = evaluate(s, "How is the training going?", "ask_question", 0.9)
    assert outcome.verdicts == [Verdict.QUESTION]
    assert pm_text(outcome) == fact
    outcome, _ = evaluate(s, "Who owns the training one?", "ask_question", 0.9)
    assert pm_text(outcome) == f"{training.id} is owned by {training.owner}."


# -- two challenges in one message -----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("intent", [intent_for(T.WRONG_OWNER), None])
def test_two_challenges_in_one_message_are_both_credited(seed, intent):
    """A wrong owner and a wrong score on two different risks in one message are two hits."""
    s = variant("riverside-wms", seed)
    owner = next(f for f in s.flaws if f.type == T.WRONG_OWNER)
    score = next(f for f in s.flaws if f.type == T.SCORE_MISMATCH)
    row = s.row(score.risk_id)
    text = (
        f"Does the owner of {owner.risk_id} have the authority to act on it? And on {score.risk_id}, "
        f"{row.probability} x {row.impact} is {row.probability * row.impact}, so why is it scored {row.score}?"
    )
    outcome, state = evaluate(s, text, intent, 0.9 if intent else 0.0)
    assert sorted(outcome.verdicts) == [Verdict.HIT, Verdict.HIT]
    assert {j.flaw_id for j in outcome.judgements} == {owner.id, score.id}
    assert state.found == {owner.id, score.id}


# -- odd messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "🙂🙂🙂", "x" * 10_000])
def test_messages_with_nothing_to_judge_are_unclear(text):
    """Empty, emoji-only or nonsense messages are unclear: no credit, no penalty, a reply."""
    s = variant("riverside-wms", 0)
    outcome, state = evaluate(s, text)
    assert outcome.verdicts == [Verdict.UNCLEAR]
    assert outcome.replies and outcome.replies[0].text
    assert state.found == set()


@pytest.mark.parametrize("text", ["ok", "Yes, that works for me.", "Thanks, that's helpful."])
def test_a_yes_or_a_thank_you_with_nothing_waiting_is_answered_in_kind(text):
    """Not "Sorry, I'm not following": no verdict, no credit, no penalty, a reply that moves on."""
    s = variant("riverside-wms", 0)
    outcome, state = evaluate(s, text)
    assert outcome.verdicts == []
    assert "next" in outcome.replies[0].text and "not following" not in outcome.replies[0].text
    assert state.found == set()


@pytest.mark.parametrize("text, accepted", [
    ("p3, escalate to philippa", True), ("P3 and take it to the board", True), ("3x5=15, escalate to Philippa", True),
    ("escalate to philippa", False), ("R3 to philippa", False), ("sp3 philippa", False)])
def test_ratings_typed_as_chat_shorthand_count_in_a_fix(text, accepted):
    """"p3" is probability 3 and "3x5" is 3 x 5 (a term "3" matches only a whole number); a risk id
    is still not a rating."""
    s = variant("kestrel-office-move", 0)
    flaw = next(f for f in s.flaws if f.type == T.UNDERRATED) if any(f.type == T.UNDERRATED for f in s.flaws) else None
    if flaw is None:  # the pool's underrated flaw, at a seed that injects it
        from pooled import seed_with
        s = variant("kestrel-office-move", seed_with("kestrel-office-move", "F10", 1))
        flaw = s.flaw("F10")
    assert fix_accepted(flaw, text) is accepted
