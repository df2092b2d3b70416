"""The PMO-manager level: a draft policy's clauses and a portfolio report, challenged, fixed and
then agreed past the stakeholder's objection; played turn by turn through the Tutor on a real
SQLite store, messages judged on their words alone (no NLU intent), verdicts read back exactly."""
from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.progress.models import Session
from bot.progress.reports import session_detail
from bot.scenarios.loader import get_scenario, library
from bot.scenarios.model import Scenario
from bot.scenarios.variants import variant
from bot.taxonomy import KINDS, PROCESS_TYPES, REGISTER_TYPES
from bot.taxonomy import FlawType as T
from bot.tutor import Incoming, Tutor

POLICY, REPORT = "eastmere-risk-policy", "northbridge-portfolio-report"
LEARNER = "morgan"


@pytest.fixture
def tutor(store):
    return Tutor(store)


def player(tutor, scenario_id: str, seed: int = 0):
    tutor.start(Incoming(LEARNER, LEARNER, "start"), scenario_id, seed)

    def say(text: str) -> str:
        move = {"hint": tutor.hint, "progress": tutor.progress, "finish": tutor.finish}.get(text, tutor.respond)
        return "\n".join(r.text for r in move(Incoming(LEARNER, LEARNER, text)))

    return say


def verdicts(store) -> list[tuple[str, str | None]]:
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        return [(e.verdict, e.flaw_id) for e in store.effective_challenges(db, session)]


def flaw(s: Scenario, t: T):
    return next(f for f in s.flaws if f.type == t)


# -- taxonomy and content ------------------------------------------------------------------------
def test_one_taxonomy_holds_both_families():
    # the contract's twelve register types, and the opportunity type issue 12 added
    assert len(REGISTER_TYPES) == 13 and len(PROCESS_TYPES) == 12
    assert {t.value for t in PROCESS_TYPES} == {
        "appetite_without_tolerance", "escalation_gap", "ownership_unclear", "pmo_conflict",
        "scoring_inconsistent", "uniform_review_cadence", "threats_only", "template_gaps",
        "reporting_without_insight", "no_aggregation", "blame_culture", "no_learning_loop"}
    assert all(KINDS[t].reference for t in PROCESS_TYPES)  # the debrief cites the practice behind it


def test_the_manager_scenarios_seed_every_process_type_in_two_kinds_of_artefact():
    managers = [s for s in library().values() if s.level == "manager"]
    assert {s.artefact for s in managers} == {"policy", "register"}
    assert {f.type for s in managers for f in s.flaws} >= set(PROCESS_TYPES)
    policy, report = get_scenario(POLICY), get_scenario(REPORT)
    assert 12 <= len(policy.clauses) <= 16 and not policy.rows
    assert all(f.clause_id for f in policy.flaws)
    assert all(r.project for r in report.rows)
    assert {KINDS[f.type].family for f in report.flaws} == {"register", "process"}
    assert all(f.fix.objection for f in policy.flaws)


def test_the_schema_keeps_process_flaws_to_the_manager_level_and_clauses_real():
    data = get_scenario(POLICY).dict(by_alias=True)
    with pytest.raises(ValidationError, match="only manager scenarios"):
        Scenario.parse_obj({**data, "level": "advanced"})
    data["flaws"][0]["clause_id"] = "C40"
    with pytest.raises(ValidationError, match="C40"):
        Scenario.parse_obj(data)
    with pytest.raises(ValidationError, match="12-16 clauses"):
        Scenario.parse_obj({**get_scenario(POLICY).dict(by_alias=True), "clauses": []})


# -- a policy session ----------------------------------------------------------------------------
@pytest.mark.parametrize("named", ["C7", "Clause 7", "section 7", "the escalation bands"])
def test_a_clause_is_named_by_id_number_or_topic(tutor, store, named):
    s = variant(POLICY, 0)
    gap = flaw(s, T.ESCALATION_GAP)
    say = player(tutor, POLICY)
    say(f"{named}: a risk scoring 15 or 16 sits in both the project band and the programme band, so who gets "
        "it? And standalone projects have no programme board to escalate to.")
    assert verdicts(store) == [("hit", gap.id)]


def test_a_fix_is_accepted_then_agreed_past_the_objection(tutor, store):
    s = variant(POLICY, 0)
    gap = flaw(s, T.ESCALATION_GAP)
    say = player(tutor, POLICY)
    say("C7: scores of 15 and 16 sit in both the project and the programme band, and standalone projects "
        "have no programme board to escalate to.")
    reply = say("Make the bands contiguous: up to 14 stays with the project board, 15 and above goes straight "
                "to the Portfolio Board for standalone projects, with a decision recorded within 5 working days.")
    assert reply == f"{gap.fix.accepted_reply}\n{gap.fix.objection.text}"
    assert "Not yet agreed: C7" in say("progress")
    reply = say("Because the audit found escalations with no recorded decisions, and a red safety risk can't wait "
                "two months. Keep it light: the chair can take them by email between meetings on a one-page template.")
    assert reply == gap.fix.objection.accepted_reply
    assert verdicts(store) == [("hit", gap.id), ("fix_accepted", gap.id), ("agreed", gap.id)]
    assert "Not yet agreed" not in say("progress")
    debrief = say("finish")
    assert "C7: escalation gap, fixed, and agreed" in debrief


def test_an_objection_not_met_twice_gets_a_model_answer_and_the_fix_still_counts(tutor, store):
    s = variant(POLICY, 0)
    blame = flaw(s, T.BLAME_CULTURE)
    say = player(tutor, POLICY)
    say("Section 13 says a red risk is a performance matter for the PM. If red means failure, nobody will "
        "report a red risk early.")
    say("Reword it: staff are expected to raise risks early and are held to account for managing them and "
        "escalating on time, not for the risk existing.")
    assert say("I just think it's the right thing to do.") == blame.fix.objection.rejected_reply
    last = say("It's still right.")
    assert blame.fix.objection.model_answer in last
    assert verdicts(store) == [("hit", blame.id), ("fix_accepted", blame.id), ("not_agreed", blame.id),
                               ("not_agreed", blame.id)]
    debrief = say("finish")
    assert "C13: blame culture, fixed, but not yet agreed" in debrief


def test_a_question_while_an_objection_waits_is_answered_and_the_objection_stays_open(tutor, store):
    s = variant(POLICY, 0)
    gap = flaw(s, T.ESCALATION_GAP)
    say = player(tutor, POLICY)
    say("C7: scores of 15 and 16 sit in both the project and the programme band, so who gets them?")
    say("Make the bands contiguous, 15 and above straight to the Portfolio Board, decision within 5 working days.")
    answer = say("Who chairs the Portfolio Board?")
    assert "Sarah" in answer
    assert verdicts(store)[-1] == ("question", None)
    assert "Not yet agreed: C7" in say("progress")
    assert gap.id not in {f for v, f in verdicts(store) if v == "agreed"}


def test_a_wrong_challenge_on_a_sound_clause_gets_its_defence(tutor, store):
    s = variant(POLICY, 0)
    sound = next(c for c in s.clauses if not any(f.clause_id == c.id for f in s.flaws)
                 and T.REPORTING_WITHOUT_INSIGHT in c.defences)
    say = player(tutor, POLICY)
    reply = say(f"{sound.id} only gives the committee a top ten: there's no trend at all.")
    assert reply == sound.defences[T.REPORTING_WITHOUT_INSIGHT]
    assert verdicts(store) == [("false", None)]


def test_a_missed_flaw_is_explained_with_the_practice_behind_it(tutor, store):
    say = player(tutor, POLICY)
    debrief = say("finish")
    s = variant(POLICY, 0)
    for f in s.flaws:
        assert KINDS[f.type].reference in debrief and f.fix.model_answer in debrief


def test_the_trainer_sees_the_clauses_and_where_each_flaw_sits(tutor, store):
    say = player(tutor, POLICY)
    say("C7: scores of 15 and 16 sit in both the project and the programme band, so who gets them?")
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        detail = session_detail(db, store, session)
    assert [c["id"] for c in detail["clauses"]] == [f"C{n}" for n in range(1, 17)]
    assert set(detail["clauses"][0]) == {"id", "title", "text"}
    gap = next(f for f in detail["flaws"] if f["type"] == "escalation_gap")
    assert gap["clause_id"] == "C7" and gap["found"] and not gap["fixed"]


def test_the_opening_presents_the_clauses_not_a_register(tutor):
    replies = tutor.start(Incoming(LEARNER, LEARNER, "start"), POLICY, 0)
    text = "\n".join(r.text for r in replies)
    assert "C7 Escalation" in text and "Risk register:" not in text
    assert [c["id"] for c in replies[-1].data["clauses"]][:2] == ["C1", "C2"]


# -- a portfolio report --------------------------------------------------------------------------
def test_portfolio_flaws_on_rows_and_on_the_report_as_a_whole(tutor, store):
    s = variant(REPORT, 0)
    common, blind = flaw(s, T.NO_AGGREGATION), flaw(s, T.REPORTING_WITHOUT_INSIGHT)
    say = player(tutor, REPORT)
    say("Greaves & Holt shows up on three projects' rows, each below tolerance, and nothing aggregates them: "
        f"{common.risk_id} should be one portfolio-level risk with one owner. It's a common cause.")
    say("The report is just a top ten snapshot: no trend, nothing compared against appetite.")
    assert verdicts(store) == [("hit", common.id), ("hit", blind.id)]


# -- a portfolio flaw on several rows; clause titles that are only topic words ------------------
def test_a_portfolio_flaw_keeps_every_row_it_shows_on_in_a_variant():
    plain, shuffled = variant(REPORT, 0), variant(REPORT, 3)
    f0, f3 = flaw(plain, T.NO_AGGREGATION), flaw(shuffled, T.NO_AGGREGATION)
    assert len(f0.also_on) == 2
    titles = lambda s, f: sorted(s.row(r).title for r in f.places)  # noqa: E731
    assert titles(plain, f0) == titles(shuffled, f3)


@pytest.mark.parametrize("pick", [0, 1])
def test_a_portfolio_flaw_is_found_from_any_row_it_shows_on(tutor, store, pick):
    s = variant(REPORT, 3)
    f = flaw(s, T.NO_AGGREGATION)
    say = player(tutor, REPORT, 3)
    say(f"{f.also_on[pick]} is the same contractor again. Nobody has added that exposure up across the "
        "projects, so each piece looks tolerable on its own.")
    assert verdicts(store) == [("hit", f.id)]


def test_a_portfolio_point_made_about_what_it_names_is_found_without_a_row(tutor, store):
    s = variant(REPORT, 0)
    f = flaw(s, T.NO_AGGREGATION)
    name = next(k for k in f.keywords if len(k) > 3)
    say = player(tutor, REPORT)
    say(f"{name.title()} sits under three different projects and nobody looks at the combined exposure "
        "at portfolio level.")
    assert verdicts(store) == [("hit", f.id)]


def test_also_on_belongs_to_process_flaws_on_portfolio_rows():
    data = get_scenario(REPORT).dict(by_alias=True)
    wrong = next(f for f in data["flaws"] if f["type"] == "wrong_owner")
    wrong["also_on"] = ["R2"]
    with pytest.raises(ValidationError, match="also_on"):
        Scenario.parse_obj(data)


def test_a_one_word_clause_title_is_a_topic_word_not_a_reference():
    from bot.evaluation.reading import risk_positions
    s = variant(POLICY, 0)
    one_word = next(c for c in s.clauses if " " not in c.title)
    said = f"There is no {one_word.title.lower()} of what went wrong once a project has closed."
    assert (said.index(one_word.title.lower()), one_word.id, True) not in risk_positions(said, s)


# -- whole manager conversations: classes the blind conversation set found ----------------------
def _open_objection_on_c7(say):
    say("C7: scores of 15 and 16 sit in both the project and the programme band, and standalone projects "
        "have no programme board to escalate to.")
    say("Make the bands contiguous: up to 14 stays with the project board, 15 and above goes straight "
        "to the Portfolio Board for standalone projects, with a decision recorded within 5 working days.")


@pytest.mark.parametrize("answer", [
    "It's policy. Sarah will just have to get used to it.",
    "The PMs will get over it.",
    "columns stay. end of.",
    "because audit, only above",  # the right words, but too few to carry a reason and a way forward
])
def test_overruling_or_a_few_words_does_not_meet_the_objection(tutor, store, answer):
    s = variant(POLICY, 0)
    gap = flaw(s, T.ESCALATION_GAP)
    say = player(tutor, POLICY)
    _open_objection_on_c7(say)
    assert say(answer) == gap.fix.objection.rejected_reply
    assert verdicts(store)[-1] == ("not_agreed", gap.id)


@pytest.mark.parametrize("move, words", [("finish", "The PMs will get over it."),
                                         ("hint", "Um, I think we should just do it anyway?")])
def test_an_unsure_session_move_without_its_words_answers_the_stakeholder(tutor, store, move, words):
    s = variant(POLICY, 0)
    gap = flaw(s, T.ESCALATION_GAP)
    say = player(tutor, POLICY)
    _open_objection_on_c7(say)
    reply = getattr(tutor, move)(Incoming(LEARNER, LEARNER, words, intent=f"{move}_session", confidence=0.55))
    assert [r.text for r in reply] == [gap.fix.objection.rejected_reply]
    with store.transaction() as db:
        assert db.execute(select(Session)).scalars().one().status == "active"
    done = tutor.finish(Incoming(LEARNER, LEARNER, "ok, I'm done", intent="finish_session", confidence=0.55))
    assert any("Debrief" in r.text for r in done)


def test_an_open_question_on_a_topic_is_answered_not_credited_on_the_readers_guess(tutor, store):
    say = player(tutor, POLICY)
    say("Before I start: the corporate strategy sends anything above 15 to CLT. Is that on the same 5x5 "
        "matrix that C6 describes?")
    assert [f for _, f in verdicts(store)] == [None]  # answered, nothing credited or charged
    assert verdicts(store)[0][0] in ("question", "partial")


def test_a_correction_naming_clauses_by_name_moves_the_point(tutor, store):
    s = variant(POLICY, 0)
    roles = flaw(s, T.OWNERSHIP_UNCLEAR)
    say = player(tutor, POLICY)
    say("escalation clause: the PM owns every risk by default, even the ones they can't act on")
    say("correction, that's the roles clause, not escalation")
    assert verdicts(store) == [("withdrawn", None), ("hit", roles.id)]  # the slip's charge withdrawn


@pytest.mark.parametrize("named", ["the apetite clause", "'cautious about financial risk'"])
def test_a_clause_named_with_a_slip_or_by_quoting_its_words(tutor, store, named):
    s = variant(POLICY, 0)
    appetite = flaw(s, T.APPETITE_WITHOUT_TOLERANCE)
    say = player(tutor, POLICY)
    say(f"{named}: there are no tolerances, so nobody can tell when a project is outside appetite")
    assert verdicts(store) == [("hit", appetite.id)]


def test_a_point_that_mentions_the_hint_is_judged_not_taken_for_a_hint_request(tutor, store):
    s = variant(POLICY, 0)
    cadence = flaw(s, T.UNIFORM_REVIEW_CADENCE)
    say = player(tutor, POLICY)
    say("Oh sorry, I think the hint meant the review clause. C8 makes everything wait for the monthly review, "
        "so a new red risk could sit for weeks.")
    assert verdicts(store) == [("hit", cadence.id)]


def test_an_answer_to_the_objection_is_judged_even_in_take_back_words(tutor, store):
    s = variant(POLICY, 0)
    gap = flaw(s, T.ESCALATION_GAP)
    say = player(tutor, POLICY)
    _open_objection_on_c7(say)
    assert say("Fair enough, forget the five days then.") == gap.fix.objection.rejected_reply
    assert verdicts(store)[-1] == ("not_agreed", gap.id)


def test_taking_back_a_point_on_another_clause_is_not_an_answer_to_the_objection(tutor, store):
    say = player(tutor, POLICY)
    _open_objection_on_c7(say)
    say("C14 is far too thin on training.")
    say("Fair enough, C14 is fine as it is, my mistake.")
    assert [v for v, _ in verdicts(store)][-2:] != ["not_agreed", "not_agreed"]
    assert "not_agreed" not in [v for v, _ in verdicts(store)]


def test_a_rhetorical_question_at_manager_level_makes_its_point(tutor, store):
    s = variant(POLICY, 0)
    appetite = flaw(s, T.APPETITE_WITHOUT_TOLERANCE)
    say = player(tutor, POLICY)
    say("C2 lists Cabinet's appetite words. How is a project board meant to tell when a risk is outside "
        "appetite if there are no tolerances?")
    assert verdicts(store) == [("hit", appetite.id)]
