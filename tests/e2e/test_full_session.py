"""A whole role-play through the real stack over the REST channel, read back through the
trainer API. Messages are what a learner would type; risk ids come from the seeded variant."""
import pytest
import requests

from bot.scenarios.loader import DEFAULT_DIR, scenario_files
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T

pytestmark = pytest.mark.e2e

SEED = 5


def texts(messages):
    return [m["text"] for m in messages if "text" in m]


def joined(messages):
    return "\n".join(texts(messages))


def challenges_for(s):
    """Natural challenges for each flaw of the riverside-wms scenario."""
    by_type = {f.type: f for f in s.flaws}
    score = s.row(by_type[T.SCORE_MISMATCH].risk_id)
    dup = by_type[T.DUPLICATE]
    return [
        (by_type[T.NOT_A_RISK], f"{by_type[T.NOT_A_RISK].risk_id} has already happened, hasn't it? The drop was three weeks late, so it's an issue now, not a risk.",
         "Let's move it to the issue log then"),
        (by_type[T.SCORE_MISMATCH], f"Quick one on {score.id}: {score.probability} x {score.impact} is {score.probability * score.impact}, so why is it scored {score.score}?",
         f"It should be {score.probability * score.impact}"),
        (by_type[T.WRONG_OWNER], f"Can Callum really own {by_type[T.WRONG_OWNER].risk_id}? He can't enforce the StockPilot contract, Priya holds it.",
         "Priya Shah should own it, as commercial lead"),
        (by_type[T.DUPLICATE], f"Aren't {dup.risk_id} and {dup.other_risk_id} the same risk?", None),
        (by_type[T.MISSING_RISK], "We've got nothing on the register about the legacy Kestrel support ending in December. What if we slip?", None),
    ]


def test_a_whole_session_is_played_and_read_back_by_the_trainer(stack):
    """Greet, start, challenge, fix, question, false challenge, hint, progress, finish; then the
    trainer API shows the session, its verdicts, flaws found and the transcript."""
    learner = "e2e-learner"
    s = variant("riverside-wms", SEED)

    hello = stack.say(learner, "hello")
    assert "PMO Challenge Tutor" in joined(hello)
    assert any(m.get("buttons") for m in hello)

    started = stack.say(learner, f'/start_scenario{{"scenario": "riverside-wms", "seed": {SEED}}}')
    out = joined(started)
    assert "Project brief" in out and "Rob Atkinson (PM):" in out
    assert f"{s.rows[0].id} {s.rows[0].title}" in out

    for flaw, challenge, fix in challenges_for(s):
        reply = joined(stack.say(learner, challenge))
        assert flaw.replies.hit in reply, (challenge, reply)
        if fix:
            reply = joined(stack.say(learner, fix))
            assert flaw.fix.accepted_reply in reply, (fix, reply)

    answer = joined(stack.say(learner, "What's the total budget and contingency?"))
    assert "£" in answer

    correct = next(r for r in s.rows if not any(r.id in (f.risk_id, f.other_risk_id) for f in s.flaws) and r.status == "open")
    false = joined(stack.say(learner, f"I think {correct.id} has the wrong owner."))
    assert "Rob Atkinson (PM):" in false
    assert not any(f.replies.hit in false for f in s.flaws)

    assert joined(stack.say(learner, "can I have a hint please")).startswith("Tutor:")
    assert "5 of 7 flaws found" in joined(stack.say(learner, "progress"))

    debrief = joined(stack.say(learner, "finish"))
    assert "Debrief" in debrief and "You found 5 of 7 flaws and fixed 3" in debrief
    assert "Missed:" in debrief and "False challenges: 1" in debrief

    # The trainer reads it all back.
    assert stack.api("/api/learners", token=None).status_code == 401
    assert stack.api("/api/learners", token="wrong").status_code == 401
    learners = stack.api("/api/learners").json()
    me = next(x for x in learners if x["id"] == learner)
    assert me["sessions"] == 1 and me["flaws_found"] == 5 and me["channel"] == "rest"

    sessions = stack.api(f"/api/learners/{learner}/sessions").json()
    assert [x["status"] for x in sessions] == ["finished"]
    assert sessions[0]["scenario"] == "riverside-wms" and sessions[0]["seed"] == SEED

    detail = stack.api(f"/api/sessions/{sessions[0]['id']}").json()
    assert [r["id"] for r in detail["register"]] == [r.id for r in s.rows]
    found = {f["type"] for f in detail["flaws"] if f["found"]}
    assert found == {T.NOT_A_RISK, T.SCORE_MISMATCH, T.WRONG_OWNER, T.DUPLICATE, T.MISSING_RISK}
    assert {f["type"] for f in detail["flaws"] if f["fixed"]} == {T.NOT_A_RISK, T.SCORE_MISMATCH, T.WRONG_OWNER}
    missing = next(f for f in detail["flaws"] if f["type"] == "missing_risk")
    assert missing["risk_id"] is None and missing["topic"]
    verdicts = [c["verdict"] for c in detail["challenges"]]
    assert verdicts.count("hit") == 5 and verdicts.count("false") == 1 and "question" in verdicts
    assert detail["score"]["found"] == 5 and detail["score"]["total"] == 7

    transcript = stack.api(f"/api/sessions/{sessions[0]['id']}/transcript").json()
    assert {t["speaker"] for t in transcript} == {"learner", "pm", "tutor"}
    assert transcript[-1]["speaker"] == "tutor"
    assert any(t["speaker"] == "learner" and t["text"] == "finish" for t in transcript)


def test_bad_input_gets_a_clear_reply_and_breaks_nothing(stack):
    """Empty, huge and emoji-only messages, unknown scenarios, challenges before a scenario."""
    learner = "e2e-bad-input"
    early = joined(stack.say(learner, "R3's owner is wrong"))
    assert "no role-play running" in early
    unknown = joined(stack.say(learner, '/start_scenario{"scenario": "does-not-exist"}'))
    assert "no scenario called 'does-not-exist'" in unknown
    stack.say(learner, '/start_scenario{"scenario": "northgate-epr", "seed": 2}')
    for message in ["", "   ", "x" * 4_000, "🙂🙂🙂", "R99 is wrong"]:
        reply = stack.say(learner, message)
        assert texts(reply), f"no reply to {message[:20]!r}"
        assert "Traceback" not in joined(reply)
    # Over 4,000 characters the REST channel refuses it (rasa_server/channels.py; more in test_rest_guard.py).
    huge = requests.post(f"{stack.rasa}/webhooks/rest/webhook", json={"sender": learner, "message": "x" * 10_000}, timeout=60)
    assert huge.status_code == 413 and "at most 4000" in huge.json()["error"]
    assert "0 of 10 flaws found" in joined(stack.say(learner, "progress"))
    assert stack.api("/api/sessions/999999").status_code == 404
    assert stack.api("/api/sessions/abc").status_code == 404
    assert stack.api("/api/learners/nobody/sessions").status_code == 404
    assert stack.api("/api/health", token=None).json() == {"status": "ok"}
    assert {s["id"] for s in stack.api("/api/scenarios").json()} >= {p.stem for p in scenario_files(DEFAULT_DIR)}
