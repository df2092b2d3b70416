"""The tutor's hint ladder: a nudge, then a pointer, then the answer (which costs the credit)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.evaluation.fixes import where as spoken_where
from bot.evaluation.state import SessionState
from bot.scenarios.model import Flaw, Scenario
from bot.taxonomy import kind

LADDER = ("nudge", "pointer", "answer")


@dataclass
class Hint:
    flaw: Flaw
    level: int  # 1 nudge, 2 pointer, 3 answer
    text: str


def where(flaw: Flaw) -> str:
    return spoken_where(flaw, spoken=False)


def model_challenge(flaw: Flaw) -> str:
    """The scenario's own wording for this flaw, else the taxonomy's generic example."""
    return flaw.challenge or kind(flaw.type).good_challenge


def next_hint(s: Scenario, state: SessionState) -> Hint | None:
    open_flaws = [f for f in s.flaws if f.id not in state.found and f.id not in state.revealed]
    if not open_flaws:
        return None
    # Stay on the flaw the learner is already climbing the ladder for.
    flaw = max(open_flaws, key=lambda f: state.hint_levels.get(f.id, 0))
    level = min(state.hint_levels.get(flaw.id, 0) + 1, 3)
    state.hint_levels[flaw.id] = level
    if level < 3:
        text = flaw.hints[level - 1]
    else:
        state.revealed.add(flaw.id)
        text = (
            f"Here's one: {where(flaw)}, {kind(flaw.type).label}. {flaw.evidence} "
            f"A good challenge: \"{model_challenge(flaw)}\" Try putting it to the PM."
        )
    return Hint(flaw, level, text)


def waiting_for_fixes(s: Scenario, state: SessionState) -> str:
    """The found flaws still waiting for a fix, by name, so a learner can go back to them."""
    waiting = [s.flaw(f) for f in state.open_fixes if s.flaw(f) is not None]
    objected = [s.flaw(f) for f in state.open_objections(s.objecting)]
    out = []
    if waiting:
        names = "; ".join(where(f) if f.at is None else f"{where(f)} ({kind(f.type).label})" for f in waiting)
        thing = "risk" if s.artefact == "register" else "clause"
        out.append(f"Waiting for your fix: {names}. Name the {thing} and say how you'd put it right, in any order.")
    if objected:
        out.append(f"Not yet agreed: {'; '.join(where(f) for f in objected if f)}. Answer the objection with a "
                   "reason and a proportionate way forward.")
    return " ".join(out)


def no_more_hints(s: Scenario, state: SessionState) -> str:
    unfound = [f for f in s.flaws if f.id not in state.found]
    waiting = waiting_for_fixes(s, state)
    if unfound:
        lead = ("No more hints: the answers for the flaws you haven't found are above. Put them to "
                "the PM in your own words.")
    else:
        lead = "You've found every flaw."
    if waiting:
        return f"{lead} {waiting}"
    return f"{lead} Say \"finish\" for your debrief." if not unfound else lead
