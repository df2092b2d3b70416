"""The PM answers questions about the project from the brief and the register."""
from __future__ import annotations

import re

from bot.evaluation.reading import Reading
from bot.nlp.patterns import RISK_REF
from bot.scenarios.model import Row, Scenario

_ASPECTS = [
    ("owner", re.compile(r"\b(who|owner|owns|owned|own)\b")),
    ("score", re.compile(r"\b(score|scored|rating|rated|probability|likelihood|impact|p\s?x\s?i)\b")),
    ("actions", re.compile(r"\b(action|actions|response|mitigat|plan|doing|done)\w*")),
    ("review", re.compile(r"\b(review|reviewed|updated|last looked)\w*")),
    ("status", re.compile(r"\b(status|closed|open)\b")),
]
_WORD = re.compile(r"[a-z0-9£']+")
# Words that show a question is about a row of the register, not the project at large.
_ROW_WORDS = re.compile(r"\b(risks?|rows?|ones?|entry|entries|register)\b")


def row_card(row: Row) -> str:
    return (
        f"{row.id} {row.title}: {row.description} "
        f"Probability {row.probability}, impact {row.impact}, score {row.score}. "
        f"Owner: {row.owner}. Response: {row.response}. Actions: {row.actions} "
        f"Status: {row.status}, last reviewed {row.last_reviewed:%d %b %Y}."
    )


def _about_row(row: Row, low: str) -> str:
    for aspect, pattern in _ASPECTS:
        if pattern.search(low):
            if aspect == "owner":
                return f"{row.id} is owned by {row.owner}."
            if aspect == "score":
                return (
                    f"{row.id} is rated probability {row.probability}, impact {row.impact}, "
                    f"score {row.score}."
                )
            if aspect == "actions":
                return f"For {row.id} the response is '{row.response}'. Actions: {row.actions}"
            if aspect == "review":
                return f"{row.id} was last reviewed on {row.last_reviewed:%d %B %Y}."
            return f"{row.id} is {row.status}."
    return row_card(row)


def best_fact(s: Scenario, low: str) -> str | None:
    """The brief's fact whose keywords the message hits most, if any."""
    best, best_score = None, 0
    for fact in s.brief.facts:
        score = sum(2 if " " in k else 1 for k in fact.keywords if k.lower() in low)
        if score > best_score:
            best, best_score = fact.answer, score
    return best


def _about_the_register(reading: Reading, low: str) -> bool:
    """Named by id or number, called a risk/row/one, or asked about an owner, score, action...

    A risk named only by an alias that is also an everyday word ("budget", "training") in a
    question like "what's the budget?" is a question about the project, not about that row.
    """
    return (
        bool(RISK_REF.search(reading.text))
        or bool(_ROW_WORDS.search(low))
        or any(pattern.search(low) for _, pattern in _ASPECTS)
    )


def answer_question(s: Scenario, reading: Reading) -> str:
    low = reading.low
    best = best_fact(s, low)
    if reading.risk_ids and (best is None or _about_the_register(reading, low)):
        return " ".join(_about_row(s.row(r), low) for r in reading.risk_ids[:2])
    words = set(_WORD.findall(low))
    if best:
        return best
    for person in s.brief.people:
        first, *rest = person.name.split()
        names = {person.name.lower(), first.lower()} | ({rest[-1].lower()} if rest else set())
        if names & words or person.name.lower() in low or person.role.lower() in low:
            return f"{person.name} is our {person.role}. {person.authority}"
    for supplier in s.brief.suppliers:
        if supplier.name.lower().split()[0] in words:
            return f"{supplier.name} provide {supplier.provides}. {supplier.notes}".strip()
    if words & {"tolerance", "escalate", "escalation", "threshold", "board"}:
        return (
            f"Anything scoring above {s.tolerance} goes to the board. Route: {s.escalation_route}"
        )
    if words & {"budget", "cost", "money", "contingency", "spend"}:
        return s.brief.budget
    if words & {"when", "date", "dates", "milestone", "milestones", "deadline", "live", "timeline"}:
        return "Key dates: " + "; ".join(f"{m.name} {m.date:%d %b %Y}" for m in s.brief.milestones)
    if words & {"who", "people", "team", "stakeholders"}:
        return "The team: " + "; ".join(f"{p.name} ({p.role})" for p in s.brief.people)
    return (
        "I'd have to check on that. What I know is in the brief (say 'brief' to see it again), "
        "or ask me about a particular risk."
    )
