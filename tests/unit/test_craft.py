"""Craft (how a challenge is made) and the debrief's score arithmetic."""
from __future__ import annotations

import pytest

from bot.evaluation.craft import Craft, rate
from bot.evaluation.debrief import (
    CRAFT_POINTS,
    PENALTY_FALSE,
    POINTS_FIXED,
    POINTS_FOUND,
    POINTS_FOUND_AFTER_ANSWER,
    ChallengeRecord,
    debrief,
    score,
)
from bot.evaluation.reading import read
from bot.evaluation.state import SessionState, Verdict
from bot.scenarios.variants import variant


@pytest.fixture(scope="module")
def s():
    return variant("riverside-wms", 0)


def craft_of(s, text: str) -> Craft:
    return rate(read(text, s))


# -- craft rating ----------------------------------------------------------------------------------


def test_polite_question_with_evidence(s):
    """A question backed by the brief is asked, not thrown, and gives a reason."""
    c = craft_of(s, "Does Callum have the authority to act on R6, given Priya holds the StockPilot contract?")
    assert c.question and not c.accusatory and c.reason


@pytest.mark.parametrize(
    "text",
    ["The owner of R6 is wrong!", "R6 is rubbish.", "You missed the Kestrel support risk.", "Clearly you didn't check R3."],
)
def test_accusations_are_accusatory(s, text):
    """Blunt statements and harsh words count as accusations."""
    c = craft_of(s, text)
    assert c.accusatory
    assert not c.question


def test_harsh_words_are_accusatory_even_in_a_question(s):
    """A question that insults is still an accusation."""
    c = craft_of(s, "Why is this ridiculous score on R3?")
    assert c.question and c.accusatory


def test_wrong_in_a_question_is_not_accusatory(s):
    """'Is the score on R3 wrong?' asks; it does not accuse."""
    c = craft_of(s, "Is the score on R3 wrong?")
    assert c.question and not c.accusatory


@pytest.mark.parametrize(
    "text",
    [
        "R2 is an issue because drop 1 arrived on 7 September.",
        "Given two late drops already, is R6 really a 3?",
        "The brief says Priya holds the contract, so who should own R6?",
        "Since the freeze starts on 16 November, what happens if we slip?",
    ],
)
def test_reasons_from_the_brief_are_recognised(s, text):
    """'Because', 'given', 'the brief' and figures from the brief count as a reason."""
    assert craft_of(s, text).reason


@pytest.mark.parametrize("text", ["I'm not happy with R6.", "What about risk 6?", "Look at #6.", "Is R10 right?"])
def test_naming_a_risk_is_not_a_reason(s, text):
    """The number in a risk reference ('R6', 'risk 6', '#6') is not evidence."""
    assert not craft_of(s, text).reason


@pytest.mark.parametrize(
    "text",
    [
        "I'd suggest Priya owns R6 instead.",
        "Let's merge R7 and R10 and give it to Gareth.",
        "We need to reword R5 with a cause and an effect.",
        "How about escalating it to Helen?",
    ],
)
def test_proposals_count_as_a_fix(s, text):
    """Offering a way forward counts as proposing a fix."""
    assert craft_of(s, text).fix


@pytest.mark.parametrize("text", ["Why is R3 scored 7?", "The owner of R6 is wrong!"])
def test_plain_criticism_proposes_no_fix(s, text):
    """Criticism alone proposes no fix."""
    assert not craft_of(s, text).fix


def test_craft_points_are_thirds(s):
    """Points are a third each for tone, reason and fix."""
    assert Craft(question=True, accusatory=False, reason=True, fix=True).points == 1.0
    assert Craft(question=False, accusatory=True, reason=False, fix=False).points == 0.0
    assert Craft(question=True, accusatory=False, reason=False, fix=False).points == pytest.approx(0.333)
    assert Craft(question=False, accusatory=True, reason=True, fix=True).points == pytest.approx(0.667)
    assert craft_of(s, "Could Priya own R6 instead, because she holds the contract?").as_dict()["points"] == 1.0


# -- score arithmetic ------------------------------------------------------------------------------


def record(verdict: Verdict, points: float | None, risk_id="R1", flaw_type="wrong_owner") -> ChallengeRecord:
    craft = None if points is None else {"question": True, "accusatory": False, "reason": True, "fix": False, "points": points}
    return ChallengeRecord(verdict, "text", risk_id, flaw_type, craft)


def test_score_adds_up(s):
    """Found 10 (3 if given away), fixed +5, false -3, hints -1/-2/0, craft up to 10, out of 15 per flaw + 10."""
    ids = [f.id for f in s.flaws]
    state = SessionState(found={ids[0], ids[1], ids[2]}, fixed={ids[0]}, revealed={ids[2]})
    challenges = [
        record(Verdict.HIT, 1.0),
        record(Verdict.HIT, 1 / 3),
        record(Verdict.FALSE, 0.0),
        record(Verdict.FALSE, 2 / 3),
        record(Verdict.FIX_ACCEPTED, None),  # fixes and questions carry no craft
        record(Verdict.QUESTION, None),
    ]
    sc = score(s, state, challenges, [1, 2, 3])
    craft = (1.0 + 1 / 3 + 0.0 + 2 / 3) / 4  # 0.5
    expected = (
        2 * POINTS_FOUND + POINTS_FOUND_AFTER_ANSWER  # 23
        + POINTS_FIXED  # 5
        - 2 * PENALTY_FALSE  # 6
        - (1 + 2 + 0)  # 3
        + round(CRAFT_POINTS * craft)  # 5
    )
    assert expected == 24
    assert sc == {
        "found": 3,
        "fixed": 1,
        "total": 7,
        "false_challenges": 2,
        "hints": 3,
        "craft": 0.5,
        "points": 24,
        "max_points": (POINTS_FOUND + POINTS_FIXED) * 7 + CRAFT_POINTS,
        "percent": round(100 * 24 / 115),
    }


def test_perfect_session_scores_the_maximum(s):
    """Every flaw found and fixed, with perfect craft and no hints, is 100%."""
    ids = {f.id for f in s.flaws}
    sc = score(s, SessionState(found=set(ids), fixed=set(ids)), [record(Verdict.HIT, 1.0)], [])
    assert sc["points"] == sc["max_points"] == 115
    assert sc["percent"] == 100


def test_score_never_goes_below_zero(s):
    """Many false challenges floor the score at zero."""
    sc = score(s, SessionState(), [record(Verdict.FALSE, 0.0)] * 10, [1, 2])
    assert sc["points"] == 0 and sc["percent"] == 0


def test_fix_without_a_find_does_not_count(s):
    """A flaw counts as fixed only once it has been found."""
    fid = s.flaws[0].id
    sc = score(s, SessionState(fixed={fid}), [], [])
    assert sc["fixed"] == 0 and sc["points"] == 0


def test_empty_session_scores_zero(s):
    """No challenges, no hints: zero points, zero craft."""
    sc = score(s, SessionState(), [], [])
    assert (sc["points"], sc["craft"], sc["found"]) == (0, 0.0, 0)


# -- the debrief text ------------------------------------------------------------------------------


def test_debrief_lists_found_missed_false_hints_and_craft(s):
    """The debrief names what was found (and fixed), what was missed and why, false challenges, hints and craft."""
    found, revealed = s.flaws[0], s.flaws[1]
    state = SessionState(found={found.id, revealed.id}, fixed={found.id}, revealed={revealed.id})
    challenges = [record(Verdict.HIT, 1.0), record(Verdict.FALSE, 0.0, risk_id="R8", flaw_type="not_a_risk")]
    text = debrief(s, state, challenges, [1, 2, 3])
    assert f"You found 2 of {len(s.flaws)} flaws and fixed 1" in text
    assert "Found:" in text and "(after the tutor gave it away)" in text
    assert f"not fixed (a fix: {revealed.fix.model_answer})" in text
    assert "Missed:" in text
    for missed in s.flaws[2:]:
        assert missed.evidence in text
        assert f'You could have said: "{missed.challenge}"' in text
    assert "False challenges: 1. R8: issue logged as a risk" in text
    assert "Hints used: 3, 1 of them answers." in text
    assert "Craft:" in text and "Of your 2 challenges" in text


def test_debrief_without_challenges_says_so(s):
    """With no challenges the craft section says there is nothing to comment on."""
    text = debrief(s, SessionState(), [], [])
    assert "no challenges" in text
    assert "Found:" not in text and "False challenges" not in text and "Hints used" not in text


def test_debrief_flags_accusations_and_missing_evidence(s):
    """Accusatory, unsupported challenges get advice on tone and evidence."""
    rough = {"question": False, "accusatory": True, "reason": False, "fix": False, "points": 0.0}
    challenges = [ChallengeRecord(Verdict.FALSE, "R8 is wrong!", "R8", "underrated", rough)] * 3
    text = debrief(s, SessionState(), challenges, [])
    assert "3 sounded like accusations" in text
    assert "Back more challenges with evidence" in text
    assert "Offer a correction" in text
