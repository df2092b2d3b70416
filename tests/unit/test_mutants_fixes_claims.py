"""What mutation testing (`make mutate`) found no test for in fixes, claims and the session state:
answers to the stakeholder's objection, merges that keep a row named with a space ("into r 3"),
where the PM says a flaw is, leading questions, ratings higher than the register's, a concession's
closing question, and replayed verdicts.

Learner messages are realistic; risk ids and rows come from the seeded variant."""
from __future__ import annotations

import pytest

from bot.evaluation.claims import asserts_flaw, leads, rates_higher, without_question
from bot.evaluation.fixes import clause_start, fix_accepted, is_proposal, meets_objection, split_by_fix, split_missing, says_what_to_do, where
from bot.evaluation.reading import read
from bot.evaluation.state import MAX_FIX_ATTEMPTS, Judgement, Outcome, SessionState, Verdict
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T


@pytest.fixture(scope="module")
def riverside():
    return variant("riverside-wms", 7)


@pytest.fixture(scope="module")
def eastmere():
    return variant("eastmere-risk-policy", 7)


@pytest.fixture(scope="module")
def northbridge():
    return variant("northbridge-portfolio-report", 7)


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


def row(s, rid):
    return next(r for r in s.rows if r.id == rid)


# -- the stakeholder's objection (manager level) --------------------------------------------------

def test_an_objection_is_met_by_a_reason_and_a_proportionate_way_forward(eastmere):
    appetite = flaw(eastmere, T.APPETITE_WITHOUT_TOLERANCE)
    assert meets_objection(appetite, "Because otherwise audit can't tell if we're inside appetite; "
                                     "start with a one-page annex of tolerances")
    # a reason alone, or a way forward alone, is not enough
    assert not meets_objection(appetite, "Because otherwise audit can't tell if we're inside appetite")
    assert not meets_objection(appetite, "Start with a one-page annex of tolerances")


def test_an_objection_answered_in_shorthand_is_met(eastmere):
    appetite = flaw(eastmere, T.APPETITE_WITHOUT_TOLERANCE)
    # "bc" is the only reason given: it reads as "because"
    assert meets_objection(appetite, "bc members would never know where the line is. pilot it on the capital programme")
    assert not meets_objection(appetite, "members would never know where the line is. pilot it on the capital programme")


def test_a_fix_that_draws_no_objection_has_none_to_meet(riverside):
    owner = flaw(riverside, T.WRONG_OWNER)
    assert owner.fix.objection is None
    assert meets_objection(owner, "Because Priya holds the contract, start with her as owner") is False


# -- a proposal or not --------------------------------------------------------------------------

@pytest.mark.parametrize("text, proposes", [
    ("It belongs on the issue log", True),                                      # says where it goes
    ("It's not a risk any more, it belongs on the issue log", True),            # the negation is another clause
    ("R7 isn't a risk any more and belongs on the issue log", True),
    ("It hasn't gone to the board", False),                                     # reports, doesn't direct
    ("Hannah to publish the timetable by 25 September", True),                  # an action with a date
    ("p4 x i4 = 16", True),                                                     # a rating
    ("Has it gone to the board?", False),
    ("Who would have to sign it off?", False),
])
def test_a_proposal_or_a_report(text, proposes):
    assert is_proposal(text) is proposes


def test_a_field_written_as_a_question_does_not_say_what_to_do():
    assert says_what_to_do("R6 owner: Kieran Walsh")
    assert not says_what_to_do("R6 owner: Kieran Walsh?")


# -- a merge that keeps the model's row -----------------------------------------------------------

def test_a_merge_into_the_kept_row_named_with_a_space_needs_no_owner(riverside):
    duplicate = flaw(riverside, T.DUPLICATE)  # R3 and R10; the model fix keeps R3
    assert fix_accepted(duplicate, "Merge R10 into r 3")
    assert fix_accepted(duplicate, "merge r10 into R3")
    # keeping the other row still needs the owner named
    assert not fix_accepted(duplicate, "Merge R3 into R10")
    assert fix_accepted(duplicate, "Merge R3 into R10, owned by Gareth")


# -- a message about several open fixes, cut by row -------------------------------------------------

def named(text, *rids, alias=()):
    """Where the rows are named: explicitly ("R4"), or by an alias ("the scanners" for R6)."""
    found = [(text.index(r), r, True) for r in rids] + [(text.index(w), r, False) for w, r in alias]
    return sorted(found)


def cut(text, positions, open_flaws):
    return [(p.flaw.id if p.flaw else None, p.text) for p in split_by_fix(text, positions, open_flaws)]


def test_each_open_fix_gets_its_own_words(riverside):
    owner, response = flaw(riverside, T.WRONG_OWNER), flaw(riverside, T.MISSING_RESPONSE)  # R4, R8
    text = "Fine. R4 owner Priya R8 Hannah to publish the timetable by 25 Sep"
    assert cut(text, named(text, "R4", "R8"), [owner, response]) == [
        ("F4", "Fine. R4 owner Priya "), ("F5", "R8 Hannah to publish the timetable by 25 Sep")]


def test_a_row_named_again_does_not_cut(riverside):
    owner, response = flaw(riverside, T.WRONG_OWNER), flaw(riverside, T.MISSING_RESPONSE)
    text = "R4 to Priya, as R4 is a contract matter; R8 Hannah by Friday"
    positions = [(0, "R4", True), (text.index("R4 is"), "R4", True), (text.index("R8"), "R8", True)]
    assert cut(text, positions, [owner, response]) == [
        ("F4", "R4 to Priya, as R4 is a contract matter;"), ("F5", " R8 Hannah by Friday")]


def test_a_row_named_by_an_alias_is_an_argument_not_a_cut(riverside):
    owner = flaw(riverside, T.WRONG_OWNER)
    text = "Leaving the scanners aside, R4 should go to Priya"
    assert cut(text, named(text, "R4", alias=[("scanners", "R6")]), [owner]) == [
        ("F4", "Leaving the scanners aside, R4 should go to Priya")]


def test_a_message_naming_no_row_is_one_part(riverside):
    assert cut("Priya should own it", [], [flaw(riverside, T.WRONG_OWNER)]) == [(None, "Priya should own it")]


def test_a_clause_starts_within_40_characters_of_the_row():
    gap = " the owner needs real authority over it "  # 40 characters
    text = "Fine," + gap + "R4 Priya"
    assert clause_start(text, text.index("R4")) == text.index("R4")  # the comma is 41 back
    text = "Fine," + gap[1:] + "R4 Priya"
    assert clause_start(text, text.index("R4")) == len("Fine,")  # 40 back


def rows_named(text):
    return [(n, text[n:n + 3].strip(), True) for n in range(len(text) - 1) if text[n] == "R" and text[n + 1].isdigit()]


def test_a_missing_risk_gets_the_sentences_that_turn_to_it(riverside):
    missing = flaw(riverside, T.MISSING_RISK)  # Kestrel WMS support ending
    text = "R4 to Priya. And for the Kestrel support ending, a new risk owned by Priya. R8 Hannah by Friday"
    parts, rest = split_missing(text, rows_named(text), [missing])
    said = " And for the Kestrel support ending, a new risk owned by Priya."
    assert [(p.flaw.id, p.text) for p in parts] == [("F7", said)]
    assert rest == "R4 to Priya." + " " * len(said) + " R8 Hannah by Friday"  # offsets kept


def test_a_missing_risk_on_its_own_line_ends_where_the_next_line_names_a_row(riverside):
    missing = flaw(riverside, T.MISSING_RISK)
    text = "For the Kestrel support ending, add a new risk owned by Priya.\nR4 to Priya as well"
    parts, rest = split_missing(text, rows_named(text), [missing])
    said = "For the Kestrel support ending, add a new risk owned by Priya.\n"
    assert [(p.flaw.id, p.text) for p in parts] == [("F7", said)]
    assert rest == " " * len(said) + "R4 to Priya as well"


def test_a_missing_risk_mentioned_about_a_row_stays_an_argument(riverside):
    missing = flaw(riverside, T.MISSING_RISK)
    text = "Reduce R11, as Kestrel support ends in December: a new risk too"
    assert split_missing(text, rows_named(text), [missing]) == ([], text)


# -- where the PM says a flaw is -------------------------------------------------------------------

def test_where_a_missing_risk_is_spoken_and_listed(riverside):
    missing = flaw(riverside, T.MISSING_RISK)
    assert where(missing) == "the Kestrel WMS support ending on 31 December 2026 risk"
    assert where(missing, spoken=False) == "a missing risk (Kestrel WMS support ending on 31 December 2026)"


def test_where_a_gap_in_the_whole_report_is_spoken_and_listed(northbridge):
    gap = flaw(northbridge, T.REPORTING_WITHOUT_INSIGHT)
    assert gap.at is None
    topic = "top-ten snapshot with no trend, no appetite comparison and no decisions asked"
    assert where(gap) == "the " + topic
    assert where(gap, spoken=False) == topic


def test_where_a_row_or_a_pair_is(riverside):
    assert where(flaw(riverside, T.WRONG_OWNER)) == "R4"
    assert where(flaw(riverside, T.WRONG_OWNER), spoken=False) == "R4"
    assert where(flaw(riverside, T.DUPLICATE)) == "R3 and R10"


# -- leading questions -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, leading", [
    ("Isn't R11 scored wrong?", True),          # leads with the answer
    ("Is R11 really a 7?", True),               # doubt
    ("Only a 2 for impact on R5?", True),       # "only"
    ("Is R11 scored right?", False),
    ("What score does R11 have?", False),
])
def test_a_question_that_carries_its_answer(text, leading):
    assert leads(text) is leading


def test_a_leading_question_after_a_statement_claims_a_flaw(riverside):
    # the second sentence leads; read as one piece, the message would look like a plain question
    assert asserts_flaw(read("R3 is scored 9. Isn't that low?", riverside, None, 0.0))


@pytest.mark.parametrize("intent, confidence, claims", [
    ("challenge_wrong_owner", 0.95, True),   # the model is sure it is a challenge
    ("challenge_wrong_owner", 0.2, False),   # unsure
    ("propose_fix", 0.95, False),            # sure, but not of a challenge
])
def test_a_statement_with_no_flaw_words_claims_only_if_the_model_is_sure(riverside, intent, confidence, claims):
    assert asserts_flaw(read("I have looked at R5.", riverside, intent, confidence)) is claims


def test_a_plain_question_about_something_absent_only_asks(riverside):
    assert not asserts_flaw(read("Is there no fallback if the drop is late?", riverside, None, 0.0))


# -- a rating higher than the register's -----------------------------------------------------------

@pytest.mark.parametrize("rid, text, higher", [
    ("R5", "I'd put it at 2 x 4 = 8", True),       # 1 x 4 = 4 in the register
    ("R5", "1 x 5, surely", True),                 # same probability, higher impact
    ("R5", "4 x 2", False),                        # more likely but less impact: not simply higher
    ("R5", "1 x 4", False),                        # the register's own rating
    ("R5", "1 x 3", False),
    ("R11", "it's 3 x 4", False),                  # R11's own factors, though its score says 7
    ("R11", "4 x 4 = 16", True),
    ("R11", "3 x 5", True),
    ("R11", "2 x 5", False),                       # less likely
    ("R2", "probability 3", False),                # R2 is already probability 3
    ("R2", "probability 4", True),
    ("R2", "prob 2", False),
])
def test_a_rating_higher_than_the_register(riverside, rid, text, higher):
    assert rates_higher(text, row(riverside, rid)) is higher


def test_no_row_is_never_rated_higher():
    assert rates_higher("4 x 4 = 16, probability 5", None) is False


# -- a concession's closing question ---------------------------------------------------------------

def test_a_concession_loses_its_closing_questions():
    assert without_question("Fair enough, I missed that. Shall I give you the new score? ") == "Fair enough, I missed that."
    assert without_question("My mistake! Want the owner? ") == "My mistake!"
    assert without_question("Point taken, I'll change it.") == "Point taken, I'll change it."


# -- replayed verdicts and the session state -------------------------------------------------------

def test_rejected_fixes_count_until_the_tutor_gives_the_fix_away():
    state = SessionState()
    state.apply(Verdict.HIT.value, "F4")
    state.apply(Verdict.FIX_REJECTED.value, "F4")
    assert state.fix_attempts == {"F4": 1} and state.fix_given == set()
    state.apply(Verdict.FIX_REJECTED.value, "F4")
    assert MAX_FIX_ATTEMPTS == 2
    assert state.fix_attempts == {"F4": 2} and state.fix_given == {"F4"}
    assert state.open_fixes == ["F4"]


def test_a_rejection_after_the_fix_is_accepted_is_not_counted():
    state = SessionState()
    state.apply(Verdict.HIT.value, "F4")
    state.apply(Verdict.FIX_ACCEPTED.value, "F4")
    state.apply(Verdict.FIX_REJECTED.value, "F4")
    assert state.fix_attempts == {} and state.fixed == {"F4"} and state.open_fixes == []
    assert state.objection_attempts == {} and state.unagreed == set()


def test_challenges_and_questions_leave_fixes_and_objections_alone():
    state = SessionState()
    for v in (Verdict.PARTIAL, Verdict.FALSE, Verdict.REPEAT, Verdict.QUESTION, Verdict.UNCLEAR, Verdict.WITHDRAWN):
        state.apply(v.value, "F2")
    assert state == SessionState()


def test_unanswered_objections_until_the_tutor_answers_them():
    state = SessionState()
    for f in ("F1", "F2", "F3"):
        state.apply(Verdict.HIT.value, f)
        state.apply(Verdict.FIX_ACCEPTED.value, f)
    objecting = {"F1", "F2", "F3"}
    assert state.open_objections(objecting) == ["F3", "F2", "F1"]  # most recent first
    assert state.open_objections({"F1"}) == ["F1"]
    state.apply(Verdict.AGREED.value, "F3")
    state.apply(Verdict.NOT_AGREED.value, "F3")  # after agreement: not counted
    state.apply(Verdict.NOT_AGREED.value, "F2")
    assert state.objection_attempts == {"F2": 1} and state.unagreed == set()
    assert state.open_objections(objecting) == ["F2", "F1"]
    state.apply(Verdict.NOT_AGREED.value, "F2")
    assert state.objection_attempts == {"F2": 2} and state.unagreed == {"F2"}
    assert state.open_objections(objecting) == ["F1"]
    assert state.agreed == {"F3"}


def test_a_verdict_without_a_flaw_changes_nothing():
    state = SessionState()
    for v in Verdict:
        state.apply(v.value, None)
        state.apply(v.value, "")
    assert state == SessionState()


def test_replayed_hits_keep_their_order_once():
    state = SessionState()
    for f in ("F3", "F1", "F3"):
        state.apply(Verdict.HIT.value, f)
    state.found.add("F9")  # found outside the order (an old record): still open, after the ordered ones
    state.found.add("F2")
    assert state.order == ["F3", "F1"]
    assert state.open_fixes == ["F3", "F1", "F2", "F9"]
    state.apply(Verdict.FIX_ACCEPTED.value, "F1")
    assert state.open_fixes == ["F3", "F2", "F9"]


def test_the_conversational_context_is_a_copy():
    state = SessionState(asked=["F4"], focus_risk="R4", recent=["F4", "F6"], fix_parts={"F4": {1}, "F6": {0}},
                         fixed={"F6"})
    context = state.context()
    assert context == {"asked": ["F4"], "focus_risk": "R4", "recent": ["F4", "F6"], "fix_parts": {"F4": [1]}}
    context["asked"].append("F1")
    context["recent"].clear()
    assert state.asked == ["F4"] and state.recent == ["F4", "F6"]


def test_an_outcome_lists_its_verdicts_in_order():
    outcome = Outcome([Judgement(Verdict.HIT, "F4", "R4", T.WRONG_OWNER), Judgement(Verdict.FALSE, risk_id="R1")], [])
    assert outcome.verdicts == [Verdict.HIT, Verdict.FALSE]
    assert outcome.withdraw_previous is False


# -- the manager level's score: fixes agreed past the stakeholder's objection --------------------------

def test_a_fix_agreed_past_its_objection_scores_and_is_counted(eastmere, riverside):
    from bot.evaluation.debrief import score

    state = SessionState()
    for f in ("F1", "F2"):
        state.apply(Verdict.HIT.value, f)
        state.apply(Verdict.FIX_ACCEPTED.value, f)
    state.apply(Verdict.AGREED.value, "F1")
    # 2 found (10 each), 2 fixed (5 each), 1 agreed (5); every one of the 10 flaws draws an objection
    assert score(eastmere, state, [], []) == {
        "found": 2, "fixed": 2, "agreed": 1, "objections": 10, "total": 10, "false_challenges": 0,
        "hints": 0, "craft": 0.0, "points": 35, "max_points": (10 + 5) * 10 + 5 * 10 + 10, "percent": 17,
    }
    # a register with no objections says nothing of agreement
    assert "agreed" not in score(riverside, state, [], []) and "objections" not in score(riverside, state, [], [])
