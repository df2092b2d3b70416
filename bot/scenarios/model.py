"""Scenario schema: the one definition used by the loader, validator, evaluator and trainer API.

A scenario is a brief, a persona (a Project Manager, or at manager level a senior stakeholder),
the artefact they present and the answer key (the seeded flaws). The artefact is a risk register
(rows R1..Rn; at manager level a portfolio register whose rows name their project) or a draft
risk-management policy (clauses C1..Cn). Rows and clauses are the artefact's *items*: a flaw sits
on one (or two, for a duplicate), or on none (a missing risk, a report-level gap). Text fields
may name rows as `{R3}`: variants renumber the rows, and the placeholder is rendered with the
variant's id; clauses keep their numbers.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field, root_validator, validator

from bot.taxonomy import FlawType, kind

RISK_ID = re.compile(r"^R\d{1,2}$")
CLAUSE_ID = re.compile(r"^C\d{1,2}$")
SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,40}$")
LEVELS = ("foundation", "practitioner", "advanced", "manager")  # easiest first
ARTEFACTS = ("register", "policy")
LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}
STRATEGIES = ("avoid", "reduce", "fallback", "transfer", "share", "accept", "none")
# An opportunity (a positive risk) is exploited, enhanced, shared or accepted.
OPPORTUNITY_STRATEGIES = ("exploit", "enhance", "share", "accept", "none")
RESPONSES = tuple(dict.fromkeys(STRATEGIES + OPPORTUNITY_STRATEGIES))


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
    response: str = Field(..., description="strategy: " + ", ".join(RESPONSES))
    actions: str
    status: str
    last_reviewed: dt.date
    aliases: List[str] = Field(
        [], description="how learners may refer to it: 'the supplier one', 'data migration'"
    )
    defences: Dict[FlawType, str] = Field(
        {}, description="what the PM says when this row is wrongly challenged for a flaw type"
    )
    project: Optional[str] = Field(None, description="the project a portfolio register's row comes from")
    opportunity: bool = Field(False, description="a positive risk: its impact is the benefit if it happens")

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
        if v not in RESPONSES:
            raise ValueError(f"must be one of {', '.join(RESPONSES)}")
        return v

    def public(self) -> dict:
        """The contract's Row: what the learner sees."""
        hidden = {"aliases", "defences"} | ({"project"} if self.project is None else set())
        d = self.dict(exclude=hidden | ({"opportunity"} if not self.opportunity else set()))
        d["last_reviewed"] = self.last_reviewed.isoformat()
        return d


class Clause(Strict):
    """A numbered clause of a draft risk-management policy."""

    id: str
    title: str
    text: str
    aliases: List[str] = Field([], description="how learners may refer to it: 'the escalation bands'")
    defences: Dict[FlawType, str] = Field(
        {}, description="what the stakeholder says when this clause is wrongly challenged for a flaw type"
    )

    @validator("id")
    def _clause_id(cls, v: str) -> str:
        if not CLAUSE_ID.match(v):
            raise ValueError("must look like C1, C2, ... C99")
        return v

    def public(self) -> dict:
        """The contract's clause: what the learner sees."""
        return {"id": self.id, "title": self.title, "text": self.text}


class Objection(Strict):
    """At manager level an accepted fix still has to be agreed: the stakeholder objects as a real
    one would, and the learner's answer must meet it with a reason and a proportionate way forward."""

    text: str = Field(..., description="the objection, in character")
    accept: List[List[str]] = Field(
        ..., min_items=1, description="keyword groups an answer that meets the objection has (as Fix.accept)"
    )
    model_answer: str
    accepted_reply: str
    rejected_reply: str


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
    objection: Optional[Objection] = None


class Replies(Strict):
    hit: str = Field(..., description="PM concedes in character")
    partial: str = Field(..., description="PM pushes back: right area, not enough said")
    repeat: Optional[str] = None


class Flaw(Strict):
    id: str
    type: FlawType
    risk_id: Optional[str] = None
    other_risk_id: Optional[str] = None
    clause_id: Optional[str] = None
    also_on: List[str] = Field(
        [], description="other rows a portfolio-level flaw shows on (the same cause in three projects)"
    )
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
        clause = values.get("clause_id")
        if clause and (rid or other):
            raise ValueError("a flaw sits on a clause or on rows, not both")
        if kind(t).family == "process":
            # On a clause, on a portfolio row, or on the artefact as a whole (named by keywords).
            if other:
                raise ValueError("only a duplicate flaw has other_risk_id")
            if values.get("also_on") and not rid:
                raise ValueError("also_on lists rows beside the flaw's own risk_id")
            if not (clause or rid or values.get("keywords")):
                raise ValueError(f"a {t.value} flaw needs clause_id, risk_id or keywords naming what is missing")
            return values
        if clause:
            raise ValueError(f"a {t.value} flaw is about register rows, not a clause")
        if values.get("also_on"):
            raise ValueError("only a process-design flaw on a portfolio row has also_on")
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

    @property
    def at(self) -> Optional[str]:
        """The item the flaw sits on: a row's or a clause's id (None for a missing risk)."""
        return self.clause_id or self.risk_id

    @property
    def places(self) -> set[str]:
        """Every item naming which points at the flaw: its clause or row, a duplicate's twin, the
        other rows a portfolio flaw shows on."""
        return {r for r in (self.clause_id, self.risk_id, self.other_risk_id, *self.also_on) if r}

    def public(self, found: bool = False, fixed: bool = False) -> dict:
        """The contract's Flaw."""
        d = {
            "id": self.id,
            "type": self.type.value,
            "risk_id": self.risk_id,
            "other_risk_id": self.other_risk_id,
            "topic": self.topic,
            "found": found,
            "fixed": fixed,
        }
        if self.clause_id:
            d["clause_id"] = self.clause_id
        return d


class Injection(Strict):
    """A flaw a seed may inject into the sound register the file declares (a flaw pool), so a replay
    is a new exercise and not a reshuffle. The file's row is the sound version, with a defence for
    this flaw type; injecting the flaw changes that row's fields, adds the duplicate's twin row, or
    drops the row whose absence is the missing risk."""

    flaw: Flaw
    change: Dict[str, Any] = Field({}, description="fields of the flaw's row as injected")
    add: Optional[Row] = Field(None, description="a duplicate's twin, with id = the flaw's other_risk_id")
    remove: Optional[str] = Field(None, description="a missing risk: the row dropped from the register")

    @root_validator(skip_on_failure=True)
    def _one_way(cls, values: dict) -> dict:
        flaw, change, add, remove = values["flaw"], values["change"], values["add"], values["remove"]
        if flaw.clause_id:
            raise ValueError("only register rows have a flaw pool")
        if flaw.type == FlawType.MISSING_RISK:
            if not remove or change or add:
                raise ValueError("a missing_risk injection removes one row (remove: R7) and nothing else")
        elif flaw.type == FlawType.DUPLICATE:
            if not add or remove or add.id != flaw.other_risk_id:
                raise ValueError("a duplicate injection adds its twin row, with id = the flaw's other_risk_id")
        else:
            if not change or add or remove:
                raise ValueError("an injection changes fields of the flaw's row (change: {owner: ...})")
            unknown = set(change) - set(Row.__fields__) - {"register"}
            if unknown or "id" in change:
                raise ValueError(f"change names fields a row doesn't have: {', '.join(sorted(unknown or {'id'}))}")
        return values


def _row_counts(base: int, pool: List[Injection], picks: int) -> tuple[int, int]:
    """The fewest and most rows a seed's register can have: twins add a row, missing risks drop one."""
    adds = sum(1 for i in pool if i.add)
    drops = sum(1 for i in pool if i.remove)
    others = len(pool) - adds - drops
    fewest = base - min(picks, drops) + max(0, picks - drops - others)
    most = base + min(picks, adds) - max(0, picks - adds - others)
    return fewest, most


def _check_pool(rows: List[Row], flaws: List[Flaw], pool: List[Injection]) -> None:
    """Injections must compose: any subset a seed picks gives a consistent register."""
    by_id = {r.id: r for r in rows}
    changed: dict[tuple[str, str], str] = {}
    dropped = {i.remove: i.flaw.id for i in pool if i.remove}
    for i in pool:
        f = i.flaw
        if i.remove and i.remove not in by_id:
            raise ValueError(f"pool: {f.id} removes {i.remove}, which is not in the register")
        if i.add and i.add.id in by_id:
            raise ValueError(f"pool: {f.id} adds {i.add.id}, which the register already has")
        if i.change:
            row = by_id.get(f.risk_id or "")
            if row is None:
                raise ValueError(f"pool: {f.id} changes {f.risk_id}, which is not in the register")
            if f.type not in row.defences:
                # When this flaw is not injected the row is sound, and the PM defends it.
                raise ValueError(f"pool: {row.id} needs a defence for {f.type.value}: it is sound when {f.id} is not injected")
            for field in i.change:
                if (row.id, field) in changed:
                    raise ValueError(f"pool: {f.id} and {changed[row.id, field]} both change {row.id}'s {field}")
                changed[row.id, field] = f.id
            Row.parse_obj({**row.dict(), **i.change})  # the injected row must still be a valid row
    for f in flaws + [i.flaw for i in pool]:
        for ref in (f.risk_id, f.other_risk_id, *f.also_on):
            if ref in dropped and dropped[ref] != f.id:
                raise ValueError(f"pool: {f.id} names {ref}, which {dropped[ref]} may remove")


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
    artefact: str = Field("register", description="what is presented: " + ", ".join(ARTEFACTS))
    # "register" would shadow a pydantic method, so the field is `rows` and the file key "register".
    rows: List[Row] = Field([], alias="register", max_items=16)
    clauses: List[Clause] = Field([], max_items=16)
    flaws: List[Flaw] = Field(..., min_items=1, description="seeded at every seed")
    pool: List[Injection] = Field([], description="flaws a seed may inject besides `flaws`")
    pool_picks: int = Field(0, ge=0, description="how many pool flaws each seed injects")

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

    @validator("artefact")
    def _artefact(cls, v: str) -> str:
        if v not in ARTEFACTS:
            raise ValueError(f"must be one of {', '.join(ARTEFACTS)}")
        return v

    @root_validator(skip_on_failure=True)
    def _references(cls, values: dict) -> dict:
        artefact, rows, clauses = values["artefact"], values["rows"], values["clauses"]
        pool, picks = values["pool"], values["pool_picks"]
        fewest, most = _row_counts(len(rows), pool, picks)
        if artefact == "register" and not (8 <= fewest and most <= (16 if values["level"] == "manager" else 12)):
            raise ValueError("register: a register scenario has 8-12 rows (up to 16 at manager level), "
                             "whichever flaws a seed injects")
        if artefact == "policy" and not 12 <= len(clauses) <= 16:
            raise ValueError("clauses: a draft policy has 12-16 clauses")
        if artefact == "register" and clauses:
            raise ValueError("clauses: only a policy scenario has clauses")
        clause_ids = [c.id for c in clauses]
        if len(set(clause_ids)) != len(clause_ids):
            raise ValueError("clauses: clause ids must be unique")
        ids = [r.id for r in rows]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"register: risk ids repeated: {', '.join(sorted(dupes))}")
        flaw_ids = [f.id for f in values["flaws"]] + [i.flaw.id for i in pool]
        if len(set(flaw_ids)) != len(flaw_ids):
            raise ValueError("flaws: flaw ids must be unique (the pool's too)")
        if len(values["flaws"]) + picks < 3:
            raise ValueError("flaws: a session needs at least 3 flaws (the seeded ones and the pool's picks)")
        if picks > len(pool):
            raise ValueError(f"pool_picks: {picks} picks from a pool of {len(pool)}")
        _check_pool(rows, values["flaws"], pool)
        twins = {i.add.id for i in pool if i.add}
        for f in values["flaws"] + [i.flaw for i in pool]:
            for ref in (f.risk_id, f.other_risk_id, *f.also_on):
                if ref and ref not in ids and ref not in twins:
                    raise ValueError(f"flaws: {f.id} names {ref}, which is not in the register")
            if f.clause_id and f.clause_id not in clause_ids:
                raise ValueError(f"flaws: {f.id} names {f.clause_id}, which is not a clause of the policy")
            if kind(f.type).family == "process" and values["level"] != "manager":
                raise ValueError(f"flaws: {f.id} is a process-design flaw: only manager scenarios have those")
        return values

    def row(self, risk_id: str) -> Row | None:
        return next((r for r in self.rows if r.id == risk_id), None)

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)

    @property
    def objecting(self) -> set[str]:
        """The flaws whose fix the stakeholder objects to before it is agreed (manager level)."""
        return {f.id for f in self.flaws if f.fix.objection}

    @property
    def items(self) -> list:
        """What the learner challenges: the register's rows or the policy's clauses."""
        return self.clauses if self.artefact == "policy" else self.rows

    def flaw(self, flaw_id: str) -> Flaw | None:
        return next((f for f in self.flaws if f.id == flaw_id), None)

    def summary_card(self) -> dict:
        return {"id": self.id, "title": self.title, "level": self.level, "summary": self.summary}
