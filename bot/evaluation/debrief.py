"""Score and debrief of a session: found, fixed and missed flaws, false challenges, hints, craft."""
from __future__ import annotations

from dataclasses import dataclass

from bot.evaluation.hints import model_challenge, where
from bot.evaluation.state import CHALLENGE_VERDICTS, SessionState, Verdict
from bot.scenarios.model import LEVEL_ORDER, Scenario
from bot.taxonomy import FlawType, kind

POINTS_FOUND = 10
POINTS_FOUND_AFTER_ANSWER = 3  # found only after the tutor gave it away
POINTS_FIXED = 5
POINTS_AGREED = 5  # manager level: the fix agreed past the stakeholder's objection
PENALTY_FALSE = 3
PENALTY_HINT = {1: 1, 2: 2, 3: 0}  # the answer's cost is the lost credit
CRAFT_POINTS = 10


@dataclass
class ChallengeRecord:
    verdict: Verdict
    text: str
    risk_id: str | None
    flaw_type: str | None
    craft: dict | None  # Craft.as_dict()
    learner_id: str | None = None  # who made it (a team shares one session)
    flaw_id: str | None = None


def rated(challenges: list[ChallengeRecord]) -> list[tuple[ChallengeRecord, dict]]:
    """Each challenge with its craft, counting a way forward offered later in answer to the PM
    ("what would you do?") as part of the challenge it answers."""
    proposed = {
        (c.learner_id, c.flaw_id)
        for c in challenges
        if c.flaw_id and c.verdict in (Verdict.FIX_ACCEPTED, Verdict.FIX_REJECTED)
    }
    out = []
    for c in challenges:
        if c.verdict not in CHALLENGE_VERDICTS or not c.craft:
            continue
        craft = dict(c.craft)
        if not craft.get("fix") and c.flaw_id and (c.learner_id, c.flaw_id) in proposed:
            craft["fix"] = True
            craft["points"] = round(((not craft["accusatory"]) + craft["reason"] + True) / 3, 3)
        out.append((c, craft))
    return out


@dataclass
class Contribution:
    """One member's part in a shared (team) session."""

    learner_id: str
    found: int = 0  # flaws this member was credited with
    fixed: int = 0  # corrections the PM accepted from this member
    challenges: int = 0
    false_challenges: int = 0
    craft: float = 0.0  # mean craft points of this member's challenges, 0..1


def contributions(challenges: list[ChallengeRecord]) -> list[Contribution]:
    """Per-member credit, best first (flaws found, then fixes, then craft)."""
    by: dict[str, Contribution] = {}
    crafted: dict[str, list[float]] = {}
    for c, craft in rated(challenges):
        if c.learner_id:
            crafted.setdefault(c.learner_id, []).append(craft["points"])
    for c in challenges:
        if not c.learner_id:
            continue
        m = by.setdefault(c.learner_id, Contribution(c.learner_id))
        if c.verdict == Verdict.HIT:
            m.found += 1
        elif c.verdict == Verdict.FIX_ACCEPTED:
            m.fixed += 1
        if c.verdict in CHALLENGE_VERDICTS:
            m.challenges += 1
        if c.verdict == Verdict.FALSE:
            m.false_challenges += 1
    for lid, points in crafted.items():
        by[lid].craft = round(sum(points) / len(points), 2)
    return sorted(by.values(), key=lambda m: (-m.found, -m.fixed, -m.craft, m.learner_id))


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def team_lines(sc: dict, members: list[Contribution], names: dict[str, str]) -> list[str]:
    out = [f"Team: {len(members)} members, team score {sc['points']} of {sc['max_points']} ({sc['percent']}%)."]
    for m in members:
        out.append(
            f"- {names.get(m.learner_id) or m.learner_id}: {_n(m.found, 'flaw')} found, {m.fixed} fixed, "
            f"{_n(m.challenges, 'challenge')} ({m.false_challenges} false), craft {round(100 * m.craft)}%."
        )
    return out


def score(s: Scenario, state: SessionState, challenges: list[ChallengeRecord], hint_levels: list[int]) -> dict:
    found = [f for f in s.flaws if f.id in state.found]
    fixed = [f for f in found if f.id in state.fixed]
    false = [c for c in challenges if c.verdict == Verdict.FALSE]
    crafted = [craft["points"] for _, craft in rated(challenges)]
    craft = sum(crafted) / len(crafted) if crafted else 0.0
    points = (
        sum(POINTS_FOUND_AFTER_ANSWER if f.id in state.revealed else POINTS_FOUND for f in found)
        + POINTS_FIXED * len([f for f in fixed if f.id not in state.fix_given])
        + POINTS_AGREED * len([f for f in fixed if f.id in state.agreed])
        - PENALTY_FALSE * len(false)
        - sum(PENALTY_HINT[level] for level in hint_levels)
        + round(CRAFT_POINTS * craft)
    )
    objecting = [f for f in s.flaws if f.fix.objection]
    maximum = (POINTS_FOUND + POINTS_FIXED) * len(s.flaws) + POINTS_AGREED * len(objecting) + CRAFT_POINTS
    points = max(points, 0)
    return {
        "found": len(found),
        "fixed": len(fixed),
        **({"agreed": len([f for f in fixed if f.id in state.agreed]), "objections": len(objecting)}
           if objecting else {}),
        "total": len(s.flaws),
        "false_challenges": len(false),
        "hints": len(hint_levels),
        "craft": round(craft, 2),
        "points": points,
        "max_points": maximum,
        "percent": round(100 * points / maximum),
    }


def _agreement(f, state: SessionState) -> str:
    """How the fix fared against the stakeholder's objection (manager level)."""
    objection = f.fix.objection
    if objection is None:
        return ""
    if f.id in state.agreed:
        return ", and agreed: you met the objection with a reason and a proportionate way forward"
    return (f", but not yet agreed: the objection was \"{objection.text}\" One answer that meets it: "
            f"{objection.model_answer}")


def _craft_feedback(challenges: list[ChallengeRecord]) -> list[str]:
    crafts = [craft for _, craft in rated(challenges)]
    if not crafts:
        return ["You made no challenges, so there is no craft to comment on yet."]
    n = len(crafts)
    asked = sum(c["question"] for c in crafts)
    harsh = sum(c["accusatory"] for c in crafts)
    reasons = sum(c["reason"] for c in crafts)
    fixes = sum(c["fix"] for c in crafts)
    lines = [
        f"Of your {n} challenges, {asked} were asked as questions, {reasons} gave a reason and "
        f"{fixes} came with a way forward (in the challenge or when the PM asked)."
    ]
    if harsh:
        lines.append(
            f"{harsh} sounded like accusations. The PM owns the register; a question that invites "
            "them to look again ('Could we check the owner of R4, given...?') gets further."
        )
    if reasons < n / 2:
        lines.append("Back more challenges with evidence from the brief: dates, figures, events.")
    if fixes < n / 3:
        lines.append("Offer a correction as well as a criticism: the PMO adds value by helping fix it.")
    if not harsh and reasons >= n / 2:
        lines.append("Good tone and good use of evidence: that is the PMO challenge done well.")
    return lines


def debrief(
    s: Scenario,
    state: SessionState,
    challenges: list[ChallengeRecord],
    hint_levels: list[int],
    names: dict[str, str] | None = None,
) -> str:
    """The debrief; when more than one learner challenged (a team), each member's part too."""
    sc = score(s, state, challenges, hint_levels)
    out = [
        f"Debrief: {s.title}",
        f"You found {sc['found']} of {sc['total']} flaws and fixed {sc['fixed']}. "
        f"Score {sc['points']} of {sc['max_points']} ({sc['percent']}%).",
    ]
    found = [f for f in s.flaws if f.id in state.found]
    missed = [f for f in s.flaws if f.id not in state.found]
    if found:
        out.append("Found:")
        for f in found:
            if f.id in state.fixed:
                status = "fixed once the tutor gave the fix" if f.id in state.fix_given else "fixed"
                status += _agreement(f, state)
            else:
                status = f"not fixed (a fix: {f.fix.model_answer})"
            given = " (after the tutor gave it away)" if f.id in state.revealed else ""
            out.append(f"- {where(f)}: {kind(f.type).label}{given}, {status}.")
    if missed:
        out.append("Missed:")
        for f in missed:
            why = f.why_it_matters or kind(f.type).why_it_matters
            basis = f" (The practice behind it: {kind(f.type).reference}.)" if kind(f.type).reference else ""
            out.append(f"- {where(f)}: {kind(f.type).label}. {f.evidence} Why it matters: {why}{basis} "
                       f"You could have said: \"{model_challenge(f)}\" And a fix: {f.fix.model_answer}")
    false = [c for c in challenges if c.verdict == Verdict.FALSE]
    if false:
        out.append(
            f"False challenges: {len(false)}. "
            + "; ".join(
                f"{c.risk_id or 'register'}: {kind(c.flaw_type).label if c.flaw_type else 'unclear'}"
                for c in false
            )
            + ". Check the facts in the brief before challenging: a wrong challenge costs the PMO credibility."
        )
    if hint_levels:
        answers = sum(1 for h in hint_levels if h == 3)
        out.append(f"Hints used: {len(hint_levels)}" + (f", {answers} of them answers." if answers else "."))
    out.append("Craft:")
    out += [f"- {line}" for line in _craft_feedback(challenges)]
    members = contributions(challenges)
    if len(members) > 1:
        out += team_lines(sc, members, names or {})
    return "\n".join(out)


READY = 70  # percent: ready for the next level
AGAIN = 50  # below this, the same project again (a new register) before moving on


def _practises(s: Scenario, missed: dict[str, int]) -> list[str]:
    """The flaw types this scenario seeds that the learner has missed, most missed first."""
    seeded = {f.type.value for f in s.flaws} | {i.flaw.type.value for i in s.pool}  # a seed can pick the pool's
    return sorted((t for t in missed if t in seeded and missed[t] > 0), key=lambda t: (-missed[t], t))


def _weight(s: Scenario, missed: dict[str, int]) -> int:
    return sum(missed[t] for t in _practises(s, missed))


def _why(s: Scenario, missed: dict[str, int]) -> str:
    labels = [kind(FlawType(t)).label for t in _practises(s, missed)[:2]]
    return f" It seeds {' and '.join(labels)}, which you have missed most." if labels else ""


def next_step(done: Scenario, percent: int, scenarios: list[Scenario],
              missed: dict[str, int] | None = None) -> tuple[str, list[Scenario]]:
    """What to practise next, and the scenarios in the order to offer them (the advice first).
    `missed`: how often the learner has missed each flaw type (by value) over their finished
    sessions; among the scenarios of a level, those seeding the most-missed types come first."""
    missed = missed or {}
    # stable: the library's order decides among scenarios that practise the misses equally
    others = sorted((x for x in scenarios if x.id != done.id), key=lambda x: -_weight(x, missed))
    harder = [x for x in others if LEVEL_ORDER[x.level] > LEVEL_ORDER[done.level]]
    same = [x for x in scenarios if x.id == done.id]
    if percent >= READY and harder:
        nxt = min(harder, key=lambda x: LEVEL_ORDER[x.level])
        article = "an" if done.level[:1] in "aeiou" else "a"
        return (f"{percent}% on {article} {done.level} scenario: you're ready for {nxt.title} ({nxt.level})."
                f"{_why(nxt, missed)} Or replay this one{_new_register(done)}:",
                [nxt, *same, *(x for x in others if x is not nxt)])
    if percent < AGAIN:
        again = ("" if not done.rows else " with a new register (some flaws new, the rows shuffled and renumbered)"
                 if done.pool else " with a new register (the same flaws, shuffled and renumbered)")
        return (f"Try this project again{again} before moving on, or pick another scenario:", [*same, *others])
    if others and _weight(others[0], missed):
        return (f"Try {others[0].title} next.{_why(others[0], missed)} Or another scenario, or the same one"
                f"{_new_register(done)}:", [*others, *same])
    return f"Try another scenario, or the same one{_new_register(done)}:", [*others, *same]


def _new_register(done: Scenario) -> str:
    return " with a new register" if done.rows else ""
