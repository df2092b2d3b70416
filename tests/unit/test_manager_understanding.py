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
