"""How well a challenge was made, not just whether it was right: the PMO's craft.

A good challenge is asked (not thrown), gives a reason from the facts, and offers a way forward.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from bot.evaluation.evaluator import PROPOSAL
from bot.evaluation.reading import Reading

REASON = re.compile(
    r"\b(because|since|given|as (the|it|we|they|he|she|you)|seeing as|considering|due to|"
    r"after|according to|the brief|already|so the|which means|otherwise|if)\b|\d",
    re.IGNORECASE,
)
HARSH = re.compile(
    r"\b(rubbish|ridiculous|nonsense|useless|stupid|incompetent|sloppy|lazy|joke|"
    r"pathetic|clueless|terrible|awful|shambles|obviously|clearly you|you failed|you forgot|"
    r"you missed|you didn'?t|how could you|what were you thinking)\b",
    re.IGNORECASE,
)
BLUNT = re.compile(r"\b(wrong|incorrect|bad|poor)\b|!", re.IGNORECASE)


@dataclass(frozen=True)
class Craft:
    question: bool  # asked as a question, inviting the PM to look again
    accusatory: bool
    reason: bool  # backed by a fact or the brief
    fix: bool  # proposed a way forward

    @property
    def points(self) -> float:
        """0..1: a third each for tone, reason and proposal."""
        return round(((not self.accusatory) + self.reason + self.fix) / 3, 3)

    def as_dict(self) -> dict:
        return asdict(self) | {"points": self.points}


def rate(reading: Reading) -> Craft:
    text = reading.text
    harsh = bool(HARSH.search(text))
    question = reading.is_question
    blunt_statement = bool(BLUNT.search(text)) and not question
    return Craft(
        question=question,
        accusatory=harsh or blunt_statement,
        reason=bool(REASON.search(text)),
        fix=bool(PROPOSAL.search(text)),
    )
