"""What trainers read: a session with its register, flaws, verdicts, score and transcript."""
from __future__ import annotations

import datetime as _dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from bot.evaluation.debrief import score
from bot.evaluation.state import CHALLENGE_VERDICTS, Verdict
from bot.progress.models import Challenge, Learner, Session, VerdictOverride
from bot.progress.store import ProgressStore, effective_challenges_select
from bot.scenarios.loader import library
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType, kind

# The dashboard's views read the newest sessions matching the filters, up to this many; exports
# read them all.
VIEW_LIMIT = 500


def iso(t) -> str | None:
    return t.isoformat(timespec="seconds") + "Z" if t else None


def session_summary(s: Session) -> dict:
    return {
        "id": s.id,
        "scenario": s.scenario,
        "seed": s.seed,
        "started_at": iso(s.started_at),
        "ended_at": iso(s.ended_at),
        "status": s.status,
    }


def session_detail(db: DbSession, store: ProgressStore, s: Session) -> dict:
    scenario = variant(s.scenario, s.seed)
    state = store.state_of(db, s)
    records = store.challenge_records(db, s)
    return {
        "id": s.id,
        "learner_id": s.learner_id,
        "scenario": s.scenario,
        "seed": s.seed,
        "status": s.status,
        "started_at": iso(s.started_at),
        "ended_at": iso(s.ended_at),
        "register": [r.public() for r in scenario.rows],
        **({"clauses": [c.public() for c in scenario.clauses]} if scenario.artefact == "policy" else {}),
        "flaws": [f.public(f.id in state.found, f.id in state.fixed) for f in scenario.flaws],
        "challenges": [  # the effective verdict: a trainer's override wins over the evaluator's
            {
                "id": e.challenge.id,
                "at": iso(e.challenge.at),
                "text": e.challenge.text,
                "verdict": e.verdict,
                "flaw_id": e.flaw_id,
                "learner_id": e.challenge.learner_id,
                "risk_id": e.challenge.risk_id,
                "flaw_type": e.flaw_type,
                "craft": e.challenge.craft,
                "original_verdict": e.challenge.verdict,
                "overridden": e.override is not None,
            }
            for e in store.effective_challenges(db, s)
        ],
        "score": s.score or score(scenario, state, records, store.hint_levels(db, s)),
    }


def transcript(s: Session) -> list[dict]:
    return [{"at": iso(u.at), "speaker": u.speaker, "text": u.text} for u in s.transcript]


# -- trainer dashboard: reports over many sessions ----------------------------------------------
def live_score(db: DbSession, store: ProgressStore, s: Session, fresh: bool = False) -> dict:
    """The session's score: frozen at finish (overrides recompute it with fresh=True), else from
    its records now."""
    if s.status == "finished" and s.score and not fresh:
        return s.score
    return score(variant(s.scenario, s.seed), store.state_of(db, s), store.challenge_records(db, s),
                 store.hint_levels(db, s))


def find_sessions(
    db: DbSession,
    scenario: str | None = None,
    level: str | None = None,
    since: _dt.date | None = None,
    until: _dt.date | None = None,
    learner_id: str | None = None,
    status: str | None = None,
    limit: int | None = VIEW_LIMIT,
) -> list[Session]:
    """Sessions matching the dashboard's filters, newest first (dates on the start, inclusive)."""
    q = select(Session).order_by(Session.id.desc())
    if scenario:
        q = q.where(Session.scenario == scenario)
    if level:
        q = q.where(Session.scenario.in_([sid for sid, sc in library().items() if sc.level == level]))
    if since:
        q = q.where(Session.started_at >= _dt.datetime.combine(since, _dt.time.min))
    if until:
        q = q.where(Session.started_at < _dt.datetime.combine(until + _dt.timedelta(days=1), _dt.time.min))
    if learner_id:
        q = q.where(Session.learner_id == learner_id)
    if status:
        q = q.where(Session.status == status)
    if limit:
        q = q.limit(limit)
    return list(db.execute(q).scalars())


def names_of(db: DbSession, learner_ids) -> dict[str, str]:
    ids = list(set(learner_ids))
    if not ids:
        return {}
    return dict(db.execute(select(Learner.id, Learner.display_name).where(Learner.id.in_(ids))).all())


def challenge_counts(db: DbSession, session_ids: list[int]) -> dict[int, int]:
    """Challenges (not questions) per session, counted in the database: loading every challenge
    row of 500 sessions to count them was 90% of the dashboard's time at 1,000,000 challenges."""
    if not session_ids:
        return {}
    eff = effective_challenges_select().where(Challenge.session_id.in_(session_ids)).subquery()
    q = (select(eff.c.session_id, func.count())
         .where(eff.c.verdict.in_([v.value for v in CHALLENGE_VERDICTS]))  # overrides count; fixes don't
         .group_by(eff.c.session_id))
    return dict(db.execute(q).all())


def session_row(db: DbSession, store: ProgressStore, s: Session, names: dict[str, str],
                counts: dict[int, int]) -> dict:
    """One line of the sessions table and export: who, what, when, and the score."""
    sc = live_score(db, store, s)
    meta = library().get(s.scenario)
    return {
        **session_summary(s),
        "learner_id": s.learner_id,
        "display_name": names.get(s.learner_id, s.learner_id),
        "conversation_id": s.conversation_id,
        "title": meta.title if meta else s.scenario,
        "level": meta.level if meta else "",
        "found": sc["found"],
        "fixed": sc["fixed"],
        "total": sc["total"],
        "false_challenges": sc["false_challenges"],
        "hints": sc["hints"],
        "craft": sc["craft"],
        "points": sc["points"],
        "max_points": sc["max_points"],
        "percent": sc["percent"],
        "challenges": counts.get(s.id, 0),
    }


def learner_rows(db: DbSession, rows: list[dict]) -> list[dict]:
    """Per learner over the given session rows: sessions, flaws found of total, false challenges,
    hints, mean craft and score, last active."""
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["learner_id"]].append(r)
    learners = {
        x.id: x for x in db.execute(select(Learner).where(Learner.id.in_(list(by)))).scalars()
    } if by else {}
    out = []
    for lid, rs in by.items():
        x = learners.get(lid)
        crafted = [r["craft"] for r in rs if r["challenges"]]
        out.append(
            {
                "id": lid,
                "display_name": x.display_name if x else lid,
                "channel": x.channel if x else "",
                "sessions": len(rs),
                "finished": sum(1 for r in rs if r["status"] == "finished"),
                "flaws_found": sum(r["found"] for r in rs),
                "flaws_total": sum(r["total"] for r in rs),
                "fixed": sum(r["fixed"] for r in rs),
                "false_challenges": sum(r["false_challenges"] for r in rs),
                "hints": sum(r["hints"] for r in rs),
                "craft": round(sum(crafted) / len(crafted), 2) if crafted else None,
                "percent": round(sum(r["percent"] for r in rs) / len(rs)),
                "last_active": iso(x.last_active) if x else max(r["started_at"] for r in rs),
            }
        )
    out.sort(key=lambda r: r["last_active"] or "", reverse=True)
    return out


def team_rows(db: DbSession, store: ProgressStore, sessions: list[Session], rows: list[dict]) -> list[dict]:
    """Shared conversations (a Telegram group): sessions held there, members who challenged, score."""
    by_id = {r["id"]: r for r in rows}
    teams: dict[str, dict] = {}
    for s in sessions:
        if s.conversation_id == s.learner_id:
            continue
        t = teams.setdefault(
            s.conversation_id,
            {"id": s.conversation_id, "sessions": 0, "members": set(), "flaws_found": 0, "flaws_total": 0,
             "percent": [], "last_active": None},
        )
        r = by_id[s.id]
        t["sessions"] += 1
        t["members"].update(c.learner_id for c in s.challenges)
        t["flaws_found"] += r["found"]
        t["flaws_total"] += r["total"]
        t["percent"].append(r["percent"])
        t["last_active"] = max(filter(None, [t["last_active"], r["ended_at"] or r["started_at"]]))
    names = names_of(db, [m for t in teams.values() for m in t["members"]])
    return [
        {**t, "members": sorted(names.get(m, m) for m in t["members"]),
         "percent": round(sum(t["percent"]) / len(t["percent"]))}
        for t in teams.values()
    ]


def class_report(db: DbSession, store: ProgressStore, sessions: list[Session]) -> dict:
    """Which flaw types a group misses most (finished sessions), and scores over time."""
    finished = [s for s in sessions if s.status == "finished"]
    seeded: dict[str, int] = defaultdict(int)
    missed: dict[str, int] = defaultdict(int)
    by_day: dict[str, list[int]] = defaultdict(list)
    for s in finished:
        scenario = variant(s.scenario, s.seed)
        state = store.state_of(db, s)
        for f in scenario.flaws:
            seeded[f.type.value] += 1
            if f.id not in state.found:
                missed[f.type.value] += 1
        day = (s.ended_at or s.started_at).date().isoformat()
        by_day[day].append(live_score(db, store, s)["percent"])
    types = [
        {
            "type": t.value,
            "label": kind(t).label,
            "seeded": seeded[t.value],
            "missed": missed[t.value],
            "rate": round(missed[t.value] / seeded[t.value], 2) if seeded[t.value] else None,
        }
        for t in FlawType
    ]
    types.sort(key=lambda x: (-(x["rate"] if x["rate"] is not None else -1), -x["missed"], x["label"]))
    return {
        "finished_sessions": len(finished),
        "missed": types,
        "over_time": [
            {"date": d, "sessions": len(v), "percent": round(sum(v) / len(v))} for d, v in sorted(by_day.items())
        ],
    }


def challenge_rows(db: DbSession, store: ProgressStore, sessions: list[Session]) -> list[dict]:
    """Every judged learner message of the given sessions, with effective and original verdicts."""
    names = names_of(db, [c.learner_id for s in sessions for c in s.challenges])
    out = []
    for s in sorted(sessions, key=lambda x: x.id):
        for e in store.effective_challenges(db, s):
            c = e.challenge
            out.append(
                {
                    "session_id": s.id,
                    "scenario": s.scenario,
                    "learner_id": c.learner_id,
                    "display_name": names.get(c.learner_id, c.learner_id),
                    "at": iso(c.at),
                    "text": c.text,
                    "risk_id": c.risk_id,
                    "flaw_id": e.flaw_id,
                    "flaw_type": e.flaw_type,
                    "verdict": e.verdict,
                    "original_verdict": c.verdict,
                    "overridden_by": e.override.trainer if e.override else "",
                    "override_comment": e.override.comment if e.override else "",
                    "craft": (c.craft or {}).get("points") if c.craft else None,
                }
            )
    return out


def override_dict(o: VerdictOverride) -> dict:
    return {
        "id": o.id,
        "challenge_id": o.challenge_id,
        "at": iso(o.at),
        "trainer": o.trainer,
        "previous_verdict": o.previous_verdict,
        "verdict": o.verdict,
        "flaw_id": o.flaw_id,
        "comment": o.comment,
    }


def annotated_transcript(db: DbSession, store: ProgressStore, s: Session) -> list[dict]:
    """The transcript with each learner message tagged by the verdicts it received.

    Challenges and utterances are both in the order they happened; one message may carry
    several verdicts (consecutive challenge rows with its text)."""
    effective = store.effective_challenges(db, s)
    names = names_of(db, [u.learner_id for u in s.transcript if u.learner_id])
    out, i = [], 0
    for u in s.transcript:
        line = {"id": u.id, "at": iso(u.at), "speaker": u.speaker, "text": u.text}
        if u.speaker == "learner":
            line["learner_id"] = u.learner_id
            line["display_name"] = names.get(u.learner_id, u.learner_id)
            tags = []
            while i < len(effective) and _same_message(effective[i].challenge, u):
                e = effective[i]
                tags.append({"challenge_id": e.challenge.id, "verdict": e.verdict, "risk_id": e.challenge.risk_id,
                             "flaw_type": e.flaw_type, "overridden": e.override is not None})
                i += 1
            line["verdicts"] = tags
        out.append(line)
    return out


def _same_message(c, u) -> bool:
    """A challenge row stems from this learner utterance (same text, same moment)."""
    return c.text.strip() == u.text.strip() and abs((c.at - u.at).total_seconds()) < 10


def review(db: DbSession, store: ProgressStore, s: Session) -> dict:
    """Everything the trainer's session page shows."""
    detail = session_detail(db, store, s)
    detail["score"] = live_score(db, store, s)
    detail["display_name"] = names_of(db, [s.learner_id]).get(s.learner_id, s.learner_id)
    meta = library().get(s.scenario)
    detail["title"] = meta.title if meta else s.scenario
    detail["level"] = meta.level if meta else ""
    detail["tolerance"] = variant(s.scenario, s.seed).tolerance
    for f in detail["flaws"]:
        f["label"] = kind(FlawType(f["type"])).label
    detail["overrides"] = [override_dict(o) for o in store.overrides(db, s.id)]
    detail["transcript"] = annotated_transcript(db, store, s)
    detail["verdicts"] = [v.value for v in Verdict]
    detail["challenge_verdicts"] = sorted(v.value for v in CHALLENGE_VERDICTS)
    return detail
