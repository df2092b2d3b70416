"""How a PMO manager's longer, more abstract challenges are read (classes the blind held-out
batches found; the texts here are new, not the batches')."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.evaluation.reading import read
from bot.nlp.patterns import RISK_REF
from bot.progress.models import Session
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.tutor import Incoming, Tutor

LEARNER = "manager-reader"
POLICY, REPORT = "eastmere-risk-policy", "northbridge-portfolio-report"


@pytest.fixture
def play(store):
    tutor = Tutor(store)

    def start(scenario_id: str):
        tutor.start(Incoming(LEARNER, LEARNER, "start"), scenario_id, 0)

        def say(text: str, intent: str | None = None, confidence: float = 0.0) -> list[tuple[str, str | None]]:
            tutor.respond(Incoming(LEARNER, LEARNER, text, intent=intent, confidence=confidence))
            with store.transaction() as db:
                session = db.execute(select(Session)).scalars().first()
                return [(e.verdict, e.flaw_id) for e in store.effective_challenges(db, session)]

        return say

    return start


def flaw_id(scenario_id: str, t: T) -> str:
    return next(f.id for f in variant(scenario_id, 0).flaws if f.type == t)


def test_naming_the_flawed_clause_and_its_substance_makes_its_point_whatever_type_is_read(play):
    say = play(POLICY)
    # the model hears "strategy" and reads a register point; the clause and its words say escalation
    assert say("Para 7 only sends a 20 or above to CLT, yet the council's corporate strategy puts "
               "anything above 15 in front of CLT.", "challenge_strategy_mismatch", 0.9) == [
        ("hit", flaw_id(POLICY, T.ESCALATION_GAP))]


def test_a_clause_named_in_passing_or_by_the_words_that_name_it_is_not_its_point(play):
    say = play(POLICY)
    verdicts = say("Section 5 has the Portfolio Office deciding which escalated risks to accept and then "
                   "owning them. Our job is support and challenge, not an ownership role.")
    assert ("hit", flaw_id(POLICY, T.OWNERSHIP_UNCLEAR)) not in verdicts
    assert ("hit", flaw_id(POLICY, T.PMO_CONFLICT)) in verdicts


def test_a_sure_register_point_counts_in_its_process_design_form(play):
    say = play(POLICY)
    assert say("A description limited to one line is why nobody can tell cause from effect in our "
               "registers.", "challenge_vague_description", 0.9) == [("hit", flaw_id(POLICY, T.TEMPLATE_GAPS))]


def test_a_request_for_facts_is_not_credited_on_a_sure_models_kin(play):
    say = play(POLICY)
    assert say("What did the Harbour Walk closure report recommend, exactly?",
               "challenge_closed_without_reason", 0.92) == [("question", None)]


def test_a_question_answered_by_the_claim_after_it_makes_its_point(play):
    say = play(POLICY)
    assert say("Where would a bid for extra grant income sit under this draft? Nowhere: the register "
               "can only hold threats, so nobody owns going after it.") == [
        ("hit", flaw_id(POLICY, T.THREATS_ONLY))]


def test_facts_set_out_before_an_open_question_do_not_make_it_a_challenge(play):
    say = play(POLICY)
    assert say("Just so I understand: the corporate register runs on Ian's matrix. Does C6 use that "
               "same matrix?")[0][1] is None


def test_a_portfolio_register_point_in_a_managers_words(play):
    say = play(REPORT)
    assert say("R4 is a safety exposure where the University is averse, so whether the fix fits in "
               "the programme contingency is beside the point: it has to go above programme level.") == [
        ("hit", flaw_id(REPORT, T.NOT_ESCALATED))]


def test_a_row_said_to_be_there_twice_is_a_duplicate_without_naming_its_twin(play):
    say = play(REPORT)
    s = variant(REPORT, 0)
    dup = next(f for f in s.flaws if f.type == T.DUPLICATE)
    assert say(f"{dup.other_risk_id} is in this report twice, once for the programme and again under "
               "its own project.", "challenge_duplicate", 0.9) == [("hit", dup.id)]


def test_one_row_called_a_duplicate_still_asks_which(play):
    say = play(REPORT)
    s = variant(REPORT, 0)
    dup = next(f for f in s.flaws if f.type == T.DUPLICATE)
    assert say(f"{dup.other_risk_id} is a duplicate.", "challenge_duplicate", 0.95) == [
        ("partial", None)]


def test_an_owner_point_said_as_where_a_risk_belongs():
    s = variant(REPORT, 0)
    r = read("Shouldn't R7 belong to the SRO rather than the portfolio office?", s)
    assert T.WRONG_OWNER in r.types


@pytest.mark.parametrize("text, rid", [("risk 7s owner is us??", "7"), ("R12s date is June", "12")])
def test_a_possessive_without_its_apostrophe_still_names_the_row(text, rid):
    m = RISK_REF.search(text)
    assert m and rid in m.groups()


# -- claims after a statement, rhetorical forms, curiosity (the fifth batch's classes) ---------
def test_a_leading_question_after_a_statement_claims(play):
    say = play(POLICY)
    # "Isn't that...?" opening the second sentence leads as much as one opening the message
    assert say("Clause 4 hands every risk to the project manager, grant conditions included. Isn't "
               "that the audit's ownership finding all over again?", "challenge_wrong_owner", 0.65) == [
        ("hit", flaw_id(POLICY, T.OWNERSHIP_UNCLEAR))]


@pytest.mark.parametrize("text", [
    "A 14 sits in both of the escalation bands in section 7. So who actually takes it?",
    "Section 7 gives a 15 two routes up. How exactly is a PM supposed to choose?",
])
def test_a_rhetorical_question_after_the_facts_claims(play, text):
    say = play(POLICY)
    assert say(text, "challenge_score_mismatch", 0.95) == [("hit", flaw_id(POLICY, T.ESCALATION_GAP))]


def test_has_nobody_asks_rhetorically(play):
    from bot.evaluation.claims import RHETORICAL
    assert RHETORICAL.search("The panel moved to February weeks ago. Has nobody touched the row since?")
    assert not RHETORICAL.search("Has anyone touched the row since the board?")


def test_a_question_that_says_it_is_only_curious_is_answered_not_credited(play):
    say = play(REPORT)
    assert say("Does the contractor's tool use a 4x4 grid because the contract says so, out of interest?") == [
        ("question", None)]


def test_a_word_ending_in_nt_is_not_a_negation():
    from bot.evaluation.claims import NEGATION
    from bot.evaluation.reading import info_question
    assert not NEGATION.search("Quadrant's current agent")
    assert NEGATION.search("it isnt scored") and NEGATION.search("we can't tell") and NEGATION.search("dont")
    assert info_question("What's the current score on the grant row?")


def test_a_clause_described_in_the_words_of_its_flaw_is_credited(play):
    say = play(POLICY)
    # the culture clause's flaw in new words: risks kept off the register until a plan exists
    assert say("C13 tells PMs not to log anything until the mitigation is signed off. That keeps "
               "problems off the register for weeks.") == [("hit", flaw_id(POLICY, T.BLAME_CULTURE))]


def test_a_statement_said_as_a_so_question_claims():
    from bot.evaluation.claims import RHETORICAL
    assert RHETORICAL.search("So the fire row stays in the annex because the money fits the contingency?")
    assert not RHETORICAL.search("So who chairs the Portfolio Board?")


def test_the_two_rows_that_fit_a_description_equally_are_the_pair():
    from bot.evaluation.reading import described_rows
    s = variant(REPORT, 0)
    dup = next(f for f in s.flaws if f.type == T.DUPLICATE)
    rows = {rid for _, rid in described_rows("the two library cutover rows say the same thing", s)}
    assert rows == {dup.at, dup.other_risk_id}


def test_let_someone_carry_on_proposes():
    from bot.evaluation.fixes import is_proposal
    assert is_proposal("let Richard carry on handling it with the supplier")
    assert is_proposal("leave it with the SRO")
    assert not is_proposal("let me think about the owner for a moment")


# -- classes of manager phrasing read since the fourth and fifth batches (texts are new) ---------------

def test_a_negative_statement_with_a_tag_claims(play):
    say = play(POLICY)
    assert say("Clause 6 gives no descriptors for the scale, does it?") == [
        ("hit", flaw_id(POLICY, T.SCORING_INCONSISTENT))]


def test_a_positive_statement_with_a_tag_only_checks(play):
    say = play(REPORT)
    assert say("R13 covers the exchange rate, does it?") == [("question", None)]


@pytest.mark.parametrize("text", [
    "The planning conditions row is shut now. On what evidence?",
    "R15 is off the list, but what tells us the council signed it off?",
])
def test_doubting_what_a_sound_closure_rests_on_is_a_challenge_not_a_question(play, text):
    say = play(REPORT)
    verdicts = say(text)
    assert verdicts and verdicts[0][0] in ("false", "unclear") and verdicts[0][1] is None


def test_a_question_with_nothing_doubted_is_still_answered(play):
    say = play(REPORT)
    assert say("Where would the Penang fee income sit in this report?") == [("question", None)]


def test_not_finding_a_described_knock_on_anywhere_raises_the_missing_risk(play):
    say = play(REPORT)
    assert say("Room allocation depends on applicant data arriving from the new student system on "
               "time; I don't see it anywhere among the rows.") == [
        ("hit", flaw_id(REPORT, T.MISSING_RISK))]


@pytest.mark.parametrize("text", [
    "Catalogue migration turns up two times in the report with separate owners.",
    "Jamal's LMS data entry is carried on both the project and the programme registers.",
])
def test_a_duplicate_named_by_its_topic_or_by_its_two_levels(play, text):
    say = play(REPORT)
    assert say(text) == [("hit", flaw_id(REPORT, T.DUPLICATE))]


def test_a_weak_report_gap_guess_yields_to_the_point_on_the_row_named(play):
    say = play(REPORT)
    assert say("Before R3 reaches the top ten, is its 4x4 rating mapped onto our matrix, or merely carried over?",
               "challenge_score_mismatch", 0.8) == [("hit", flaw_id(REPORT, T.SCORING_INCONSISTENT))]


@pytest.mark.parametrize("text, t", [
    ("Fire-stopping in Block C stays at programme level despite scoring 20.", T.NOT_ESCALATED),
    ("The MQA accreditation risk gives an August status although the visit date has moved since.",
     T.STALE_REVIEW),
    ("The contractor problem runs across our sites: Hartley, Abbotsfield and the heat network.",
     T.NO_AGGREGATION),
    ("It's just a ranking, not an analysis of where we stand against appetite.", T.REPORTING_WITHOUT_INSIGHT),
])
def test_manager_words_for_register_points(play, text, t):
    say = play(REPORT)
    assert say(text) == [("hit", flaw_id(REPORT, t))]


@pytest.mark.parametrize("text, t", [
    ("Under clause 4 the project managers own each risk, including ones only a director could act on.",
     T.OWNERSHIP_UNCLEAR),
    ("Under section 5 the office would be self-assuring its own work.", T.PMO_CONFLICT),
    ("Our team has no spending authority whatsoever, so clause 5 making us hold supplier exposures "
     "can't work.", T.PMO_CONFLICT),
    ("Staff will only enter a risk on the register when they already have an agreed answer for it, so "
     "early warnings vanish.", T.BLAME_CULTURE),
    ("Under C8 anything spotted mid-month stays invisible until the next scheduled review.",
     T.UNIFORM_REVIEW_CADENCE),
    ("C8 gives every register one date a month. So a supplier collapse spotted on day two sits "
     "unrecorded for weeks?", T.UNIFORM_REVIEW_CADENCE),
    ("Section 2 lets project boards decide what's acceptable with nothing to measure it by.",
     T.APPETITE_WITHOUT_TOLERANCE),
    ("What is a project board meant to do with an appetite of 'cautious'?", T.APPETITE_WITHOUT_TOLERANCE),
    ("C15 closes a risk that occurred and no one digs into the cause.", T.NO_LEARNING_LOOP),
])
def test_manager_words_for_process_points(play, text, t):
    say = play(POLICY)
    assert say(text) == [("hit", flaw_id(POLICY, t))]


@pytest.mark.parametrize("scenario, text", [
    (POLICY, "Which adjectives does Cabinet use for financial risk?"),
    (POLICY, "Who presents the portfolio report in front of the committee?"),
    (POLICY, "Does C14 cover training for new PMs at all?"),
    (REPORT, "Is R6 held at programme level?"),
    (REPORT, "What was the June position on R13?"),
    (REPORT, "Which contractors are spread across more than one project?"),
    (REPORT, "Has anyone linked R11 to the Lodestar timetable?"),
    (REPORT, "There's no rush, but who owns R2?"),
])
def test_topic_words_in_a_plain_question_are_answered_not_credited(play, scenario, text):
    say = play(scenario)
    assert say(text) == [("question", None)]


def test_a_flaw_keyword_inside_another_word_is_not_a_mention():
    from bot.evaluation.fixes import mentions_missing
    template = next(f for f in variant(POLICY, 0).flaws if f.type == T.TEMPLATE_GAPS)
    assert not mentions_missing(template, "the Brownfield bid has nowhere to go")
    assert mentions_missing(template, "there's no field for proximity")


def test_the_office_owning_a_risk_in_a_register_is_said_of_the_row_it_owns(play):
    say = play(REPORT)
    assert say("A grant risk sitting with the portfolio office leaves our second-line role "
               "compromised.") == [("hit", flaw_id(REPORT, T.WRONG_OWNER))]


def test_asking_whether_the_office_owns_anything_is_only_a_question(play):
    say = play(REPORT)
    assert say("Does the PMO own anything in this report?") == [("question", None)]


@pytest.mark.parametrize("text, leading", [
    ("Amber for a 16 but red for a 15 in the matrix. Was that deliberate?", True),
    ("Is it intended that the PM owns every risk by default?", True),
    ("Did we mean that only threats go on a register?", True),
    ("Which part of the pack warns the board when a risk doubles?", True),
    ("Could I ask why the contractor risk is split three ways?", True),
    ("Is that intended to change next year?", False),
    ("Which month does the board meet in?", False),
])
def test_asking_whether_an_oddity_was_meant_doubts_it(text, leading):
    from bot.evaluation.claims import WHY, leads
    assert (leads(text) or bool(WHY.match(text))) is leading


@pytest.mark.parametrize("text", [
    "R14 isn't something that may happen: the overspend came in last quarter.",
    "That cost is already incurred, so why carry it as a risk?",
])
def test_what_might_happen_set_against_what_has_is_an_issue_on_the_risk_list(text):
    from bot.evaluation.cues import cue_scores
    assert T.NOT_A_RISK in cue_scores(text)


def test_a_fix_given_in_two_parts_is_taken_when_the_second_completes_it(store):
    """The stakeholder asks for the bands AND the impact scale; a learner who answers one and then,
    asked again, gives the other has given the fix (not two failed attempts)."""
    tutor = Tutor(store)
    tutor.start(Incoming(LEARNER, LEARNER, "start"), POLICY, 0)

    def say(text: str) -> str:
        return "\n".join(r.text for r in tutor.respond(Incoming(LEARNER, LEARNER, text)))

    scoring = flaw_id(POLICY, T.SCORING_INCONSISTENT)
    say("C6 makes a 4x4 amber but a 5x3 red, so the colours don't follow the scores.")
    first = say("C6: the bands should follow the score, so the same score always gets the same colour.")
    assert "impact scale" in first  # he asks for what is still missing
    second = say("C6: and the impact scale should be one corporate scale with descriptors for safety, compliance "
                 "and reputation, not just pounds.")
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        verdicts = [(e.verdict, e.flaw_id) for e in store.effective_challenges(db, session)]
    assert verdicts == [("hit", scoring), ("fix_rejected", scoring), ("fix_accepted", scoring)], (first, second)


def test_the_second_part_alone_is_not_the_whole_fix(store):
    tutor = Tutor(store)
    tutor.start(Incoming(LEARNER, LEARNER, "start"), POLICY, 0)
    scoring = flaw_id(POLICY, T.SCORING_INCONSISTENT)
    tutor.respond(Incoming(LEARNER, LEARNER, "C6 makes a 4x4 amber but a 5x3 red, so the colours don't follow the scores."))
    tutor.respond(Incoming(LEARNER, LEARNER, "C6 should use one corporate impact scale with descriptors for safety, not just pounds."))
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        verdicts = [(e.verdict, e.flaw_id) for e in store.effective_challenges(db, session)]
    assert ("fix_accepted", scoring) not in verdicts  # the bands are still to come


# -- classes from the sixth to eighth blind batches (2026-12-03); texts new ---------------------
def test_a_courteous_if_i_misread_is_not_a_correction(play):
    say = play(POLICY)
    assert say("Apologies if I've misread it, but under C6 a 4 x 4 is amber and a 5 x 3 is red. "
               "Was that meant?") == [("hit", flaw_id(POLICY, T.SCORING_INCONSISTENT))]


def test_a_clause_called_a_section_by_its_topic_is_named_beside_one_named_by_number(play):
    say = play(POLICY)
    # C11 is only where the missing tolerances hurt; the point is the appetite clause's
    assert say("The appetite section stops at adjectives: cautious, averse, open, with no figure a board "
               "could measure against. C11 then reports against category tolerances that don't exist.")[:1] == [
        ("hit", flaw_id(POLICY, T.APPETITE_WITHOUT_TOLERANCE))]


def test_the_section_on_a_topic_names_that_clause(play):
    say = play(POLICY)
    assert say("I'd redraft the section on our office: we keep the register and challenge it; we should "
               "not own corporate risks and then certify our own compliance.") == [
        ("hit", flaw_id(POLICY, T.PMO_CONFLICT))]


def test_a_policys_topic_as_the_subject_of_a_complaint_names_its_clause(play):
    say = play(POLICY)
    assert say("C11 wants trend arrows and target scores, but the register template has no column for a "
               "target score or the previous one.") == [("hit", flaw_id(POLICY, T.TEMPLATE_GAPS))]


def test_a_claim_before_the_question_makes_the_point(play):
    say = play(REPORT)
    assert say("The library system migration is on the report twice, once for the programme and once for "
               "the project, each with its own owner. Who do the cataloguers answer to?") == [
        ("hit", flaw_id(REPORT, T.DUPLICATE))]


def test_a_sure_owner_reading_makes_one_process_design_point_not_both(play):
    say = play(POLICY)
    verdicts = say("Under this draft the PM owns the grant clawback risk, yet only the finance director can "
                   "move the money. When it lands, who answers for it?", "challenge_wrong_owner", 0.88)
    assert verdicts == [("hit", flaw_id(POLICY, T.OWNERSHIP_UNCLEAR))]


def test_a_row_named_by_the_words_of_its_title_is_credited_where_the_point_lands(play):
    say = play(REPORT)
    assert say("The fire-stopping defects in the occupied block are kept down at programme level because the "
               "repair fits the budget. A life-safety exposure above tolerance goes up regardless.") == [
        ("hit", flaw_id(REPORT, T.NOT_ESCALATED))]


def test_a_row_guessed_from_its_title_words_is_never_charged(play):
    say = play(REPORT)
    # the lab equipment row is sound: a point made about it by its title words is asked about, not charged
    verdicts = say("The equipment for the laboratory has a long wait on it, and it is owned by the wrong person.")
    assert ("false", None) not in verdicts and not any(v == "hit" for v, _ in verdicts)


def test_an_unsure_guess_at_the_brief_that_names_a_clause_asks_the_stakeholder(store):
    tutor = Tutor(store)
    tutor.start(Incoming(LEARNER, LEARNER, "start"), POLICY, 0)
    reply = tutor.brief(Incoming(LEARNER, LEARNER, "Could you remind me what C12 covers?", intent="show_brief",
                                 confidence=0.4))
    text = " ".join(r.text for r in reply)
    assert "C12" in text and len(text) < 1500  # that clause, not the whole brief


# -- classes from the ninth and tenth blind batches (2026-12-03); texts new ---------------------
def test_rows_named_by_their_owners_first_names_in_lower_case(play):
    say = play(REPORT)
    assert say("tessa's risk and jamal's risk describe one event really, the catalogue missing the cutover") == [
        ("hit", flaw_id(REPORT, T.DUPLICATE))]


def test_a_row_named_by_an_owner_with_a_title(play):
    say = play(REPORT)
    assert say("Mei's row has not been looked at since June, though the accreditation visit moved.") == [
        ("hit", flaw_id(REPORT, T.STALE_REVIEW))]


def test_asking_when_anyone_last_looked_challenges_a_stale_row(play):
    say = play(REPORT)
    assert say("When did anybody last look at the Penang accreditation risk? The panel date moved weeks ago.") == [
        ("hit", flaw_id(REPORT, T.STALE_REVIEW))]


def test_nothing_in_the_report_about_a_knock_on_raises_the_missing_risk(play):
    say = play(REPORT)
    assert say("There is nothing in the whole report about the accommodation booking portal, and it "
               "depends on Lodestar's records.") == [("hit", flaw_id(REPORT, T.MISSING_RISK))]


def test_the_office_as_actor_beside_a_sound_clause_named_by_number_is_not_its_clause(play):
    say = play(POLICY)
    # C16 is sound; the learner's point is about C16, and "the Portfolio Office" only acts in it
    verdicts = say("C16 lets the Portfolio Office mark its own maturity and tell the committee the result. "
                   "That is the office grading itself.")
    assert ("hit", flaw_id(POLICY, T.PMO_CONFLICT)) not in verdicts


def test_a_clause_named_to_compare_is_not_the_one_challenged(play):
    say = play(POLICY)
    verdicts = say("C3 suffers the same gap as the appetite clause: nothing a board could measure against.")
    assert ("hit", flaw_id(POLICY, T.APPETITE_WITHOUT_TOLERANCE)) not in verdicts


def test_a_clause_called_a_clause_by_its_topic_keeps_a_passing_word_from_naming_another(play):
    say = play(POLICY)
    # "escalation" names C7 only when nothing else is named; here the learner names the exception clause
    verdicts = say("The exception reporting clause never says who hears about a forecast breach, or by when. "
                   "Surely that is an escalation hole?")
    assert ("hit", flaw_id(POLICY, T.ESCALATION_GAP)) not in verdicts


def test_a_second_point_the_reader_barely_hears_is_part_of_the_argument(play):
    say = play(POLICY)
    # a list of the template's missing columns: "no trigger" is one of them, not the review cycle's point
    assert say("Going through the register template: no actionee column, no trigger, no target score, "
               "no action due date and only one line for the description.") == [
        ("hit", flaw_id(POLICY, T.TEMPLATE_GAPS))]


def test_a_request_for_facts_about_a_flawed_row_is_answered_not_credited(play):
    say = play(REPORT)
    row = variant(REPORT, 0).row(next(f.at for f in variant(REPORT, 0).flaws if f.type == T.WRONG_OWNER))
    assert say(f"Who currently owns {row.id}?", "challenge_wrong_owner", 0.7) == [
        ("question", None)]


def test_a_portfolio_point_whose_consequences_name_another_row_is_that_point(play):
    say = play(REPORT)
    # "the grant" names the PSDS row only as a consequence; the point is the contractor across projects
    assert say("If Greaves and Holt went under, Hartley, the Abbotsfield rooms and the grant would all be "
               "hit at once. Who owns that combined exposure across the projects?") == [
        ("hit", flaw_id(REPORT, T.NO_AGGREGATION))]


def test_a_shared_row_that_is_already_one_portfolio_risk_is_not_the_aggregation_point(play):
    say = play(REPORT)
    verdicts = say("The shared developer pool serves Lodestar and the library at once, and nobody has "
                   "combined that into a single portfolio risk.")
    assert ("hit", flaw_id(REPORT, T.NO_AGGREGATION)) not in verdicts


def test_a_change_put_politely_is_a_proposal_and_keeping_a_row_keeps_its_owner(store):
    from bot.evaluation.fixes import is_proposal

    assert is_proposal("Could we keep just the one row?") and is_proposal("Can we merge them into R9?")
    assert not is_proposal("Could we see the evidence for that?")
    tutor = Tutor(store)
    tutor.start(Incoming(LEARNER, LEARNER, "start"), REPORT, 0)
    say = lambda text: tutor.respond(Incoming(LEARNER, LEARNER, text))  # noqa: E731
    say("The library programme's catalogue row and the LMS project's data row are the same event, logged twice.")
    say("Could we keep just the programme row and link the LMS project's one under it, so it's counted once?")
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        verdicts = [(e.verdict, e.flaw_id) for e in store.effective_challenges(db, session)]
    dup = flaw_id(REPORT, T.DUPLICATE)
    assert verdicts == [("hit", dup), ("fix_accepted", dup)]


@pytest.mark.parametrize("text, intent, confidence", [
    ("Who is listed against the Malaysia accreditation row right now?", "challenge_wrong_owner", 0.99),
    ("When was the PSDS grant row last updated?", "challenge_stale_review", 0.8),
    ("For the Lodestar project, who chairs the board its risks go to?", "ask_question", 0.45),
])
def test_a_message_that_only_asks_for_facts_is_answered_however_sure_the_model(play, text, intent, confidence):
    say = play(REPORT)
    assert say(text, intent, confidence) == [("question", None)]


# -- session 13: a row's other point, other people's judgements, names that are not cues ----------

@pytest.mark.parametrize("text,intent", [
    ("R8's owner is wrong: a heat network project manager can't make the contractor's board do anything.",
     "challenge_wrong_owner"),
    ("R4 is an issue now, not a risk: the missing fire-stopping has already been found.", "challenge_not_a_risk"),
])
def test_another_point_said_of_a_portfolio_row_is_that_point_not_the_rows_flaw(play, text, intent):
    say = play(REPORT)
    verdicts = say(text, intent, 0.95)
    assert verdicts and all(v != "hit" for v, _ in verdicts)


def test_the_rows_register_form_of_its_portfolio_point_still_finds_it(play):
    say = play(REPORT)
    assert ("hit", flaw_id(REPORT, T.NO_AGGREGATION)) in say(
        "R1, R5 and R8 are the same contractor's risk logged three times. Shouldn't that be one row?",
        "challenge_duplicate", 0.9)


def test_a_model_sure_of_another_point_does_not_outweigh_the_learners_words(play):
    say = play(REPORT)
    # the numbers make the model read a score point; the words say where the risk must be seen
    assert ("hit", flaw_id(REPORT, T.NOT_ESCALATED)) in say(
        "Block C has students living beside missing fire-stopping, scored 4 x 5. That needs to go up to "
        "the Portfolio Board and on to UEB, not sit with Estates.", "challenge_score_mismatch", 0.85)


def test_someone_elses_fine_is_the_learners_argument_not_a_point_taken_back(play):
    say = play(POLICY)
    assert say("Suppose Dominic's board thinks a £600k overrun is fine because it feels 'cautious', and "
               "another board reads the same figure as too much. Under the appetite wording both are "
               "compliant, and nobody can say which is right.") == [
        ("hit", flaw_id(POLICY, T.APPETITE_WITHOUT_TOLERANCE))]


@pytest.mark.parametrize("text", [
    "OK, so the snapshot in C8 falls on the 20th. Does that suit the Portfolio Board's timetable?",
    "When C2 mentions Cabinet's appetite statement, which year's version is that?",
])
def test_the_name_of_what_is_asked_about_is_no_challenge(play, text):
    say = play(POLICY)
    assert [v for v, _ in say(text)] == ["question"]


def test_a_quality_asked_after_in_an_arrangement_is_rhetorical_and_a_passing_word_names_no_clause(play):
    say = play(POLICY)
    # "escalations" is a word of the argument, not the escalation clause: the office's conflict is meant
    assert say("Picture it: the same office drafts the method, owns the cross-cutting risks, decides which "
               "escalations it takes and then tells audit that everything complies. Where's the challenge "
               "in that?") == [("hit", flaw_id(POLICY, T.PMO_CONFLICT))]


def test_a_row_told_by_what_only_its_description_says_is_found(play):
    say = play(REPORT)
    assert ("hit", flaw_id(REPORT, T.STALE_REVIEW)) in say(
        "The agency's panel visit has moved and the joint degrees still can't be advertised, yet the entry "
        "reads exactly as it did in the summer. Nobody has looked at it since.")


def test_saying_you_are_only_getting_your_bearings_asks(play):
    say = play(REPORT)
    assert [v for v, _ in say("R10 - which register did that one come from? Just getting my bearings.",
                              "challenge_duplicate", 0.9)] == ["question"]


def test_another_register_point_in_the_words_is_that_point_however_unsure_the_model(play):
    say = play(REPORT)
    verdicts = say("Andrew is far too senior for this one; the site's health and safety lead should own the "
                   "Block C fire risk instead of him.", "challenge_wrong_owner", 0.55)
    assert ("hit", flaw_id(REPORT, T.NOT_ESCALATED)) not in verdicts


def test_a_risk_left_in_the_annex_is_not_escalated(play):
    say = play(REPORT)
    assert ("hit", flaw_id(REPORT, T.NOT_ESCALATED)) in say(
        "Students sleep in Block C with the fire-stopping missing, and on this report it's tucked away in the annex.")


@pytest.mark.parametrize("text,t", [
    ("Most of our build money sits with one firm that is losing money, and the report shows it as three "
     "small project risks.", T.NO_AGGREGATION),
    ("Take the heat network money: it could be worsening month after month and the Board would only ever "
     "see the current number, with no arrow beside it.", T.REPORTING_WITHOUT_INSIGHT),
])
def test_a_portfolio_point_told_in_everyday_words(play, text, t):
    say = play(REPORT)
    assert ("hit", flaw_id(REPORT, t)) in say(text)


@pytest.mark.parametrize("text", [
    "Many thanks, this is really useful. When does the draft go to CLT?",
    "Who chairs the Portfolio Board at the moment? I'm new to the council.",
])
def test_a_courtesy_or_an_aside_round_a_question_leaves_it_a_question(play, text):
    say = play(POLICY)
    assert [v for v, _ in say(text, "challenge_vague_description", 0.95)] == ["question"]


def test_one_score_in_two_bands_is_the_escalation_gap(play):
    say = play(POLICY)
    assert say("Under the escalation clause a 15 sits in the 12-16 band and the 15-20 band too. Which tier "
               "takes it?") == [("hit", flaw_id(POLICY, T.ESCALATION_GAP))]



def test_only_in_the_second_option_of_an_alternative_question_does_not_lead(play):
    say = play(REPORT)
    assert [v for v, _ in say("Does the Lodestar register sit anywhere besides Quadrant's system, or is "
                              "theirs the only copy?")] == ["question"]
    # "only" still leads where it weighs the thing itself
    assert ("hit", flaw_id(REPORT, T.SCORING_INCONSISTENT)) in say(
        "Is the Lodestar row only a 12 because Quadrant's 4-point impact scale tops out at 4?")


def test_a_message_read_again_names_the_same_items_and_each_scenario_its_own():
    from bot.evaluation import reading

    policy, report = variant(POLICY, 0), variant(REPORT, 0)
    text = "C7 and R4 both need another look."
    first = reading.risk_positions(text, policy)
    assert reading.risk_positions(text, policy) == first == reading._risk_positions(text, policy)
    assert reading.risk_positions(text, report) == reading._risk_positions(text, report)
    for n in range(reading._POSITIONS_KEPT + 10):  # the kept answers stay bounded
        reading.risk_positions(f"R{n % 15 + 1} again {n}", report)
    assert len(reading._POSITIONS) <= reading._POSITIONS_KEPT


def _replies(store, scenario_id: str):
    tutor = Tutor(store)
    tutor.start(Incoming(LEARNER, LEARNER, "start"), scenario_id, 0)

    def say(text: str, intent: str | None = None, confidence: float = 0.0) -> str:
        return "\n".join(r.text for r in tutor.respond(Incoming(LEARNER, LEARNER, text, intent=intent,
                                                                  confidence=confidence)))
    return say


def test_a_courtesy_is_answered_as_one_whatever_the_model_guessed(store):
    say = _replies(store, REPORT)
    reply = say("Thank you Rhiannon, that's useful context.", "challenge_underrated", 0.85)
    assert reply.startswith("You're welcome") and "not following" not in reply
    assert "not following" not in say("Morning all, I've got the papers open now.", "challenge_stale_review", 0.7)
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        assert store.effective_challenges(db, session) == []
    # a courtesy that names a row, or says how the learner feels about it, is about the row
    assert "You're welcome" not in say("I'm uneasy about the trenching one")


def test_asking_what_a_term_means_is_a_question_whatever_the_model_guessed(play):
    say = play(REPORT)
    assert [v for v, _ in say("Sorry, what is a 'call-off'? I haven't come across it before.",
                              "challenge_underrated", 0.8)] == ["question"]
    assert [v for v, _ in say("What does SRO stand for? R4 uses it a lot.", "challenge_vague_description", 0.8)] \
        == ["question"] * 2
    # the artefact's words quoted in a question about them are cited, not said
    assert [v for v, _ in say("What does 'listed in annex A' mean in R4's actions?", "challenge_not_escalated", 0.5)] \
        == ["question"] * 3


def test_asking_what_a_vague_word_means_and_saying_why_it_fails_still_challenges(play):
    say = play(POLICY)
    assert ("hit", flaw_id(POLICY, T.APPETITE_WITHOUT_TOLERANCE)) in say(
        "What does 'cautious' actually mean? No board could ever measure a risk against it.")


def test_a_request_for_figures_with_a_softener_only_asks(play):
    say = play(REPORT)
    assert [v for v, _ in say("Approximately how much work have Greaves & Holt got across our three schemes?",
                              "challenge_underrated", 0.9)] == ["question"]
    assert [v for v, _ in say("How are funding bids handled at the moment, and who keeps track of them?")] \
        == ["question"] * 2


def test_a_question_about_another_bodys_document_or_the_organisation_only_asks(play):
    say = play(POLICY)
    asked = [
        "Does Brackenridge's framework agreement say anything about how they score, or is that just their habit?",
        "What does the corporate risk strategy say about escalation, and does it give any numbers at all?",
        "Is there a risk champions network anywhere in the council, or is it only the Portfolio Office?",
    ]
    for n, text in enumerate(asked, 1):
        assert [v for v, _ in say(text)] == ["question"] * n, text
    # the draft itself asked the same way, or a statement beside it, still challenges
    assert ("hit", flaw_id(POLICY, T.APPETITE_WITHOUT_TOLERANCE)) in say(
        "Does the appetite clause give any figures at all? A board can't test a £300k overrun against 'cautious'.")


def test_what_counts_as_outside_the_draft():
    from bot.evaluation.reading import asks_elsewhere

    policy = variant(POLICY, 0)
    assert asks_elsewhere("Does Cabinet's constitution say who approves the policy?", policy)
    assert not asks_elsewhere("Does C6 use the same matrix as Cabinet's strategy?", policy)
    assert not asks_elsewhere("Is there a tolerance anywhere in the policy?", policy)
    assert not asks_elsewhere("Does Brackenridge's contract require a 4x4? C6 lets them keep it, so nothing compares.",
                              policy)


def test_a_second_point_the_reader_barely_hears_is_a_word_of_the_argument(play):
    say = play(POLICY)
    # "sits until the next meeting" is how long the escalation takes, not the review cycle's point
    assert say("Suppose the leisure centre PM finds a 16 on the pool plant the morning after the Portfolio "
               "Board has met. The draft sends it to a programme board that project doesn't have, or it sits "
               "until the next meeting over a month later.") == [("hit", flaw_id(POLICY, T.ESCALATION_GAP))]


def test_a_row_that_still_reads_as_before_things_moved_is_stale(play):
    say = play(REPORT)
    assert say("The accreditation visit slipped to the new year, yet R12 still reads as though the autumn launch "
               "is on track.") == [("hit", flaw_id(REPORT, T.STALE_REVIEW))]


def test_a_chance_the_draft_puts_out_of_scope_is_its_threats_only_point(play):
    say = play(POLICY)
    assert say("There's heat network funding we could bid for next spring, and C10 puts it out of scope of the "
               "policy altogether.") == [("hit", flaw_id(POLICY, T.THREATS_ONLY))]


def test_a_take_back_in_negated_words_is_the_argument(play):
    say = play(REPORT)
    # "...not leave it on the risk register" is no "leave it"
    assert say("The steel tender is a fact now, not a maybe. The Board needs a change request, and we "
               "shouldn't leave it on the register at probability 4.") == [("hit", flaw_id(REPORT, T.NOT_A_RISK))]


def test_a_number_with_a_unit_after_risk_is_a_quantity_not_a_row():
    from bot.evaluation.reading import mentioned_risks

    policy = variant(POLICY, 0)
    assert mentioned_risks("A risk six weeks out and one two years away get the same monthly look.", policy) == []
    assert mentioned_risks("Clause six and risk 3 both need a look.", variant(REPORT, 0)) == ["R3"]



def test_asking_to_have_a_term_explained_and_what_is_happening_now_only_asks(play):
    say = play(REPORT)
    assert [v for v, _ in say("Could you explain what a call-off contract is and when ours started?",
                              "challenge_closed_without_reason", 0.9)] == ["question"]
    assert [v for v, _ in say("Is there any new funding on the horizon, or income the estates team could chase?",
                              "challenge_missing_risk", 0.45)] == ["question"] * 2


def test_asking_where_an_escalation_is_recorded_or_what_a_rating_rests_on_challenges():
    from bot.evaluation.claims import leads
    from bot.evaluation.cues import challenge_cue_scores

    assert T.NOT_ESCALATED in challenge_cue_scores("R9 is 16 and tolerance is 12. Where is the escalation logged?")
    assert T.DUPLICATE in challenge_cue_scores("Isn't that exactly what the piling row already covers?")
    assert leads("What's the impact of 2 on R6 based on? Two suppliers have already pulled out.")


def test_a_yes_to_nothing_waiting_is_taken_as_assent_and_a_goodbye_finishes(store):
    say = _replies(store, POLICY)
    assert say("Yes, that works for me.", "take_back", 0.55).startswith("Good.")
    conceded = say("C7's bands overlap: a 16 sits in two of them, so nobody knows which board gets it.")
    assert "not following" not in conceded
    # the stakeholder now waits on a fix: a bare yes is not waved through as assent
    assert not say("Yes, that works for me.", "take_back", 0.55).startswith("Good.")
    assert "debrief" in say("Cheers Alistair, that's everything from me.", "finish_session", 0.65).lower()


def test_a_clause_called_a_clause_after_a_preposition_is_named_firmly(play):
    from bot.evaluation.reading import described_rows

    policy = variant(POLICY, 0)
    assert [rid for _, rid in described_rows("Under the escalation clause a 16 has two homes.", policy)] == ["C7"]
    say = play(POLICY)
    # the office acts in the clause named; its own clause (and its conflict point) is not the one challenged
    verdicts = say("In the assurance clause the Portfolio Office grades its own maturity every year. That's "
                   "us marking ourselves, which undermines our independence.")
    assert ("hit", flaw_id(POLICY, T.PMO_CONFLICT)) not in verdicts


def test_a_doubt_about_the_policys_own_review_gets_the_assurance_clauses_reasons(store):
    say = _replies(store, POLICY)
    reply = say("Who checks the policy itself is working once Cabinet has signed it off? Seems like nobody does.")
    assert "reviewed every year" in reply
    with store.transaction() as db:
        session = db.execute(select(Session)).scalars().first()
        assert [e.verdict for e in store.effective_challenges(db, session)] in (["unclear"], ["false"], ["question"])
