"""Corrections ("Sorry, I didn't mean R7"): what mutation testing (`make mutate`) found no test for.

A correction takes back how the last message was read: the sentence saying so is withdrawn up to
where the learner says what they meant, the rest is read as a message of its own, and the rows
the learner disowns are not charged. Assertions are on what the PM says and credits, and on the
parts `correction` hands the evaluator. Risk ids come from the scenario's own flaws."""
from __future__ import annotations

import pytest

from bot.evaluation.clarify import Correction, correction
from bot.evaluation.evaluator import Evaluator
from bot.evaluation.reading import read
from bot.evaluation.state import SessionState
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T

FORGET_IT = "Ah, sorry, I got the wrong end of the stick there. Forget that, then. What's next?"


@pytest.fixture
def s():
    return variant("riverside-wms", 0)


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


def judge(s, text, intent=None, confidence=0.0, previous=None):
    """(verdict, flaw id, risk id) per judgement, the PM's replies, and whether the last turn is withdrawn."""
    state = SessionState(previous=previous)
    outcome = Evaluator(s).evaluate(state, read(text, s, intent, confidence))
    return ([(j.verdict.value, j.flaw_id, j.risk_id) for j in outcome.judgements],
            [r.text for r in outcome.replies], outcome.withdraw_previous)


def test_a_plain_challenge_is_no_correction(s):
    sums = flaw(s, T.SCORE_MISMATCH)
    text = f"{sums.risk_id} is scored 7 but 3 x 4 is 12."
    assert correction(text) is None
    verdicts, _, withdrawn = judge(s, text)
    assert (verdicts, withdrawn) == ([("hit", sums.id, sums.risk_id)], False)


def test_a_correction_typed_with_a_curly_apostrophe_is_still_one(s):
    """Phones type "didn’t": the PM lets the misread go, as he does for "didn't"."""
    cutover = flaw(s, T.DUPLICATE).risk_id
    previous = (f"{cutover}'s owner is wrong, Gareth can't run the cut-over.", "challenge_wrong_owner", 0.9)
    assert judge(s, f"Sorry, I didn\u2019t mean {cutover}.", previous=previous) == ([], [FORGET_IT], True)
    assert correction(f"Sorry, I didn\u2019t mean {cutover}.") == Correction(
        withdrawn=f"Sorry, I didn't mean {cutover}.", rest="", disowned=cutover)


def test_the_models_reading_of_a_correction_re_reads_the_last_message_on_the_row_meant(s):
    """No correction words the module knows, but the model is sure: the last message, said of R6."""
    owner = flaw(s, T.WRONG_OWNER)
    wrong_row = flaw(s, T.NOT_A_RISK).risk_id  # drop 1, owned by the commercial lead: sound
    previous = (f"{wrong_row}'s owner is wrong: Callum can't issue a notice under the StockPilot contract.",
                "challenge_wrong_owner", 0.9)
    text = f"{owner.risk_id} is the one with Callum on it, not {wrong_row}."
    assert correction(text) is None
    assert correction(text, said_so=True) == Correction(withdrawn="", rest=text, disowned=wrong_row)
    verdicts, replies, withdrawn = judge(s, text, "correct_misread", 0.9, previous)
    assert (verdicts, replies, withdrawn) == ([("hit", owner.id, owner.risk_id)], [owner.replies.hit], True)


def test_every_row_disowned_is_named(s):
    text = "R6 is the one with Callum on it, not R2 and not R4."
    assert correction(text) is None
    assert correction(text, said_so=True).disowned == "R2 R4"
    assert correction("Sorry, not R2 and not R4. I meant R6: the owner is too junior.").disowned == "R2 R4"


def test_a_correction_after_a_point_withdraws_only_its_own_sentence(s):
    sums = flaw(s, T.SCORE_MISMATCH)
    cutover = flaw(s, T.DUPLICATE).risk_id
    text = f"{sums.risk_id}'s score is wrong. I didn't mean {cutover}."
    assert correction(text) == Correction(withdrawn=f"I didn't mean {cutover}.",
                                          rest=f"{sums.risk_id}'s score is wrong.", disowned=cutover)
    verdicts, replies, withdrawn = judge(s, text)
    assert (verdicts, replies, withdrawn) == ([("hit", sums.id, sums.risk_id)], [sums.replies.hit], True)


def test_what_follows_the_corrected_sentence_is_read_as_meant(s):
    pair = flaw(s, T.DUPLICATE)
    a, b = pair.risk_id, pair.other_risk_id
    assert correction(f"Sorry, I didn't mean {a}. Ignore that one.") == Correction(
        withdrawn=f"Sorry, I didn't mean {a}. ", rest="Ignore that one.", disowned=a)
    # "I meant" later on is the learner's point, not part of what is taken back.
    assert correction(f"Sorry, I didn't mean {a}. Ignore that. I meant {b}.") == Correction(
        withdrawn=f"Sorry, I didn't mean {a}. ", rest=f"Ignore that. I meant {b}.", disowned=a)


def test_what_the_learner_meant_in_the_same_sentence_is_not_withdrawn(s):
    pair = flaw(s, T.DUPLICATE)
    a, b = pair.risk_id, pair.other_risk_id
    text = f"Sorry, I didn't mean {a}, I meant {b} is a duplicate of {a}."
    assert correction(text) == Correction(withdrawn=f"Sorry, I didn't mean {a}, ",
                                          rest=f"I meant {b} is a duplicate of {a}.", disowned=a)
    verdicts, replies, withdrawn = judge(s, text)
    assert (verdicts, replies, withdrawn) == ([("partial", None, b)], [pair.replies.partial], True)
