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


# Verdicts that are challenges for scoring and craft (questions and fixes are not).
CHALLENGE_VERDICTS = {Verdict.HIT, Verdict.PARTIAL, Verdict.FALSE, Verdict.REPEAT}


@dataclass
class SessionState:
    found: set[str] = field(default_factory=set)
    fixed: set[str] = field(default_factory=set)
    revealed: set[str] = field(default_factory=set)  # answers given away by the hint ladder
    hint_levels: dict[str, int] = field(default_factory=dict)
    pending_fix: Optional[str] = None  # flaw the PM conceded and asked a correction for
    fix_attempts: int = 0
    focus_risk: Optional[str] = None  # risk under discussion after a partial challenge

    def context(self) -> dict:
        """The conversational part, persisted with the session (the rest derives from records)."""
        return {
            "pending_fix": self.pending_fix,
            "fix_attempts": self.fix_attempts,
            "focus_risk": self.focus_risk,
        }


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

    @property
    def verdicts(self) -> list[Verdict]:
        return [j.verdict for j in self.judgements]
