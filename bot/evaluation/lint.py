"""Register linting: the flaws that show in the register itself, without the project brief.

Underrated ratings and missing risks need the facts of the project, so they are left to the
role-play; everything else here is a check a PMO analyst would run before a risk review.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from bot.evaluation.duplicates import duplicate_pairs
from bot.evaluation.scheme import Scheme, built_in
from bot.scenarios.register_import import RegisterRow, parse_date
from bot.taxonomy import FlawType as T

STALE_DAYS = 90
# A description is read for its three parts by their usual markers. A PM writes them in many
# forms ("If the certification slips, payments cannot be made, delaying go-live"; "Because X, Y
# could slip"; "Risk of X, leading to Y"), so a row is vague only when at most one part shows.
CAUSE = re.compile(
    r"\b(if|because|due to|as a result of|owing to|given( that)?|since|following|caused by|as|unless|when|"
    r"should|lack of|shortage of|insufficient|limited|failure (of|to)|reliance on|dependen(t|cy|ce) on|"
    r"without|after|until|while|whilst|under)\b", re.I)
EVENT = re.compile(
    r"\b(may|might|could|would|will|can|cannot|can'?t|won'?t|fails?|failing|not be|unable|"
    r"risk (that|of)|chance (that|of)|possibility (that|of))\b", re.I)
EFFECT = re.compile(
    r"\b(which (would|could|will|may|might|means?)|lead(s|ing)? to|result(s|ing)? in|causing|so that|"
    r"meaning|means|delay(ing|s)? (the|our|go|completion|handover|opening|delivery|launch)|pushing|increasing|"
    r"reducing|affecting|impacting|jeopardi[sz]ing|putting|preventing|stopping|costing|forcing|leaving|"
    r"breach(ing)?|then|therefore|with the (effect|result)|consequen\w*|exposing|losing|loss of)\b"
    # ", so reception would hand-write labels", "with the excess coming out of reserves"
    r"|[,;]\s*so\b|\bso (that )?\w+ (would|could|will|may|might|has|have|had|must)\b"
    r"|\bwith (the |our |a )?(\w+ ){1,3}\w+ing\b"
    # a consequence verb after a modal or "and": "would stop work on site and leave the council..."
    r"|\b(would|could|will|may|might|and|to)\s+(\w+\s+)?(leave|stop|halt|push|cost|force|prevent|delay|"
    r"breach|expose|lose|add|increase|reduce|miss|jeopardi[sz]e|put)\w*\b"
    # a participle after a comma: ", delaying go-live" (not ", during", ", including")
    r"|,\s*(and\s+)?(?!(during|including|regarding|according|following|concerning|pending|bring|"
    r"something|nothing|anything|everything)\b)\w+ing\b", re.I)
# "Supplier issues may cause delays to the project": the effect says nothing a board could weigh.
GENERIC_EFFECT = re.compile(
    r"\b(cause|affect|impact|lead to|result in)\w*\s+(\w+\s+)?(delays?|problems|issues|impact)?\s*"
    r"((to|on|for)\s+)?(the\s+)?(project|programme|delivery|timescales?|schedule|plan)\W*$", re.I)
PLACEHOLDER_OWNER = re.compile(r"^(|tbc|tbd|n/?a|none|unknown|pmo|project team|team|all|everyone|various|\?+|-+)$", re.I)
EMPTY_ACTION = re.compile(r"^(|monitor( closely)?|tbc|tbd|n/?a|none|ongoing|keep an eye( on it)?|watch|review|-+)\.?$", re.I)
ESCALATED = re.compile(r"escalat|\bboard\b|\bsro\b|sponsor|exception report", re.I)
# Threat responses; an opportunity given one is being treated as harm.
THREAT_RESPONSE = re.compile(r"^(avoid|reduce|mitigat\w*|transfer|fallback|contingency)\b", re.I)
FALLBACK = re.compile(r"contingen|fallback|fall-back|plan b|reserve|budget|workaround", re.I)
EVIDENCE = re.compile(
    r"because|evidence|confirmed|complete|signed|delivered|passed|no longer|cannot|can't|removed|"
    r"variation|agreed|closed on|proximity|expired|superseded", re.I,
)
# "No longer relevant." says it was closed, not why: it is no evidence on its own.
NO_REASON = re.compile(r"\b(no longer|not) (relevant|applicable|needed|required|a risk|an issue|a concern)\b", re.I)
DATE_IN_TEXT = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4})\b",
    re.I,
)


@dataclass
class Finding:
    risk_id: str | None
    other_risk_id: str | None
    type: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def _dates(text: str) -> list[dt.date]:
    out = []
    for m in DATE_IN_TEXT.finditer(text):
        try:
            out.append(parse_date(m.group(1)))
        except ValueError:
            continue
    return out


def vague(description: str) -> bool:
    """Fewer than two of cause, event and effect, or an effect that names nothing but "the project"."""
    parts = sum(bool(p.search(description)) for p in (CAUSE, EVENT, EFFECT))
    return parts < 2 or bool(GENERIC_EFFECT.search(description.strip()))


def lint_rows(rows: list[RegisterRow], today: dt.date, tolerance: int, scheme: Scheme | None = None) -> list[Finding]:
    """The register's visible flaws, judged against the organisation's scheme when it gives one
    (its scales' top, its tolerance by category), else the built-in 5 x 5 and `tolerance`."""
    scheme = scheme or built_in(tolerance)
    findings: list[Finding] = []

    def add(r: RegisterRow, t: T, message: str, other: str | None = None) -> None:
        findings.append(Finding(r.id, other, t.value, message))

    for r in rows:
        is_open = r.status != "closed"
        product = r.probability * r.impact if r.probability and r.impact else None
        if product is not None and r.score is not None and r.score != product:
            add(r, T.SCORE_MISMATCH, f"scored {r.score}, but {r.probability} x {r.impact} is {product}")
        top = scheme.probability
        if r.probability == top and is_open:
            add(r, T.NOT_A_RISK, f"probability {top} (near-certain): if it has happened or certainly will, "
                "manage it as an issue, not a risk")
        words = len(r.description.split())
        # an issue is not written as a risk at all: one finding says so, not two
        if (words < 8 or vague(r.description)) and not (r.probability == top and is_open):
            add(r, T.VAGUE_DESCRIPTION, "the description does not give a cause, an event and an effect"
                + (f" ({words} words)" if words < 8 else ""))
        if PLACEHOLDER_OWNER.match(r.owner.strip()):
            add(r, T.WRONG_OWNER, f"no named owner ('{r.owner}')" if r.owner else "no owner")
        if is_open:
            if EMPTY_ACTION.match(r.actions.strip()) or r.response in ("", "none"):
                add(r, T.MISSING_RESPONSE, "no response or no specific actions"
                    + (f" ('{r.actions}')" if r.actions else ""))
            elif not _dates(r.actions):
                add(r, T.MISSING_RESPONSE, "actions have no due dates")
            if r.opportunity and THREAT_RESPONSE.match(r.response):
                add(r, T.OPPORTUNITY_SCORED_AS_THREAT, f"an opportunity given a threat response ('{r.response}'): "
                    "an upside is exploited, enhanced or shared, and its impact is the benefit")
            elif r.response == "accept" and product and product >= 10 and not FALLBACK.search(r.actions):
                add(r, T.STRATEGY_MISMATCH, f"accepted at a score of {product} with no contingency or fallback")
            if r.last_reviewed and (today - r.last_reviewed).days > STALE_DAYS:
                add(r, T.STALE_REVIEW, f"last reviewed {r.last_reviewed.isoformat()}, "
                    f"{(today - r.last_reviewed).days} days ago")
            else:
                overdue = [d for d in _dates(r.actions) if d < today]
                if overdue and r.last_reviewed and max(overdue) > r.last_reviewed:
                    add(r, T.STALE_REVIEW, f"actions due {max(overdue).isoformat()} are overdue and "
                        "the risk has not been reviewed since")
            limit = scheme.tolerance_for(r.category)
            if product and product > limit and not ESCALATED.search(f"{r.actions} {r.response} {r.status}"):
                own = f"the {r.category.strip()} tolerance" if limit != scheme.tolerance else "the tolerance"
                add(r, T.NOT_ESCALATED, f"score {product} is above {own} of {limit} "
                    "but nothing shows it was escalated")
        elif not EVIDENCE.search(NO_REASON.sub(" ", r.actions)):  # the closure note, not the cause in the description
            add(r, T.CLOSED_WITHOUT_REASON, "closed with no evidence that it can no longer happen")

    for a, b in duplicate_pairs([(r.id, r.title, r.description) for r in rows]):
        findings.append(Finding(a, b, T.DUPLICATE.value, f"{a} and {b} describe the same event"))
    return findings


def to_text(findings: list[Finding]) -> str:
    if not findings:
        return "No flaws found."
    lines = [f"{len(findings)} finding(s):"]
    for f in findings:
        where = f"{f.risk_id}+{f.other_risk_id}" if f.other_risk_id else (f.risk_id or "-")
        lines.append(f"{where:9} {f.type:22} {f.message}")
    return "\n".join(lines)


def to_html(findings: list[Finding], title: str) -> str:
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(f.risk_id or '')}</td><td>{escape(f.other_risk_id or '')}</td>"
        f"<td>{escape(f.type)}</td><td>{escape(f.message)}</td></tr>"
        for f in findings
    )
    return (
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
        f"<title>Register lint: {escape(title)}</title>"
        f"<h1>Register lint: {escape(title)}</h1><p>{len(findings)} finding(s)</p>"
        "<table><thead><tr><th>Risk</th><th>Other risk</th><th>Type</th><th>Finding</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></html>"
    )



# What a PMO analyst could put to the risk owner, per finding, in the register's own terms.
CHALLENGES = {
    T.SCORE_MISMATCH: "{rid} is scored {score}, but {p} x {i} is {product}. Which is right?",
    T.NOT_A_RISK: "{rid} is rated almost certain. Has it already happened? If so, shouldn't it be on the issue log?",
    T.VAGUE_DESCRIPTION: "What would cause {rid}, what exactly might happen, and what would the effect be on the project?",
    T.WRONG_OWNER: "Who owns {rid}? It needs one named person with the authority and budget to act on it.",
    T.MISSING_RESPONSE: "What exactly will be done about {rid}, by whom, and by when?",
    T.STRATEGY_MISMATCH: "{rid} is accepted at a score of {product}. Who agreed that, and what is the fallback if it happens?",
    T.STALE_REVIEW: "{rid} was last reviewed on {reviewed}. What has changed since, and are its actions done?",
    T.NOT_ESCALATED: "{rid} scores {product}, above the tolerance of {tolerance}. Has it gone to the board, and when?",
    T.CLOSED_WITHOUT_REASON: "What tells us {rid} can't happen any more? Where is the evidence for closing it?",
    T.DUPLICATE: "Aren't {rid} and {other} the same risk? Which one do we keep, and who owns it?",
    T.OPPORTUNITY_SCORED_AS_THREAT: "{rid} is an opportunity: why are we reducing it? Who will exploit it, "
    "and how big is the benefit?",
}


def suggested_challenge(f: Finding, rows: dict[str, RegisterRow], tolerance: int) -> str:
    r = rows.get(f.risk_id or "")
    facts = {"rid": f.risk_id or "this risk", "other": f.other_risk_id, "tolerance": tolerance,
             "score": r and r.score, "p": r and r.probability, "i": r and r.impact,
             "product": r.probability * r.impact if r and r.probability and r.impact else None,
             "reviewed": f"{r.last_reviewed:%d %B %Y}" if r and r.last_reviewed else "an unknown date"}
    return CHALLENGES[T(f.type)].format(**facts)
