"""Precision and recall of `pmo-tutor lint` on registers written apart from it.

    python scripts/lint_accuracy.py [DIR]     (default tests/lint_registers)

Each DIR/<name>.csv has a key DIR/<name>.key.yml (today, tolerance, and the planted flaws). A
finding counts as correct when the key has that type on that row (a duplicate on that pair, in
either order). Flaws the linter cannot see from the register (underrated, missing risk) are not
planted in these keys. Prints a table per flaw type and overall; --json for the figures.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluation.lint import lint_rows  # noqa: E402
from bot.scenarios.register_import import read_register  # noqa: E402

DEFAULT_DIR = ROOT / "tests" / "lint_registers"


def _key(risk_id: str | None, other: str | None, type_: str) -> tuple:
    return (type_, *sorted(x for x in (risk_id, other) if x))


def measure(folder: Path = DEFAULT_DIR) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    wrong: list[str] = []
    for csv_path in sorted(folder.glob("*.csv")):
        key = yaml.safe_load(csv_path.with_suffix(".key.yml").read_text())
        today = dt.date.fromisoformat(str(key["today"]))
        planted = {_key(f["risk_id"], f.get("other_risk_id"), f["type"]) for f in key["flaws"]}
        found = {_key(f.risk_id, f.other_risk_id, f.type)
                 for f in lint_rows(read_register(csv_path), today, int(key.get("tolerance", 15)))}
        for k in found & planted:
            tp[k[0]] += 1
        for k in found - planted:
            fp[k[0]] += 1
            wrong.append(f"{csv_path.stem}: false finding {k}")
        for k in planted - found:
            fn[k[0]] += 1
            wrong.append(f"{csv_path.stem}: missed {k}")

    def pr(t: int, p: int, n: int) -> dict:
        return {"tp": t, "fp": p, "fn": n,
                "precision": round(t / (t + p), 3) if t + p else None,
                "recall": round(t / (t + n), 3) if t + n else None}

    types = sorted(set(tp) | set(fp) | set(fn))
    return {"per_type": {t: pr(tp[t], fp[t], fn[t]) for t in types},
            "overall": pr(sum(tp.values()), sum(fp.values()), sum(fn.values())), "wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    m = measure(args.dir)
    if args.json:
        print(json.dumps(m, indent=1))
        return 0
    print(f"{'type':24} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>7}")
    for t, v in [*m["per_type"].items(), ("overall", m["overall"])]:
        p = "-" if v["precision"] is None else f"{v['precision']:.2f}"
        r = "-" if v["recall"] is None else f"{v['recall']:.2f}"
        print(f"{t:24} {v['tp']:>3} {v['fp']:>3} {v['fn']:>3} {p:>9} {r:>7}")
    for w in m["wrong"]:
        print("  " + w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
