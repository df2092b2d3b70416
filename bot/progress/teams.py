"""Teams: a group chat practising together. Queries over every session held in one conversation
(a Telegram group's `telegram-group:<chat id>`), credited to the member who made each challenge."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from bot.evaluation.debrief import ChallengeRecord, contributions
from bot.progress.models import Session


@dataclass
class Standing:
    learner_id: str
    display_name: str
    found: int
    fixed: int
    challenges: int
    craft: float  # mean craft points 0..1
    sessions: int  # team sessions this member took part in


def leaderboard(db: DbSession, conversation_id: str) -> list[Standing]:
    """Members of the conversation ranked by flaws found, then craft (then fixes), over every
    session held there. Verdicts as they count (a trainer's override included)."""
    from bot.progress.store import ProgressStore

    sessions = db.execute(
        select(Session).where(Session.conversation_id == conversation_id).order_by(Session.id)
    ).scalars().all()
    records: list[ChallengeRecord] = []
    took_part: dict[str, set[int]] = {}
    for session in sessions:
        for r in ProgressStore.challenge_records(db, session):
            records.append(r)
            if r.learner_id:
                took_part.setdefault(r.learner_id, set()).add(session.id)
    names = ProgressStore.display_names(db, took_part)
    board = [
        Standing(m.learner_id, names.get(m.learner_id, m.learner_id), m.found, m.fixed, m.challenges, m.craft,
                 len(took_part.get(m.learner_id, ())))
        for m in contributions(records)
    ]
    board.sort(key=lambda x: (-x.found, -x.craft, -x.fixed, x.display_name.lower()))
    return board


def active_scenario(db: DbSession, conversation_id: str) -> tuple[str, int] | None:
    """(scenario id, seed) of the role-play running in a conversation, if any."""
    row = db.execute(
        select(Session.scenario, Session.seed)
        .where(Session.conversation_id == conversation_id, Session.status == "active")
        .order_by(Session.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
