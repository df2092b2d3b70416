"""How the evaluator's reading uses context and cues, on cases the held-out evaluation showed it
needed (plain Python, no model): risks named by description or in a list, names in passing,
plain questions that mention a topic, cues the model alone missed."""
import pytest

from bot.evaluation.evaluator import Evaluator
from bot.evaluation.reading import mentioned_risks, read
from bot.evaluation.state import SessionState, Verdict
from bot.taxonomy import FlawType as T


def test_risks_in_a_list_after_risks(rw):
    assert mentioned_risks("Risks 7 and 10 double count the same weekend", rw) == ["R7", "R10"]
    assert mentioned_risks("rows 3, 5 and 9 look stale", rw) == ["R3", "R5", "R9"]


def test_risk_named_by_the_words_of_its_title(rw, ng):
    assert mentioned_risks("the interface risk was added, not multiplied", rw) == ["R3"]
    assert mentioned_risks("The data load row plays it down", ng) == ["R1"]
    assert mentioned_risks("the dress-rehearsal risk is rated unlikely", ng) == ["R1"]


def test_ordinal_words_do_not_pick_a_row(rw):
    assert mentioned_risks("something isn't right with the second row", rw) == []


def test_a_name_in_passing_is_not_another_risk_once_ids_are_given(ng):
    # "Calder" is an alias of R3, but here it is the party R10 was transferred to.
    assert mentioned_risks("Who agreed R10 could be handed to Calder?", ng) == ["R10"]
    assert mentioned_risks("R10 and the Calder one", ng) == ["R10", "R3"]


def test_plain_question_mentioning_a_topic_is_answered(rw):
    reading = read("how much contingency is left", rw, "ask_question", 0.7)
    assert not reading.types and not reading.cue_types
    outcome = Evaluator(rw).evaluate(SessionState(), reading)
    assert outcome.verdicts == [Verdict.QUESTION]


def test_question_that_asks_who_does_what_by_when_is_still_a_challenge(rw):
    reading = read("who is going to do what on R9, and by when?", rw, "ask_question", 0.58)
    assert T.MISSING_RESPONSE in reading.types
    outcome = Evaluator(rw).evaluate(SessionState(), reading)
    assert [j.flaw_id for j in outcome.judgements if j.verdict == Verdict.HIT] == ["F5"]


@pytest.mark.parametrize(
    "text, flaw_type",
    [
        ("Three times four is twelve, not eight (R11)", T.SCORE_MISMATCH),
        ("R9 has no real actions", T.MISSING_RESPONSE),
        ("r7 not escalted despite being 15", T.NOT_ESCALATED),
        ("The bad data risk relies on Calder's indemnity", T.STRATEGY_MISMATCH),
        ("I'd have expected a risk about extended support", T.MISSING_RISK),
    ],
)
def test_cues_the_model_alone_missed(ng, text, flaw_type):
    assert flaw_type in read(text, ng, "nlu_fallback", 0.3).types


def test_two_challenges_in_one_message_credit_both(rw):
    reading = read("R6's owner is wrong and R3's score doesn't add up", rw, "challenge_wrong_owner", 0.9)
    outcome = Evaluator(rw).evaluate(SessionState(), reading)
    assert {j.flaw_id for j in outcome.judgements if j.verdict == Verdict.HIT} == {"F3", "F4"}
