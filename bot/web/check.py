"""'Check my register': a learner's own register (CSV or Excel), checked in memory.

Nothing of the file is stored or logged: real registers name people, suppliers and money.
"""
from __future__ import annotations

import datetime as dt

from bot.evaluation.lint import lint_rows, suggested_challenge
from bot.evaluation.scheme import Scheme, built_in
from bot.scenarios.register_import import parse_register
from bot.taxonomy import kind

MAX_BYTES = 2 * 1024 * 1024
DEFAULT_TOLERANCE = 15


def check_register(name: str, data: bytes, tolerance: int, today: dt.date, scheme: Scheme | None = None) -> dict:
    """`scheme`: the organisation's own (its scales and tolerances); else the built-in 5 x 5."""
    scheme = scheme or built_in(tolerance)
    rows = parse_register(name, data, (scheme.probability, scheme.impact))
    by_id = {r.id: r for r in rows}
    findings = lint_rows(rows, today, scheme.tolerance, scheme)
    flagged = {f.risk_id for f in findings} | {f.other_risk_id for f in findings}
    tolerance = scheme.tolerance
    return {
        "file": name,
        "rows": len(rows),
        "rows_with_findings": len(flagged & set(by_id)),
        "scheme": scheme.describe(),
        "tolerance": tolerance,
        "today": today.isoformat(),
        "findings": [
            dict(
                f.as_dict(),
                title=by_id[f.risk_id].title if f.risk_id in by_id else "",
                label=kind(f.type).label,
                why=kind(f.type).why_it_matters,
                challenge=suggested_challenge(f, by_id, scheme.tolerance_for(by_id[f.risk_id].category)
                                              if f.risk_id in by_id else tolerance),
            )
            for f in findings
        ],
    }
