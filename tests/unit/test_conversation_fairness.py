"""Fair over a whole conversation: each class of unfairness a blind play-test found, replayed turn
by turn through the Tutor on a real SQLite store, with the verdicts read back exactly.

Messages are judged on their words alone (no NLU intent), the hardest case for the tutor; risk
ids come from the seeded variant."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.progress.models import Challenge, Session, VerdictOverride
from bot.progress.reports import session_detail
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.tutor import Incoming

SID, SEED = "ravensford-school", 3
LEARNER = "lee"
INTERNAL = re.compile(r"\b(not_escalated|missing_risk|wrong_owner|stale_review|score_mismatch|not_a_risk|"
                      r"missing_response|strategy_mismatch|closed_without_reason|vague_description|F\d+)\b|\(R\d+:")


@pytest.fixture
def s():
    return variant(SID, SEED)


@pytest.fixture
def play(tutor):
    tutor.start(Incoming(LEARNER, LEARNER, "start"), SID, SEED)
    said: list[str] = []

    def say(text: str, intent: str | None = None, confidence: float = 0.0) -> str:
        m = Incoming(LEARNER, LEARNER, text, intent=intent, confidence=confidence)
        low = text.lower()
        move = {"hint": tutor.hint, "progress": tutor.progress, "finish": tutor.finish}.get(low, tutor.respond)
        reply = "\n".join(r.text for r in move(m))
        said.append(reply)
        return reply

    say.said = said
    return say


def verdicts(store) -> list[tuple[str, str | None]]:
    """Effective verdicts of the session, in order (withdrawals and overrides applied)."""
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        return [(e.verdict, e.flaw_id) for e in store.effective_challenges(db, session)]


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


def sound_row(s):
    return next(r for r in s.rows if r.status == "open" and r.score <= s.tolerance
                and not any(r.id in (f.risk_id, f.other_risk_id) for f in s.flaws))


def test_fix_given_later_by_naming_the_row_is_taken(play, store, s):
    esc, owner = flaw(s, T.NOT_ESCALATED), flaw(s, T.WRONG_OWNER)
    row = s.row(esc.risk_id)
    play(f"{row.id} scores {row.score}, above the tolerance of {s.tolerance}, and it hasn't been escalated.")
    play(f"Why does {owner.risk_id} sit with Owen Jenkins? He has no budget authority; only Kieran Walsh as "
         "Section 151 officer can cover a cash-flow gap.")
    reply = play(f"Back to {row.id}: escalate it to Angela's project board in the December highlight report.")
    assert reply == esc.fix.accepted_reply
    assert verdicts(store) == [("hit", esc.id), ("hit", owner.id), ("fix_accepted", esc.id)]


def test_two_fixes_in_one_message_are_both_taken(play, store, s):
    esc, stale = flaw(s, T.NOT_ESCALATED), flaw(s, T.STALE_REVIEW)
    row = s.row(esc.risk_id)
    two = play(f"{row.id} is {row.score}, over the tolerance of {s.tolerance}, not escalated. "
               f"Also {stale.risk_id} hasn't been reviewed since September.")
    assert two.endswith("Take them in any order.") and two.count("?") == 1
    reply = play(f"{stale.risk_id}: review it this week with Owen and Mike Tranter, re-date the actions. "
                 f"{row.id} goes to Angela's board on 1 December in the highlight report.")
    assert reply == f"{stale.fix.accepted_reply}\n{esc.fix.accepted_reply}"
    assert verdicts(store)[-2:] == [("fix_accepted", stale.id), ("fix_accepted", esc.id)]


def test_a_question_between_challenge_and_fix_is_answered_and_not_charged(play, store, s):
    owner = flaw(s, T.WRONG_OWNER)
    play(f"Why does {owner.risk_id} sit with Owen Jenkins? He has no budget authority; only Kieran Walsh "
         "can cover a cash-flow gap.")
    answer = play("Who holds the Brackley contract?")
    assert "Victoria Lang" in answer
    assert play("Kieran Walsh should own it, with Debbie keeping the invoicing actions.") == owner.fix.accepted_reply
    assert verdicts(store) == [("hit", owner.id), ("question", None), ("fix_accepted", owner.id)]


def test_a_genuine_question_about_a_sound_row_is_answered_not_charged(play, store, s):
    row = sound_row(s)
    reply = play(f"Should {row.id} go to the board? I wasn't sure how the tolerance works.")
    assert str(s.tolerance) in reply
    assert verdicts(store) == [("question", None)]


def test_a_leading_question_on_a_sound_row_is_a_false_challenge(play, store, s):
    row = sound_row(s)
    play(f"Isn't {row.id} above the tolerance? Surely it should have gone to the board by now.")
    assert verdicts(store) == [("false", None)]


def test_a_typo_corrected_next_turn_withdraws_the_charge_and_credits_the_row_meant(play, store, s):
    owner = flaw(s, T.WRONG_OWNER)
    wrong = sound_row(s)
    play(f"{wrong.id} is owned by Owen Jenkins, who has no budget authority to cover a cash-flow gap.")
    assert verdicts(store) == [("false", None)]
    play(f"sorry, {owner.risk_id} not {wrong.id}")
    assert verdicts(store) == [("withdrawn", None), ("hit", owner.id)]
    with store.transaction() as db:
        [o] = db.execute(select(VerdictOverride)).scalars().all()
        assert (o.trainer, o.previous_verdict, o.verdict) == ("tutor", "false", "withdrawn")


def test_a_correction_with_nothing_else_is_acknowledged_and_adds_no_charge(play, store, s):
    wrong = sound_row(s)
    play(f"I think {wrong.id} has the wrong owner.")
    reply = play(f"Sorry, I didn't mean {wrong.id}. Ignore that one.")
    assert "wrong end of the stick" in reply
    assert verdicts(store) == [("withdrawn", None)]


def test_admitting_a_mistake_is_not_another_charge(play, store, s):
    wrong = sound_row(s)
    play(f"I think {wrong.id} has the wrong owner.")
    play("Fair enough, I missed that in the brief. My mistake.")
    assert verdicts(store) == [("false", None)]


def test_one_row_of_a_duplicate_pair_is_not_the_duplicate(play, store, s):
    dup = flaw(s, T.DUPLICATE)
    play(f"I think {dup.risk_id} duplicates another row.")
    assert [v for v, _ in verdicts(store)] == ["partial"]
    play(f"{dup.risk_id} and {dup.other_risk_id} are the same risk seen from two sides.")
    assert verdicts(store)[-1] == ("hit", dup.id)


def test_craft_counts_fixes_given_in_answer_and_only_challenges(play, store, s):
    owner = flaw(s, T.WRONG_OWNER)
    play(f"Could we check the owner of {owner.risk_id}, given Owen has no budget authority?")
    play("Who holds the Brackley contract?")  # a question: not a challenge, no craft
    play("Kieran Walsh should own it.")
    assert verdicts(store) == [("hit", owner.id), ("question", None), ("fix_accepted", owner.id)]
    debrief = play("finish")
    assert "Of your 1 challenges, 1 were asked as questions, 1 gave a reason and 1 came with a way forward" in debrief
    assert "Offer a correction" not in debrief
    with store.transaction() as db:
        assert db.execute(select(Session)).scalars().first().score["craft"] == 1.0


def test_progress_and_hints_name_the_fix_still_waiting(play, store, s):
    esc = flaw(s, T.NOT_ESCALATED)
    row = s.row(esc.risk_id)
    play(f"{row.id} scores {row.score}, above the tolerance of {s.tolerance}. It hasn't been escalated.")
    assert f"Waiting for your fix: {row.id} (not escalated)." in play("progress")
    for other in s.flaws:  # every other flaw found, none fixed but this one... then all found
        if other is not esc:
            play(other.challenge)
    hint = play("hint")
    assert hint.startswith("You've found every flaw.") and "Waiting for your fix" in hint
    assert "finish" not in hint


def test_the_pm_never_shows_an_internal_label(play, s):
    for f in s.flaws:
        play(f.challenge)
        play(f.challenge)  # the same again: a repeat, in character
    play("progress")
    play("hint")
    play("finish")
    leaks = [r for r in play.said[:-1] if INTERNAL.search(r)]
    assert leaks == []


def test_trainer_sees_the_withdrawal_and_the_right_counts(play, store, s):
    owner = flaw(s, T.WRONG_OWNER)
    wrong = sound_row(s)
    play(f"{wrong.id} is owned by Owen Jenkins, who has no budget authority to cover a cash-flow gap.")
    play(f"sorry, {owner.risk_id} not {wrong.id}")
    play("Kieran Walsh should own it.")
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        detail = session_detail(db, store, session)
        n = len(db.execute(select(Challenge)).scalars().all())
    assert n == 3
    assert [(c["verdict"], c["original_verdict"]) for c in detail["challenges"]] == [
        ("withdrawn", "false"), ("hit", "hit"), ("fix_accepted", "fix_accepted")]
    assert detail["score"]["false_challenges"] == 0
    assert [f["id"] for f in detail["flaws"] if f["found"]] == [owner.id]
    assert [f["id"] for f in detail["flaws"] if f["fixed"]] == [owner.id]


# -- classes found by the fourth blind set (conversations_final.yml) ---------------------------
def test_merging_into_the_row_the_model_fix_keeps_is_the_duplicate_fix(play, store, s):
    dup = flaw(s, T.DUPLICATE)
    play(f"{dup.risk_id} and {dup.other_risk_id} are the same risk: the building handed over late, so the "
         "school can't open, with two owners and two scores.")
    # Keeping the SRO's row brings its owner: no name is needed ("merge R10 into R4").
    assert play(f"Merge {dup.risk_id} into {dup.other_risk_id} with one owner and one score, keeping your "
                "recovery-programme actions on the merged row.") == dup.fix.accepted_reply
    assert verdicts(store) == [("hit", dup.id), ("fix_accepted", dup.id)]


def test_merging_the_other_way_without_an_owner_is_not_yet_the_fix(play, store, s):
    dup = flaw(s, T.DUPLICATE)
    play(f"{dup.risk_id} and {dup.other_risk_id} are the same risk seen from two sides.")
    assert play(f"Merge {dup.other_risk_id} into {dup.risk_id} with one score.") == dup.fix.rejected_reply
    assert verdicts(store) == [("hit", dup.id), ("fix_rejected", dup.id)]


def test_a_missing_risks_fix_after_a_rows_fix_in_one_message_is_taken_too(play, store, s):
    strategy, missing = flaw(s, T.STRATEGY_MISMATCH), flaw(s, T.MISSING_RISK)
    play(f"{strategy.risk_id} is marked 'transfer', but the £2.6m of provisional sums are paid by the Council "
         "at actual cost, so Brackley can't carry that part.")
    play("There's nothing on the register about Brackley going bust: the parent's £11.2m loss and a "
         "going-concern warning, and subcontractors paid late.")
    reply = play(f"On {strategy.risk_id}, change the response to reduce and have the Council own the "
                 "provisional-sum part, with Nadia forecasting the sums monthly. And for Brackley failing, a new "
                 "risk owned by Victoria Lang: monthly financial checks, the bond and guarantee confirmed, and a "
                 "plan for the subcontracts if Brackley went under.")
    assert reply == f"{strategy.fix.accepted_reply}\n{missing.fix.accepted_reply}"
    assert verdicts(store)[-2:] == [("fix_accepted", strategy.id), ("fix_accepted", missing.id)]


def test_a_mention_of_the_missing_risk_inside_a_rows_fix_stays_an_argument(play, store, s):
    strategy, missing = flaw(s, T.STRATEGY_MISMATCH), flaw(s, T.MISSING_RISK)
    play(f"{strategy.risk_id} is marked 'transfer', but the provisional sums are paid by the Council at "
         "actual cost, so Brackley can't carry that part.")
    play("There's nothing on the register about Brackley going bust: the parent's £11.2m loss.")
    play(f"On {strategy.risk_id}, reduce it and have the Council own the provisional sums, because Brackley "
         "could go under and we'd carry them anyway.")
    assert verdicts(store)[-1] == ("fix_accepted", strategy.id)
    assert ("fix_accepted", missing.id) not in verdicts(store)


def test_a_correction_that_names_the_pair_credits_the_duplicate(play, store, s):
    dup = flaw(s, T.DUPLICATE)
    wrong = sound_row(s)
    play(f"{dup.risk_id} and {wrong.id} are the same event.")
    assert verdicts(store) == [("false", None)]
    play(f"Sorry, {dup.risk_id} and {dup.other_risk_id}, not {wrong.id}. Practical completion missed and the "
         "school not ready to open are the same late handover, owned by you and Angela with different scores.")
    assert verdicts(store) == [("withdrawn", None), ("hit", dup.id)]


def test_asking_for_evidence_about_an_open_row_is_answered_not_charged_as_closed(play, store, s):
    row = sound_row(s)
    reply = play(f"What evidence do you have that {row.id} is under control? Is there anything dated after October?")
    assert "isn't closed" not in reply
    assert verdicts(store) == [("question", None)]


def test_needs_reviewing_with_new_dates_is_the_stale_reviews_fix(play, store, s):
    stale = flaw(s, T.STALE_REVIEW)
    play(f"{stale.risk_id} hasn't been reviewed since 8 September and all its actions were due by 31 October.")
    assert play(f"{stale.risk_id} needs reviewing this week, with new dates for the overdue actions.") == \
        stale.fix.accepted_reply
    assert verdicts(store) == [("hit", stale.id), ("fix_accepted", stale.id)]


def test_a_probability_said_to_look_wrong_is_a_rating_point_not_a_sum(play, store, s):
    under = flaw(s, T.UNDERRATED)
    row = s.row(under.risk_id)
    reply = play(f"{row.id}, the PSDS grant: probability {row.probability} looks wrong. Heat pumps due around "
                 "1 March, installed by 26 March, three working days before a deadline Salix won't extend.",
                 intent="challenge_score_mismatch", confidence=0.97)
    assert "Check the sum" not in reply
    assert verdicts(store) == [("hit", under.id)]


def test_an_open_question_is_not_credited_on_the_models_guess(play, store, s):
    under = flaw(s, T.UNDERRATED)
    play("What date are the heat pumps due on site, and when is the installation planned?",
         intent="challenge_underrated", confidence=0.52)
    assert verdicts(store) == [("question", None)]
    play(f"Isn't {under.risk_id} underrated, then?", intent="challenge_underrated", confidence=0.52)
    assert verdicts(store)[-1] == ("hit", under.id)


# -- classes found by the fifth blind set (conversations_fifth.yml) ----------------------------
def test_a_row_named_by_its_owner_is_that_row(play, store, s):
    owner, esc = flaw(s, T.WRONG_OWNER), flaw(s, T.NOT_ESCALATED)
    first = s.row(owner.risk_id).owner.split()[0]  # Owen owns one row: his name is enough
    play(f"{first}'s risk has the wrong owner: he has no budget authority, and any temporary borrowing "
         "is Kieran Walsh's call.")
    esc_row = s.row(esc.risk_id)
    name = esc_row.owner.split()[0]  # Richard owns two rows: what it is about picks one
    assert len([r for r in s.rows if r.owner.startswith(name)]) > 1
    play(f"{name}'s electricity risk scores {esc_row.score}, above the tolerance of {s.tolerance}, and it "
         "hasn't gone to the board.")
    assert verdicts(store) == [("hit", owner.id), ("hit", esc.id)]


@pytest.mark.parametrize("take_back", [
    "Fair enough, {row} looks fine to me.",
    "You're right, leave {row} as it is.",
    "OK, that makes sense. You're fine on {row}.",
])
def test_accepting_the_pms_defence_adds_no_charge(play, store, s, take_back):
    row = sound_row(s)
    play(f"{row.id} has the wrong owner: it should sit with Angela Dawes.")
    reply = play(take_back.format(row=row.id))
    assert "No harm done" in reply
    assert verdicts(store) == [("false", None)]


def test_a_question_the_model_is_sure_of_is_answered_even_with_challenge_words(play, store, s):
    row = sound_row(s)
    play(f"What's the proximity on {row.id}? By when does it really have to be dealt with?",
         intent="ask_question", confidence=0.95)
    assert verdicts(store) == [("question", None)]


def test_a_question_about_the_board_date_is_not_taken_as_the_escalation_fix(play, store, s):
    esc = flaw(s, T.NOT_ESCALATED)
    row = s.row(esc.risk_id)
    play(f"{row.id} scores {row.score}, above the tolerance of {s.tolerance}, and it hasn't gone to the board.")
    play("Is 1 December the next board?")
    assert verdicts(store) == [("hit", esc.id), ("question", None)]
    assert play("Then escalate it to Angela's board on 1 December in the highlight report.") == esc.fix.accepted_reply


def test_a_missing_risks_words_used_as_an_argument_do_not_credit_it(play, store, s):
    strategy = flaw(s, T.STRATEGY_MISMATCH)
    play(f"{strategy.risk_id} is marked transfer, but the £2.6m of provisional sums are paid by the Council at "
         "actual cost. Even if Brackley went under, we'd still be paying them, so that part can't be transferred.")
    assert verdicts(store) == [("hit", strategy.id)]


def test_two_rows_said_to_be_one_risk_are_the_duplicate(play, store, s):
    dup = flaw(s, T.DUPLICATE)
    play(f"{dup.risk_id} and {dup.other_risk_id} look like one risk to me: the building late, the school not open.")
    assert verdicts(store) == [("hit", dup.id)]


def test_a_fix_written_as_the_registers_fields_is_taken(play, store, s):
    owner = flaw(s, T.WRONG_OWNER)
    play(f"{owner.risk_id} has the wrong owner: Owen has no budget authority to cover the gap.")
    assert play(f"{owner.risk_id} owner: Kieran Walsh (s151). Debbie keeps the invoicing.") == owner.fix.accepted_reply


def test_have_someone_do_something_is_a_fix_not_a_question(play, store, s):
    actions = flaw(s, T.MISSING_RESPONSE)
    play(f"{actions.risk_id}'s actions are 'keep under review' with no name and no date.")
    assert play("Have Nadia require a named labour plan for Voltex from Brackley by 15 January, then check the "
                "numbers on site at each monthly progress meeting.") == actions.fix.accepted_reply


def test_let_me_put_that_properly_is_a_correction(play, store, s):
    owner = flaw(s, T.WRONG_OWNER)
    wrong = sound_row(s)
    play(f"{wrong.id} has nothing anyone could check. 'Keep under review' isn't an action.")
    assert verdicts(store) == [("false", None)]
    play(f"Let me put that properly: it's {owner.risk_id} I had in mind, not {wrong.id}. Owen Jenkins can't own it: "
         "he has no budget authority to cover a gap.")
    assert verdicts(store) == [("withdrawn", None), ("hit", owner.id)]


def test_a_question_the_model_took_for_a_progress_request_is_answered(tutor, play, store, s):
    reply = tutor.progress(Incoming(LEARNER, LEARNER, "- who holds the Brackley contract?",
                                    intent="show_progress", confidence=0.37))
    assert "Victoria Lang" in "\n".join(r.text for r in reply)
    assert "Progress on" in "\n".join(r.text for r in tutor.progress(
        Incoming(LEARNER, LEARNER, "how am I doing?", intent="show_progress", confidence=0.37)))


# -- found while mutation testing the judging code ------------------------------------------------
def judge(scenario_id: str, *messages: str):
    """Each message judged on its words, in order, by the evaluator alone: the last outcome."""
    from bot.evaluation.evaluator import Evaluator
    from bot.evaluation.reading import read
    from bot.evaluation.state import SessionState

    s = variant(scenario_id, 0)
    evaluator, state, outcome = Evaluator(s), SessionState(), None
    for text in messages:
        outcome = evaluator.evaluate(state, read(text, s))
        state.previous = (text, None, 0.0)
    return [(j.verdict.value, j.flaw_id) for j in outcome.judgements], outcome, state


def test_a_vague_remark_after_the_pms_question_is_not_a_failed_fix():
    judged, _, state = judge("riverside-wms", "R3 is scored 7 but 3 x 4 is 12.",
                             "There is something off with one of the rows.")
    assert "fix_rejected" not in [v for v, _ in judged] and not state.fix_attempts


def test_a_missing_risks_fix_is_not_taken_for_the_fix_the_pm_asked_for():
    s = variant("riverside-wms", 0)
    missing, owner = flaw(s, T.MISSING_RISK), flaw(s, T.WRONG_OWNER)
    judged, _, _ = judge("riverside-wms", "There's no risk for Kestrel support ending on 31 December.",
                         f"{owner.risk_id} is owned by a junior analyst who cannot act on the contract.",
                         "Kestrel support: add a risk owned by Gareth, with Priya getting an extended-support quote.")
    assert judged == [("fix_accepted", missing.id)]


def test_a_flaw_raised_and_fixed_inside_another_fix_is_recorded_as_fixed():
    s = variant("northgate-epr", 0)
    stale, actionee = flaw(s, T.STALE_REVIEW), next(f for f in s.flaws if f.id == "F9")
    judged, _, _ = judge("northgate-epr", f"{stale.risk_id} hasn't been reviewed since April.",
                         f"{stale.risk_id}: review it this week with David Kerr, and the backfill action should sit "
                         "with David as Joanne can't release staff.")
    assert judged == [("fix_accepted", stale.id), ("hit", actionee.id), ("fix_accepted", actionee.id)]


def test_two_points_on_one_row_are_asked_for_by_what_they_are():
    s = variant("northgate-epr", 0)
    stale = flaw(s, T.STALE_REVIEW)
    _, outcome, _ = judge("northgate-epr", f"{stale.risk_id} hasn't been reviewed since April, and the backfill "
                                           "action sits with Joanne who can't release staff.")
    asked = outcome.replies[-1].text
    assert f"{stale.risk_id} and {stale.risk_id}" not in asked and "stale review" in asked


def test_a_question_after_a_correction_is_answered_not_charged():
    judged, outcome, _ = judge("riverside-wms", "R7's owner is wrong, Gareth cannot act on it.",
                               "Sorry, I didn't mean R7. Who owns R3?")
    assert judged == [("question", None)] and "owned by" in outcome.replies[-1].text


def test_a_fix_phrase_is_not_matched_across_the_end_and_start_of_a_message():
    from bot.evaluation.fixes import fix_accepted

    s = variant("riverside-wms", 0)
    issue = flaw(s, T.NOT_A_RISK)
    # "...the change" + "Request..." once read as "change request"; a reworded non-fix stays rejected.
    assert not fix_accepted(issue, "Request sign-off for the change")
    assert not fix_accepted(issue, "Control it tightly and log the change")
    assert fix_accepted(issue, "shd go on the issue log")  # shorthand still written out


# -- misreads found by an outside writer at analyst level (issue 11), fixed as classes; the third,
# a regulation cited as a reason, is test_a_missing_risks_words_used_as_an_argument_do_not_credit_it

def test_asking_for_actions_with_an_owner_and_a_date_is_a_response_point_not_an_owner_point(play, store, s):
    response = flaw(s, T.MISSING_RESPONSE)
    reply = play(f"{response.risk_id} needs proper actions with an owner and a date.")
    assert verdicts(store) == [("hit", response.id)]
    assert reply != response.fix.accepted_reply and "own" not in reply.split(".")[0].lower()


def test_owner_and_date_on_a_sound_row_is_judged_as_a_response_point(play, store, s):
    row = sound_row(s)
    play(f"Every action on {row.id} should have a named owner and a due date.")
    with store.transaction() as db:
        judged = db.execute(select(Challenge)).scalars().all()
    assert [c.flaw_type for c in judged if c.verdict == "false"] in ([], [T.MISSING_RESPONSE.value])


def test_a_compound_plain_question_is_answered_and_credits_nothing(play, store, s):
    reply = play("Who is the SRO, and what's the tolerance?")
    assert str(s.tolerance) in reply
    assert verdicts(store) == [("question", None)]



def test_after_a_repeat_the_answer_to_the_pms_question_is_the_fix():
    """The PM's "We're agreed on that one. So how should it be scored?" asks for the fix again: a
    tentative answer naming no row is that fix (found playing an unsure learner's session)."""
    from bot.evaluation.evaluator import Evaluator
    from bot.evaluation.reading import read
    from bot.evaluation.state import SessionState, Verdict
    from bot.scenarios.variants import variant

    v = variant("fellside-hospice-appeal", 8)
    row = v.row(next(f for f in v.flaws if f.type.value == "opportunity_scored_as_threat").risk_id)
    state, e = SessionState(), Evaluator(v)
    first = e.evaluate(state, read(f"Isn't {row.id} a good thing for us? It's scored like something bad, impact 1.", v))
    assert first.verdicts == [Verdict.HIT]
    again = e.evaluate(state, read("Isn't the Westfell match an upside, though? It's scored like a threat.", v))
    assert again.verdicts == [Verdict.REPEAT]
    fix = e.evaluate(state, read("I suppose we should score it higher, maybe a 4 because it's up to £300k, and try "
                                 "to take up the full match rather than capping it?", v))
    assert fix.verdicts == [Verdict.FIX_ACCEPTED]


def test_a_question_about_who_decides_on_an_opportunity_is_not_its_flaw():
    from bot.evaluation.evaluator import Evaluator
    from bot.evaluation.reading import read
    from bot.evaluation.state import SessionState, Verdict
    from bot.scenarios.variants import variant

    v = variant("fellside-hospice-appeal", 8)
    out = Evaluator(v).evaluate(SessionState(), read(
        "Sorry, I'm new to this. Can I ask who decides whether we accept the Westfell offer?", v, "nlu_fallback", 0.3))
    assert Verdict.HIT not in out.verdicts


def test_granting_a_score_is_defensible_credits_nothing(play, store, s):
    owner = flaw(s, T.WRONG_OWNER)
    row = s.row(owner.risk_id)
    # agreement told in the row's own words: nothing is challenged, whatever those words are
    play(f"Accepted. Given what the actions say about {row.title.lower()}, impact {row.impact} is defensible.",
         "challenge_score_mismatch", 0.66)
    assert not [v for v in verdicts(store) if v[0] in ("hit", "false")]
