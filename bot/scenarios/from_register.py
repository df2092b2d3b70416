"""A scenario made from an organisation's own register: its rows as the PM presents them, the
linter's findings as the answer key, and the PM's replies written from each row's own facts.

The result is a plain dict in the scenario file's shape (`pmo-tutor scenarios from-register`
writes it as YAML for a trainer to edit: untick findings that are not flaws, add what the linter
cannot see); `Scenario.parse_obj` accepts it as it is.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from bot.evaluation.lint import PLACEHOLDER_OWNER, Finding, lint_rows
from bot.evaluation.scheme import Scheme, built_in
from bot.scenarios.model import LEVELS, STRATEGIES, Scenario
from bot.scenarios.register_import import RegisterRow
from bot.taxonomy import KINDS
from bot.taxonomy import FlawType as T

MIN_ROWS, MAX_ROWS, MIN_FLAWS = 8, 12, 3
_NAME_ROLE = re.compile(r"^\s*([^()]+?)\s*\(([^)]+)\)\s*$")
_STRATEGY_WORDS = {"mitigate": "reduce", "reduce": "reduce", "treat": "reduce", "avoid": "avoid",
                   "terminate": "avoid", "transfer": "transfer", "insure": "transfer", "share": "share",
                   "accept": "accept", "tolerate": "accept", "fallback": "fallback", "contingency": "fallback"}


def finding_key(f: Finding) -> str:
    """How a trainer names a finding to leave out: "score_mismatch:R2", "duplicate:R4:R9"."""
    return ":".join(x for x in (f.type, f.risk_id, f.other_risk_id) if x)


def unique_ids(rows: list[RegisterRow]) -> list[RegisterRow]:
    """The rows with an id each of their own: a register that repeats an id (two rows "R1", or
    blank ids) keeps the first and names the others after their line in the file ("R1 (line 5)"),
    so findings, the trainer's review keys and the exercise's rows never mix two rows up."""
    seen: set[str] = set()
    out = []
    for r in rows:
        if r.id in seen:
            r = dataclasses.replace(r, id=f"{r.id} (line {r.line})")
        seen.add(r.id)
        out.append(r)
    return out


def review(rows: list[RegisterRow], today: dt.date, tolerance: int, scheme: Scheme | None = None) -> list[dict]:
    """The findings a trainer reviews before publishing, each with its key."""
    rows = unique_ids(rows)
    return [f.as_dict() | {"key": finding_key(f)} for f in lint_rows(rows, today, tolerance, scheme) if f.risk_id]


class NotPlayable(ValueError):
    """A register that cannot make an exercise; the message says why, in the trainer's terms."""


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:34].strip("-")
    return f"own-{slug}" if len(slug) >= 3 else "own-register"


def _response(value: str) -> str:
    low = value.strip().lower()
    if low in STRATEGIES:
        return low
    return next((s for word, s in _STRATEGY_WORDS.items() if word in low), "reduce")


def _person(owner: str) -> tuple[str, str]:
    m = _NAME_ROLE.match(owner)
    return (m.group(1), m.group(2)) if m else (owner.strip(), "risk owner on this register")


def _row(r: RegisterRow, today: dt.date) -> dict:
    p, i = r.probability or 1, r.impact or 1
    return {
        "id": r.id if re.fullmatch(r"R\d{1,2}", r.id) else "",  # renumbered below when not R<n>
        "title": r.title.strip() or r.description.strip()[:60] or r.id,
        "description": r.description.strip() or r.title.strip(),
        "category": r.category.strip() or "General",
        "probability": p, "impact": i, "score": r.score if r.score is not None else p * i,
        "owner": r.owner.strip(), "response": _response(r.response),
        # The linter reads anything but "closed" as open ("active", "monitoring"); so does the role-play.
        "actions": r.actions.strip(), "status": "closed" if r.status == "closed" else "open",
        "last_reviewed": r.last_reviewed or today,
    }


def _choose(rows: list[RegisterRow], findings: list[Finding]) -> list[RegisterRow]:
    """The rows the PM presents: every row with a finding (a pair together), then sound rows, 8-12."""
    flagged: list[str] = []
    for f in findings:
        ids = [x for x in (f.risk_id, f.other_risk_id) if x]
        if len(set(flagged) | set(ids)) <= MAX_ROWS:
            flagged += [x for x in ids if x not in flagged]
    chosen = [r for r in rows if r.id in flagged]
    chosen += [r for r in rows if r.id not in flagged][: max(0, MAX_ROWS - len(chosen))]
    return sorted(chosen, key=rows.index)


# Per type: what a fix must say (keyword groups, as in the scenario file), the model fix, and the
# PM's words, all from the row's own facts.
def _fix(t: T, row: dict, other: dict | None, tolerance: int) -> dict:
    rid, p, i = row["id"], row["probability"], row["impact"]
    table = {
        T.SCORE_MISMATCH: ([[str(p * i)]], f"Correct the score to {p} x {i} = {p * i}, and check the RAG and any "
                           "escalation that follow from it."),
        T.NOT_A_RISK: ([["issue"]], "Move it to the issue log with an owner and actions, and log any risk of "
                       "further consequences as a new risk."),
        T.VAGUE_DESCRIPTION: ([["because", "cause", "due to", "if", "as a result"],
                               ["which would", "would", "result", "lead", "effect", "impact", "delay", "cost"]],
                              "Rewrite it as cause, event and effect: 'Because <cause>, there is a risk that "
                              "<event>, which would <effect on time, cost or quality>'."),
        T.WRONG_OWNER: ([["owner", "own", "assign", "give", "accountable", "move"],
                         ["director", "manager", "sro", "sponsor", "head", "lead", "chief", "officer", "board"]],
                        "Name as owner a person with the authority and budget to act on it (a director, the SRO "
                        "or the budget holder), and keep the day-to-day actions with an actionee."),
        T.MISSING_RESPONSE: ([["action", "mitigat", "reduce", "plan", "agree", "book", "test", "run"],
                              ["by", "date", "week", "month", "end of"]],
                             "Give it specific actions, each with an actionee and a due date, that reduce the "
                             "probability or the impact."),
        T.STALE_REVIEW: ([["review", "reassess", "re-assess", "update", "rescore", "re-score"],
                          ["now", "this week", "today", "next", "before", "by", "monthly", "fortnight"]],
                         "Review it now with the owner, re-score it on today's facts, and put it on the regular "
                         "review cycle."),
        T.NOT_ESCALATED: ([["escalat", "board", "sro", "sponsor", "exception"]],
                          f"Escalate it: at {row['score']} it is above the tolerance of {tolerance}, so it goes to "
                          "the board or SRO with the options and a recommendation."),
        T.STRATEGY_MISMATCH: ([["contingen", "fallback", "fall-back", "reduce", "mitigat", "plan b", "reserve"]],
                              "Either reduce it with real actions or, if it stays accepted, hold a contingency or "
                              "fallback and a trigger for using it."),
        T.CLOSED_WITHOUT_REASON: ([["reopen", "re-open", "evidence", "reason", "why"]],
                                  "Reopen it until there is evidence it can no longer happen, or record that "
                                  "evidence as the closure reason."),
        T.UNDERRATED: ([["probability", "impact", "likelihood", "rescore", "re-score", "re-rate", "rerate", "raise",
                         "higher", "score"]],
                       f"Re-rate it on the facts: a higher probability or impact than {p} x {i}, with the "
                       "evidence for the new rating noted on the row."),
        T.OPPORTUNITY_SCORED_AS_THREAT: ([["exploit", "enhance", "pursue", "share", "benefit", "upside", "opportunit"]],
                                         "Treat it as the opportunity it is: score the impact as the size of the "
                                         "benefit, and exploit or enhance it with an owner who can make it happen and a date."),
        T.DUPLICATE: ([["merge", "combine", "consolidat", "one row", "delete", "remove", "single"]],
                      f"Merge {rid} and {other['id'] if other else 'its twin'} into one risk with one owner, "
                      "one score and one set of actions."),
    }
    accept, model = table[t]
    return {
        "accept": accept, "model_answer": model,
        "accepted_reply": "Fair enough. I'll make that change before the next review.",
        "rejected_reply": f"I'm not sure that fixes it. {KINDS[t].fix_question}",
    }


def _words(t: T, row: dict, other: dict | None, tolerance: int) -> tuple[str, str, list[str]]:
    """The PM's concession, their push-back, and the keywords that point at the flaw."""
    rid, title = row["id"], row["title"]
    p, i, score = row["probability"], row["impact"], row["score"]
    return {
        T.SCORE_MISMATCH: (f"...You're right, {p} x {i} is {p * i}, not {score}. I must have slipped when I "
                           "updated it. What should it say?", f"What's wrong with {rid}'s score, exactly?",
                           ["score", "multipl", str(p * i), str(score), "maths", "add up"]),
        T.NOT_A_RISK: (f"Hmm. {title} has already happened, hasn't it. That's an issue, not a risk. Where "
                       "would you put it?", f"What makes you say {rid} isn't a risk?",
                       ["issue", "already", "happened", "certain", "not a risk", "probability 5"]),
        T.VAGUE_DESCRIPTION: (f"Fair point, '{row['description'][:80]}' doesn't say what would cause it or what "
                              "it would do to us. How would you word it?", f"What's unclear about {rid}?",
                              ["vague", "cause", "effect", "event", "description", "unclear", "wording"]),
        T.WRONG_OWNER: (f"Yes, '{row['owner'] or 'nobody'}' can't really act on that one. Who should own it?",
                        f"Why shouldn't {row['owner'] or 'that'} own {rid}?",
                        ["owner", "own", "nobody", "no one", "tbc", "authority", "accountable", "name"]),
        T.MISSING_RESPONSE: (f"Fair. '{row['actions'] or 'nothing'}' isn't a plan. What would you want to see?",
                             f"What's missing from {rid}'s actions?",
                             ["action", "response", "mitigat", "plan", "monitor", "nothing", "date"]),
        T.STALE_REVIEW: (f"You're right, nobody has looked at {rid} since {row['last_reviewed']}. What would you "
                         "do about it?", f"What's wrong with {rid}'s review?",
                         ["review", "stale", "out of date", "old", "updated", "since", "months"]),
        T.NOT_ESCALATED: (f"Yes, {score} is above our tolerance of {tolerance} and I've kept it in the project. "
                          "What should happen?", f"Why would {rid} need to go anywhere?",
                          ["escalat", "tolerance", "board", "sro", "sponsor", "above", "threshold"]),
        T.STRATEGY_MISMATCH: (f"...Accepting a {score} with nothing behind it is a gamble, I admit. What would "
                              "you put in place?", f"What's wrong with how we're handling {rid}?",
                              ["accept", "contingen", "fallback", "strategy", "response", "nothing behind"]),
        T.CLOSED_WITHOUT_REASON: (f"Hmm. I closed {rid} without saying why it can't happen now. What do you "
                                  "want me to do?", f"Why shouldn't {rid} be closed?",
                                  ["closed", "close", "reason", "evidence", "why", "reopen"]),
        T.UNDERRATED: (f"Hmm. Maybe {score} is optimistic for {title}, now you put it like that. What would "
                       "you rate it?", f"Why do you think {rid} is rated too low?",
                       ["underrat", "too low", "optimistic", "higher", "probability", "impact", "likely"]),
        T.OPPORTUNITY_SCORED_AS_THREAT: (f"...Fair point. {title} is an upside, and I've handled it like a threat. "
                                         "How would you treat it?", f"What's wrong with how {rid} is handled?",
                                         ["opportunit", "upside", "benefit", "exploit", "enhance", "threat"]),
        T.DUPLICATE: (f"...You're right, {rid} and {other['id'] if other else 'the other one'} are the same "
                      "thing said twice. How would you tidy that up?", f"Which row do you think {rid} repeats?",
                      ["duplicate", "same", "twice", "repeat", "double", "overlap", "merge"]),
    }[t]


def from_register(rows: list[RegisterRow], title: str, today: dt.date, tolerance: int,
                  level: str = "practitioner", exclude: frozenset[str] = frozenset(),
                  underrated: tuple[str, ...] = (), missing: tuple[str, ...] = (),
                  scheme: Scheme | None = None) -> dict:
    """The scenario file's content; NotPlayable when the register cannot make an exercise.
    The trainer's review: `exclude` leaves out findings that are not flaws (by finding_key), and
    what the linter cannot see is added: rows rated too low for the facts (`underrated`, by the
    register's ids) and risks the register lacks (`missing`, each a short topic)."""
    if level not in LEVELS[:-1]:
        raise NotPlayable(f"level must be one of {', '.join(LEVELS[:-1])}")
    scheme = scheme or built_in(tolerance)
    if max(scheme.probability, scheme.impact) > 5:
        raise NotPlayable(f"{scheme.name} scores on a 1-{max(scheme.probability, scheme.impact)} scale; the "
                          "role-play plays scales up to 5 for now (the linter reads any)")
    tolerance = scheme.tolerance
    if not dt.date(1900, 1, 1) <= today <= dt.date(2999, 12, 31):
        raise NotPlayable(f"the review date {today.isoformat()} is not a date a register is judged on")
    rows = unique_ids(rows)
    top = scheme.probability * scheme.impact
    bad = next((r for r in rows if r.score is not None and not 0 <= r.score <= top), None)
    if bad is not None:
        raise NotPlayable(f"row {bad.line} ({bad.id}): score {bad.score} is outside 0 to {top}, the scale's range")
    ids = {r.id for r in rows}
    unknown = [rid for rid in underrated if rid not in ids]
    if unknown:
        raise NotPlayable(f"underrated: no row {', '.join(unknown)} in the register")
    findings = [f for f in lint_rows(rows, today, tolerance, scheme)
                if f.risk_id and finding_key(f) not in exclude]
    findings += [Finding(rid, None, T.UNDERRATED.value, "rated too low for the facts (the trainer's review)")
                 for rid in dict.fromkeys(underrated)]
    chosen = _choose(rows, findings)
    if len(chosen) < MIN_ROWS:
        raise NotPlayable(f"the register has {len(rows)} rows; an exercise needs at least {MIN_ROWS}")
    body = [_row(r, today) for r in chosen]
    # Ids the contract can carry (R1..R99): keep the register's own where they fit, else renumber.
    renumber = any(not b["id"] for b in body) or len({b["id"] for b in body}) < len(body)
    old_ids = {r.id: (f"R{n}" if renumber else r.id) for n, r in enumerate(chosen, start=1)}
    for b, r in zip(body, chosen):
        b["id"] = old_ids[r.id]
    by_id = {b["id"]: b for b in body}
    flaws = []
    for f in findings:
        if f.risk_id not in old_ids or (f.other_risk_id and f.other_risk_id not in old_ids):
            continue
        t = T(f.type)
        row = by_id[old_ids[f.risk_id]]
        other = by_id[old_ids[f.other_risk_id]] if f.other_risk_id else None
        hit, partial, keywords = _words(t, row, other, tolerance)
        kind = KINDS[t]
        flaw = {
            "id": f"F{len(flaws) + 1}", "type": t.value, "risk_id": row["id"],
            "topic": f"{row['title']}: {kind.label}", "evidence": f"{row['id']}: {f.message}",
            "why_it_matters": kind.why_it_matters, "keywords": keywords,
            "replies": {"hit": hit, "partial": partial},
            "hints": [f"Read each row's {_field(t)} against the others. One doesn't hold up.",
                      f"Look at {row['id']} ({row['title']}): {kind.what_is_wrong}?"],
            "fix": _fix(t, row, other, tolerance),
        }
        if other:
            flaw["other_risk_id"] = other["id"]
        flaws.append(flaw)
    for topic in dict.fromkeys(" ".join(t.split())[:80] for t in missing if t.strip()):
        flaws.append(_missing(f"F{len(flaws) + 1}", topic))
    if len(flaws) < MIN_FLAWS:
        raise NotPlayable(f"the linter found {len(flaws)} flaw(s) in this register; an exercise needs at least "
                          f"{MIN_FLAWS} (add flaws the linter cannot see to the scenario file by hand)")
    owners = dict.fromkeys(_person(b["owner"]) for b in body if b["owner"] and not _placeholder(b["owner"]))
    people = [{"name": n, "role": role, "authority": f"owns risks on the {title} register"} for n, role in owners]
    people.insert(0, {"name": "Alex Morgan", "role": "Project Manager",
                      "authority": "runs the project day to day and keeps this register"})
    if len(people) < 2:
        people.append({"name": "The project board", "role": "Project board",
                       "authority": f"decides on risks above the tolerance of {tolerance}"})
    reviewed = max(b["last_reviewed"] for b in body)
    scenario = {
        "id": _slug(title), "title": title, "level": level,
        "summary": f"Your own register: {title}, {len(body)} risks as the team keeps them.",
        "as_of": today, "tolerance": tolerance,
        "escalation_route": scheme.escalation or f"Risks scoring above {tolerance} go to the project board and the SRO.",
        "brief": {
            "project": title, "organisation": "Your organisation",
            "overview": f"The {title} risk register, imported from your own file: {len(body)} of its "
                        f"{len(rows)} risks, judged against {scheme.describe()} on "
                        f"{today.strftime('%d %B %Y').lstrip('0')}.",
            "budget": "Not stated in the register: add it to the brief if your PM would quote it.",
            "milestones": [{"name": "Next risk review", "date": today + dt.timedelta(days=28)}],
            "people": people,
            "recent_events": [f"The register was last reviewed on {reviewed.strftime('%d %B %Y').lstrip('0')}."],
        },
        "persona": {
            "name": "Alex Morgan", "style": "busy, straightforward, knows the register well",
            "opening": f"Thanks for looking at this. Here's the {title} risk register as we keep it. "
                       "Tell me what you'd challenge.",
            "defend_generic": "I think that row holds up as written. What exactly do you think is wrong with it?",
            "clarify_generic": "Sorry, I'm not sure which row you mean or what's wrong with it. Can you say?",
            "closing": "Thanks, that's useful. I'll take these changes to the next risk review.",
        },
        "register": body,
        "flaws": flaws,
    }
    Scenario.parse_obj(scenario)  # what we write must load; a failure here is our bug, not the trainer's
    return scenario


def _field(t: T) -> str:
    return {T.SCORE_MISMATCH: "scores", T.WRONG_OWNER: "owner", T.MISSING_RESPONSE: "actions",
            T.STALE_REVIEW: "review date", T.NOT_ESCALATED: "score and tolerance", T.DUPLICATE: "titles",
            T.CLOSED_WITHOUT_REASON: "status", T.STRATEGY_MISMATCH: "response",
            T.VAGUE_DESCRIPTION: "description", T.NOT_A_RISK: "description",
            T.UNDERRATED: "probability and impact", T.OPPORTUNITY_SCORED_AS_THREAT: "response"}.get(t, "details")


def _placeholder(owner: str) -> bool:
    return bool(PLACEHOLDER_OWNER.match(owner.strip()))


_TOPIC_WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
_TOPIC_STOP = {"risk", "risks", "that", "with", "from", "into", "about", "there", "their", "this", "will", "could"}


def _missing(flaw_id: str, topic: str) -> dict:
    """A risk the trainer knows the register lacks, found by the words of its topic."""
    words = [w.lower() for w in _TOPIC_WORD.findall(topic) if w.lower() not in _TOPIC_STOP]
    kind = KINDS[T.MISSING_RISK]
    return {
        "id": flaw_id, "type": T.MISSING_RISK.value, "topic": topic,
        "evidence": f"Not in the register (the trainer's review): {topic}.",
        "why_it_matters": kind.why_it_matters, "keywords": words or [topic.lower()],
        "replies": {"hit": f"...Fair point. There's nothing on {topic} in here, and there should be. "
                           "How would you word it?",
                    "partial": "Which risk do you think is missing, exactly?"},
        "hints": ["Think about what could hit this project that nobody has written down yet.",
                  f"Is there anything in the register about {topic}?"],
        "fix": {"accept": [["add", "log", "raise", "new risk", "include", "put", "record", "create"]],
                "model_answer": f"Add a risk for {topic}, with a cause, an event and an effect, an owner who "
                                "can act on it, a score and actions.",
                "accepted_reply": "Good. I'll add it before the next review.",
                "rejected_reply": f"I'm not sure that covers it. {kind.fix_question}"},
    }
