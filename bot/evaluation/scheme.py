"""An organisation's own scoring scheme: its scales (1-4, 1-5, 1-10), its tolerance, per category
if it sets them, its RAG bands and its escalation route. The linter judges a register against it
instead of the built-in 5 x 5 with a single tolerance, and says which scheme it used.

A scheme file is YAML:

    name: Northshire Council 4 x 4
    probability: 4            # the top of each scale
    impact: 4
    tolerance: 8              # scores above this are escalated...
    tolerances:               # ...unless the category sets its own
      Health and safety: 3
      Financial: 12
    rag: {red: 9, amber: 4}   # a score at or above each is that colour
    escalation: Programme board within five working days
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

SCALES = (4, 5, 10)
KEYS = {"name", "probability", "impact", "tolerance", "tolerances", "rag", "escalation"}


class SchemeError(ValueError):
    """A scheme file that cannot be used; the message says which field and why."""


@dataclass(frozen=True)
class Scheme:
    name: str
    probability: int = 5
    impact: int = 5
    tolerance: int = 15
    tolerances: dict[str, int] = field(default_factory=dict)  # by category, lower-case
    rag: dict[str, int] = field(default_factory=dict)
    escalation: str = ""

    def tolerance_for(self, category: str) -> int:
        return self.tolerances.get(category.strip().lower(), self.tolerance)

    def describe(self) -> str:
        parts = [f"{self.name}: probability 1-{self.probability} x impact 1-{self.impact}",
                 f"tolerance {self.tolerance}"]
        parts += [f"{c} {t}" for c, t in self.tolerances.items()]
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {"name": self.name, "probability": self.probability, "impact": self.impact,
                "tolerance": self.tolerance, "tolerances": self.tolerances, "rag": self.rag,
                "escalation": self.escalation}


def built_in(tolerance: int = 15) -> Scheme:
    return Scheme("the built-in 5 x 5", tolerance=tolerance)


def _whole(value, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SchemeError(f"{where}: a whole number from {low} to {high}, not {value!r}")
    return value


def parse_scheme(text: str, source: str = "scheme") -> Scheme:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SchemeError(f"{source}: not valid YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(raw, dict):
        raise SchemeError(f"{source}: expected fields such as name, probability, impact, tolerance")
    unknown = sorted(set(map(str, raw)) - KEYS)
    if unknown:
        raise SchemeError(f"{source}: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(KEYS))})")
    p, i = raw.get("probability", 5), raw.get("impact", 5)
    for where, top in (("probability", p), ("impact", i)):
        if top not in SCALES:
            raise SchemeError(f"{source}: {where} is the top of its scale: one of {', '.join(map(str, SCALES))}")
    most = p * i
    tolerances = raw.get("tolerances") or {}
    rag = raw.get("rag") or {}
    if not isinstance(tolerances, dict) or not isinstance(rag, dict):
        raise SchemeError(f"{source}: tolerances and rag are lists of name: score")
    return Scheme(
        name=str(raw.get("name") or Path(source).stem)[:80],
        probability=p, impact=i,
        tolerance=_whole(raw.get("tolerance", min(15, most - 1)), f"{source}: tolerance", 1, most),
        tolerances={str(c).strip().lower(): _whole(t, f"{source}: tolerances.{c}", 1, most) for c, t in tolerances.items()},
        rag={str(c).strip().lower(): _whole(t, f"{source}: rag.{c}", 1, most) for c, t in rag.items()},
        escalation=str(raw.get("escalation") or "")[:300],
    )


def load_scheme(path: Path | str) -> Scheme:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SchemeError(f"{path.name}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    return parse_scheme(text, path.name)
