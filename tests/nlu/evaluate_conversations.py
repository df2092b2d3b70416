"""Whole-conversation evaluation: charges deserved, fixes recorded, flaws credited.

    python tests/nlu/evaluate_conversations.py [--model models/pmo-tutor.tar.gz]
                                               [--out results/evaluation]
                                               [--conversations tests/nlu/conversations.yml]
                                               [--name NAME] [--only ID ...]

Reads tests/nlu/conversations.yml (its header documents the format) and plays every conversation
as the running stack would, without starting servers:
1. the trained model (loaded once, `Parser` of evaluate_heldout.py) parses each message;
2. the intent is routed as data/rules/rules.yml routes it: session intents to the hint, progress,
   finish, brief and register moves, the intents in `TO_EVALUATOR` to `Tutor.respond`, the rest to
   their canned responses (greet also lists the scenarios; start_scenario starts one);
3. the real tutor core (`bot.tutor.Tutor`) runs each move on a fresh temporary SQLite progress
   database per conversation, and after each turn the `challenges` rows that turn added are read.

A charge is a `false` verdict. A later verdict that withdraws a charge (any verdict value in
`WITHDRAWING` that exists in bot.evaluation.state.Verdict when this runs) cancels the latest
uncancelled charge on the same risk, or else the latest one; a charge row whose verdict a later
move rewrote in place (read again at the end of the conversation) is cancelled too. Per conversation
and overall:
- charges: total, deserved (at a turn expected `false`, one per such turn), undeserved, share
  deserved;
- fixes: expected (the `fixed` lists), recorded (`fix_accepted` for that flaw at that turn or later;
  one already recorded at an earlier turn, when the challenge carried the fix, counts as recorded
  and is reported as early), share recorded, and the lost ones;
- flaws expected found vs credited (`hit` at that turn; `late` when credited at a later turn), and
  extra credit (a `hit` no turn up to then expected);
- every mismatch: the turn, expected, recorded, and the PM's reply (first 200 characters).

Writes OUT/NAME.json and OUT/NAME.md, NAME by default the conversations file's name with `_` as
`-` (conversations.yml -> conversations, conversations_fresh.yml -> conversations-fresh); prints
the overall figures; exit status 1 when any charge is undeserved or any fix is lost (the target:
none of either).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

# evaluate_heldout (the Parser, TO_EVALUATOR) imports the evaluator: it is imported only when
# conversations are played, so the file checks in test_conversations_file.py stay cheap.

CONVERSATIONS = HERE / "conversations.yml"
# As evaluate_heldout.py: PMO_TUTOR_NLU_MODEL points at another model (experiments).
DEFAULT_MODEL = Path(os.environ.get("PMO_TUTOR_NLU_MODEL") or ROOT / "models" / "pmo-tutor.tar.gz")
RULES = ROOT / "data" / "rules" / "rules.yml"
DOMAIN = ROOT / "domain.yml"

# Verdict values that withdraw an earlier charge, if the evaluator has them.
WITHDRAWING = {"withdrawn", "withdraw", "withdrawal", "retracted", "retract", "charge_withdrawn",
               "cancelled", "false_withdrawn"}
EXPECT_KINDS = ("question", "false", "clarification", "none", "session")
REPLY_CHARS = 200
SORRY = "Sorry, something went wrong on my side."  # what the action server says on an exception


# -- the conversations file ---------------------------------------------------------------------
@dataclass
class Expect:
    kind: str  # question | false | clarification | none | session | flaws
    found: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    clarification: bool = False
    agreed: list[str] = field(default_factory=list)  # manager level: the objection met
    not_agreed: list[str] = field(default_factory=list)  # an answer that does not meet it yet

    def label(self) -> str:
        if self.kind != "flaws":
            return self.kind
        parts = []
        if self.clarification:
            parts.append("clarification")
        if self.found:
            parts.append("found " + ",".join(self.found))
        if self.fixed:
            parts.append("fixed " + ",".join(self.fixed))
        if self.agreed:
            parts.append("agreed " + ",".join(self.agreed))
        if self.not_agreed:
            parts.append("not agreed " + ",".join(self.not_agreed))
        return "; ".join(parts)


@dataclass
class Turn:
    n: int  # 1-based, not counting the start
    say: str
    expect: Expect


@dataclass
class Conversation:
    id: str
    scenario: str
    seed: int
    persona: str
    turns: list[Turn]


def parse_expect(raw) -> Expect:
    if isinstance(raw, bool) and raw is False:  # YAML reads a bare `false` as a boolean
        return Expect("false")
    if isinstance(raw, str):
        if raw not in EXPECT_KINDS:
            raise ValueError(f"unknown expectation {raw!r}")
        return Expect(raw)
    if isinstance(raw, dict):
        unknown = set(raw) - {"found", "fixed", "clarification", "agreed", "not_agreed"}
        if unknown:
            raise ValueError(f"unknown expectation keys {sorted(unknown)}")
        e = Expect("flaws", list(raw.get("found") or []), list(raw.get("fixed") or []),
                   bool(raw.get("clarification")), list(raw.get("agreed") or []), list(raw.get("not_agreed") or []))
        if not (e.found or e.fixed or e.agreed or e.not_agreed):
            raise ValueError(f"expectation {raw!r} names no flaw")
        return e
    raise ValueError(f"bad expectation {raw!r}")


def load_conversations(path: Path = CONVERSATIONS) -> list[Conversation]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("version") != 1:
        raise ValueError(f"{path}: version must be 1")
    out = []
    for c in data["conversations"]:
        turns = [Turn(i, str(t["say"]), parse_expect(t["expect"])) for i, t in enumerate(c["turns"], start=1)]
        out.append(Conversation(str(c["id"]), str(c["scenario"]), int(c["seed"]), str(c.get("persona", "")), turns))
    ids = [c.id for c in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate conversation ids: {sorted(dupes)}")
    return out


# -- routing, as data/rules/rules.yml routes --------------------------------------------------
def rule_actions(path: Path = RULES) -> dict[str, list[str]]:
    """intent -> the actions its rule runs."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for rule in data.get("rules", []):
        steps = rule.get("steps", [])
        if len(steps) >= 2 and "intent" in steps[0] and not rule.get("condition"):
            out[steps[0]["intent"]] = [s["action"] for s in steps[1:] if "action" in s]
    return out


def canned_responses(path: Path = DOMAIN) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {k: (v[0].get("text") or "") for k, v in (data.get("responses") or {}).items() if v}


def full_parser(model: Path):
    """evaluate_heldout's Parser, plus the entities (start_scenario reads scenario and seed)."""
    from evaluate_heldout import Parser

    class FullParser(Parser):
        def __init__(self, model: Path):
            super().__init__(model)
            self._full: dict[str, dict] = {}

        def parse_full(self, text: str) -> tuple[str | None, float, dict]:
            if text not in self._full:
                data = self._loop.run_until_complete(self.agent.parse_message(text))
                intent = data.get("intent") or {}
                entities: dict = {}
                for e in data.get("entities") or []:
                    entities.setdefault(e.get("entity"), e.get("value"))
                self._full[text] = {
                    "intent": intent.get("name"), "confidence": float(intent.get("confidence") or 0.0),
                    "entities": entities,
                }
            d = self._full[text]
            return d["intent"], d["confidence"], d["entities"]

    return FullParser(model)


# -- playing ------------------------------------------------------------------------------------
@dataclass
class Row:
    id: int
    verdict: str
    flaw_id: str | None
    flaw_type: str | None
    risk_id: str | None
    final: str | None = None  # the row's verdict at the end of the conversation, if it changed

    def label(self) -> str:
        bits = [self.verdict + (f"->{self.final}" if self.final and self.final != self.verdict else "")]
        if self.flaw_id:
            bits.append(self.flaw_id)
        elif self.flaw_type:
            bits.append(self.flaw_type)
        if self.risk_id:
            bits.append(self.risk_id)
        return " ".join(bits)


@dataclass
class Played:
    turn: Turn
    intent: str | None
    confidence: float
    action: str
    rows: list[Row]
    reply: str
    error: str | None = None
    new_session: bool = False  # the message (re)started a scenario


class Player:
    def __init__(self, parser):
        from evaluate_heldout import TO_EVALUATOR

        self.parser = parser
        self.rules = rule_actions()
        self.canned = canned_responses()
        missing = {i for i in TO_EVALUATOR if self.rules.get(i) != ["action_pm_respond"]}
        if missing:
            print(f"warning: rules.yml does not send {sorted(missing)} to action_pm_respond", file=sys.stderr)

    def play(self, conv: Conversation, workdir: Path) -> list[Played]:
        from sqlalchemy import select

        from bot.progress.models import Challenge, Session
        from bot.progress.store import ProgressStore
        from bot.tutor import Incoming, Tutor

        store = ProgressStore(f"sqlite:///{workdir / 'progress.db'}")
        tutor = Tutor(store)
        cid = f"eval-{conv.id}"

        def incoming(text: str, intent: str | None, conf: float) -> Incoming:
            return Incoming(conversation_id=cid, learner_id=cid, text=text, intent=intent, confidence=conf)

        start_text = f'/start_scenario{{"scenario": "{conv.scenario}", "seed": {conv.seed}}}'
        tutor.start(incoming(start_text, "start_scenario", 1.0), conv.scenario, conv.seed)

        last_id = 0
        played = []
        for turn in conv.turns:
            intent, conf, entities = self.parser.parse_full(turn.say)
            msg = incoming(turn.say, intent, conf)
            actions = self.rules.get(intent or "", ["action_default_fallback"])
            action = actions[-1] if actions else "action_default_fallback"
            replies: list[str] = []
            error = None
            new_session = False
            try:
                for a in actions or [action]:
                    replies += self._run(a, tutor, msg, entities)
                    new_session |= a == "action_start_scenario"
            except Exception as exc:  # noqa: BLE001 - the stack apologises; the report says why
                error = f"{type(exc).__name__}: {exc}"
                replies.append(f"Tutor: {SORRY}")
            with store.transaction() as db:
                rows = [
                    Row(c.id, c.verdict, c.flaw_id, c.flaw_type, c.risk_id)
                    for c in db.execute(select(Challenge).where(Challenge.id > last_id).order_by(Challenge.id)).scalars()
                ]
                if new_session:  # a session other than the one the conversation started
                    new_session = len(db.execute(select(Session.id)).scalars().all()) > 1
            if rows:
                last_id = rows[-1].id
            played.append(Played(turn, intent, conf, action, rows, " | ".join(replies), error, new_session))
        # A later move may change an earlier row's verdict (a charge withdrawn, kept as an override
        # the trainer can see): keep the effective verdict.
        from bot.progress.store import effective_challenges_select
        with store.transaction() as db:
            eff = effective_challenges_select().subquery()
            final = dict(db.execute(select(eff.c.id, eff.c.verdict)).all())
        for p in played:
            for r in p.rows:
                r.final = final.get(r.id, r.verdict)
        return played

    def _run(self, action: str, tutor, msg, entities: dict) -> list[str]:
        if action == "action_pm_respond":
            return _texts(tutor.respond(msg))
        move = MOVE_OF_ACTION.get(action)
        if move:
            return _texts(getattr(tutor, move)(msg))
        if action == "action_list_scenarios":
            return _texts([tutor.menu()])
        if action == "action_start_scenario":
            seed = entities.get("seed")
            try:
                seed = int(seed) if seed is not None else None
            except (TypeError, ValueError):
                return [f"Tutor: The seed must be a whole number, not '{str(seed)[:40]}'."]
            scenario = entities.get("scenario")
            return _texts(tutor.start(msg, str(scenario) if scenario else None, seed))
        if action.startswith("utter_") or action == "action_default_fallback":
            return [self.canned.get(action if action.startswith("utter_") else "utter_default", action)]
        return [f"({action})"]


ACTION_OF_MOVE = {
    "hint": "action_give_hint", "progress": "action_show_progress", "brief": "action_show_brief",
    "register": "action_show_register", "finish": "action_finish_session",
}
MOVE_OF_ACTION = {a: m for m, a in ACTION_OF_MOVE.items()}
SESSION_ACTIONS = set(MOVE_OF_ACTION)


def _texts(replies) -> list[str]:
    out = []
    for r in replies:
        who = f"{r.name or 'PM'} (PM)" if r.speaker == "pm" else "Tutor"
        out.append(f"{who}: {r.text}")
    return out


# -- scoring ------------------------------------------------------------------------------------
def withdrawing_verdicts() -> set[str]:
    from bot.evaluation.state import Verdict

    return {v.value for v in Verdict} & WITHDRAWING


def score(conv: Conversation, played: list[Played], withdraw: set[str]) -> dict:
    # Charges, with withdrawals cancelling the latest uncancelled charge (same risk first).
    charges = []  # dicts: turn index, row, cancelled_by
    for i, p in enumerate(played):
        for r in p.rows:
            if r.verdict == "false":
                # Rewritten in place later (e.g. to withdrawn): cancelled, though we can't say when.
                rewritten = r.final not in (None, "false")
                charges.append({"i": i, "row": r, "cancelled_by": -1 if rewritten else None})
            elif r.verdict in withdraw:
                open_ = [c for c in charges if c["cancelled_by"] is None]
                same = [c for c in open_ if r.risk_id and c["row"].risk_id == r.risk_id]
                target = (same or open_ or [None])[-1]
                if target is not None:
                    target["cancelled_by"] = i
    live = [c for c in charges if c["cancelled_by"] is None]
    deserved, undeserved = [], []
    used_false_turns: set[int] = set()
    for c in live:
        if played[c["i"]].turn.expect.kind == "false" and c["i"] not in used_false_turns:
            used_false_turns.add(c["i"])
            deserved.append(c)
        else:
            undeserved.append(c)

    # Fixes: recorded at that turn or later.
    accepted = [(i, r.flaw_id) for i, p in enumerate(played) for r in p.rows if r.verdict == "fix_accepted" and r.flaw_id]
    fixes = []
    for i, p in enumerate(played):
        for f in p.turn.expect.fixed:
            at = [j for j, fid in accepted if fid == f and j >= i]
            # Recorded earlier (the challenge already carried the fix) is recorded, not lost.
            early = [j for j, fid in accepted if fid == f and j < i]
            fixes.append({"i": i, "flaw": f, "recorded_at": at[0] if at else (early[-1] if early else None)})
    lost = [f for f in fixes if f["recorded_at"] is None]

    # Flaws found: credited at that turn, later, or never; extra credit.
    hits = [(i, r.flaw_id) for i, p in enumerate(played) for r in p.rows if r.verdict == "hit" and r.flaw_id]
    found = []
    for i, p in enumerate(played):
        for f in p.turn.expect.found:
            at = [j for j, fid in hits if fid == f and j >= i]
            found.append({"i": i, "flaw": f, "credited_at": at[0] if at else None})
    expected_by = {}
    for fo in found:
        expected_by.setdefault(fo["flaw"], fo["i"])
    extra = [(j, fid) for j, fid in hits if fid not in expected_by or j < expected_by[fid]]

    # Manager level: each answer to an objection judged as expected at that turn.
    objections = []
    for i, p in enumerate(played):
        for want, flaws in (("agreed", p.turn.expect.agreed), ("not_agreed", p.turn.expect.not_agreed)):
            for f in flaws:
                got = [r.verdict for r in p.rows if r.flaw_id == f and r.verdict in ("agreed", "not_agreed")]
                objections.append({"i": i, "flaw": f, "want": want, "got": got[0] if got else None})

    # Per-turn mismatches.
    turns = []
    for i, p in enumerate(played):
        e = p.turn.expect
        verdicts = [r.verdict for r in p.rows]
        problems, notes = [], []
        my_live = [c for c in live if c["i"] == i]
        if e.kind != "false" and my_live:
            problems.append("undeserved charge")
        if e.kind == "false":
            if not [c for c in charges if c["i"] == i]:
                problems.append("wrong challenge not charged")
            elif not my_live:
                problems.append("deserved charge withdrawn")
            if len(my_live) > 1:
                problems.append(f"charged {len(my_live)} times")
        for fo in found:
            if fo["i"] == i and fo["credited_at"] != i:
                problems.append(f"{fo['flaw']} not credited" + (f" (credited at turn {played[fo['credited_at']].turn.n})" if fo["credited_at"] is not None else ""))
        for fx in fixes:
            if fx["i"] == i and fx["recorded_at"] is None:
                problems.append(f"fix {fx['flaw']} lost")
            elif fx["i"] == i and fx["recorded_at"] != i:
                notes.append(f"fix {fx['flaw']} recorded at turn {played[fx['recorded_at']].turn.n}")
        for j, fid in extra:
            if j == i:
                problems.append(f"extra credit {fid}")
        for ob in objections:
            if ob["i"] == i and ob["got"] != ob["want"]:
                problems.append(f"{ob['flaw']} {ob['got'] or 'not judged'}, expected {ob['want']}".replace("_", " "))
        if e.kind == "question" and (p.action != "action_pm_respond" or "question" not in verdicts):
            problems.append("not answered as a question")
        # A hint or a debrief the tutor gave for a message the model did not route counts too.
        served = re.search(r"(^|\| )Tutor: (Hint|A stronger hint|The answer|No more hints|You've found every|"
                           r"Progress on|Debrief:)", p.reply)
        if e.kind == "session" and p.action not in SESSION_ACTIONS and not served:
            problems.append("not routed to a session command")
        for r in p.rows:
            if r.verdict != "fix_accepted":
                continue
            if r.flaw_id in e.fixed:
                continue
            if r.flaw_id in e.found:
                notes.append(f"fix {r.flaw_id} taken from the challenge")
            else:
                problems.append(f"fix recorded for {r.flaw_id or '?'}, which this turn did not fix")
        if e.kind == "clarification" and i > 0:
            prev_live = [c for c in live if c["i"] == i - 1 and played[i - 1].turn.expect.kind != "false"]
            if prev_live:
                problems.append("previous turn's charge not withdrawn")
        if p.error:
            problems.append(f"error: {p.error}")
        if p.new_session:
            problems.append("restarted the scenario")
        turns.append({
            "turn": p.turn.n, "say": p.turn.say, "expect": e.label(), "kind": e.kind,
            "intent": p.intent, "confidence": round(p.confidence, 3), "action": p.action,
            "recorded": [r.label() for r in p.rows],
            "charges_live": len(my_live),
            "reply": p.reply[:REPLY_CHARS], "problems": problems, "notes": notes, "ok": not problems,
        })

    n_charges = len(live)
    return {
        "id": conv.id, "scenario": conv.scenario, "seed": conv.seed, "persona": conv.persona,
        "turns": turns,
        "charges": {
            "total": n_charges, "deserved": len(deserved), "undeserved": len(undeserved),
            "withdrawn": len(charges) - n_charges,
            "share_deserved": round(len(deserved) / n_charges, 4) if n_charges else 1.0,
            "expected": sum(1 for p in played if p.turn.expect.kind == "false"),
            "undeserved_turns": [played[c["i"]].turn.n for c in undeserved],
        },
        "fixes": {
            "expected": len(fixes), "recorded": len(fixes) - len(lost),
            "share_recorded": round((len(fixes) - len(lost)) / len(fixes), 4) if fixes else 1.0,
            "late": sum(1 for f in fixes if f["recorded_at"] is not None and f["recorded_at"] > f["i"]),
            "early": sum(1 for f in fixes if f["recorded_at"] is not None and f["recorded_at"] < f["i"]),
            "lost": [{"turn": played[f["i"]].turn.n, "flaw": f["flaw"]} for f in lost],
            "misattributed": sum(1 for t in turns for pr in t["problems"] if pr.startswith("fix recorded for")),
        },
        "found": {
            "expected": len(found),
            "credited_at_turn": sum(1 for f in found if f["credited_at"] == f["i"]),
            "credited_late": sum(1 for f in found if f["credited_at"] is not None and f["credited_at"] > f["i"]),
            "missed": [{"turn": played[f["i"]].turn.n, "flaw": f["flaw"]} for f in found if f["credited_at"] is None],
            "extra_credit": [{"turn": played[j].turn.n, "flaw": fid} for j, fid in extra],
        },
        "objections": {
            "expected": len(objections), "judged_as_expected": sum(ob["got"] == ob["want"] for ob in objections),
        },
        "turns_ok": sum(t["ok"] for t in turns),
    }


def overall(convs: list[dict]) -> dict:
    ch = {k: sum(c["charges"][k] for c in convs) for k in ("total", "deserved", "undeserved", "withdrawn", "expected")}
    fx = {k: sum(c["fixes"][k] for c in convs) for k in ("expected", "recorded", "late", "early", "misattributed")}
    fo = {
        "expected": sum(c["found"]["expected"] for c in convs),
        "credited_at_turn": sum(c["found"]["credited_at_turn"] for c in convs),
        "credited_late": sum(c["found"]["credited_late"] for c in convs),
        "missed": sum(len(c["found"]["missed"]) for c in convs),
        "extra_credit": sum(len(c["found"]["extra_credit"]) for c in convs),
    }
    ob = {k: sum(c["objections"][k] for c in convs) for k in ("expected", "judged_as_expected")}
    turns = sum(len(c["turns"]) for c in convs)
    ok = sum(c["turns_ok"] for c in convs)
    return {
        "objections": ob,
        "conversations": len(convs), "turns": turns, "turns_ok": ok,
        "charges": dict(ch, share_deserved=round(ch["deserved"] / ch["total"], 4) if ch["total"] else 1.0),
        "fixes": dict(fx, lost=fx["expected"] - fx["recorded"],
                      share_recorded=round(fx["recorded"] / fx["expected"], 4) if fx["expected"] else 1.0),
        "found": dict(fo, share_credited=round(fo["credited_at_turn"] / fo["expected"], 4) if fo["expected"] else 1.0),
        "conversations_clean": sum(1 for c in convs if not c["charges"]["undeserved"] and not c["fixes"]["lost"]),
        "target_met": ch["undeserved"] == 0 and fx["expected"] == fx["recorded"],
    }


# -- report -------------------------------------------------------------------------------------
def _cell(s: str) -> str:
    return str(s).replace("|", "/").replace("\n", " ")


def markdown(report: dict) -> str:
    o = report["overall"]
    ch, fx, fo = o["charges"], o["fixes"], o["found"]
    lines = [
        "# Whole-conversation evaluation", "",
        f"Model `{report['model']}`, {o['conversations']} conversations, {o['turns']} turns from "
        f"`{report.get('conversations_file', 'tests/nlu/conversations.yml')}`, {report['seconds']:.0f} s. Verdicts that withdraw a charge: "
        f"{', '.join(report['withdrawing_verdicts']) or 'none in this build'}.", "",
        "| measure | value | target |", "|---|---|---|",
        f"| charges deserved (false-challenge verdicts at a wrong challenge) | {ch['deserved']}/{ch['total']} ({ch['share_deserved']:.0%}) | 100% |",
        f"| undeserved charges | {ch['undeserved']} | 0 |",
        f"| wrong challenges charged | {ch['deserved']}/{ch['expected']} | |",
        f"| charges withdrawn | {ch['withdrawn']} | |",
        f"| fixes recorded | {fx['recorded']}/{fx['expected']} ({fx['share_recorded']:.0%}) | 100% |",
        f"| lost fixes | {fx['lost']} | 0 |",
        f"| fixes recorded at a later turn / already at an earlier turn | {fx['late']} / {fx['early']} | |",
        f"| fixes recorded for a flaw the turn did not fix | {fx['misattributed']} | 0 |",
        f"| flaws credited at the turn expected | {fo['credited_at_turn']}/{fo['expected']} ({fo['share_credited']:.0%}) | |",
        f"| flaws credited late / never | {fo['credited_late']} / {fo['missed']} | |",
        f"| extra credit (credited where not expected) | {fo['extra_credit']} | 0 |",
        *([f"| objection answers judged as expected (manager level) | {o['objections']['judged_as_expected']}/"
            f"{o['objections']['expected']} | |"] if o["objections"]["expected"] else []),
        f"| turns with no mismatch | {o['turns_ok']}/{o['turns']} | |",
        f"| conversations with no undeserved charge and no lost fix | {o['conversations_clean']}/{o['conversations']} | all |",
        f"| **target met** | {'yes' if o['target_met'] else '**no**'} | |",
        "", "## Conversations", "",
        "| conversation | persona | charges deserved | fixes recorded | found at turn | extra credit | turns ok |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in report["conversations"]:
        lines.append(
            f"| [{c['id']}](#{c['id']}) | {c['persona']} | {c['charges']['deserved']}/{c['charges']['total']} "
            f"| {c['fixes']['recorded']}/{c['fixes']['expected']} | {c['found']['credited_at_turn']}/{c['found']['expected']} "
            f"| {len(c['found']['extra_credit'])} | {c['turns_ok']}/{len(c['turns'])} |"
        )
    lines += ["", "## Mismatches", "", "| conversation | turn | learner | expected | intent (conf.) | recorded | problem | PM reply |",
              "|---|---|---|---|---|---|---|---|"]
    for c in report["conversations"]:
        for t in c["turns"]:
            if not t["ok"]:
                lines.append(
                    f"| {c['id']} | {t['turn']} | {_cell(t['say'])} | {t['expect']} | {t['intent']} ({t['confidence']:.2f}) "
                    f"| {_cell(', '.join(t['recorded']) or '-')} | {_cell('; '.join(t['problems']))} | {_cell(t['reply'])} |"
                )
    for c in report["conversations"]:
        lines += ["", f"## {c['id']}", "",
                  f"{c['scenario']} seed {c['seed']}, {c['persona']}. Charges {c['charges']['deserved']}/{c['charges']['total']} deserved"
                  f" ({c['charges']['withdrawn']} withdrawn); fixes {c['fixes']['recorded']}/{c['fixes']['expected']} recorded"
                  + (", lost: " + ", ".join(f"{x['flaw']} (turn {x['turn']})" for x in c["fixes"]["lost"]) if c["fixes"]["lost"] else "")
                  + ".", "",
                  "| # | learner | expected | intent (conf.) | recorded | ok | PM reply |", "|---|---|---|---|---|---|---|"]
        for t in c["turns"]:
            ok = "ok" if t["ok"] else "**" + _cell("; ".join(t["problems"])) + "**"
            if t["notes"]:
                ok += " (" + _cell("; ".join(t["notes"])) + ")"
            lines.append(
                f"| {t['turn']} | {_cell(t['say'])} | {t['expect']} | {t['intent']} ({t['confidence']:.2f}) "
                f"| {_cell(', '.join(t['recorded']) or '-')} | {ok} | {_cell(t['reply'][:120])} |"
            )
    return "\n".join(lines) + "\n"


def evaluate(model: Path, convs: list[Conversation], parser=None) -> dict:
    t0 = time.time()
    parser = parser or full_parser(model)
    player = Player(parser)
    withdraw = withdrawing_verdicts()
    results = []
    for conv in convs:
        with tempfile.TemporaryDirectory(prefix="pmo-conv-") as tmp:
            played = player.play(conv, Path(tmp))
        results.append(score(conv, played, withdraw))
    from bot.evaluation.state import Verdict

    return {
        "model": str(model), "seconds": time.time() - t0,
        "verdicts": [v.value for v in Verdict], "withdrawing_verdicts": sorted(withdraw),
        "overall": overall(results), "conversations": results,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "evaluation")
    ap.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    ap.add_argument("--name", help="output file name without extension (default: from --conversations)")
    ap.add_argument("--only", nargs="*", help="conversation ids to play (default: all)")
    args = ap.parse_args(argv)
    name = args.name or args.conversations.stem.replace("_", "-")

    convs = load_conversations(args.conversations)
    if args.only:
        convs = [c for c in convs if c.id in set(args.only)]
    report = evaluate(args.model, convs)
    path = args.conversations.resolve()
    report["conversations_file"] = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (args.out / f"{name}.md").write_text(markdown(report), encoding="utf-8")
    o = report["overall"]
    ch, fx, fo = o["charges"], o["fixes"], o["found"]
    print(
        f"{o['conversations']} conversations, {o['turns']} turns: charges deserved {ch['deserved']}/{ch['total']} "
        f"({ch['share_deserved']:.0%}), undeserved {ch['undeserved']}; fixes recorded {fx['recorded']}/{fx['expected']} "
        f"({fx['share_recorded']:.0%}), lost {fx['lost']}; flaws credited at turn {fo['credited_at_turn']}/{fo['expected']}, "
        f"extra credit {fo['extra_credit']}; turns ok {o['turns_ok']}/{o['turns']} -> {args.out / f'{name}.md'}"
    )
    return 0 if o["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
