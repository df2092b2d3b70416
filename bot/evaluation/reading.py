"""What a learner's message says, in the terms of the register: which risks, which flaw types."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.evaluation.cues import cue_scores
from bot.nlp.patterns import RISK_REF, number_value
from bot.scenarios.model import Scenario
from bot.taxonomy import FlawType, type_for_intent

# Below this the model's intent is a hint among others, not the answer.
CONFIDENT = 0.6
PLAUSIBLE = 0.3
QUESTION_START = re.compile(
    r"^\s*(could|can|would|will|is|isn'?t|are|aren'?t|was|has|hasn'?t|have|haven'?t|do|does|"
    r"doesn'?t|did|should|shouldn'?t|what|why|who|when|where|how|which|i wonder|wonder|"
    r"might|may|just checking|quick question)\b",
    re.IGNORECASE,
)


@dataclass
class Reading:
    text: str
    intent: str | None = None
    confidence: float = 0.0
    risk_ids: list[str] = field(default_factory=list)
    types: list[FlawType] = field(default_factory=list)
    cue_types: set[FlawType] = field(default_factory=set)

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_question(self) -> bool:
        return "?" in self.text or bool(QUESTION_START.match(self.text))

    @property
    def wants_fix(self) -> bool:
        return self.intent == "propose_fix"

    @property
    def asks_about_project(self) -> bool:
        return self.intent == "ask_question"

    @property
    def is_challenge(self) -> bool:
        return bool(self.types) or (self.intent or "").startswith("challenge_")


def _alias_pattern(alias: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(alias.lower()) + r"(?!\w)")


def mentioned_risks(text: str, scenario: Scenario) -> list[str]:
    """Risk ids named by id/number ("R4", "risk four", "#4") or by what they are about."""
    ids = {r.id for r in scenario.rows}
    hits: list[tuple[int, str]] = []
    for m in RISK_REF.finditer(text):
        n = number_value(next(g for g in m.groups() if g))
        if n is not None and f"R{n}" in ids:
            hits.append((m.start(), f"R{n}"))
    low = text.lower()
    for row in scenario.rows:
        for alias in row.aliases:
            m = _alias_pattern(alias).search(low)
            if m:
                hits.append((m.start(), row.id))
                break
    ordered: list[str] = []
    for _, rid in sorted(hits):
        if rid not in ordered:
            ordered.append(rid)
    return ordered


def read(
    text: str,
    scenario: Scenario,
    intent: str | None = None,
    confidence: float = 0.0,
) -> Reading:
    cues = cue_scores(text)
    by_cue = sorted(cues, key=lambda t: -cues[t])
    model_type = type_for_intent(intent) if confidence >= PLAUSIBLE else None
    types: list[FlawType] = []
    if model_type and confidence >= CONFIDENT:
        types.append(model_type)
    types += [t for t in by_cue if t not in types]
    if model_type and model_type not in types:
        types.append(model_type)
    return Reading(
        text=text,
        intent=intent,
        confidence=confidence,
        risk_ids=mentioned_risks(text, scenario),
        types=types,
        cue_types=set(cues),
    )
