"""Scenarios with a flaw pool, through the real NLU, action server and evaluator over REST: a flaw a
seed injected is found with the scenario's model challenge; the same challenge at a seed that
left the row sound is defended in the PM's words; an opportunity scored as a threat is found."""
import json

import pytest

from bot.evaluation.evaluator import without_question
from bot.scenarios.loader import get_scenario
from bot.scenarios.variants import picks, render, renumbering, variant

pytestmark = pytest.mark.e2e
POOLED = ("kestrel-office-move", "fellside-hospice-appeal")


def text_of(replies: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in replies)


def seeds_with_and_without(sid: str, flaw_id: str) -> tuple[int, int]:
    s = get_scenario(sid)
    has = [n for n in range(1, 200) if any(i.flaw.id == flaw_id for i in picks(s, n))]
    lacks = [n for n in range(1, 200) if n not in has]
    return has[0], lacks[0]


@pytest.mark.parametrize("sid", POOLED)
def test_a_pool_flaw_is_found_where_injected_and_defended_where_not(stack, sid):
    s = get_scenario(sid)
    changed = [i for i in s.pool if i.change and i.flaw.challenge]
    for inj in changed[:2]:
        with_it, without_it = seeds_with_and_without(sid, inj.flaw.id)
        for seed, injected in ((with_it, True), (without_it, False)):
            learner = f"e2e-pool-{sid}-{inj.flaw.id}-{seed}"
            stack.say(learner, f'/start_scenario{{"scenario": "{sid}", "seed": {seed}}}')
            ids = renumbering(s, seed)
            said = render(inj.flaw.challenge, ids)
            reply = text_of(stack.say(learner, said))
            v = variant(sid, seed)
            if injected:
                assert without_question(v.flaw(inj.flaw.id).replies.hit) in reply, (seed, said, reply[:300])
            else:  # the row is sound at this seed: no concession, an answer or a defence instead
                assert reply.strip() and without_question(render(inj.flaw.replies.hit, ids)) not in reply, (
                    seed, said, reply[:300])


@pytest.mark.parametrize("sid", POOLED)
def test_an_opportunity_scored_as_a_threat_is_found_and_the_debrief_offers_a_seed(stack, sid):
    v = variant(sid, 3)
    flaw = next(f for f in v.flaws if f.type.value == "opportunity_scored_as_threat")
    row = v.row(flaw.risk_id)
    learner = f"e2e-opportunity-{sid}"
    stack.say(learner, f'/start_scenario{{"scenario": "{sid}", "seed": 3}}')
    reply = text_of(stack.say(learner, f"{row.id} is an upside for us, but it's scored and handled like a threat: "
                                       "impact 1 and a reduce response. Shouldn't we be exploiting it?"))
    assert without_question(flaw.replies.hit) in reply, reply[:300]
    end = stack.say(learner, "I'm done, let's finish there")
    buttons = [b for m in end for b in m.get("buttons", [])]
    starts = [json.loads(b["payload"][len("/start_scenario"):]) for b in buttons]
    assert any("seed" in p for p in starts), starts  # what next names a register for the misses
