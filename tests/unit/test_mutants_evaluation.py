"""The judging code's behaviour that mutation testing (`make mutate`) found no test for: the PM's
reply when a challenge earns no credit, his defences of sound rows, answers to questions the
brief's facts don't cover, the hint ladder, the debrief and team credit, what to practise next,
replayed verdicts, and the register check's thresholds.

Every assertion is on what a learner or trainer sees: verdicts, replies, debrief lines, scores,
findings. Risk ids come from the seeded variant."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.evaluation.debrief import (
    POINTS_FIXED,
    POINTS_FOUND,
    POINTS_FOUND_AFTER_ANSWER,
    ChallengeRecord,
    contributions,
    debrief,
    next_step,
    score,
)
from bot.evaluation.defences import defend
from bot.evaluation.evaluator import Evaluator
from bot.evaluation.fixes import fix_accepted
from bot.evaluation.hints import model_challenge, next_hint, no_more_hints, waiting_for_fixes
from bot.evaluation.lint import Finding, lint_rows, to_text
from bot.evaluation.questions import answer_about_row, answer_question, not_in_the_brief
from bot.evaluation.reading import read
from bot.evaluation.state import SessionState, Verdict
from bot.scenarios.loader import library
from bot.scenarios.register_import import RegisterRow
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.taxonomy import intent_for, kind

SID = "riverside-wms"


@pytest.fixture
def s():
    return variant(SID, 7)


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


def row_titled(s, title):
    return next(r for r in s.rows if r.title == title)


def pickers(s):
    """A sound row: agency pickers at peak, owned by the Site General Manager."""
    row = row_titled(s, "Short of trained agency pickers at peak")
    assert not any(row.id in (f.risk_id, f.other_risk_id) for f in s.flaws)
    return row


def judge(s, text, t: T | str | None = None, confidence=0.9, state=None):
    """The evaluator's verdicts and the PM's reply; `t` is the model's reading (a flaw type or an intent)."""
    state = state or SessionState()
    intent = intent_for(t) if isinstance(t, T) else t
    reading = read(text, s, intent, confidence if intent else 0.0)
    outcome = Evaluator(s).evaluate(state, reading)
    verdicts = [(j.verdict.value, j.risk_id, j.flaw_type.value if j.flaw_type else None) for j in outcome.judgements]
    return verdicts, "\n".join(r.text for r in outcome.replies), state


def settled(*flaw_ids) -> SessionState:
    state = SessionState()
    for f in flaw_ids:
        state.find(f)
        state.fixed.add(f)
    return state


# -- no credit: what the PM says and what it costs ---------------------------------------------------


def test_a_sound_row_named_without_a_point_is_asked_about_not_charged(s):
    row = pickers(s)
    verdicts, reply, state = judge(s, f"{row.id} doesn't look right to me.")
    assert verdicts == [("unclear", row.id, None)]
    assert reply == s.persona.clarify_generic
    assert state.focus_risk == row.id


def test_a_flawed_row_named_without_a_point_gets_the_pms_hint_of_a_reply(s):
    owner = flaw(s, T.WRONG_OWNER)
    verdicts, reply, state = judge(s, f"{owner.risk_id} doesn't look right to me.")
    assert verdicts == [("partial", owner.risk_id, None)]
    assert reply == owner.replies.partial
    assert state.focus_risk == owner.risk_id


def test_a_point_without_a_row_asks_which_row(s):
    verdicts, reply, _ = judge(s, "The owner is wrong on one of these risks, they can't act on it.", T.WRONG_OWNER)
    assert verdicts == [("partial", None, "wrong_owner")]
    assert reply == "Which risk are you talking about? Give me its number, or describe it, and I'll look."


def test_a_missing_risk_without_a_topic_asks_which_one(s):
    verdicts, reply, _ = judge(s, "I think there's a risk missing from the register.", T.MISSING_RISK)
    assert verdicts == [("partial", None, "missing_risk")]
    assert reply == "Which risk do you think we've left out, and why does it matter here?"


def test_a_point_with_nothing_left_to_find_is_false(s):
    """Once the only wrong owner is found, 'another owner is wrong' (no row) is a false challenge."""
    owner, missing = flaw(s, T.WRONG_OWNER), flaw(s, T.MISSING_RISK)
    verdicts, reply, _ = judge(s, "Another owner is wrong, they can't act on it.", T.WRONG_OWNER,
                               state=settled(owner.id))
    assert (verdicts, reply) == ([("false", None, "wrong_owner")], s.persona.defend_generic)
    verdicts, reply, _ = judge(s, "There's a risk missing from the register, it's not covered.", T.MISSING_RISK,
                               state=settled(missing.id))
    assert verdicts == [("false", None, "missing_risk")]
    assert reply.startswith("I think the register covers what's in the brief.")


def test_a_sound_row_challenged_is_defended_and_a_question_about_it_answered(s):
    row = pickers(s)
    verdicts, reply, _ = judge(s, f"{row.id}'s owner is wrong, Tom can't act on it.", T.WRONG_OWNER)
    assert (verdicts, reply) == ([("false", row.id, "wrong_owner")], row.defences[T.WRONG_OWNER])
    verdicts, reply, _ = judge(s, f"Should Tom own {row.id}?", "ask_question")
    assert (verdicts, reply) == ([("question", row.id, None)], f"{row.id} is owned by {row.owner}.")


def test_three_fixes_in_one_message_each_keep_their_own_words(s):
    """Each fix is judged on its own clause: 'merge' belongs to R3 and R10, not to the score before it."""
    owner, sums, pair = flaw(s, T.WRONG_OWNER), flaw(s, T.SCORE_MISMATCH), flaw(s, T.DUPLICATE)
    state = SessionState()
    for f in (owner, sums, pair):
        state.find(f.id)
    text = (f"Give {owner.risk_id} to Priya as she holds the contract; {sums.risk_id} should be 12; and merge "
            f"{pair.risk_id} into {pair.other_risk_id} with Gareth owning it.")
    verdicts, reply, state = judge(s, text, state=state)
    assert verdicts == [("fix_accepted", owner.risk_id, "wrong_owner"), ("fix_accepted", sums.risk_id, "score_mismatch"),
                        ("fix_accepted", pair.risk_id, "duplicate")]
    assert reply == "\n".join(f.fix.accepted_reply for f in (owner, sums, pair))
    assert state.fixed == {owner.id, sums.id, pair.id}


def test_the_same_point_again_before_its_fix_gets_the_pms_question_again(s):
    owner = flaw(s, T.WRONG_OWNER)
    state = SessionState()
    state.find(owner.id)
    text = f"{owner.risk_id}'s owner is wrong: Callum has no budget and can't issue a notice under the contract."
    verdicts, reply, _ = judge(s, text, T.WRONG_OWNER, state=state)
    assert (verdicts, reply) == ([("repeat", owner.risk_id, "wrong_owner")],
                                 f"We're agreed on that one. {kind(T.WRONG_OWNER).fix_question}")
    asking = s.copy(update={"flaws": [f.copy(update={"fix": f.fix.copy(update={"ask": "Who gets it, then?"})})
                                      if f.id == owner.id else f for f in s.flaws]})
    state = SessionState()
    state.find(owner.id)
    assert judge(asking, text, T.WRONG_OWNER, state=state)[1] == "We're agreed on that one. Who gets it, then?"


def test_a_fix_typed_in_shorthand_is_read_in_full(s):
    actions = flaw(s, T.MISSING_RESPONSE)
    assert not fix_accepted(actions, f"{actions.risk_id}: Hannah to book the sessions")
    assert fix_accepted(actions, f"{actions.risk_id}: Hannah to book the sessions tomorrow")
    assert fix_accepted(actions, f"{actions.risk_id}: Hannah to book the sessions tmrw")


# -- the PM's defences when a row has none of its own ----------------------------------------------------


def bare(row, **changes):
    return row.copy(update={"defences": {}, **changes})


def test_generic_defences_quote_the_rows_own_facts(s):
    row = bare(pickers(s))
    assert defend(s, row, T.SCORE_MISMATCH, [row.id]) == f"Check the sum: 3 x 4 is 12, and {row.id} is scored 12."
    assert defend(s, row, T.UNDERRATED, [row.id]) == (
        f"{row.id} is at probability 3 and impact 4. I've not seen anything in the brief that says it "
        "should be higher. What makes you think so?")
    reviewed = bare(pickers(s), last_reviewed=dt.date(2026, 9, 3))
    assert defend(s, reviewed, T.STALE_REVIEW, [row.id]) == (
        f"{row.id} was last reviewed on 03 September 2026. That's recent enough.")


def test_generic_defences_follow_status_and_tolerance(s):
    row = pickers(s)
    assert defend(s, bare(row), T.CLOSED_WITHOUT_REASON, [row.id]) == f"{row.id} isn't closed, it's open and being worked."
    assert defend(s, bare(row, status="closed", actions=""), T.CLOSED_WITHOUT_REASON, [row.id]) == (
        f"{row.id} was closed because it can't happen any more.")
    assert defend(s, bare(row, status="closed", actions="Contract signed 3 March."), T.CLOSED_WITHOUT_REASON,
                  [row.id]) == f"{row.id} was closed, and the note says why: Contract signed 3 March."
    at_tolerance = bare(row, probability=3, impact=5, score=15)
    assert defend(s, at_tolerance, T.NOT_ESCALATED, [row.id]) == (
        f"{row.id} scores 15, inside the tolerance of 15, so it stays with the project.")
    above = bare(row, probability=4, impact=4, score=16)
    assert defend(s, above, T.NOT_ESCALATED, [row.id]) == f"{row.id} has gone to the board: {row.actions}"


def test_the_duplicate_defence_names_the_two_rows_compared(s):
    a, b, c = s.rows[0], s.rows[1], s.rows[2]
    assert defend(s, bare(a), T.DUPLICATE, [a.id, b.id, c.id]) == (
        f"They're not the same risk: {a.id} is about {a.title.lower()}; {b.id} is about {b.title.lower()}")


# -- questions the brief's facts don't answer ----------------------------------------------------------------


def ask(s, text):
    return answer_question(s, read(text, s, "ask_question", 0.9))


def test_questions_about_people_are_answered_from_the_brief(s):
    karen = next(p for p in s.brief.people if p.name == "Karen Doyle")
    expected = f"Karen Doyle is our {karen.role}. {karen.authority}"
    assert ask(s, "Who is Karen?") == expected
    assert ask(s, "Who's Doyle?") == expected
    assert ask(s, f"What does the {karen.role.lower()} do?") == expected
    assert ask(s, "Who is on the team?") == "The team: " + "; ".join(f"{p.name} ({p.role})" for p in s.brief.people)
    sponsor = next(p for p in s.brief.people if "Sponsor" in p.role)
    assert ask(s, "What colour is the office carpet?") == (
        "That's not in what I've got in front of me, I'm afraid. I'd have to check with "
        f"{sponsor.name} ({sponsor.role}) and come back to you.")


def test_without_facts_in_the_brief_the_pm_answers_from_the_scenarios_fields(s):
    """A scenario whose brief has no facts on them still answers tolerance, budget, dates and suppliers."""
    bare_brief = s.copy(update={"brief": s.brief.copy(update={"facts": []})})
    assert ask(bare_brief, "What is the escalation threshold?") == (
        f"Anything scoring above {s.tolerance} goes to the board. Route: {s.escalation_route}")
    assert ask(bare_brief, "Who sits on the board?") == (
        f"Anything scoring above {s.tolerance} goes to the board. Route: {s.escalation_route}")
    assert ask(bare_brief, "How much money is there?") == s.brief.budget
    assert ask(bare_brief, "When is the deadline?").startswith("Key dates: ")
    supplier = next(x for x in s.brief.suppliers if x.name.startswith("Northfield"))
    assert ask(bare_brief, "What do Northfield do?") == f"{supplier.name} provide {supplier.provides}. {supplier.notes}".strip()


@pytest.mark.parametrize("word, answer", [
    *[(w, "board") for w in ("tolerance", "escalate", "escalation", "threshold", "board")],
    *[(w, "budget") for w in ("budget", "cost", "money", "contingency", "spend")],
    *[(w, "dates") for w in ("when", "date", "dates", "milestone", "milestones", "deadline", "live", "timeline")],
    *[(w, "team") for w in ("people", "team", "stakeholders")],
])
def test_each_word_of_a_topic_finds_its_answer_without_facts(s, word, answer):
    bare_brief = s.copy(update={"brief": s.brief.copy(update={"facts": []})})
    expected = {
        "board": f"Anything scoring above {s.tolerance} goes to the board. Route: {s.escalation_route}",
        "budget": s.brief.budget,
        "dates": "Key dates: " + "; ".join(f"{m.name} {m.date:%d %b %Y}" for m in s.brief.milestones),
        "team": "The team: " + "; ".join(f"{p.name} ({p.role})" for p in s.brief.people),
    }[answer]
    assert ask(bare_brief, f"And the {word}?") == expected


def test_a_question_nobody_in_the_brief_covers_goes_to_the_sponsor_never_the_pm(s):
    pm = next(p for p in s.brief.people if p.name == s.persona.name)
    assert s.persona.name not in not_in_the_brief(s, pm.authority.lower())
    sponsor_last = s.copy(update={"brief": s.brief.copy(update={"people": s.brief.people[1:] + s.brief.people[:1]})})
    sponsor = s.brief.people[0]
    assert "Sponsor" in sponsor.role
    assert not_in_the_brief(sponsor_last, "what colour is the carpet") == (
        "That's not in what I've got in front of me, I'm afraid. I'd have to check with "
        f"{sponsor.name} ({sponsor.role}) and come back to you.")
    people = [p.copy(update={"role": p.role.replace(" (Project Sponsor)", "")}) for p in sponsor_last.brief.people]
    no_sponsor = s.copy(update={"brief": s.brief.copy(update={"people": people})})
    first = people[0] if people[0].name != s.persona.name else people[1]
    assert f"check with {first.name} ({first.role})" in not_in_the_brief(no_sponsor, "what colour is the carpet")


def data_row(s):
    """A sound row with reasons of its own: the SKU data migration, owned by the Data Lead."""
    return row_titled(s, "Migrated SKU and location data fails validation")


def test_a_question_naming_a_row_is_answered_about_that_row(s):
    row = data_row(s)
    assert ask(s, f"Why is {row.id} owned by Aisha?") == row.defences[T.WRONG_OWNER]
    assert ask(s, f"Why is {row.id} rated a 3?") == row.defences[T.UNDERRATED]
    assert ask(s, f"Who owns {row.id}?") == f"{row.id} is owned by {row.owner}."
    assert ask(s, f"Has {row.id} been reviewed?") == f"{row.id} was last reviewed on {row.last_reviewed:%d %B %Y}."
    assert ask(s, f"What's the status of {row.id}?") == f"{row.id} is {row.status}."
    assert ask(s, f"What is being done about {row.id}?") == f"For {row.id} the response is '{row.response}'. Actions: {row.actions}"
    card = (f"{row.id} {row.title}: {row.description} Probability {row.probability}, impact {row.impact}, "
            f"score {row.score}. Owner: {row.owner}.")
    assert ask(s, f"Tell me about {row.id}").startswith(card)
    assert ask(s, f"{row.id} and the contingency?").startswith(card)  # the row named, not the brief's fact
    bare_row = bare(row)
    plain = s.copy(update={"rows": [bare_row if r.id == row.id else r for r in s.rows]})
    assert ask(plain, f"Why is {row.id} owned by Aisha?") == f"{row.id} is owned by {row.owner}."


def about(s, row, text, t):
    return answer_about_row(s, row, read(text, s, "ask_question", 0.9), t)


def test_an_honest_question_about_a_sound_row_gets_the_pms_reasons_or_the_rows_facts(s):
    row = data_row(s)
    assert about(s, row, f"Is {row.id} owned by the right person?", T.WRONG_OWNER) == row.defences[T.WRONG_OWNER]
    plain = bare(row)
    assert about(s, plain, f"Is {row.id} owned by the right person?", T.WRONG_OWNER) == f"{row.id} is owned by {row.owner}."
    assert about(s, plain, f"Is {row.id} scored right?", T.SCORE_MISMATCH) == (
        f"{row.id} is rated probability {row.probability}, impact {row.impact}, score {row.score}.")
    assert about(s, plain, f"Is {row.id} up to date?", T.STALE_REVIEW) == (
        f"{row.id} was last reviewed on {row.last_reviewed:%d %B %Y}.")
    assert about(s, plain, f"Is {row.id} handled?", T.MISSING_RESPONSE) == (
        f"For {row.id} the response is '{row.response}'. Actions: {row.actions}")
    assert about(s, plain, f"Is {row.id} still live?", T.CLOSED_WITHOUT_REASON) == f"{row.id} is {row.status}."
    assert about(s, plain, f"Anything on {row.id}?", None).startswith(f"{row.id} {row.title}: ")


def test_a_question_about_escalating_a_row_compares_its_score_with_the_tolerance(s):
    row = bare(data_row(s))
    route = f"Anything above {s.tolerance} goes up: {s.escalation_route}"
    at = row.copy(update={"probability": 3, "impact": 5, "score": 15})
    assert about(s, at, f"Should {row.id} go up?", T.NOT_ESCALATED) == (
        f"{row.id} scores 15 (3 x 5), inside the tolerance of 15. {route}")
    above = row.copy(update={"probability": 4, "impact": 4, "score": 16})
    assert about(s, above, f"Should {row.id} go up?", T.NOT_ESCALATED) == (
        f"{row.id} scores 16 (4 x 4), above the tolerance of 15. {route}")


def test_a_question_about_a_row_gets_the_briefs_fact_only_when_it_is_clearly_about_it(s):
    row = bare(data_row(s))
    money = next(f for f in s.brief.facts if "how much" in f.keywords)
    assert about(s, row, f"How much is {row.id}?", T.SCORE_MISMATCH) == money.answer  # a two-word keyword
    assert about(s, row, f"Does {row.id} need money?", T.SCORE_MISMATCH) == (  # one keyword is not enough
        f"{row.id} is rated probability {row.probability}, impact {row.impact}, score {row.score}.")


# -- hints ----------------------------------------------------------------------------------------------


def test_the_hint_ladder_climbs_one_flaw_then_moves_on(s):
    state = SessionState()
    first = next_hint(s, state)
    assert first.level == 1
    second, third = next_hint(s, state), next_hint(s, state)
    assert (second.flaw.id, second.level, third.flaw.id, third.level) == (first.flaw.id, 2, first.flaw.id, 3)
    assert state.revealed == {first.flaw.id} and state.hint_levels == {first.flaw.id: 3}
    nxt = next_hint(s, state)
    assert nxt.flaw.id != first.flaw.id and nxt.level == 1


def test_the_ladder_stays_on_the_flaw_already_hinted(s):
    later = s.flaws[-1]
    state = SessionState(hint_levels={later.id: 1})
    h = next_hint(s, state)
    assert (h.flaw.id, h.level, h.text) == (later.id, 2, later.hints[1])


def test_the_answer_names_the_row_the_kind_and_a_model_challenge(s):
    owner = flaw(s, T.WRONG_OWNER)
    h = next_hint(s, SessionState(hint_levels={owner.id: 2}))
    assert h.text == (f"Here's one: {owner.risk_id}, wrong owner. {owner.evidence} "
                      f"A good challenge: \"{owner.challenge}\" Try putting it to the PM.")
    assert model_challenge(owner.copy(update={"challenge": None})) == kind(T.WRONG_OWNER).good_challenge


def test_no_more_hints_says_what_is_left(s):
    owner, missing = flaw(s, T.WRONG_OWNER), flaw(s, T.MISSING_RISK)
    everything = [f.id for f in s.flaws]  # found in the register's order
    done = settled(*everything)
    assert waiting_for_fixes(s, done) == ""
    assert no_more_hints(s, done) == "You've found every flaw. Say \"finish\" for your debrief."
    done.fixed -= {owner.id, missing.id}
    waiting = waiting_for_fixes(s, done)
    assert waiting == (f"Waiting for your fix: {owner.risk_id} (wrong owner); a missing risk ({missing.topic}). "
                       "Name the risk and say how you'd put it right, in any order.")
    assert no_more_hints(s, done) == f"You've found every flaw. {waiting}"
    revealed = SessionState(revealed=set(everything))
    assert no_more_hints(s, revealed) == (
        "No more hints: the answers for the flaws you haven't found are above. Put them to the PM in "
        "your own words.")


# -- replaying the records ------------------------------------------------------------------------------


def test_only_a_rejected_fix_counts_as_a_fix_attempt(s):
    owner = flaw(s, T.WRONG_OWNER)
    state = SessionState()
    for verdict in ("hit", "repeat", "repeat", "partial"):
        state.apply(verdict, owner.id)
    assert state.fix_attempts == {} and state.fix_given == set()
    state.apply("fix_rejected", owner.id)
    state.apply("fix_rejected", owner.id)
    assert state.fix_attempts == {owner.id: 2} and state.fix_given == {owner.id}
    state.apply("fix_accepted", owner.id)
    state.apply("fix_rejected", owner.id)  # after the fix is agreed, nothing more counts against it
    assert state.fix_attempts == {owner.id: 2}


# -- the debrief -------------------------------------------------------------------------------------------


def record(verdict, flaw_id=None, learner="ana", craft=None, risk_id=None, flaw_type=None):
    if craft is None and verdict in ("hit", "partial", "false", "repeat"):
        craft = {"question": True, "accusatory": False, "reason": True, "fix": False, "points": 0.667}
    return ChallengeRecord(Verdict(verdict), "text", risk_id, flaw_type, craft, learner, flaw_id)


def test_the_debrief_says_how_each_flaw_was_found_and_fixed(s):
    given, fixed_after_help, plain = flaw(s, T.NOT_A_RISK), flaw(s, T.WRONG_OWNER), flaw(s, T.SCORE_MISMATCH)
    state = SessionState(revealed={given.id}, fix_given={fixed_after_help.id})
    for f in (given, fixed_after_help, plain):
        state.find(f.id)
    state.fixed |= {fixed_after_help.id, plain.id}
    records = [record("hit", f.id) for f in (given, fixed_after_help, plain)]
    text = debrief(s, state, records, [1, 2, 3, 1])
    lines = text.splitlines()
    assert f"- {given.risk_id}: issue logged as a risk (after the tutor gave it away), not fixed (a fix: {given.fix.model_answer})." in lines
    assert f"- {fixed_after_help.risk_id}: wrong owner, fixed once the tutor gave the fix." in lines
    assert f"- {plain.risk_id}: score doesn't add up, fixed." in lines
    assert "Hints used: 4, 1 of them answers." in lines
    missed = flaw(s, T.MISSING_RESPONSE)
    assert any(line.startswith(f"- {missed.risk_id}: missing or vague response. {missed.evidence} "
                               f"Why it matters: {missed.why_it_matters} You could have said: ") for line in lines)
    sc = score(s, state, records, [1, 2, 3, 1])
    assert sc["points"] == (POINTS_FOUND_AFTER_ANSWER + 2 * POINTS_FOUND + POINTS_FIXED  # the given fix scores nothing
                            - (1 + 2 + 0 + 1) + round(10 * 0.667))
    assert "Hints used: 2." in debrief(s, state, records, [1, 2]).splitlines()


def test_a_fix_the_trainer_turned_into_a_hit_has_no_craft_to_rate(s):
    """A proposal carries no craft rating; overridden to a hit it counts as found, not as craft."""
    owner = flaw(s, T.WRONG_OWNER)
    overridden = ChallengeRecord(Verdict.HIT, "Give it to Priya", owner.risk_id, "wrong_owner", None, "ana", owner.id)
    assert score(s, settled(owner.id), [overridden], [])["craft"] == 0.0
    assert "- You made no challenges, so there is no craft to comment on yet." in debrief(
        s, settled(owner.id), [overridden], []).splitlines()


def test_a_missed_flaw_without_its_own_reason_gets_the_kinds(s):
    owner = flaw(s, T.WRONG_OWNER)
    plain = s.copy(update={"flaws": [f.copy(update={"why_it_matters": None}) if f.id == owner.id else f
                                     for f in s.flaws]})
    line = next(x for x in debrief(plain, SessionState(), [], []).splitlines() if x.startswith(f"- {owner.risk_id}: "))
    assert f"Why it matters: {kind(T.WRONG_OWNER).why_it_matters} You could have said:" in line


def test_craft_feedback_for_no_challenges_and_for_challenges_done_well(s):
    text = debrief(s, SessionState(), [], [])
    assert "- You made no challenges, so there is no craft to comment on yet." in text.splitlines()
    polite = {"question": True, "accusatory": False, "reason": True, "fix": True, "points": 1.0}
    lines = debrief(s, SessionState(), [record("partial", craft=polite)] * 2, []).splitlines()
    assert lines[lines.index("Craft:") + 1:] == [
        "- Of your 2 challenges, 2 were asked as questions, 2 gave a reason and 2 came with a way forward "
        "(in the challenge or when the PM asked).",
        "- Good tone and good use of evidence: that is the PMO challenge done well.",
    ]


def test_craft_feedback_thresholds(s):
    """Half the challenges with a reason is enough; a third with a way forward is enough."""
    def crafted(reason, fix):
        return record("partial", craft={"question": False, "accusatory": False, "reason": reason, "fix": fix,
                                        "points": 0.5})
    six = [crafted(n < 3, n < 2) for n in range(6)]  # 3 of 6 reasons, 2 of 6 fixes
    lines = debrief(s, SessionState(), six, []).splitlines()
    assert lines[lines.index("Craft:") + 1:] == [
        "- Of your 6 challenges, 0 were asked as questions, 3 gave a reason and 2 came with a way forward "
        "(in the challenge or when the PM asked).",
        "- Good tone and good use of evidence: that is the PMO challenge done well.",
    ]
    fewer = [crafted(n < 2, n < 1) for n in range(6)]  # 2 of 6 reasons, 1 of 6 fixes
    lines = debrief(s, SessionState(), fewer, []).splitlines()
    assert lines[lines.index("Craft:") + 2:] == [
        "- Back more challenges with evidence from the brief: dates, figures, events.",
        "- Offer a correction as well as a criticism: the PMO adds value by helping fix it.",
    ]
    four = [crafted(True, n < 1) for n in range(4)]  # 1 of 4 fixes: under a third
    lines = debrief(s, SessionState(), four, []).splitlines()
    assert "- Offer a correction as well as a criticism: the PMO adds value by helping fix it." in lines


def test_a_fix_given_later_counts_for_the_challenge_it_answers_and_only_its_author(s):
    owner = flaw(s, T.WRONG_OWNER)
    blunt = {"question": False, "accusatory": False, "reason": True, "fix": False, "points": 0.667}
    alone = [record("hit", owner.id, craft=blunt)]
    assert score(s, SessionState(), alone, [])["craft"] == 0.67
    answered = alone + [record("fix_rejected", owner.id)]
    assert score(s, SessionState(), answered, [])["craft"] == 1.0
    by_someone_else = alone + [record("fix_accepted", owner.id, learner="ben")]
    assert score(s, SessionState(), by_someone_else, [])["craft"] == 0.67


def test_team_members_are_credited_and_ranked(s):
    f1, f2, f3 = s.flaws[:3]
    records = [
        record("repeat", f1.id, None),  # a record from before challenges named their learner
        record("hit", f1.id, "cy"), record("false", None, "cy"), record("false", None, "cy"),
        record("hit", f2.id, "ana"), record("fix_accepted", f2.id, "ana"), record("hit", f3.id, "ana"),
        record("hit", f3.id, "bo"), record("question", None, "bo"),
    ]
    members = contributions(records)
    assert [(m.learner_id, m.found, m.fixed, m.challenges, m.false_challenges) for m in members] == [
        ("ana", 2, 1, 2, 0), ("bo", 1, 0, 1, 0), ("cy", 1, 0, 3, 2)]
    assert [m.craft for m in members] == [0.83, 0.67, 0.67]  # Ana's fix counts for her challenge
    records.append(record("fix_accepted", f3.id, "ana"))
    assert [(m.learner_id, m.fixed, m.craft) for m in contributions(records)][0] == ("ana", 2, 1.0)
    records.pop()
    state = SessionState()
    for f in (f1, f2, f3):
        state.find(f.id)
    lines = debrief(s, state, records, [], {"ana": "Ana", "bo": "Bo"}).splitlines()
    assert lines[0] == f"Debrief: {s.title}"
    team = lines[next(n for n, x in enumerate(lines) if x.startswith("Team: ")):]
    assert team[1:] == [
        "- Ana: 2 flaws found, 1 fixed, 2 challenges (0 false), craft 83%.",
        "- Bo: 1 flaw found, 0 fixed, 1 challenge (0 false), craft 67%.",
        "- cy: 1 flaw found, 0 fixed, 3 challenges (2 false), craft 67%.",
    ]


def test_ties_are_broken_by_fixes_then_craft_then_name():
    crafted = {"question": True, "accusatory": False, "reason": True, "fix": True, "points": 1.0}
    records = [record("hit", "F1", "zed", craft=crafted), record("hit", "F2", "amy"), record("hit", "F3", "bob"),
               record("fix_accepted", "F3", "bob")]
    assert [m.learner_id for m in contributions(records)] == ["bob", "zed", "amy"]


# -- what to practise next ------------------------------------------------------------------------------------


def test_next_step_by_score_and_level():
    first_three = ("riverside-wms", "northgate-epr", "ravensford-school")  # a fixed library, whatever ships
    scenarios = sorted((x for x in library().values() if x.id in first_three), key=lambda x: x.id)
    by_id = {x.id: x for x in scenarios}
    done = by_id["riverside-wms"]  # foundation
    advice, offer = next_step(done, 70, scenarios)
    assert advice.startswith("70% on a foundation scenario: you're ready for ")
    assert [x.id for x in offer] == ["northgate-epr", "riverside-wms", "ravensford-school"]
    advice, offer = next_step(done, 50, scenarios)
    assert advice == "Try another scenario, or the same one with a new register:"
    assert [x.id for x in offer] == ["northgate-epr", "ravensford-school", "riverside-wms"]
    advice, _ = next_step(done, 49, scenarios)
    assert advice.startswith("Try this project again with a new register")


def test_a_scenario_at_the_same_level_is_not_the_next_level():
    scenarios = [x for x in library().values() if x.level != "manager"]
    done = library()["ravensford-school"]  # advanced: nothing harder among these
    twin = done.copy(update={"id": "ravensford-twin"})
    advice, offer = next_step(done, 90, scenarios + [twin])
    assert advice == "Try another scenario, or the same one with a new register:"
    assert offer[-1].id == "ravensford-school"


# -- the register check (pmo-tutor lint) at its thresholds ------------------------------------------------------

TODAY = dt.date(2026, 10, 1)
SOUND = dict(
    line=2, id="R1", title="Supplier late with the second build",
    description="Because the supplier is short of developers, the build could arrive late and delay testing.",
    probability=2, impact=4, score=8, owner="Priya Shah", response="reduce",
    actions="Priya to agree a recovery plan with the supplier by 2026-10-20", status="open",
    last_reviewed=TODAY - dt.timedelta(days=10),
)


def findings(**changes):
    return [(f.risk_id, f.other_risk_id, f.type, f.message)
            for f in lint_rows([RegisterRow(**(SOUND | changes))], TODAY, tolerance=15)]


def test_a_sound_row_has_no_findings():
    assert findings() == []


def test_a_description_needs_eight_words_a_cause_and_an_effect():
    assert findings(description="Because staff leave, delivery could slip very badly") == []
    assert findings(description="Because staff leave, delivery could slip badly") == [
        ("R1", None, "vague_description", "the description does not give a cause, an event and an effect (7 words)")]
    assert findings(description="Because the supplier is short of developers, the build is late") == [
        ("R1", None, "vague_description", "the description does not give a cause, an event and an effect")]
    assert findings(description="Because the supplier is short, the build slips") == [  # 8 words, no effect
        ("R1", None, "vague_description", "the description does not give a cause, an event and an effect")]


def test_acceptance_needs_a_fallback_from_a_score_of_ten():
    assert findings(response="accept", probability=3, impact=3, score=9) == []
    assert findings(response="accept", probability=2, impact=5, score=10) == [
        ("R1", None, "strategy_mismatch", "accepted at a score of 10 with no contingency or fallback")]
    assert findings(response="accept", probability=2, impact=5, score=10,
                    actions="Fallback: hire contractors by 2026-10-20") == []


def test_a_review_is_stale_after_ninety_days_or_after_an_overdue_action():
    assert findings(last_reviewed=TODAY - dt.timedelta(days=90)) == []
    assert findings(last_reviewed=TODAY - dt.timedelta(days=91)) == [
        ("R1", None, "stale_review", "last reviewed 2026-07-02, 91 days ago")]
    assert findings(actions="Priya to agree a plan by 2026-10-01") == []  # due today: not overdue yet
    assert findings(actions="Priya to agree a plan by 2026-09-21", last_reviewed=dt.date(2026, 9, 21)) == []
    assert findings(actions="Priya to agree a plan by 2026-09-22", last_reviewed=dt.date(2026, 9, 21)) == [
        ("R1", None, "stale_review", "actions due 2026-09-22 are overdue and the risk has not been reviewed since")]


def test_a_score_above_tolerance_needs_escalating():
    assert findings(probability=3, impact=5, score=15) == []
    assert findings(probability=4, impact=4, score=16) == [
        ("R1", None, "not_escalated", "score 16 is above the tolerance of 15 but nothing shows it was escalated")]
    assert findings(probability=4, impact=4, score=16, actions="Escalated to the board on 2026-09-20") == []


def test_owner_actions_and_closure_findings_say_what_is_wrong():
    assert findings(probability=5, impact=2, score=10) == [
        ("R1", None, "not_a_risk", "probability 5 (near-certain): if it has happened or certainly will, manage "
                                   "it as an issue, not a risk")]
    assert findings(probability=5, impact=2, score=10, status="closed", actions="Delivered, so no longer a risk") == []
    assert findings(owner="TBC") == [("R1", None, "wrong_owner", "no named owner ('TBC')")]
    assert findings(owner="") == [("R1", None, "wrong_owner", "no owner")]
    assert findings(actions="Monitor") == [("R1", None, "missing_response", "no response or no specific actions ('Monitor')")]
    assert findings(actions="") == [("R1", None, "missing_response", "no response or no specific actions")]
    for response in ("none", ""):
        assert findings(response=response) == [
            ("R1", None, "missing_response", f"no response or no specific actions ('{SOUND['actions']}')")]
    assert findings(actions="Priya to agree a recovery plan") == [
        ("R1", None, "missing_response", "actions have no due dates")]
    assert findings(status="closed", actions="Closed") == [
        ("R1", None, "closed_without_reason", "closed with no evidence that it can no longer happen")]


def test_a_row_with_blank_ratings_or_a_bad_date_is_still_checked():
    assert findings(probability=None, score=None) == []
    assert findings(impact=None, score=None) == []
    assert findings(actions="Priya to chase on 31/02/2026, then agree a plan by 2026-10-20") == []


def test_rows_with_the_same_title_or_the_same_distinctive_words_are_duplicates():
    a = RegisterRow(**(SOUND | {"title": "Supplier late", "description": "Because the vendor is short, drop two slips."}))
    b = RegisterRow(**(SOUND | {"id": "R2", "title": "supplier late ", "description": "Cutover weekend overruns."}))
    assert [(f.risk_id, f.other_risk_id, f.type) for f in lint_rows([a, b], TODAY, 15)
            if f.type == "duplicate"] == [("R1", "R2", "duplicate")]

    def row(rid, title, description):
        return RegisterRow(**(SOUND | {"id": rid, "title": title, "description": description}))

    rows = [
        row("R1", "Warehouse racking certificate withheld",
            "Because the racking inspector found bent uprights, the certificate may be withheld, delaying opening."),
        row("R2", "Racking inspection fails",
            "If the inspector withholds the racking certificate over the bent uprights, the opening could slip."),
        row("R3", "Forklift drivers not licensed", "Because licences lapse in May, drivers may be stood down, "
            "leaving the night shift short."),
        row("R4", "Agency staff short at peak", "Because the agency can fill only half the shifts, picking could "
            "fall behind, leading to missed slots."),
    ]
    assert [(f.risk_id, f.other_risk_id) for f in lint_rows(rows, TODAY, 15) if f.type == "duplicate"] == [("R1", "R2")]
    # the same kind of event for two instances is two risks
    drops = [row("R1", "Supplier late with build drop 1", "Because the supplier is short of developers, build drop 1 "
                 "may be late, squeezing testing."),
             row("R2", "Supplier late with build drop 2", "Because the supplier is short of developers, build drop 2 "
                 "may be late, squeezing testing."),
             rows[2], rows[3]]
    assert [f for f in lint_rows(drops, TODAY, 15) if f.type == "duplicate"] == []


def test_the_text_report_names_both_rows_of_a_pair():
    assert to_text([]) == "No flaws found."
    assert to_text([Finding("R1", "R2", "duplicate", "R1 and R2 describe the same event"),
                    Finding(None, None, "missing_risk", "nothing on the supplier")]).splitlines() == [
        "2 finding(s):",
        "R1+R2     duplicate              R1 and R2 describe the same event",
        "-         missing_risk           nothing on the supplier",
    ]


def test_two_rows_about_the_same_event_are_flagged_once():
    a = RegisterRow(**SOUND)
    b = RegisterRow(**(SOUND | {"id": "R2", "line": 3, "title": "Second build late from the supplier"}))
    c = RegisterRow(**(SOUND | {"id": "R3", "line": 4, "title": "Scanners short for go-live",
                                "description": "Because of a component shortage, scanners could arrive late "
                                               "which would cut training time."}))
    assert [(f.risk_id, f.other_risk_id, f.type, f.message) for f in lint_rows([a, b, c], TODAY, 15)] == [
        ("R1", "R2", "duplicate", "R1 and R2 describe the same event")]
