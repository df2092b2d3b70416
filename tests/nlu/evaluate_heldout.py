"""Held-out evaluation of understanding: the NLU model alone, and the evaluator end to end.

    python tests/nlu/evaluate_heldout.py [--model models/pmo-tutor.tar.gz] [--out results/evaluation]
                                         [--guard] [--no-rasa-test]

Reads tests/nlu/heldout.yml (its header documents the format) and
1. writes the Rasa NLU test file generated from it (OUT/heldout_nlu.yml) and runs
   `rasa test nlu` on it (OUT/rasa/: intent report, errors, confusion);
2. plays every message end to end, as the running stack would: the trained model's parse
   (loaded once with Agent.load), routed as data/rules routes its intent; messages that reach
   `action_pm_respond` go through bot.evaluation.reading.read and the Evaluator on a session of
   that scenario and seed, in the message's context (risk under discussion, pending fix);
3. writes OUT/report.json and OUT/report.md: per-flaw-type precision/recall/F1, crediting
   accuracy, false credit, a confusion table and the worst misses; exit status 1 when a target
   is missed.

Rasa is imported only when a model is loaded, so the scoring helpers import cheaply (the guard in
tests/nlu/test_guard.py uses them).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.evaluation.evaluator import Evaluator  # noqa: E402
from bot.evaluation.reading import read  # noqa: E402
from bot.evaluation.state import CHALLENGE_VERDICTS, SessionState, Verdict  # noqa: E402
from bot.scenarios.loader import get_scenario  # noqa: E402
from bot.scenarios.variants import renumbering, variant  # noqa: E402
from bot.taxonomy import FlawType  # noqa: E402
from bot.tutor import for_the_pm  # noqa: E402

HELDOUT = Path(__file__).with_name("heldout.yml")
# The model under test; PMO_TUTOR_NLU_MODEL points the guard at another one (experiments).
DEFAULT_MODEL = Path(os.environ.get("PMO_TUTOR_NLU_MODEL") or ROOT / "models" / "pmo-tutor.tar.gz")
DEFAULT_OUT = ROOT / "results" / "evaluation"

TARGETS = {"flaw_type_macro_f1": 0.92, "crediting_accuracy": 0.95, "false_credit_rate": 0.03}
TYPES = [t.value for t in FlawType]
# Intents that data/rules/rules.yml sends to action_pm_respond, i.e. to the evaluator.
TO_EVALUATOR = {f"challenge_{t}" for t in TYPES} | {
    "challenge_general", "ask_question", "propose_fix", "affirm", "deny", "nlu_fallback",
    "correct_misread", "take_back",
}
# The session moves data/rules/rules.yml sends these intents to (the tutor may pass them on).
SESSION_MOVES = {"ask_hint": "hint", "show_progress": "progress", "show_brief": "brief", "finish_session": "finish"}
KINDS = ("hit", "false", "general", "question", "fix accepted", "fix rejected", "session")


# -- the held-out set ---------------------------------------------------------------------------
@dataclass
class Case:
    n: int
    scenario: str
    seed: int
    text: str
    intent: str
    expect: str
    kind: str
    types: list[str]  # flaw types the message is about (hit and false challenges)
    flaw_ids: set[str]  # flaws it must credit
    risk: str | None = None  # the risk named by a false or general challenge (variant id)
    context: dict = field(default_factory=dict)
    guard: bool = False
    batch: str = "main"  # "late": written after the improvements, to check they carry over


def _id_map(scenario: str, seed: int) -> dict[str, str]:
    """The file's risk ids -> this variant's ids (a flaw pool's twin rows included)."""
    base = get_scenario(scenario)
    return {**renumbering(base, seed), **{c.id: c.id for c in base.clauses}}


def _render(text: str, ids: dict[str, str]) -> str:
    for old in sorted(ids, key=lambda k: -len(k)):
        text = text.replace("{" + old + "}", ids[old])
    return text


def _parse_expect(expect: str, scenario: str, seed: int, ids: dict[str, str]) -> tuple:
    """expect -> (kind, types, flaw ids to credit, risk)."""
    s = variant(scenario, seed)
    e = expect.strip()
    if e in ("question", "fix accepted", "fix rejected", "session"):
        return e, [], set(), None
    words = e.split()
    if words[0] == "general":
        return "general", [], set(), ids[words[1]]
    if words[0] == "false":
        t = FlawType(words[1]).value
        return "false", [t], set(), ids[words[2]] if len(words) > 2 else None
    types, flaw_ids = [], set()
    for part in e.split("+"):
        w = part.split()
        t = FlawType(w[0])
        risks = [ids[r] for r in w[1:]]
        match = [
            f for f in s.flaws
            if f.type == t and (not risks or f.at == risks[0])
            and (len(risks) < 2 or f.other_risk_id == risks[1])
        ]
        if len(match) != 1:
            raise ValueError(f"{scenario}: expect {part!r} matches {len(match)} flaws")
        types.append(t.value)
        flaw_ids.add(match[0].id)
    return "hit", types, flaw_ids, None


def load_cases(path: Path = HELDOUT, guard_only: bool = False) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for group in data["groups"]:
        scenario, seed = group["scenario"], int(group.get("seed", 0))
        ids = _id_map(scenario, seed)
        for m in group["messages"]:
            kind, types, flaw_ids, risk = _parse_expect(str(m["expect"]), scenario, seed, ids)
            ctx = dict(m.get("context") or {})
            if "focus" in ctx:
                ctx["focus"] = ids[ctx["focus"]]
            case = Case(
                n=len(cases) + 1, scenario=scenario, seed=seed, text=_render(m["text"], ids),
                intent=m["intent"], expect=str(m["expect"]), kind=kind, types=types,
                flaw_ids=flaw_ids, risk=risk, context=ctx, guard=bool(m.get("guard")),
                batch=str(group.get("batch", "main")),
            )
            cases.append(case)
    return [c for c in cases if c.guard] if guard_only else cases


def nlu_test_data(cases: list[Case]) -> str:
    """The Rasa NLU test file generated from the held-out set."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for c in cases:
        if c.text not in by_intent[c.intent]:
            by_intent[c.intent].append(c.text)
    nlu = [
        {"intent": i, "examples": "".join(f"- {t}\n" for t in texts)}
        for i, texts in sorted(by_intent.items())
    ]

    class Literal(str):
        pass

    yaml.SafeDumper.add_representer(
        Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|")
    )
    for item in nlu:
        item["examples"] = Literal(item["examples"])
    header = "# Generated from tests/nlu/heldout.yml by tests/nlu/evaluate_heldout.py: do not edit.\n"
    return header + yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False, allow_unicode=True, width=4096)


# -- the model ----------------------------------------------------------------------------------
class Parser:
    """The trained Rasa model, loaded once; parse() gives (intent, confidence) as the tracker sees it."""

    def __init__(self, model: Path):
        os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import asyncio
        import logging

        logging.getLogger("rasa").setLevel(logging.WARNING)
        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)

        self._loop = asyncio.new_event_loop()
        self.agent = Agent.load(str(model))
        self._cache: dict[str, tuple[str | None, float]] = {}

    def parse(self, text: str) -> tuple[str | None, float]:
        if text not in self._cache:
            data = self._loop.run_until_complete(self.agent.parse_message(text))
            intent = data.get("intent") or {}
            self._cache[text] = (intent.get("name"), float(intent.get("confidence") or 0.0))
        return self._cache[text]


# -- end to end ---------------------------------------------------------------------------------
@dataclass
class Result:
    case: Case
    intent: str | None
    confidence: float
    routed: bool
    verdicts: list[str]
    credited: set[str]
    pred_types: list[str]
    correct: bool
    false_credit: bool
    replies: list[str]


def play(case: Case, intent: str | None, confidence: float) -> Result:
    s = variant(case.scenario, case.seed)
    verdicts: list[str] = []
    credited: set[str] = set()
    pred_types: list[str] = []
    replies: list[str] = []
    # as data/rules routes it, and as the tutor passes on a guessed session move said to the PM
    routed = intent in TO_EVALUATOR or intent in SESSION_MOVES and for_the_pm(
        SESSION_MOVES[intent], intent, confidence, case.text)
    if routed:
        ctx = case.context
        state = SessionState(focus_risk=ctx.get("focus"))
        for f in ctx.get("found") or []:
            state.find(f)
        if ctx.get("pending_fix"):  # the PM conceded that flaw and asked for its fix
            state.find(ctx["pending_fix"])
            state.asked = [ctx["pending_fix"]]
        outcome = Evaluator(s).evaluate(state, read(case.text, s, intent, confidence))
        replies = [r.text for r in outcome.replies]
        for j in outcome.judgements:
            verdicts.append(j.verdict.value)
            if j.verdict in (Verdict.HIT, Verdict.REPEAT) and j.flaw_id:
                credited.add(j.flaw_id)
            if j.verdict in CHALLENGE_VERDICTS and j.flaw_type and j.flaw_type.value not in pred_types:
                pred_types.append(j.flaw_type.value)
    false_credit = bool(credited - case.flaw_ids)
    k = case.kind
    if k == "hit":
        correct = credited == case.flaw_ids
    elif k in ("false", "general"):
        correct = routed and not credited and bool(set(verdicts) & {"false", "partial", "unclear"})
    elif k == "question":
        correct = routed and verdicts == ["question"]
    elif k == "fix accepted":
        correct = verdicts == ["fix_accepted"]
    elif k == "fix rejected":
        correct = verdicts == ["fix_rejected"]
    else:  # session control: the intent decides the action
        correct = intent == case.intent and not credited
    return Result(case, intent, confidence, routed, verdicts, credited, pred_types, correct, false_credit, replies)


def run(cases: list[Case], parser: Parser) -> list[Result]:
    return [play(c, *parser.parse(c.text)) for c in cases]


# -- scoring ------------------------------------------------------------------------------------
def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def _outcome_label(r: Result) -> str:
    if not r.routed:
        return "session" if r.intent and r.intent != "nlu_fallback" else "none"
    if "question" in r.verdicts:
        return "question"
    if any(v.startswith("fix_") for v in r.verdicts):
        return "fix"
    return "no type"


def score(results: list[Result]) -> dict:
    per_type = {}
    counts = {t: Counter() for t in TYPES}
    confusion: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        exp, pred = set(r.case.types), set(r.pred_types)
        for t in TYPES:
            counts[t]["tp"] += t in exp and t in pred
            counts[t]["fp"] += t not in exp and t in pred
            counts[t]["fn"] += t in exp and t not in pred
        if exp:
            for t in r.case.types:
                other = [p for p in r.pred_types if p not in exp]
                confusion[t][t if t in pred else (other[0] if other else _outcome_label(r))] += 1
        else:
            row = {"fix accepted": "fix", "fix rejected": "fix", "general": "no type"}.get(r.case.kind, r.case.kind)
            confusion[row][r.pred_types[0] if r.pred_types else _outcome_label(r)] += 1
    for t in TYPES:
        per_type[t] = _prf(counts[t]["tp"], counts[t]["fp"], counts[t]["fn"])
    with_support = [v["f1"] for v in per_type.values() if v["support"]]
    macro_f1 = sum(with_support) / len(with_support) if with_support else 0.0

    hits = [r for r in results if r.case.kind == "hit"]
    no_credit = [r for r in results if not r.case.flaw_ids]
    multi = [r for r in hits if len(r.case.flaw_ids) > 1]
    by_kind = {
        k: {"n": len(rs), "correct": sum(r.correct for r in rs)}
        for k in KINDS if (rs := [r for r in results if r.case.kind == k])
    }
    intents_ok = sum(r.intent == r.case.intent for r in results)
    summary = {
        "messages": len(results),
        "flaw_type_macro_f1": round(macro_f1, 4),
        "crediting_accuracy": round(sum(r.correct for r in hits) / len(hits), 4) if hits else 1.0,
        "false_credit_rate": round(sum(r.false_credit for r in results) / len(results), 4) if results else 0.0,
        "false_credit_rate_where_none_due": round(
            sum(r.false_credit for r in no_credit) / len(no_credit), 4) if no_credit else 0.0,
        "two_challenges_both_credited": f"{sum(r.correct for r in multi)}/{len(multi)}",
        "outcome_accuracy": round(sum(r.correct for r in results) / len(results), 4) if results else 1.0,
        "nlu_intent_accuracy": round(intents_ok / len(results), 4) if results else 1.0,
    }
    for b in sorted({r.case.batch for r in results}):
        rs = [r for r in results if r.case.batch == b]
        bh = [r for r in rs if r.case.kind == "hit"]
        summary.setdefault("by_batch", {})[b] = {
            "messages": len(rs),
            "crediting_accuracy": round(sum(r.correct for r in bh) / len(bh), 4) if bh else 1.0,
            "false_credit_rate": round(sum(r.false_credit for r in rs) / len(rs), 4),
            "outcome_accuracy": round(sum(r.correct for r in rs) / len(rs), 4),
        }
    summary["targets_met"] = (
        summary["flaw_type_macro_f1"] >= TARGETS["flaw_type_macro_f1"]
        and summary["crediting_accuracy"] >= TARGETS["crediting_accuracy"]
        and summary["false_credit_rate"] <= TARGETS["false_credit_rate"]
    )
    return {
        "summary": summary, "targets": TARGETS, "per_type": per_type, "by_kind": by_kind,
        "confusion": {k: dict(v) for k, v in confusion.items()},
    }


def _severity(r: Result) -> tuple:
    # False credit is worst (teaches a wrong lesson), then a missed credit, then the rest.
    return (0 if r.false_credit else 1 if r.case.kind == "hit" else 2, r.confidence)


def misses(results: list[Result], n: int = 40) -> list[dict]:
    bad = sorted((r for r in results if not r.correct), key=_severity)
    return [
        {
            "n": r.case.n, "scenario": r.case.scenario, "seed": r.case.seed, "text": r.case.text,
            "expect": r.case.expect, "context": r.case.context, "expected_intent": r.case.intent,
            "intent": r.intent, "confidence": round(r.confidence, 3), "verdicts": r.verdicts,
            "credited": sorted(r.credited), "types": r.pred_types,
            "false_credit": r.false_credit, "reply": (r.replies[0][:160] if r.replies else ""),
        }
        for r in bad[:n]
    ]


# -- report -------------------------------------------------------------------------------------
def markdown(report: dict) -> str:
    s = report["summary"]
    ok = lambda v, t, le=False: "met" if (v <= t if le else v >= t) else "**missed**"  # noqa: E731
    lines = [
        "# Held-out evaluation of understanding", "",
        f"Model `{report.get('model', '')}`, {s['messages']} messages from `tests/nlu/heldout.yml`"
        f"{' (guard subset)' if report.get('guard') else ''}, {report.get('seconds', 0):.0f} s.", "",
        "| measure | value | target | |", "|---|---|---|---|",
        f"| flaw-type macro F1 (end to end) | {s['flaw_type_macro_f1']:.3f} | >= {TARGETS['flaw_type_macro_f1']} | {ok(s['flaw_type_macro_f1'], TARGETS['flaw_type_macro_f1'])} |",
        f"| correct crediting (messages that should credit) | {s['crediting_accuracy']:.1%} | >= {TARGETS['crediting_accuracy']:.0%} | {ok(s['crediting_accuracy'], TARGETS['crediting_accuracy'])} |",
        f"| false credit (all messages) | {s['false_credit_rate']:.1%} | <= {TARGETS['false_credit_rate']:.0%} | {ok(s['false_credit_rate'], TARGETS['false_credit_rate'], le=True)} |",
        f"| false credit (messages that should credit nothing) | {s['false_credit_rate_where_none_due']:.1%} | | |",
        f"| two challenges in one message, both credited | {s['two_challenges_both_credited']} | all | |",
        f"| outcome right (verdict, credit, question, fix, routing) | {s['outcome_accuracy']:.1%} | | |",
        f"| NLU intent accuracy (model alone) | {s['nlu_intent_accuracy']:.1%} | | |",
    ]
    for b, v in s.get("by_batch", {}).items():
        lines.append(f"| batch `{b}` ({v['messages']} messages): crediting / false credit / outcomes | {v['crediting_accuracy']:.1%} / {v['false_credit_rate']:.1%} / {v['outcome_accuracy']:.1%} | | |")
    if report.get("rasa_test"):
        rt = report["rasa_test"]
        lines.append(f"| `rasa test nlu`: intent accuracy / macro F1 / weighted F1 | {rt.get('accuracy', 0):.3f} / {rt.get('macro_f1', 0):.3f} / {rt.get('weighted_f1', 0):.3f} | | |")
    lines += ["", "## Outcomes by kind of message", "", "| kind | messages | right |", "|---|---|---|"]
    for k, v in report["by_kind"].items():
        lines.append(f"| {k} | {v['n']} | {v['correct']} ({v['correct'] / v['n']:.0%}) |")
    lines += ["", "## Per flaw type (end to end: the types the evaluator judged)", "",
              "| type | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for t, v in report["per_type"].items():
        lines.append(f"| {t} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
    conf = report["confusion"]
    cols = sorted({c for row in conf.values() for c in row}, key=lambda c: (c not in TYPES, TYPES.index(c) if c in TYPES else 0, c))
    short = lambda c: c.replace("_", " ")  # noqa: E731
    lines += ["", "## Confusion (rows: what the message is about; columns: what the evaluator judged)", "",
              "| expected \\ judged | " + " | ".join(short(c) for c in cols) + " |",
              "|---|" + "---|" * len(cols)]
    for row in sorted(conf, key=lambda c: (c not in TYPES, TYPES.index(c) if c in TYPES else 0, c)):
        cells = [str(conf[row].get(c, "")) if c != row else f"**{conf[row].get(c, '')}**" for c in cols]
        lines.append(f"| {short(row)} | " + " | ".join(cells) + " |")
    lines += ["", "## Worst misses", "", "False credit first, then missed credit, then the rest; lowest confidence first.", "",
              "| # | message | expected | intent (conf.) | verdicts | credited |", "|---|---|---|---|---|---|"]
    for m in report["misses"]:
        text = m["text"].replace("|", "/")
        ctx = f" ({', '.join(f'{k}={v}' for k, v in m['context'].items())})" if m["context"] else ""
        lines.append(
            f"| {m['n']} | {m['scenario']}:{m['seed']}{ctx}: {text} | {m['expect']} | {m['intent']} ({m['confidence']:.2f}) "
            f"| {', '.join(m['verdicts']) or '-'} | {', '.join(m['credited']) or '-'}{' **false credit**' if m['false_credit'] else ''} |"
        )
    return "\n".join(lines) + "\n"


def rasa_test_nlu(nlu_file: Path, model: Path, out: Path) -> dict:
    """`rasa test nlu` on the generated file; the intent report's headline numbers."""
    rasa = Path(sys.executable).with_name("rasa")
    cmd = [str(rasa), "test", "nlu", "--nlu", str(nlu_file), "--model", str(model),
           "--out", str(out), "--no-plot", "--quiet"]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    report_file = out / "intent_report.json"
    if proc.returncode != 0 or not report_file.exists():
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        return {"error": f"rasa test nlu exited {proc.returncode}"}
    rep = json.loads(report_file.read_text())
    return {
        "accuracy": rep.get("accuracy", 0.0),
        "macro_f1": rep.get("macro avg", {}).get("f1-score", 0.0),
        "weighted_f1": rep.get("weighted avg", {}).get("f1-score", 0.0),
        "report": str(report_file.relative_to(ROOT)) if report_file.is_relative_to(ROOT) else str(report_file),
    }


def evaluate(model: Path, cases: list[Case], parser: Parser | None = None) -> tuple[dict, list[Result]]:
    t0 = time.time()
    parser = parser or Parser(model)
    results = run(cases, parser)
    report = score(results)
    report["misses"] = misses(results)
    report["seconds"] = time.time() - t0
    return report, results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--heldout", type=Path, default=HELDOUT)
    ap.add_argument("--guard", action="store_true", help="only the guard subset")
    ap.add_argument("--no-rasa-test", action="store_true", help="skip `rasa test nlu` (end to end only)")
    args = ap.parse_args(argv)

    cases = load_cases(args.heldout, guard_only=args.guard)
    args.out.mkdir(parents=True, exist_ok=True)
    nlu_file = args.out / "heldout_nlu.yml"
    nlu_file.write_text(nlu_test_data(cases), encoding="utf-8")
    rasa_test = None if args.no_rasa_test else rasa_test_nlu(nlu_file, args.model, args.out / "rasa")
    report, _ = evaluate(args.model, cases)
    report["model"] = str(args.model)
    report["guard"] = args.guard
    if rasa_test:
        report["rasa_test"] = rasa_test
    (args.out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (args.out / "report.md").write_text(markdown(report), encoding="utf-8")
    s = report["summary"]
    print(
        f"{s['messages']} messages: flaw-type macro F1 {s['flaw_type_macro_f1']:.3f}, crediting "
        f"{s['crediting_accuracy']:.1%}, false credit {s['false_credit_rate']:.1%}, outcomes "
        f"{s['outcome_accuracy']:.1%}, intents {s['nlu_intent_accuracy']:.1%}"
        + (f", rasa test nlu macro F1 {rasa_test.get('macro_f1', 0):.3f}" if rasa_test else "")
        + f" -> {args.out / 'report.md'}"
    )
    return 0 if s["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
