"""What the PM (or, at manager level, the stakeholder) says, from the artefact's own facts, when a
challenge has nothing behind it."""
from __future__ import annotations

from bot.scenarios.model import Clause, Row, Scenario
from bot.taxonomy import FlawType as T
from bot.taxonomy import kind


def defend(s: Scenario, row: Row, t: T, refs: list[str]) -> str:
    if t in row.defences:
        return row.defences[t]
    if kind(t).family == "process":
        return (f"I don't see a {kind(t).label} problem in {row.id}: \"{row.title}\" comes from "
                f"{row.project or 'the project'}, scored {row.probability} x {row.impact} = {row.score}, owned by "
                f"{row.owner}. What makes you say so?")
    p, i = row.probability, row.impact
    generic = {
        T.NOT_A_RISK: f"{row.id} hasn't happened. It's uncertain, which is why it's on the risk "
        f"register with a probability of {p} out of 5.",
        T.VAGUE_DESCRIPTION: f"I think {row.id} is clear enough: \"{row.description}\"",
        T.SCORE_MISMATCH: f"Check the sum: {p} x {i} is {p * i}, and {row.id} is scored {row.score}.",
        T.UNDERRATED: f"{row.id} is at probability {p} and impact {i}. I've not seen anything in "
        "the brief that says it should be higher. What makes you think so?",
        T.WRONG_OWNER: f"{row.owner} owns {row.id} and has what's needed to act on it.",
        T.MISSING_RESPONSE: f"There is a plan for {row.id}: {row.actions}",
        T.STRATEGY_MISMATCH: f"We chose to {row.response} {row.id}, and the actions back that up: "
        f"{row.actions}",
        T.STALE_REVIEW: f"{row.id} was last reviewed on {row.last_reviewed:%d %B %Y}. "
        "That's recent enough.",
        T.DUPLICATE: "They're not the same risk: "
        + "; ".join(f"{r.id} is about {r.title.lower()}" for r in map(s.row, refs[:2]) if r),
        T.MISSING_RISK: f"We do have that on the register: {row.id}, \"{row.title}\".",
        T.CLOSED_WITHOUT_REASON: (
            f"{row.id} isn't closed, it's open and being worked."
            if row.status == "open"
            # the closure note is the PM's evidence (an imported register's own words)
            else f"{row.id} was closed, and the note says why: {row.actions}" if row.actions.strip()
            else f"{row.id} was closed because it can't happen any more."
        ),
        T.OPPORTUNITY_SCORED_AS_THREAT: (
            f"{row.id} is an opportunity, scored on the benefit: {p} x {i}, and we plan to {row.response} it."
            if row.opportunity
            else f"{row.id} is a threat, not an opportunity: \"{row.title}\" would hurt us if it happened."
        ),
        T.NOT_ESCALATED: (
            f"{row.id} scores {row.score}, inside the tolerance of {s.tolerance}, so it stays "
            "with the project."
            if row.score <= s.tolerance
            else f"{row.id} has gone to the board: {row.actions}"
        ),
    }
    return generic[t]


NO_MISSING = (
    "I think the register covers what's in the brief. If you think something's missing, "
    "tell me what the risk is and why it could happen here."
)


def defend_clause(clause: Clause, t: T) -> str:
    """A sound clause, wrongly challenged: its own defence, or what it says."""
    if t in clause.defences:
        return clause.defences[t]
    return (f"I think {clause.id} covers that as drafted: \"{clause.text}\" What would go wrong in practice?")


def about_clause(clause: Clause, t: T | None = None) -> str:
    """A question about a clause: the reasoning behind it when the question touches a defended
    point, else what it says."""
    if t is not None and t in clause.defences:
        return clause.defences[t]
    return f"{clause.id}, {clause.title}: \"{clause.text}\""
