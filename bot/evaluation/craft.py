"""How well a challenge was made, not just whether it was right: the PMO's craft.

A good challenge is asked (not thrown), gives a reason from the facts, and offers a way forward.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from bot.evaluation.reading import Reading
from bot.nlp.patterns import RISK_REF

REASON = re.compile(
    r"\b(because|since|given|as (the|it|we|they|he|she|you)|seeing as|considering|due to|"
    r"after|according to|the brief|already|so the|which means|otherwise)\b|\d",
    re.IGNORECASE,
)
HARSH = re.compile(
    r"\b(rubbish|ridiculous|nonsense|useless|stupid|incompetent|sloppy|lazy|joke|"
    r"pathetic|clueless|terrible|awful|shambles|obviously|clearly you|you failed|you forgot|"
    r"you missed|you didn'?t|how could you|what were you thinking)\b",
    re.IGNORECASE,
)
# A concrete way forward; polite openers ("could we check...") alone are not a proposal.
OFFER = re.compile(
    r"\b(should (be|own|go|sit|move|have|read|say|get)|instead|propose|suggest|recommend|"
    r"how about|why not|let'?s|i'?d (make|move|give|put|add|change|reword|log|escalate|keep|merge)|"
    r"make it|move it|change it|set it|reword|rewrite|log it|raise it|escalate it|merge|reopen|"
    r"re-open|assign|give it to|put it (on|in|to)|add a)\b",
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
        # A figure is evidence ("3 x 4 is 12", "since 7 Sep"); the number in "R6" or "risk 6" is not.
        reason=bool(REASON.search(RISK_REF.sub(" ", text))),
        fix=bool(OFFER.search(text)),
    )
