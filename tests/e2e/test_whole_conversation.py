"""Fair over a whole conversation, through the real stack (Rasa NLU, action server, evaluator,
progress database) and read back through the trainer API: each class of unfairness a blind
play-test found, replayed as a learner would type it. Risk ids come from the seeded variant."""
import pytest

from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T

pytestmark = pytest.mark.e2e

SID, SEED = "ravensford-school", 3
INTERNAL = ("not_escalated", "missing_risk", "wrong_owner", "stale_review", "(R", "F1", "F2", "F3", "F4")


def joined(messages) -> str:
    return "\n".join(m["text"] for m in messages if "text" in m)


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


def verdicts(stack, learner):
    """The session's effective verdicts, in order, as the trainer sees them: (verdict, flaw id)."""
    [session] = stack.api(f"/api/learners/{learner}/sessions").json()[:1]
    detail = stack.api(f"/api/sessions/{session['id']}").json()
    return detail, [(c["verdict"], c["flaw_id"]) for c in detail["challenges"]]


def test_fixes_are_kept_in_any_order_questions_are_answered_and_corrections_withdraw(stack):
    s = variant(SID, SEED)
    learner = "e2e-fair-conversation"
    esc, stale, owner = flaw(s, T.NOT_ESCALATED), flaw(s, T.STALE_REVIEW), flaw(s, T.WRONG_OWNER)
    score = s.row(esc.risk_id)
    sound = next(r for r in s.rows if not any(r.id in (f.risk_id, f.other_risk_id) for f in s.flaws)
                 and r.status == "open" and r.score <= s.tolerance)

    opening = stack.say(learner, f'/start_scenario{{"scenario": "{SID}", "seed": {SEED}}}')
    first = joined(opening)
    assert "Project brief" in first and 'say "brief"' in first  # the short card; the rest one word away
    assert "Recent events" not in first
    assert "Recent events" in joined(stack.say(learner, "brief"))

    # Two points in one message: both conceded, one question for both fixes.
    two = joined(stack.say(learner, (
        f"{esc.risk_id} is {score.score}, over the tolerance of {s.tolerance}, and it hasn't been escalated. "
        f"Also {stale.risk_id} hasn't been reviewed since September and its actions are overdue.")))
    assert "Take them in any order" in two

    # A question between the challenge and its fix: answered, never charged.
    asked = joined(stack.say(learner, "Who holds the Brackley contract?"))
    assert "Victoria Lang" in asked

    # A new point before the fixes, then both fixes later in one message, in the other order.
    joined(stack.say(learner, (f"Why does {owner.risk_id} sit with Owen Jenkins? He has no budget authority, "
                               "and only Kieran Walsh as Section 151 officer can cover a cash-flow gap.")))
    both = joined(stack.say(learner, (
        f"{stale.risk_id}: review it this week with Owen and Mike Tranter and re-date the actions. "
        f"{esc.risk_id} goes to Angela's project board on 1 December in the highlight report.")))
    assert stale.fix.accepted_reply in both and esc.fix.accepted_reply in both

    # A fix for the older point, named by its row, after the PM asked about the newer one.
    fixed = joined(stack.say(learner, f"Kieran Walsh should own {owner.risk_id}; Debbie keeps the invoicing actions."))
    assert owner.fix.accepted_reply in fixed

    # A misread, then the learner's correction: the charge is withdrawn, not doubled.
    stack.say(learner, f"I think {sound.id} has the wrong owner.")
    stack.say(learner, f"Sorry, I didn't mean {sound.id}. Ignore that one.")

    progress = joined(stack.say(learner, "progress"))
    assert "3 fixed, 0 false challenges" in progress
    assert "Waiting for your fix" not in progress  # nothing conceded is left open

    debrief = joined(stack.say(learner, "finish"))
    assert "False challenges" not in debrief
    assert "Offer a correction" not in debrief  # every challenge came with a fix, some when asked
    for text in (two, asked, both, fixed, progress):
        assert not any(label in text for label in INTERNAL), text

    detail, seen = verdicts(stack, learner)
    assert [v for v, _ in seen].count("false") == 0 and ("withdrawn", None) in seen
    assert {f["id"] for f in detail["flaws"] if f["fixed"]} == {esc.id, stale.id, owner.id}
    assert ("question", None) in seen


def test_progress_names_the_fix_still_open_and_hints_know_it(stack):
    s = variant(SID, SEED)
    learner = "e2e-open-fix"
    esc = flaw(s, T.NOT_ESCALATED)
    stack.say(learner, f'/start_scenario{{"scenario": "{SID}", "seed": {SEED}}}')
    row = s.row(esc.risk_id)
    stack.say(learner, f"{row.id} scores {row.score}, above the tolerance of {s.tolerance}. Why hasn't it been escalated?")
    progress = joined(stack.say(learner, "progress"))
    assert f"Waiting for your fix: {row.id} (not escalated)" in progress
    # Answered later, with other words in between: still taken.
    stack.say(learner, "What's the contingency?")
    later = joined(stack.say(learner, f"On {row.id}: escalate it to Angela's project board in the next highlight report."))
    assert esc.fix.accepted_reply in later
