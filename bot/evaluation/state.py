"""What the evaluator needs to know about a session in progress, and what a turn produces."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

from bot.taxonomy import FlawType


class Verdict(str, Enum):
    HIT = "hit"  # the right flaw on the right risk
    PARTIAL = "partial"  # right risk, no clear flaw; or right flaw, no risk
    FALSE = "false"  # nothing of that kind is wrong there
    REPEAT = "repeat"  # already found
    QUESTION = "question"  # a question about the project, answered from the brief
    FIX_ACCEPTED = "fix_accepted"
    FIX_REJECTED = "fix_rejected"
    UNCLEAR = "unclear"  # not a challenge the PM can make sense of; does not count against
    WITHDRAWN = "withdrawn"  # a misread the learner corrected ("I didn't mean R7"): not a challenge
    # Manager level: after an accepted fix the stakeholder objects; the learner's answer is judged.
    AGREED = "agreed"  # the answer met the objection with a reason and a proportionate way forward
    NOT_AGREED = "not_agreed"  # it did not (yet)


# Verdicts that are challenges for scoring and craft (questions and fixes are not).
CHALLENGE_VERDICTS = {Verdict.HIT, Verdict.PARTIAL, Verdict.FALSE, Verdict.REPEAT}
# After this many proposals the PM can't accept, the tutor gives a fix away (it no longer scores).
MAX_FIX_ATTEMPTS = 2


@dataclass
class SessionState:
    found: set[str] = field(default_factory=set)
    fixed: set[str] = field(default_factory=set)
    revealed: set[str] = field(default_factory=set)  # answers given away by the hint ladder
    hint_levels: dict[str, int] = field(default_factory=dict)
    # Flaws whose fix the PM asked for in his last reply: an answer that names no row is for these.
    asked: list[str] = field(default_factory=list)
    fix_attempts: dict[str, int] = field(default_factory=dict)  # rejected proposals per flaw
    fix_given: set[str] = field(default_factory=set)  # fixes the tutor gave away after failed attempts
    # Parts of a fix (indexes of its accept groups) that rejected proposals already gave: the next
    # proposal need only add the rest ("...and impact descriptors for safety too").
    fix_parts: dict[str, set[int]] = field(default_factory=dict)
    focus_risk: Optional[str] = None  # risk under discussion after a partial challenge
    recent: list[str] = field(default_factory=list)  # flaws the last turn was about ("it should be 12")
    order: list[str] = field(default_factory=list)  # flaws in the order they were found
    # The learner's previous message (text, intent, confidence): a correction re-reads it.
    previous: Optional[tuple[str, Optional[str], float]] = None
    agreed: set[str] = field(default_factory=set)  # fixes agreed past the stakeholder's objection
    objection_attempts: dict[str, int] = field(default_factory=dict)  # answers that did not meet it
    unagreed: set[str] = field(default_factory=set)  # objections the tutor answered after failed attempts

    def find(self, flaw_id: str) -> None:
        self.found.add(flaw_id)
        if flaw_id not in self.order:
            self.order.append(flaw_id)

    def apply(self, verdict: str, flaw_id: str | None) -> None:
        """Replay one recorded verdict (in order): the state is derived from the records."""
        if not flaw_id:
            return
        if verdict == Verdict.HIT.value:
            self.find(flaw_id)
        elif verdict == Verdict.FIX_ACCEPTED.value:
            self.fixed.add(flaw_id)
        elif verdict == Verdict.FIX_REJECTED.value and flaw_id not in self.fixed:
            self.fix_attempts[flaw_id] = self.fix_attempts.get(flaw_id, 0) + 1
            if self.fix_attempts[flaw_id] >= MAX_FIX_ATTEMPTS:
                self.fix_given.add(flaw_id)
        elif verdict == Verdict.AGREED.value:
            self.agreed.add(flaw_id)
        elif verdict == Verdict.NOT_AGREED.value and flaw_id not in self.agreed:
            self.objection_attempts[flaw_id] = self.objection_attempts.get(flaw_id, 0) + 1
            if self.objection_attempts[flaw_id] >= MAX_FIX_ATTEMPTS:
                self.unagreed.add(flaw_id)

    def open_objections(self, objecting: set[str]) -> list[str]:
        """Fixes accepted but not yet agreed past the objection (`objecting`: the flaws whose fix
        draws one), the most recent first."""
        fixed = [f for f in reversed(self.order) if f in self.fixed]
        return [f for f in fixed if f in objecting and f not in self.agreed and f not in self.unagreed]

    @property
    def open_fixes(self) -> list[str]:
        """Conceded flaws still waiting for an agreed fix, oldest first: each stays open until it
        is fixed or the session ends, whatever else the learner raises meanwhile."""
        known = self.order + sorted(self.found - set(self.order))
        return [f for f in known if f in self.found and f not in self.fixed]

    def context(self) -> dict:
        """The conversational part, persisted with the session (the rest derives from records)."""
        return {"asked": list(self.asked), "focus_risk": self.focus_risk, "recent": list(self.recent),
                "fix_parts": {f: sorted(p) for f, p in self.fix_parts.items() if p and f not in self.fixed}}


@dataclass
class Judgement:
    """One verdict on one flaw (a message may carry several: two challenges in one)."""

    verdict: Verdict
    flaw_id: Optional[str] = None
    risk_id: Optional[str] = None
    flaw_type: Optional[FlawType] = None


@dataclass
class Reply:
    speaker: str  # "pm" | "tutor"
    text: str
    buttons: list[dict] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # structured payload for rich channels (register)
    name: str = ""  # the PM's name, filled in by the tutor


@dataclass
class Outcome:
    judgements: list[Judgement]
    replies: list[Reply]
    withdraw_previous: bool = False  # the learner corrected a misread of their last message

    @property
    def verdicts(self) -> list[Verdict]:
        return [j.verdict for j in self.judgements]
