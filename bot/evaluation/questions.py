"""The PM answers questions about the project from the brief and the register."""
from __future__ import annotations

import re

from bot.evaluation.defences import about_clause
from bot.evaluation.reading import Reading
from bot.nlp.patterns import RISK_REF
from bot.scenarios.model import Person, Row, Scenario
from bot.taxonomy import FlawType as T

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


def _aspect_answer(row: Row, aspect: str) -> str:
    if aspect == "owner":
        return f"{row.id} is owned by {row.owner}."
    if aspect == "score":
        return f"{row.id} is rated probability {row.probability}, impact {row.impact}, score {row.score}."
    if aspect == "actions":
        return f"For {row.id} the response is '{row.response}'. Actions: {row.actions}"
    if aspect == "review":
        return f"{row.id} was last reviewed on {row.last_reviewed:%d %B %Y}."
    return f"{row.id} is {row.status}."


_WHY = re.compile(r"\b(why|how come|what makes|is (that|it|this) right|justif|reasoning|basis)\b")
_TYPES_OF = {
    "owner": (T.WRONG_OWNER,),
    "score": (T.UNDERRATED, T.SCORE_MISMATCH, T.NOT_ESCALATED, T.OPPORTUNITY_SCORED_AS_THREAT),
    "actions": (T.MISSING_RESPONSE, T.STRATEGY_MISMATCH), "review": (T.STALE_REVIEW,),
    "status": (T.CLOSED_WITHOUT_REASON,),
}


def _reasons_or_row(row: Row, low: str) -> str:
    """"Why is R7 only a 2?" gets the PM's reasons for the row, when he has them."""
    if _WHY.search(low):
        for aspect, pattern in _ASPECTS:
            if pattern.search(low):
                reason = next((row.defences[t] for t in _TYPES_OF[aspect] if t in row.defences), None)
                if reason:
                    return reason
    return _about_row(row, low)


def _about_row(row: Row, low: str) -> str:
    for aspect, pattern in _ASPECTS:
        if pattern.search(low):
            return _aspect_answer(row, aspect)
    return row_card(row)


def _fact_scores(s: Scenario, low: str):
    for fact in s.brief.facts:
        yield sum(2 if " " in k else 1 for k in fact.keywords if k.lower() in low), fact.answer


def best_fact(s: Scenario, low: str, at_least: int = 1) -> str | None:
    """The brief's fact whose keywords the message hits most, if it hits at least `at_least`."""
    best, best_score = None, at_least - 1
    for score, answer in _fact_scores(s, low):
        if score > best_score:
            best, best_score = answer, score
    return best


# What a question about a row is asking, by the kind of flaw it brushes against.
_ASPECT_OF = {
    T.WRONG_OWNER: "owner", T.SCORE_MISMATCH: "score", T.UNDERRATED: "score",
    T.NOT_ESCALATED: "score", T.MISSING_RESPONSE: "actions", T.STRATEGY_MISMATCH: "actions",
    T.STALE_REVIEW: "review", T.CLOSED_WITHOUT_REASON: "status", T.OPPORTUNITY_SCORED_AS_THREAT: "score",
}


def answer_about_row(s: Scenario, row: Row, reading: Reading, t: T | None) -> str:
    """An honest answer to a question about a sound row: the brief's fact when the question is
    about it, else the PM's own reasons for the row, else what the row says."""
    fact = best_fact(s, reading.low, at_least=2)
    if fact:
        return fact
    if t in row.defences:
        return row.defences[t]
    aspect = _ASPECT_OF.get(t)
    if aspect == "score" and t == T.NOT_ESCALATED:
        side = "inside" if row.score <= s.tolerance else "above"
        return (f"{row.id} scores {row.score} ({row.probability} x {row.impact}), {side} the tolerance of "
                f"{s.tolerance}. Anything above {s.tolerance} goes up: {s.escalation_route}")
    if aspect:
        return _aspect_answer(row, aspect)
    return _about_row(row, reading.low)


_STOP = {"the", "a", "an", "and", "or", "of", "to", "for", "on", "in", "is", "it", "we", "was", "be",
         "has", "have", "did", "do", "does", "with", "by", "at", "this", "that", "what", "who", "why",
         "how", "when", "were", "are", "any", "there", "our", "project", "risk", "i", "you"}


def who_would_know(s: Scenario, low: str) -> Person:
    """The person whose remit the question touches most; the sponsor when nobody's does."""
    words = set(_WORD.findall(low)) - _STOP
    def overlap(p: Person) -> int:
        return len(words & (set(_WORD.findall(f"{p.role} {p.authority}".lower())) - _STOP))
    pm = s.persona.name
    people = [p for p in s.brief.people if p.name != pm] or list(s.brief.people)
    best = max(people, key=overlap)
    if overlap(best):
        return best
    return next((p for p in people if re.search(r"sponsor|\bsro\b|senior responsible", p.role, re.I)), people[0])


def not_in_the_brief(s: Scenario, low: str) -> str:
    p = who_would_know(s, low)
    return (f"That's not in what I've got in front of me, I'm afraid. I'd have to check with "
            f"{p.name} ({p.role}) and come back to you.")


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
        return " ".join(_reasons_or_row(s.row(r), low) if s.row(r) else about_clause(s.clause(r))
                        for r in reading.risk_ids[:2])
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
    return not_in_the_brief(s, low)
