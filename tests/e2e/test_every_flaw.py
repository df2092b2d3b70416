"""Every seeded flaw of every scenario can be found with natural phrasing, through the real NLU,
action server and evaluator. Risk ids come from the seeded variant (they move with the seed)."""
import pytest

from bot.evaluation.evaluator import without_question
from bot.scenarios.variants import variant

pytestmark = pytest.mark.e2e
SEED = 11

# How a PMO analyst might put each challenge (by flaw type, or by flaw id); {id}, {other}, {p}, {i}, {score}, {product} and
# {owner} are filled from the variant's register.
PHRASING = {
    ("riverside-wms", "not_a_risk"): "Drop 1 already arrived three weeks late, so isn't {id} an issue now rather than a risk?",
    ("riverside-wms", "vague_description"): "I can't tell what {id} means. What's the cause, and what would the effect be on go-live?",
    ("riverside-wms", "score_mismatch"): "On {id}, {p} times {i} makes {product}, but the score says {score}. Can we check it?",
    ("riverside-wms", "wrong_owner"): "Should {owner_first} own {id}? Priya holds the StockPilot contract, so only she can act on it.",
    ("riverside-wms", "missing_response"): "The only action on {id} is 'monitor closely'. Who is doing what, and by when?",
    ("riverside-wms", "duplicate"): "{id} and {other} seem to describe the same cut-over weekend risk. Are they duplicates?",
    ("riverside-wms", "missing_risk"): "I can't see anything about Kestrel support ending on 31 December. What if go-live slips past the freeze?",
    ("northgate-epr", "underrated"): "Both trial loads failed reconciliation, so is probability {p} on {id} realistic?",
    ("northgate-epr", "strategy_mismatch"): "Can we really transfer {id} to Calder? A 25-person firm can't carry clinical harm, and the Trust keeps that risk.",
    ("northgate-epr", "stale_review"): "{id} hasn't been reviewed since April and its actions are all overdue. When was it last looked at properly?",
    ("northgate-epr", "closed_without_reason"): "Why was {id} closed after one good month? Meridian's team is shared with two other trusts going live.",
    ("northgate-epr", "not_escalated"): "{id} scores {score}, above the tolerance of 12. Has it been escalated to the programme board?",
    ("northgate-epr", "wrong_owner"): "Can a supplier's delivery director own {id}? The Trust holds that contract, so shouldn't it sit with procurement?",
    ("northgate-epr", "score_mismatch"): "{id} is {p} x {i}, which is {product}, not {score}. Is the score a typo?",
    ("northgate-epr", "F9"): "Joanne Pike can't release anyone from rotas, so how can the backfill action on {id} be hers? That needs David Kerr.",
    ("northgate-epr", "F10"): "On {id}, the £140k drawn in September is way over the £50k limit and only Helen signed it off. Shouldn't the programme board have approved it?",
    ("northgate-epr", "missing_risk"): "There's nothing on the register about the clinical safety case not being signed off before go-live.",
    ("ravensford-school", "underrated"): "Rev D has the heat pumps finished three working days before Salix's 31 March deadline. Is probability {p} on {id} realistic?",
    ("ravensford-school", "strategy_mismatch"): "Can {id} really be transferred to Brackley? The provisional sums are remeasured and paid by the Council, so that part is still ours.",
    ("ravensford-school", "closed_without_reason"): "Why was {id} closed? The trial pits under the old workshop slab haven't even been dug yet.",
    ("ravensford-school", "not_escalated"): "{id} scores {score}, which is over our tolerance of 12. Why hasn't it gone to Angela's board?",
    ("ravensford-school", "stale_review"): "The actions on {id} were all due in October and it hasn't been reviewed since 8 September. Isn't it out of date?",
    ("ravensford-school", "duplicate"): "{id} and {other} look like the same risk to me: the building handed over late and the school not opening in September. Aren't they duplicates?",
    ("ravensford-school", "missing_response"): "The actions on {id} just say keep it under review and raise it with Brackley. Who is doing what, and by when?",
    ("ravensford-school", "wrong_owner"): "Why does {owner_first} own {id}? He has no budget authority, and only Kieran Walsh as Section 151 officer can cover a cash-flow gap.",
    ("ravensford-school", "missing_risk"): "There's nothing on the register about Brackley going bust, and their parent's accounts carry a going-concern warning.",
}


def fill(template: str, s, flaw) -> str:
    row = s.row(flaw.risk_id) if flaw.risk_id else None
    values = {"other": flaw.other_risk_id}
    if row:
        values.update(
            id=row.id, p=row.probability, i=row.impact, score=row.score,
            product=row.probability * row.impact, owner_first=row.owner.split()[0],
        )
    return template.format(**values)


@pytest.mark.parametrize("scenario_id", sorted({sid for sid, _ in PHRASING}))
def test_every_flaw_is_found_with_natural_phrasing(stack, scenario_id):
    """Each flaw's challenge is credited as a hit: the PM concedes with that flaw's reply."""
    s = variant(scenario_id, SEED)
    learner = f"e2e-every-{scenario_id}"
    stack.say(learner, f'/start_scenario{{"scenario": "{scenario_id}", "seed": {SEED}}}')
    misses = []
    for flaw in s.flaws:
        # A scenario with two flaws of one type phrases each by its id.
        template = PHRASING.get((scenario_id, flaw.id)) or PHRASING[(scenario_id, flaw.type.value)]
        message = fill(template, s, flaw)
        reply = "\n".join(m.get("text", "") for m in stack.say(learner, message))
        # The concession (without its closing question when the fix came in the same message).
        if without_question(flaw.replies.hit) not in reply:
            misses.append((flaw.type.value, message, reply[:200]))
    assert not misses, misses
    progress = "\n".join(m.get("text", "") for m in stack.say(learner, "progress"))
    assert f"{len(s.flaws)} of {len(s.flaws)} flaws found" in progress
