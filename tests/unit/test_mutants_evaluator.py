"""The evaluator over short conversations: what mutation testing (`make mutate`) found no test for.

Each test plays a few learner turns against one session state, as the tutor does, and asserts what
the learner sees: the verdicts (with the flaw credited), the PM's and the tutor's replies, and
which fixes the PM is waiting for. Risk ids come from the scenario's own flaws."""
from __future__ import annotations

import pytest

from bot.evaluation.evaluator import Evaluator, without_question
from bot.evaluation.questions import best_fact
from bot.evaluation.reading import read
from bot.evaluation.state import MAX_FIX_ATTEMPTS, SessionState
from bot.taxonomy import FlawType as T
from bot.taxonomy import kind

NO_HARM = "No harm done: better to ask than to miss one. What's next?"
WHICH_RISK = "Which risk are you talking about? Give me its number, or describe it, and I'll look."


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


class Talk:
    """One session: each turn is judged on the state the turns before it left."""

    def __init__(self, s, state: SessionState | None = None):
        self.s, self.state, self.evaluator = s, state or SessionState(), Evaluator(s)
        self.withdrawn = False

    def say(self, text, intent=None, confidence=0.0):
        outcome = self.evaluator.evaluate(self.state, read(text, self.s, intent, confidence if intent else 0.0))
        self.state.previous = (text, intent, confidence)
        self.withdrawn = outcome.withdraw_previous
        self.types = [j.flaw_type for j in outcome.judgements]  # the kind of point each verdict is on
        verdicts = [(j.verdict.value, j.flaw_id, j.risk_id) for j in outcome.judgements]
        return verdicts, [(r.speaker, r.text) if r.speaker != "pm" else r.text for r in outcome.replies]


def found(s, *flaws) -> SessionState:
    state = SessionState()
    for f in flaws:
        state.find(f.id)
    return state


def settled(s, *flaws) -> SessionState:
    state = found(s, *flaws)
    state.fixed |= {f.id for f in flaws}
    return state


# -- taking a point back ------------------------------------------------------------------------------------


def test_taking_a_point_back_charges_nothing_and_changes_nothing(rw):
    sums = flaw(rw, T.SCORE_MISMATCH)
    talk = Talk(rw, found(rw, sums))
    talk.state.asked = [sums.id]
    assert talk.say("Fair enough, I missed that: the hosting moved. My mistake.") == ([], [NO_HARM])
    assert talk.say("Okay, on reflection let us leave that.", "take_back", 0.9) == ([], [NO_HARM])
    assert talk.state.asked == [sums.id] and talk.state.found == {sums.id}


def test_what_follows_a_point_taken_back_is_read(rw):
    sums = flaw(rw, T.SCORE_MISMATCH)
    talk = Talk(rw)
    assert talk.say(f"My mistake. {sums.risk_id} is scored 7 but 3 x 4 is 12.") == (
        [("hit", sums.id, sums.risk_id)], [sums.replies.hit])
    row = rw.row("R4")
    verdicts, replies = talk.say(f"My mistake on that one. Is {row.id} owned by Priya?")
    assert verdicts == [("question", None, row.id)] and replies == [row.defences[T.WRONG_OWNER]]


def test_a_point_after_but_in_the_sentence_that_lets_another_go_is_read(rw):
    """'R8 is fine, but R3 is scored 7...': letting R8 go does not take back the point on R3."""
    sums = flaw(rw, T.SCORE_MISMATCH)
    assert Talk(rw).say(f"R8 is fine, but {sums.risk_id} is scored 7 when 3 x 4 is 12.") == (
        [("hit", sums.id, sums.risk_id)], [sums.replies.hit])


# -- fixes the PM asked for ------------------------------------------------------------------------------------


def test_an_answer_that_could_be_for_either_of_two_asked_fixes_is_queried(rw):
    sums, owner = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    verdicts, replies = talk.say(f"{sums.risk_id} is scored 7 but 3 x 4 is 12, and {owner.risk_id} is owned by a "
                                 "junior analyst who cannot act on the contract.")
    assert verdicts == [("hit", sums.id, sums.risk_id), ("hit", owner.id, owner.risk_id)]
    assert replies[-1] == f"So how would you put {sums.risk_id} and {owner.risk_id} right? Take them in any order."
    assert talk.state.asked == [sums.id, owner.id]
    assert talk.say("Give it to Tom Hargreaves.") == ([("unclear", None, None)], [
        f"Sorry, which one's that for: {sums.risk_id} or {owner.risk_id}? Give me the risk and what you'd change."])
    assert talk.state.fix_attempts == {}


def test_after_two_fixes_the_pm_cannot_take_the_tutor_gives_one_away(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    assert talk.say(f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract.")[0] == [
        ("hit", owner.id, owner.risk_id)]
    assert talk.say("Give it to Tom Hargreaves.") == (
        [("fix_rejected", owner.id, owner.risk_id)], [owner.fix.rejected_reply])
    assert MAX_FIX_ATTEMPTS == 2
    verdicts, replies = talk.say("Give it to Gareth Lloyd then.")
    assert verdicts == [("fix_rejected", owner.id, owner.risk_id)]
    assert replies == [owner.fix.rejected_reply, ("tutor", (
        f"A correction the PM would accept for {owner.risk_id}: {owner.fix.model_answer} It stays open: put it to "
        "him in your own words whenever you like (it no longer scores), or carry on challenging the register."))]
    assert talk.types == [T.WRONG_OWNER]
    assert talk.say("Give it to Priya.") == ([("fix_accepted", owner.id, owner.risk_id)], [owner.fix.accepted_reply])
    assert talk.state.fixed == {owner.id} and talk.state.asked == []


# -- no credit: what the PM asks ---------------------------------------------------------------------------------


def test_nothing_the_pm_can_place_gets_asked_what_and_where(rw):
    talk = Talk(rw)
    assert talk.say("There is something off with one of the rows.") == ([("unclear", None, None)], [
        "Sorry, I'm not following. Which risk are you looking at, and what's wrong with it?"])


def test_a_duplicate_needs_two_rows(rw):
    pair = flaw(rw, T.DUPLICATE)
    single = rw.row("R5")
    talk = Talk(rw)
    assert talk.say(f"{single.id} is a duplicate.") == (
        [("unclear", None, single.id)], [f"Which row do you think {single.id} duplicates?"])
    assert talk.say(f"{pair.risk_id} is a duplicate.") == ([("partial", None, pair.risk_id)], [pair.replies.partial])
    assert talk.types == [T.DUPLICATE]
    assert talk.state.found == set()


# -- corrections: the point meant ---------------------------------------------------------------------------------


def test_a_correction_naming_the_row_meant_re_reads_the_last_message_on_it(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    sound = flaw(rw, T.NOT_A_RISK).risk_id  # drop 1: its owner holds the contract
    talk = Talk(rw)
    assert talk.say(f"{sound} is owned by someone who cannot act on the contract.")[0] == [("false", None, sound)]
    assert talk.say(f"Sorry, I meant {owner.risk_id}, not {sound}.") == (
        [("hit", owner.id, owner.risk_id)], [owner.replies.hit])
    assert talk.withdrawn and talk.state.asked == [owner.id]


def test_a_correction_of_one_row_of_two_re_reads_only_what_was_said_of_it(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    sound = flaw(rw, T.NOT_A_RISK).risk_id
    talk = Talk(rw)
    assert talk.say(f"{sound} and R8 have the wrong owner, they cannot act on the contract.")[0] == [
        ("false", None, sound)]
    assert talk.say(f"Correction: {owner.risk_id}, not {sound}.") == (
        [("hit", owner.id, owner.risk_id)], [owner.replies.hit])
    assert talk.withdrawn


def test_a_typo_correction_re_reads_the_last_message_on_the_row_typed(rw):
    sums = flaw(rw, T.SCORE_MISMATCH)
    talk = Talk(rw)
    verdicts, replies = talk.say("R4 scored 12 is wrong, 3 x 4 is 12?")
    assert verdicts == [("false", None, "R4")]
    assert talk.say(f"Typo, {sums.risk_id}.") == ([("hit", sums.id, sums.risk_id)], [sums.replies.hit])
    assert talk.withdrawn


def test_a_correction_that_makes_its_own_point_is_judged_on_it(rw):
    sums = flaw(rw, T.SCORE_MISMATCH)
    cutover = flaw(rw, T.DUPLICATE).risk_id
    talk = Talk(rw)
    assert talk.say(f"{cutover} has the wrong owner, Gareth cannot act on it.")[0] == [("false", None, cutover)]
    assert talk.say(f"Sorry, I didn't mean {cutover}. {sums.risk_id} is scored 7 but 3 x 4 is 12.") == (
        [("hit", sums.id, sums.risk_id)], [sums.replies.hit])
    assert talk.withdrawn


def test_a_correction_that_raises_a_missing_risk_is_credited(rw):
    missing = flaw(rw, T.MISSING_RISK)
    cutover = flaw(rw, T.DUPLICATE).risk_id
    talk = Talk(rw)
    talk.say(f"{cutover} has the wrong owner, Gareth cannot act on it.")
    assert talk.say("Sorry, wrong row. There is no risk for Kestrel support ending in December.") == (
        [("hit", missing.id, None)], [missing.replies.hit])
    assert talk.withdrawn


# -- several points in one message, each with its own fix ------------------------------------------------------------


def test_each_of_two_points_takes_the_fix_said_with_it(rw):
    sums, owner = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    verdicts, replies = talk.say(f"{sums.risk_id} is scored 7 but 3 x 4 is 12, so it should be 12. {owner.risk_id} is "
                                 "owned by a junior analyst who cannot act on the contract. Give it to Priya.")
    assert verdicts == [("hit", sums.id, sums.risk_id), ("hit", owner.id, owner.risk_id),
                        ("fix_accepted", sums.id, sums.risk_id), ("fix_accepted", owner.id, owner.risk_id)]
    assert replies[1::2] == [sums.fix.accepted_reply, owner.fix.accepted_reply]
    assert talk.state.fixed == {sums.id, owner.id} and talk.state.asked == []


def test_a_fix_said_of_one_point_is_not_taken_for_the_other(rw):
    sums, owner = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    verdicts, replies = talk.say(f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract, give "
                                 f"it to Priya. {sums.risk_id} is scored 7 but 3 x 4 is 12.")
    assert verdicts == [("hit", sums.id, sums.risk_id), ("hit", owner.id, owner.risk_id),
                        ("fix_accepted", owner.id, owner.risk_id)]
    assert replies[-2:] == [owner.fix.accepted_reply, f"So how would you put {sums.risk_id} right? Take them in any order."]
    assert talk.state.asked == [sums.id]


def test_a_missing_risk_raised_beside_a_row_keeps_its_own_fix(rw):
    sums, missing = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.MISSING_RISK)
    talk = Talk(rw)
    verdicts, replies = talk.say(f"{sums.risk_id} is scored 7 but 3 x 4 is 12. Also, there is no risk for Kestrel support "
                                 "ending on 31 December. Add it to the register, owned by Gareth, with an extension "
                                 "agreed with Kestrel.")
    assert verdicts == [("hit", sums.id, sums.risk_id), ("hit", missing.id, None), ("fix_accepted", missing.id, None)]
    assert replies[-2:] == [missing.fix.accepted_reply, f"So how would you put {sums.risk_id} right? Take them in any order."]


def test_a_fix_after_the_row_it_follows_is_that_rows_not_the_missing_risks(rw):
    sums, missing = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.MISSING_RISK)
    talk = Talk(rw)
    verdicts, replies = talk.say("There is no risk for Kestrel support ending on 31 December. "
                                 f"{sums.risk_id} is scored 7 but 3 x 4 is 12. It should be 12.")
    assert verdicts == [("hit", sums.id, sums.risk_id), ("hit", missing.id, None), ("fix_accepted", sums.id, sums.risk_id)]
    assert replies[1] == sums.fix.accepted_reply
    assert talk.state.asked == [missing.id]


# -- a point without a row ---------------------------------------------------------------------------------------------


def test_a_question_the_brief_answers_gets_the_facts_even_when_it_hints_at_a_point(rw):
    text = "Can I ask what the tolerance is for escalation?"
    fact = best_fact(rw, text.lower())
    assert fact and fact.startswith("Helen Marsh, our Operations Director, chairs the project board.")
    assert Talk(rw).say(text) == ([("question", None, None)], [fact])


def test_a_point_put_as_a_question_gets_the_facts_and_is_asked_which_row(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    text = "Shouldn't the owner be whoever holds the contract? Who holds the StockPilot contract?"
    fact = best_fact(rw, text.lower())
    assert fact.startswith("Priya Shah, our Commercial Lead, holds all the project's supplier contracts")
    talk = Talk(rw)
    assert talk.say(text) == ([("partial", None, None)], [f"{fact} Which risk are you thinking of?"])
    assert talk.types == [T.WRONG_OWNER]
    # Once the only wrong owner is found, it is a question, and the facts answer it.
    assert Talk(rw, settled(rw, owner)).say(text) == ([("question", None, None)], [fact])


@pytest.mark.parametrize("text, intent, confidence", [
    ("Make Priya the owner instead.", None, 0.0),
    ("The owner ought to be Priya.", "propose_fix", 0.9),  # a proposal by the model's reading alone
    ("The owner ought to be Priya.", "propose_fix", 0.6),  # sure from 0.6
])
def test_a_fix_with_no_row_when_nothing_of_its_kind_is_left_asks_which_row(rw, text, intent, confidence):
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw, settled(rw, owner))
    assert talk.say(text, intent, confidence) == (
        [("unclear", None, None)], ["Which risk is that for? Give me its number and I'll note it."])


@pytest.mark.parametrize("confidence, charged", [(0.59, False), (0.6, True), (0.9, True)])
def test_a_point_in_no_words_of_its_own_is_charged_only_on_a_sure_reading(rw, confidence, charged):
    """'That one is wrong.' says no kind of flaw: only a sure model makes it a wrong-owner charge."""
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw, settled(rw, owner))
    verdicts, replies = talk.say("That one is wrong.", "challenge_wrong_owner", confidence)
    if charged:
        assert (verdicts, replies, talk.types) == ([("false", None, None)], [rw.persona.defend_generic], [T.WRONG_OWNER])
    else:
        assert verdicts == [("unclear", None, None)] and replies[0].startswith("That's not in what I've got in front of me")


# -- corrections: which part of the last message is re-read -------------------------------------------------------------


def test_a_correction_re_reads_the_last_message_as_the_model_read_it(rw):
    """'R2: Callum?' was a wrong-owner point only in the model's reading: said of R6, it still is."""
    owner = flaw(rw, T.WRONG_OWNER)
    sound = flaw(rw, T.NOT_A_RISK).risk_id
    talk = Talk(rw)
    assert talk.say(f"{sound}: Callum?", "challenge_wrong_owner", 0.9)[0] == [("question", None, sound)]
    assert talk.say(f"Sorry, I meant {owner.risk_id}, not {sound}.") == (
        [("hit", owner.id, owner.risk_id)], [owner.replies.hit])


def test_a_correction_re_reads_the_sentences_about_the_row_up_to_the_next_row(rw):
    """'Look at R2. Callum can't issue a notice...' is the point; the R3 sentence after it is not re-read."""
    owner, sums = flaw(rw, T.WRONG_OWNER), flaw(rw, T.SCORE_MISMATCH)
    sound = flaw(rw, T.NOT_A_RISK).risk_id
    talk = Talk(rw)
    assert talk.say(f"Look at {sound}. Callum can't issue a notice under the contract, so the owner is wrong. "
                    f"{sums.risk_id} is scored 7 but 3 x 4 is 12. Both matter.")[0] == [("hit", sums.id, sums.risk_id)]
    assert talk.say(f"Sorry, I meant {owner.risk_id}, not {sound}.") == (
        [("hit", owner.id, owner.risk_id)], [owner.replies.hit])


def test_a_correction_re_reads_from_the_sentence_naming_the_row(rw):
    owner, sums = flaw(rw, T.WRONG_OWNER), flaw(rw, T.SCORE_MISMATCH)
    sound = flaw(rw, T.NOT_A_RISK).risk_id
    talk = Talk(rw)
    assert talk.say(f"{sums.risk_id} is scored 7 but 3 x 4 is 12. {sound}'s owner can't act on the contract.")[0] == [
        ("hit", sums.id, sums.risk_id)]
    assert talk.say(f"Sorry, I meant {owner.risk_id}, not {sound}.") == (
        [("hit", owner.id, owner.risk_id)], [owner.replies.hit])


def test_a_correction_with_no_last_message_names_the_row_meant(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    assert talk.say(f"Sorry, I meant {owner.risk_id}.") == ([("partial", None, owner.risk_id)], [owner.replies.partial])
    assert talk.withdrawn


def test_a_correction_that_leaves_nothing_to_re_read_is_let_go(rw):
    cutover = flaw(rw, T.DUPLICATE).risk_id
    talk = Talk(rw)
    talk.say(f"{cutover}'s owner is wrong, Gareth can't run the cut-over.")
    assert talk.say(f"Sorry, I didn't mean {cutover}. Ignore that one.") == ([], [
        "Ah, sorry, I got the wrong end of the stick there. Forget that, then. What's next?"])
    assert talk.withdrawn


def test_a_correction_re_reads_the_whole_sentence_with_the_other_row_in_it(rw):
    owner, sums = flaw(rw, T.WRONG_OWNER), flaw(rw, T.SCORE_MISMATCH)
    sound = flaw(rw, T.NOT_A_RISK).risk_id
    talk = Talk(rw)
    assert talk.say(f"{sound}'s owner can't act on the contract and {sums.risk_id} is scored 7 but 3 x 4 is 12.")[0] == [
        ("hit", sums.id, sums.risk_id)]
    verdicts, replies = talk.say(f"Sorry, I meant {owner.risk_id}, not {sound}.")
    assert verdicts == [("repeat", sums.id, sums.risk_id), ("hit", owner.id, owner.risk_id)]
    assert replies[1] == owner.replies.hit


def test_a_correction_naming_a_row_already_named_re_reads_it_for_that_row(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    sound = flaw(rw, T.NOT_A_RISK).risk_id
    talk = Talk(rw)
    assert talk.say(f"{sound} and {owner.risk_id}: the owner cannot issue a notice under the contract.")[0] == [
        ("hit", owner.id, owner.risk_id)]
    assert talk.say(f"Sorry, I meant {owner.risk_id}.") == (
        [("repeat", owner.id, owner.risk_id)], [f"We're agreed on that one. {kind(T.WRONG_OWNER).fix_question}"])
    assert talk.withdrawn


# -- a conceded row named again ------------------------------------------------------------------------------------------


def test_a_challenge_and_its_fix_in_one_breath_by_the_models_reading(rw):
    """'...: Priya.' is a fix only when the model is sure it proposes one."""
    owner = flaw(rw, T.WRONG_OWNER)
    text = f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract: Priya."
    talk = Talk(rw)
    assert talk.say(text, "propose_fix", 0.9) == (
        [("hit", owner.id, owner.risk_id), ("fix_accepted", owner.id, owner.risk_id)],
        [without_question(owner.replies.hit), owner.fix.accepted_reply])
    assert talk.types == [T.WRONG_OWNER, T.WRONG_OWNER]
    talk = Talk(rw)
    assert talk.say(text, "propose_fix", 0.5) == ([("hit", owner.id, owner.risk_id)], [owner.replies.hit])
    assert talk.types == [T.WRONG_OWNER] and talk.state.asked == [owner.id]


def test_a_question_about_a_conceded_row_is_answered_and_the_fix_still_awaited(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    talk.say(f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract.")
    verdicts, _ = talk.say(f"Who holds the StockPilot contract, for {owner.risk_id}?")
    assert verdicts == [("question", None, owner.risk_id)]
    assert talk.state.asked == [owner.id] and talk.state.fixed == set()


def test_a_different_point_about_a_conceded_row_is_judged_as_a_new_point(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    row = rw.row(owner.risk_id)
    talk = Talk(rw)
    talk.say(f"{row.id} is owned by a junior analyst who cannot act on the contract.")
    verdicts, replies = talk.say(f"{row.id}'s actions are vague.")
    assert verdicts == [("false", None, row.id)] and talk.types == [T.VAGUE_DESCRIPTION]
    assert replies[0].startswith(f"I think {row.id} is clear enough: ")


def test_a_found_flaw_raised_again_beside_a_new_one_is_a_repeat_and_the_new_one_a_hit(rw):
    sums, owner = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw, found(rw, sums))
    verdicts, replies = talk.say(f"{sums.risk_id} is scored 7 but 3 x 4 is 12, and {owner.risk_id} is owned by a junior "
                                 "analyst who cannot act on the contract.")
    assert verdicts == [("repeat", sums.id, sums.risk_id), ("hit", owner.id, owner.risk_id)]
    assert talk.types == [T.SCORE_MISMATCH, T.WRONG_OWNER]
    assert replies == [owner.replies.hit, f"We're agreed on that one. {kind(T.SCORE_MISMATCH).fix_question}"] or \
        replies == [f"We're agreed on that one. {kind(T.SCORE_MISMATCH).fix_question}", owner.replies.hit]


def test_a_new_kind_of_point_without_a_row_is_not_pinned_on_the_rows_just_discussed(ng):
    """After R7 (escalation) and R8 (actions), 'it hasn't been reviewed' needs its row: R8 is stale,
    but the last turn was about other points."""
    esc, actions = flaw(ng, T.NOT_ESCALATED), flaw(ng, T.MISSING_RESPONSE)
    talk = Talk(ng)
    verdicts, _ = talk.say(f"{actions.risk_id}'s backfill action sits with David Kerr who can't release staff, and "
                           f"{esc.risk_id} is 15, above tolerance, not escalated.")
    assert verdicts == [("hit", esc.id, esc.risk_id), ("hit", actions.id, actions.risk_id)]
    assert talk.say("It hasn't been reviewed since April either.") == ([("partial", None, None)], [WHICH_RISK])
    assert talk.types == [T.STALE_REVIEW]


# -- answers to the PM's question, and what is not one ----------------------------------------------------------------------


def test_one_answer_can_fix_both_rows_the_pm_asked_about(rw):
    sums, owner = flaw(rw, T.SCORE_MISMATCH), flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    talk.say(f"{sums.risk_id} is scored 7 but 3 x 4 is 12, and {owner.risk_id} is owned by a junior analyst who cannot "
             "act on the contract.")
    assert talk.say("Make it 12 and give it to Priya.") == (
        [("fix_accepted", sums.id, sums.risk_id), ("fix_accepted", owner.id, owner.risk_id)],
        [sums.fix.accepted_reply, owner.fix.accepted_reply])
    assert talk.state.fixed == {sums.id, owner.id} and talk.state.asked == []


def test_an_answer_followed_by_a_missing_risk_fixes_one_and_finds_the_other(rw):
    owner, missing = flaw(rw, T.WRONG_OWNER), flaw(rw, T.MISSING_RISK)
    talk = Talk(rw)
    talk.say(f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract.")
    assert talk.say("Give it to Priya. Also, there's no risk for Kestrel support ending on 31 December.") == (
        [("fix_accepted", owner.id, owner.risk_id), ("hit", missing.id, None)],
        [owner.fix.accepted_reply, missing.replies.hit])
    assert talk.state.asked == [missing.id]


def test_moving_on_to_another_row_is_not_an_answer(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    sound = rw.row("R8")
    talk = Talk(rw)
    talk.say(f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract.")
    assert talk.say(f"Moving on to {sound.id}.") == ([("unclear", None, sound.id)], [rw.persona.clarify_generic])
    assert talk.state.fix_attempts == {} and talk.state.asked == [owner.id]


def test_another_kind_of_point_is_not_an_answer(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    talk.say(f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract.")
    assert talk.say("The actions are vague everywhere, nothing has a date.") == ([("partial", None, None)], [WHICH_RISK])
    assert talk.state.fix_attempts == {}


def test_with_fixes_open_but_none_asked_for_a_vague_remark_is_not_a_fix(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw, found(rw, owner))  # conceded earlier; the PM has since moved on
    assert talk.say("There is something off with one of the rows.") == ([("unclear", None, None)], [
        "Sorry, I'm not following. Which risk are you looking at, and what's wrong with it?"])
    assert talk.state.fix_attempts == {}


def test_a_fix_for_a_conceded_row_in_its_own_words_counts_when_the_model_is_sure_it_is_one(rw):
    """'R6's owner: Priya, the contract holder' restates the point; a sure model reads the fix in it."""
    owner = flaw(rw, T.WRONG_OWNER)
    text = f"{owner.risk_id}'s owner: Priya, the contract holder"
    talk = Talk(rw, found(rw, owner))
    assert talk.say(text, "propose_fix", 0.9) == ([("fix_accepted", owner.id, owner.risk_id)], [owner.fix.accepted_reply])
    talk = Talk(rw, found(rw, owner))
    assert talk.say(text, "propose_fix", 0.5) == (
        [("repeat", owner.id, owner.risk_id)], [f"We're agreed on that one. {kind(T.WRONG_OWNER).fix_question}"])


def test_the_same_point_again_with_another_word_of_complaint_is_still_the_same_point(rw):
    owner = flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw, found(rw, owner))
    assert talk.say(f"{owner.risk_id}'s owner is still wrong, and the actions are vague.") == (
        [("repeat", owner.id, owner.risk_id)], [f"We're agreed on that one. {kind(T.WRONG_OWNER).fix_question}"])


# -- fixes given for conceded flaws ------------------------------------------------------------------------------------------


def test_a_new_flaw_raised_inside_a_fix_is_credited_too(ng):
    """R8 carries two flaws: fixing the stale review while saying the backfill action is with the
    wrong person finds the second."""
    stale, actions = flaw(ng, T.STALE_REVIEW), flaw(ng, T.MISSING_RESPONSE)
    assert stale.risk_id == actions.risk_id
    row = stale.risk_id
    talk = Talk(ng)
    assert talk.say(f"{row} hasn't been reviewed since April.") == ([("hit", stale.id, row)], [stale.replies.hit])
    verdicts, replies = talk.say(f"{row}: review it this week with David Kerr, and the backfill action should sit "
                                 "with David as Joanne can't release staff.")
    assert verdicts[:2] == [("fix_accepted", stale.id, row), ("hit", actions.id, row)]
    assert talk.types[:2] == [T.STALE_REVIEW, T.MISSING_RESPONSE]
    assert replies[:2] == [stale.fix.accepted_reply, without_question(actions.replies.hit)]
    assert talk.state.found == {stale.id, actions.id} and stale.id in talk.state.fixed


def test_two_open_fixes_on_one_row_are_both_tried_on_its_words(ng):
    stale, actions = flaw(ng, T.STALE_REVIEW), flaw(ng, T.MISSING_RESPONSE)
    row = stale.risk_id
    talk = Talk(ng, found(ng, stale, actions))
    assert talk.say(f"{row}: review it this week with David Kerr and move the backfill action to David Kerr.") == (
        [("fix_accepted", stale.id, row), ("fix_accepted", actions.id, row)],
        [stale.fix.accepted_reply, actions.fix.accepted_reply])


def test_a_fix_naming_the_kind_of_flaw_is_for_that_flaw_not_the_one_asked_about(rw):
    pair, owner = flaw(rw, T.DUPLICATE), flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw)
    talk.say(f"{pair.risk_id} and {pair.other_risk_id} are the same cut-over risk.")
    talk.say(f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract.")
    assert talk.state.asked == [owner.id]
    assert talk.say("On the duplicate: merge the two cut-over rows into one.") == (
        [("fix_rejected", pair.id, pair.risk_id)], [pair.fix.rejected_reply])
    assert talk.state.fix_attempts == {pair.id: 1} and talk.state.asked == [owner.id]


def test_a_fix_for_the_missing_risk_names_it_by_its_topic(rw):
    missing = flaw(rw, T.MISSING_RISK)
    talk = Talk(rw, found(rw, missing, flaw(rw, T.SCORE_MISMATCH)))
    assert talk.say("Kestrel support: add a risk owned by Gareth, with Priya getting an extended-support quote.") == (
        [("fix_accepted", missing.id, None)], [missing.fix.accepted_reply])


def test_a_fix_naming_no_row_but_the_kind_of_flaw_is_for_that_flaw(rw):
    """'On the duplicate: merge them' answers the duplicate, though the PM last asked about R6's owner."""
    pair, owner = flaw(rw, T.DUPLICATE), flaw(rw, T.WRONG_OWNER)
    talk = Talk(rw, found(rw, pair, owner))
    talk.state.asked = [owner.id]
    assert talk.say("On the duplicate: merge them into one, with Gareth owning it.") == (
        [("fix_accepted", pair.id, pair.risk_id)], [pair.fix.accepted_reply])
    assert talk.state.fixed == {pair.id} and talk.state.asked == [owner.id]


def test_a_question_about_one_conceded_row_beside_a_fix_for_another_gets_both_answered(rw):
    pair, owner = flaw(rw, T.DUPLICATE), flaw(rw, T.WRONG_OWNER)
    row = rw.row(pair.risk_id)
    talk = Talk(rw, found(rw, pair, owner))
    assert talk.say(f"Is {row.id} owned by the right person? And {owner.risk_id}: give it to Priya.") == (
        [("fix_accepted", owner.id, owner.risk_id), ("question", None, row.id)],
        [owner.fix.accepted_reply, row.defences[T.WRONG_OWNER]])
    assert talk.state.fixed == {owner.id}
