"""How a learner's message is read (which rows it names, whether it only asks for facts): what
mutation testing (`make mutate`) found no test for among the unit tests.

Rows are named by id, by number in a list, by their title quoted, by an alias, or by words of
their title ("the defect risk"); a plain request for facts is not a challenge. Each case is
asserted on the rows read and on what the PM then credits or says."""
from __future__ import annotations

import pytest

from bot.evaluation.evaluator import Evaluator
from bot.evaluation.reading import described_rows, info_question, mentioned_risks, read
from bot.evaluation.state import SessionState
from bot.taxonomy import FlawType as T


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


def judge(s, text, intent=None, confidence=0.0):
    outcome = Evaluator(s).evaluate(SessionState(), read(text, s, intent, confidence))
    return [(j.verdict.value, j.flaw_id, j.risk_id) for j in outcome.judgements], [r.text for r in outcome.replies]


# -- rows named by what they are about ------------------------------------------------------------------


def test_a_row_described_by_a_word_of_its_title_in_the_singular(rw):
    """'the defect risk' is R3, 'Interface defects not fixed before UAT': no alias says 'defect'."""
    sums = flaw(rw, T.SCORE_MISMATCH)
    assert rw.row(sums.risk_id).title == "Interface defects not fixed before UAT"
    text = "The defect risk is scored 7, but 3 x 4 is 12."
    assert mentioned_risks(text, rw) == [sums.risk_id]
    assert judge(rw, text) == ([("hit", sums.id, sums.risk_id)], [sums.replies.hit])


def test_the_words_of_a_description_are_read_in_any_case(rw):
    sums = flaw(rw, T.SCORE_MISMATCH)
    assert described_rows("The Defect Risk is scored 7, but 3 x 4 is 12.", rw) == [(0, sums.risk_id)]


def test_a_description_that_fits_two_rows_equally_names_neither(rw):
    """R2 and R6 are both 'StockPilot late with build drop ...': the PM asks which one."""
    text = "The StockPilot risk has the wrong owner, Callum can't act on it."
    assert mentioned_risks(text, rw) == []
    assert mentioned_risks("The build drop risk has the wrong owner, Callum can't act on it.", rw) == []
    verdicts, replies = judge(rw, text, "challenge_wrong_owner", 0.9)
    assert verdicts == [("partial", None, None)]
    assert replies == ["Which risk are you talking about? Give me its number, or describe it, and I'll look."]


def test_a_description_with_no_describing_word_does_not_stop_the_next_one(rw):
    """'the other one' picks out no row; 'the defect row' after it still does."""
    sums = flaw(rw, T.SCORE_MISMATCH)
    assert described_rows("Not the other one: the defect row is scored 7.", rw) == [(19, sums.risk_id)]
    assert mentioned_risks("Not the other one: the defect row is scored 7.", rw) == [sums.risk_id]


# -- rows named by id, number, list or title --------------------------------------------------------------


def test_a_row_number_the_register_does_not_have_is_not_a_row(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    text = f"R13's owner is wrong, and so is {owner.risk_id}'s: Callum can't issue a notice."
    assert len(rw.rows) < 13
    assert mentioned_risks(text, rw) == [owner.risk_id]
    assert judge(rw, text)[0] == [("hit", owner.id, owner.risk_id)]


def test_every_number_of_a_list_is_a_row_in_the_order_said(rw):
    sums, pair = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.DUPLICATE)
    a, b = int(pair.risk_id[1:]), int(pair.other_risk_id[1:])
    text = f"{sums.risk_id}'s score is off, and risks {a} and {b} double count the cut-over weekend."
    assert mentioned_risks(text, rw) == [sums.risk_id, pair.risk_id, pair.other_risk_id]
    verdicts, replies = judge(rw, text)
    assert verdicts == [("hit", sums.id, sums.risk_id), ("hit", pair.id, pair.risk_id)]
    assert replies[-1] == (f"So how would you put {sums.risk_id} and {pair.risk_id} and {pair.other_risk_id} right? "
                           "Take them in any order.")


def test_a_row_quoted_by_its_title_is_named_as_precisely_as_by_its_id(rw):
    sums = flaw(rw, T.SCORE_MISMATCH)
    text = f"'{rw.row(sums.risk_id).title}' is scored 7, but 3 x 4 is 12."
    assert mentioned_risks(text, rw) == [sums.risk_id]
    assert judge(rw, text) == ([("hit", sums.id, sums.risk_id)], [sums.replies.hit])


def test_an_alias_alone_names_its_row(rw):
    scanners = next(r for r in rw.rows if "handhelds" in r.aliases)
    assert mentioned_risks("Scantec's handhelds won't be configured in time", rw) == [scanners.id]


def test_after_an_id_an_alias_names_a_row_only_when_called_a_risk(ng):
    """'the contractor one' (an alias starting 'the') and 'the Calder one' (a name called a risk)
    are rows; 'handed to Calder' is an argument about R10."""
    contractor = next(r for r in ng.rows if "calder" in r.aliases)
    indemnity = flaw(ng, T.STRATEGY_MISMATCH).risk_id
    assert mentioned_risks(f"{indemnity} and the contractor one are the same problem", ng) == [indemnity, contractor.id]
    assert mentioned_risks(f"{indemnity} and the Calder one", ng) == [indemnity, contractor.id]
    assert mentioned_risks(f"Who agreed {indemnity} could be handed to Calder?", ng) == [indemnity]


# -- a request for facts is not a challenge ---------------------------------------------------------------------


def test_a_newcomers_question_about_a_rows_supplier_is_answered_not_credited(ng):
    """'Who holds the Calder contract?' names the contractor row, whose owner is a flaw: asking who
    holds the contract is not spotting it."""
    owner = flaw(ng, T.WRONG_OWNER)
    text = "Sorry, I'm new. Who holds the Calder contract?"
    assert info_question(text)
    reading = read(text, ng)
    assert (reading.types, reading.cue_types, reading.risk_ids) == ([], set(), [owner.risk_id])
    row = ng.row(owner.risk_id)
    assert judge(ng, text) == ([("question", None, owner.risk_id)], [f"{row.id} is owned by {row.owner}."])


def test_a_question_with_a_complaint_in_it_is_not_only_asking(rw):
    assert not info_question("Who holds the StockPilot contract? Callum shouldn't.")
    assert read("Who holds the StockPilot contract? Callum shouldn't.", rw).types == [T.WRONG_OWNER]


# -- the model's reading and the learner's words ----------------------------------------------------------------


def sound_row(s):
    row = s.row("R8")  # agency pickers at peak: Tom owns it, there is a plan
    assert not any(row.id in (f.risk_id, f.other_risk_id) for f in s.flaws)
    return row


def test_a_sure_model_reads_a_terse_challenge_the_words_alone_do_not_make(rw):
    """'R6: Callum?' says nothing on its own; a sure model reads it as a wrong-owner challenge."""
    owner = flaw(rw, T.WRONG_OWNER)
    text = f"{owner.risk_id}: Callum?"
    assert read(text, rw).types == []
    assert read(text, rw, "challenge_wrong_owner", 0.9).types == [T.WRONG_OWNER]
    assert judge(rw, text, "challenge_wrong_owner", 0.9) == ([("hit", owner.id, owner.risk_id)], [owner.replies.hit])


@pytest.mark.parametrize("confidence, types", [(0.29, []), (0.3, [T.WRONG_OWNER]), (0.5, [T.WRONG_OWNER])])
def test_an_unsure_model_is_a_hint_from_a_confidence_of_0_3(rw, confidence, types):
    owner = flaw(rw, T.WRONG_OWNER)
    assert read(f"{owner.risk_id}: Callum?", rw, "challenge_wrong_owner", confidence).types == types


@pytest.mark.parametrize("confidence", [0.59, 0.6, 0.9, 0.99])
def test_a_plain_question_is_never_a_challenge_however_sure_the_model(rw, confidence):
    """'Who owns R6?' asks for a fact, whatever the model makes of it (it read "Who's down as the
    owner on the PSDS grant row right now?" as a wrong-owner challenge at 0.99); the reading keeps
    a sure model's type, the evaluator answers the question."""
    owner = flaw(rw, T.WRONG_OWNER)
    row = rw.row(owner.risk_id)
    assert read(f"Who owns {row.id}?", rw, "challenge_wrong_owner", confidence).types == (
        [T.WRONG_OWNER] if confidence >= 0.6 else [])
    verdicts, replies = judge(rw, f"Who owns {row.id}?", "challenge_wrong_owner", confidence)
    assert (verdicts, replies) == ([("question", None, row.id)], [f"{row.id} is owned by {row.owner}."])


def test_the_strongest_cue_is_the_point_the_pm_answers_first(rw):
    """Owner twice ('no owner', 'who can act'), actions once: the PM defends the owner."""
    row = sound_row(rw)
    text = f"{row.id} has no owner who can act and no actions with dates, nothing specific"
    assert read(text, rw).types == [T.WRONG_OWNER, T.MISSING_RESPONSE]
    assert judge(rw, text) == ([("false", None, row.id)], [row.defences[T.WRONG_OWNER]])


def test_a_sure_model_leads_when_the_words_support_it_from_a_confidence_of_0_6(rw):
    row = sound_row(rw)
    text = f"{row.id} has no owner who can act and no actions with dates, nothing specific"
    assert read(text, rw, "challenge_missing_response", 0.59).types == [T.WRONG_OWNER, T.MISSING_RESPONSE]
    assert read(text, rw, "challenge_missing_response", 0.6).types == [T.MISSING_RESPONSE, T.WRONG_OWNER]
    verdicts, replies = judge(rw, text, "challenge_missing_response", 0.6)
    assert verdicts == [("false", None, row.id)]
    assert replies[0].startswith(f"There is a plan for {row.id}: ")


def test_the_words_lead_when_nothing_in_them_supports_a_sure_model(rw):
    """'R8's owner looks wrong' read by the model as 'no actions': the PM answers the owner point."""
    row = sound_row(rw)
    text = f"{row.id}'s owner looks wrong to me, Tom can't act on it"
    assert read(text, rw, "challenge_missing_response", 0.9).types == [T.WRONG_OWNER, T.MISSING_RESPONSE]
    assert judge(rw, text, "challenge_missing_response", 0.9) == (
        [("false", None, row.id)], [row.defences[T.WRONG_OWNER]])


def test_a_row_named_by_its_owner_alone_whatever_else_is_said_of_it(rw):
    """Hannah owns one row: 'Hannah's scary one' is it, though 'scary' is in no title."""
    actions = flaw(rw, T.MISSING_RESPONSE)
    assert rw.row(actions.risk_id).owner.startswith("Hannah")
    assert mentioned_risks("Hannah's scary one has no real actions.", rw) == [actions.risk_id]
    assert judge(rw, "Hannah's scary one has no real actions.")[0] == [("hit", actions.id, actions.risk_id)]
