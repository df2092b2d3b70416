"""Scenario schema: the one definition used by the loader, validator, evaluator and trainer API.

A scenario is a project brief, a Project Manager persona, a risk register and the answer key
(the seeded flaws). Text fields may name risks as `{R3}`: variants renumber the rows, and the
placeholder is rendered with the variant's id.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Dict, List, Optional

from pydantic import BaseModel, Field, root_validator, validator

from bot.taxonomy import FlawType

RISK_ID = re.compile(r"^R\d{1,2}$")
SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,40}$")
LEVELS = ("foundation", "practitioner", "advanced")  # easiest first
LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}
STRATEGIES = ("avoid", "reduce", "fallback", "transfer", "share", "accept", "none")


class Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True
        allow_population_by_field_name = True


class Person(Strict):
    name: str
    role: str
    authority: str = Field(..., description="what they control: budget, contracts, decisions")


class Supplier(Strict):
    name: str
    provides: str
    notes: str = ""


class Milestone(Strict):
    name: str
    date: dt.date


class Fact(Strict):
    """Something the PM can answer when asked about the project."""

    topic: str
    keywords: List[str] = Field(..., min_items=1)
    answer: str


class Brief(Strict):
    project: str
    organisation: str
    overview: str
    budget: str
    milestones: List[Milestone] = Field(..., min_items=1)
    people: List[Person] = Field(..., min_items=2)
    suppliers: List[Supplier] = []
    recent_events: List[str] = Field(..., min_items=1)
    facts: List[Fact] = []


class Persona(Strict):
    name: str
    style: str
    opening: str = Field(..., description="how the PM introduces the register")
    defend_generic: str = Field(..., description="PM's reply to a challenge with nothing behind it")
    clarify_generic: str = Field(..., description="PM's reply to a challenge that is too vague")
    closing: str = Field(..., description="PM's last words when the learner finishes")


class Row(Strict):
    id: str
    title: str
    description: str
    category: str
    probability: int = Field(..., ge=1, le=5)
    impact: int = Field(..., ge=1, le=5)
    score: int = Field(..., ge=0, le=25)
    owner: str
    response: str = Field(..., description="strategy: " + ", ".join(STRATEGIES))
    actions: str
    status: str
    last_reviewed: dt.date
    aliases: List[str] = Field(
        [], description="how learners may refer to it: 'the supplier one', 'data migration'"
    )
    defences: Dict[FlawType, str] = Field(
        {}, description="what the PM says when this row is wrongly challenged for a flaw type"
    )

    @validator("id")
    def _risk_id(cls, v: str) -> str:
        if not RISK_ID.match(v):
            raise ValueError("must look like R1, R2, ... R99")
        return v

    @validator("status")
    def _status(cls, v: str) -> str:
        if v not in ("open", "closed"):
            raise ValueError("must be 'open' or 'closed'")
        return v

    @validator("response")
    def _response(cls, v: str) -> str:
        if v not in STRATEGIES:
            raise ValueError(f"must be one of {', '.join(STRATEGIES)}")
        return v

    def public(self) -> dict:
        """The contract's Row: what the learner sees."""
        d = self.dict(exclude={"aliases", "defences"})
        d["last_reviewed"] = self.last_reviewed.isoformat()
        return d


class Fix(Strict):
    """What counts as an acceptable correction once the PM concedes a flaw."""

    ask: Optional[str] = Field(None, description="PM's question; default from the taxonomy")
    accept: List[List[str]] = Field(
        ...,
        min_items=1,
        description="keyword groups: a proposal is acceptable when every group has one of its "
        "terms (matched at the start of a word, so 'mitigat' covers 'mitigation'; numbers only "
        "as whole numbers)",
    )
    model_answer: str
    accepted_reply: str
    rejected_reply: str


class Replies(Strict):
    hit: str = Field(..., description="PM concedes in character")
    partial: str = Field(..., description="PM pushes back: right area, not enough said")
    repeat: Optional[str] = None


class Flaw(Strict):
    id: str
    type: FlawType
    risk_id: Optional[str] = None
    other_risk_id: Optional[str] = None
    topic: str
    evidence: str = Field(..., description="where the brief shows the flaw")
    why_it_matters: Optional[str] = None
    challenge: Optional[str] = Field(
        None, description="a model challenge, as a PMO would put it to this PM (hints and debrief)"
    )
    keywords: List[str] = Field(
        [], description="words that point at this flaw (required for missing_risk: its topic)"
    )
    replies: Replies
    hints: List[str] = Field(..., min_items=2, max_items=2, description="a nudge, then a pointer")
    fix: Fix

    @root_validator(skip_on_failure=True)
    def _shape(cls, values: dict) -> dict:
        t, rid, other = values["type"], values.get("risk_id"), values.get("other_risk_id")
        if t == FlawType.MISSING_RISK:
            if rid or other:
                raise ValueError("a missing_risk flaw has no risk_id or other_risk_id")
            if not values.get("keywords"):
                raise ValueError("a missing_risk flaw needs keywords naming the missing risk")
        else:
            if not rid:
                raise ValueError(f"a {t.value} flaw needs risk_id")
            if t == FlawType.DUPLICATE and not other:
                raise ValueError("a duplicate flaw needs other_risk_id")
            if t != FlawType.DUPLICATE and other:
                raise ValueError("only a duplicate flaw has other_risk_id")
        return values

    def public(self, found: bool = False, fixed: bool = False) -> dict:
        """The contract's Flaw."""
        return {
            "id": self.id,
            "type": self.type.value,
            "risk_id": self.risk_id,
            "other_risk_id": self.other_risk_id,
            "topic": self.topic,
            "found": found,
            "fixed": fixed,
        }


class Scenario(Strict):
    id: str
    title: str
    level: str
    summary: str
    as_of: dt.date = Field(..., description="the scenario's 'today', for review dates")
    tolerance: int = Field(..., ge=1, le=25, description="scores above this go to the board")
    escalation_route: str
    brief: Brief
    persona: Persona
    # "register" would shadow a pydantic method, so the field is `rows` and the file key "register".
    rows: List[Row] = Field(..., alias="register", min_items=8, max_items=12)
    flaws: List[Flaw] = Field(..., min_items=3)

    @validator("id")
    def _id(cls, v: str) -> str:
        if not SCENARIO_ID.match(v):
            raise ValueError("must be 3-41 lower-case letters, digits and hyphens")
        return v

    @validator("level")
    def _level(cls, v: str) -> str:
        if v not in LEVELS:
            raise ValueError(f"must be one of {', '.join(LEVELS)}")
        return v

    @root_validator(skip_on_failure=True)
    def _references(cls, values: dict) -> dict:
        ids = [r.id for r in values["rows"]]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"register: risk ids repeated: {', '.join(sorted(dupes))}")
        flaw_ids = [f.id for f in values["flaws"]]
        if len(set(flaw_ids)) != len(flaw_ids):
            raise ValueError("flaws: flaw ids must be unique")
        for f in values["flaws"]:
            for ref in (f.risk_id, f.other_risk_id):
                if ref and ref not in ids:
                    raise ValueError(f"flaws: {f.id} names {ref}, which is not in the register")
        return values

    def row(self, risk_id: str) -> Row | None:
        return next((r for r in self.rows if r.id == risk_id), None)

    def flaw(self, flaw_id: str) -> Flaw | None:
        return next((f for f in self.flaws if f.id == flaw_id), None)

    def summary_card(self) -> dict:
        return {"id": self.id, "title": self.title, "level": self.level, "summary": self.summary}
