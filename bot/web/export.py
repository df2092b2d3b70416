"""CSV and printable HTML exports for trainers. Cells that a spreadsheet would run as a formula
are neutralised (learner text is untrusted), and HTML is escaped."""
from __future__ import annotations

import csv
import io
from html import escape

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(v) -> str:
    if v is None:
        return ""
    s = str(v)
    return "'" + s if s.startswith(_FORMULA) else s


def to_csv(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


SESSION_COLUMNS = [
    "id", "learner_id", "display_name", "scenario", "level", "seed", "status", "started_at", "ended_at",
    "found", "fixed", "total", "false_challenges", "hints", "craft", "points", "max_points", "percent",
]
CHALLENGE_COLUMNS = [
    "session_id", "scenario", "learner_id", "display_name", "at", "text", "risk_id", "flaw_id", "flaw_type",
    "verdict", "original_verdict", "overridden_by", "override_comment", "craft",
]
TRANSCRIPT_COLUMNS = ["at", "speaker", "display_name", "text", "verdicts"]


def transcript_rows(lines: list[dict]) -> list[dict]:
    return [
        {**line, "verdicts": "; ".join(
            f"{t['verdict']}" + (f" ({t['risk_id']})" if t.get("risk_id") else "") for t in line.get("verdicts", [])
        )}
        for line in lines
    ]


PRINT_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111;max-width:820px;margin:2em auto;padding:0 1em}
h1{font-size:20px;margin:0 0 .2em}.meta{color:#555;margin:0 0 1.5em}
.line{margin:.5em 0;padding:.4em .6em;border-left:3px solid #ccc;white-space:pre-wrap;break-inside:avoid}
.learner{border-color:#1d4ed8}.pm{border-color:#b45309}.tutor{border-color:#047857;color:#333}
.who{font-weight:600}.when{color:#777;font-size:12px;margin-left:.5em}
.tag{display:inline-block;font-size:11px;border:1px solid #999;border-radius:8px;padding:0 6px;margin-left:6px}
@media print{body{margin:0}}
"""


def transcript_html(review: dict) -> str:
    """A self-contained, printable transcript page (no script, no external asset)."""
    who = {"pm": "PM", "tutor": "Tutor"}
    out = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>Transcript: session {review['id']}</title><style>{PRINT_CSS}</style></head><body>",
        f"<h1>{escape(review['title'])}: session {review['id']}</h1>",
        f"<p class=\"meta\">Learner {escape(review['display_name'])} · seed {review['seed']} · "
        f"started {escape(review['started_at'] or '')} · {escape(review['status'])} · score "
        f"{review['score']['points']} of {review['score']['max_points']} ({review['score']['percent']}%)</p>",
    ]
    for line in review["transcript"]:
        name = line.get("display_name") or who.get(line["speaker"], line["speaker"])
        tags = "".join(f"<span class=\"tag\">{escape(t['verdict'])}</span>" for t in line.get("verdicts", []))
        out.append(
            f"<div class=\"line {escape(line['speaker'])}\"><span class=\"who\">{escape(name)}</span>"
            f"<span class=\"when\">{escape(line['at'] or '')}</span>{tags}\n{escape(line['text'])}</div>"
        )
    out.append("</body></html>")
    return "".join(out)
