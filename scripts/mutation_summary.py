"""Summarise a mutmut 3 run (`make mutate`): per mutated file and in total, the mutants killed,
survived, timed out, ... and the kill score = killed / (checked - skipped - no tests).

Reads mutants/**/*.py.meta, which mutmut writes as it goes, so it also works on a run in progress
or a run restricted to some mutants (`make mutate MUTANTS=...`): mutants not checked are listed
but left out of the score. Timeouts count as not killed.

    python scripts/mutation_summary.py [mutants]
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

COLUMNS = ["killed", "survived", "timeout", "suspicious", "segfault", "no tests", "skipped", "not checked"]


def score(c: Counter) -> str:
    scored = sum(c.values()) - c["skipped"] - c["no tests"] - c["not checked"]
    return f"{100 * c['killed'] / scored:.1f}%" if scored else "-"


def main(root: str = "mutants") -> int:
    metas = sorted(Path(root).glob("**/*.py.meta"))
    if not metas:
        print(f"no mutmut results under {root}/: run `make mutate`")
        return 1
    rows: list[tuple[str, Counter]] = []
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            rows.append((str(meta.relative_to(root))[: -len(".meta")], Counter(status_by_exit_code[c] for c in codes.values())))
    total = sum((c for _, c in rows), Counter())
    rows.append(("TOTAL", total))
    width = max(len(name) for name, _ in rows)
    other = [k for k in total if k not in COLUMNS]
    head = ["file".ljust(width), "total", *COLUMNS, *other, "score"]
    print("  ".join(head))
    for name, c in rows:
        cells = [name.ljust(width), str(sum(c.values())).rjust(5)]
        cells += [str(c[k]).rjust(len(k)) for k in COLUMNS + other]
        print("  ".join(cells + [score(c).rjust(6)]))
    print("\nscore = killed / (total - skipped - no tests - not checked); `mutmut results` lists the "
          "survivors, `mutmut show <name>` shows one.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
