"""How the brief, the artefact (a register or a draft policy) and progress read in a chat."""
from __future__ import annotations

import re

from bot.scenarios.model import Clause, Row, Scenario


def start_payload(scenario_id: str, seed: int | None = None) -> str:
    seed_part = f', "seed": {seed}' if seed is not None else ""
    return f'/start_scenario{{"scenario": "{scenario_id}"{seed_part}}}'


def scenario_buttons(scenarios: list[Scenario], seeds: dict[str, int] | None = None) -> list[dict]:
    """`seeds`: the register chosen for a scenario (what-next picks one that practises the misses)."""
    seeds = seeds or {}
    return [{"title": s.title, "payload": start_payload(s.id, seeds.get(s.id))} for s in scenarios]


def scenario_menu(scenarios: list[Scenario]) -> str:
    # One line each, the summary's first sentence: a menu of nine must fit one Telegram message.
    lines = ["Choose a scenario to practise:"]
    for s in scenarios:
        first = re.split(r"(?<=[.!?])\s", s.summary.strip(), maxsplit=1)[0]
        lines.append(f"- {s.title} ({s.level}): {first}")
    return "\n".join(lines)


def brief_text(s: Scenario) -> str:
    b = s.brief
    lines = [
        f"Project brief: {b.project} ({b.organisation})",
        b.overview,
        f"Budget: {b.budget}",
        "Key dates: " + "; ".join(f"{m.name} {m.date:%d %b %Y}" for m in b.milestones),
        "People:",
        *[f"- {p.name}, {p.role}: {p.authority}" for p in b.people],
    ]
    if b.suppliers:
        lines.append("Suppliers:")
        lines += [f"- {x.name}: {x.provides}. {x.notes}".rstrip() for x in b.suppliers]
    lines.append("Recent events:")
    lines += [f"- {e}" for e in b.recent_events]
    lines.append(
        f"Risk tolerance: scores above {s.tolerance} must be escalated ({s.escalation_route}). "
        f"Today is {s.as_of:%d %B %Y}."
    )
    return "\n".join(lines)


def _first_sentences(text: str, n: int) -> str:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z£0-9])", text.strip())
    return " ".join(parts[:n])


def brief_card(s: Scenario) -> str:
    """The opening's short brief: enough to read the register by; the rest is one word away."""
    b = s.brief
    dated = sorted(b.milestones, key=lambda m: m.date)
    coming = [m for m in dated if m.date >= s.as_of][:4] or dated[-3:]
    return "\n".join([
        f"Project brief: {b.project} ({b.organisation})",
        _first_sentences(b.overview, 2),
        f"Budget: {_first_sentences(b.budget, 1)}",
        "Coming up: " + "; ".join(f"{m.name} {m.date:%d %b %Y}" for m in coming),
        f"Tolerance: scores above {s.tolerance} are escalated. Today is {s.as_of:%d %B %Y}.",
        "The people, suppliers, dates and recent events are in the full brief: say \"brief\".",
    ])


def row_line(r: Row) -> str:
    project = f" [{r.project}]" if r.project else ""
    return (
        f"{r.id}{project} {r.title} | P{r.probability} x I{r.impact} = {r.score} | Owner: {r.owner} | "
        f"{r.response} | {r.status} | reviewed {r.last_reviewed:%d %b %Y}\n"
        f"   {r.description}\n   Actions: {r.actions}"
    )


def clause_line(c: Clause) -> str:
    return f"{c.id} {c.title}\n   {c.text}"


def register_text(s: Scenario) -> str:
    """The artefact the learner challenges: the register's rows or the draft policy's clauses."""
    if s.artefact == "policy":
        head = f"{s.brief.project} (as of {s.as_of:%d %b %Y})"
        return "\n".join([head, *[clause_line(c) for c in s.clauses]])
    head = f"Risk register: {s.brief.project} (as of {s.as_of:%d %b %Y})"
    return "\n".join([head, *[row_line(r) for r in s.rows]])


def register_data(s: Scenario) -> dict:
    data = {"tolerance": s.tolerance, "as_of": s.as_of.isoformat()}
    if s.artefact == "policy":  # the title heads the clause list where the text version is dropped
        return {"clauses": [c.public() for c in s.clauses], "title": s.brief.project, **data}
    return {"register": [r.public() for r in s.rows], **data}


def persona_role(s: Scenario) -> str:
    """What the role-played speaker is, for a chat label: a manager-level stakeholder is not a PM."""
    if s.level != "manager":
        return "Project Manager"
    person = next((p for p in s.brief.people if p.name == s.persona.name), None)
    return re.split(r"[;,]", person.role)[0].strip() if person else "Stakeholder"


HOW_TO_PLAY_MANAGER = (
    "You're the PMO manager. Challenge anything in this draft that won't work: name the part "
    "(\"C4\", \"clause 7\", \"the escalation bands\", or a row) and say what's wrong and why; when "
    "it's conceded, propose the fix, then get it agreed: expect objections, and answer them with a "
    "reason and a proportionate way forward. \"hint\", \"progress\", \"brief\" and \"finish\" do what they say."
)

HOW_TO_PLAY = (
    "You're the PMO. Challenge anything in the PM's register that isn't right: name the risk "
    "(\"R4\", \"the supplier one\") and say what's wrong and why; when he agrees, tell him how "
    "you'd fix it (now or later, naming the risk). Ask him about the project any time. "
    "\"hint\", \"progress\", \"brief\", \"register\" and \"finish\" do what they say."
)
