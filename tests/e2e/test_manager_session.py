"""A PMO-manager session through the real stack (Rasa NLU, action server, evaluator, progress
database), read back through the trainer API: a draft policy's clause challenged, fixed, the
stakeholder's objection met, a wrong challenge defended, the debrief and the session's clauses."""
import pytest

from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T

pytestmark = pytest.mark.e2e

SID = "eastmere-risk-policy"


def joined(messages) -> str:
    return "\n".join(m["text"] for m in messages if "text" in m)


def test_a_policy_is_challenged_fixed_and_agreed_and_the_trainer_sees_the_clauses(stack):
    s = variant(SID, 0)
    gap = next(f for f in s.flaws if f.type == T.ESCALATION_GAP)
    learner = "e2e-pmo-manager"
    scenarios = stack.api("/api/scenarios").json()
    assert {x["id"]: x["level"] for x in scenarios}[SID] == "manager"

    opening = joined(stack.say(learner, f'/start_scenario{{"scenario": "{SID}", "seed": 0}}'))
    assert "C7 Escalation" in opening and "PMO manager" in opening

    hit = joined(stack.say(learner, "Clause 7: a score of 15 or 16 sits in both the project band and the "
                                    "programme band, so who gets it? Standalone projects have no programme board."))
    assert gap.replies.hit.split(".")[0] in hit
    fixed = joined(stack.say(learner, "Make the bands contiguous: up to 14 stays with the project board, 15 and "
                                      "above goes to the Portfolio Board, decision recorded within 5 working days."))
    assert gap.fix.accepted_reply in fixed and gap.fix.objection.text in fixed
    agreed = joined(stack.say(learner, "Because audit found escalations with no decisions recorded, and a safety "
                                       "risk can't wait for the next meeting. Keep it light: the chair decides by "
                                       "email between meetings on a one-page note."))
    assert gap.fix.objection.accepted_reply in agreed

    debrief = joined(stack.say(learner, "finish"))
    assert "C7: escalation gap, fixed, and agreed" in debrief
    assert "Missed:" in debrief and "Orange Book" in debrief

    [session] = stack.api(f"/api/learners/{learner}/sessions").json()[:1]
    detail = stack.api(f"/api/sessions/{session['id']}").json()
    assert [c["id"] for c in detail["clauses"]][:3] == ["C1", "C2", "C3"]
    [f] = [f for f in detail["flaws"] if f["id"] == gap.id]
    assert f["clause_id"] == "C7" and f["found"] and f["fixed"]
    assert [(c["verdict"], c["flaw_id"]) for c in detail["challenges"]] == [
        ("hit", gap.id), ("fix_accepted", gap.id), ("agreed", gap.id)]
