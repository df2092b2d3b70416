"""What trainers read: a session with its register, flaws, verdicts, score and transcript."""
from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from bot.evaluation.debrief import score
from bot.progress.models import Session
from bot.progress.store import ProgressStore
from bot.scenarios.variants import variant


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
        "flaws": [f.public(f.id in state.found, f.id in state.fixed) for f in scenario.flaws],
        "challenges": [
            {
                "at": iso(c.at),
                "text": c.text,
                "verdict": c.verdict,
                "flaw_id": c.flaw_id,
                "learner_id": c.learner_id,
                "risk_id": c.risk_id,
                "flaw_type": c.flaw_type,
                "craft": c.craft,
            }
            for c in s.challenges
        ],
        "score": s.score or score(scenario, state, records, store.hint_levels(db, s)),
    }


def transcript(s: Session) -> list[dict]:
    return [{"at": iso(u.at), "speaker": u.speaker, "text": u.text} for u in s.transcript]
