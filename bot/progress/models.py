"""Progress database: learners, role-play sessions, challenges with verdicts, hints, transcript."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Learner(Base):
    __tablename__ = "learners"
    id = Column(String(200), primary_key=True)  # REST sender, or telegram:<user id>
    display_name = Column(String(200), nullable=False)
    channel = Column(String(40), nullable=False, default="rest")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_active = Column(DateTime, nullable=False, default=utcnow, index=True)

    sessions = relationship("Session", back_populates="learner", order_by="Session.id")


class Session(Base):
    """One role-play: a learner (or a team's conversation) facing one scenario variant."""

    __tablename__ = "sessions"
    id = Column(Integer, primary_key=True)
    learner_id = Column(String(200), ForeignKey("learners.id"), nullable=False)
    conversation_id = Column(String(200), nullable=False)  # where the role-play is happening
    scenario = Column(String(60), nullable=False)
    seed = Column(Integer, nullable=False)
    status = Column(String(20), nullable=False, default="active")  # active|finished|abandoned
    started_at = Column(DateTime, nullable=False, default=utcnow)
    ended_at = Column(DateTime)
    context = Column(JSON, nullable=False, default=dict)  # pending fix, focus risk
    score = Column(JSON)  # frozen at finish

    learner = relationship("Learner", back_populates="sessions")
    challenges = relationship("Challenge", order_by="Challenge.id", cascade="all, delete-orphan")
    hints = relationship("HintGiven", order_by="HintGiven.id", cascade="all, delete-orphan")
    transcript = relationship("Utterance", order_by="Utterance.id", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_sessions_learner", "learner_id", "id"),
        Index("ix_sessions_conversation_status", "conversation_id", "status"),
    )


class Challenge(Base):
    """A learner message with its verdict; one row per flaw judged (a message may hit two)."""

    __tablename__ = "challenges"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("sessions.id"), nullable=False)
    learner_id = Column(String(200), nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    text = Column(Text, nullable=False)
    verdict = Column(String(20), nullable=False)
    flaw_id = Column(String(20))
    flaw_type = Column(String(40))
    risk_id = Column(String(10))
    craft = Column(JSON)

    __table_args__ = (
        Index("ix_challenges_session", "session_id", "id"),
        Index("ix_challenges_learner_verdict", "learner_id", "verdict"),
    )


class HintGiven(Base):
    __tablename__ = "hints"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("sessions.id"), nullable=False, index=True)
    learner_id = Column(String(200), nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    flaw_id = Column(String(20), nullable=False)
    level = Column(Integer, nullable=False)


class Utterance(Base):
    """The session transcript as the learner saw it."""

    __tablename__ = "utterances"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("sessions.id"), nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    speaker = Column(String(10), nullable=False)  # learner | pm | tutor
    learner_id = Column(String(200))
    text = Column(Text, nullable=False)

    __table_args__ = (Index("ix_utterances_session", "session_id", "id"),)


class VerdictOverride(Base):
    """A trainer's change to a challenge's verdict: the audit trail. The latest one per challenge
    is the effective verdict; the challenge row keeps the evaluator's original."""

    __tablename__ = "verdict_overrides"
    id = Column(Integer, primary_key=True)
    challenge_id = Column(Integer, ForeignKey("challenges.id"), nullable=False)
    session_id = Column(Integer, ForeignKey("sessions.id"), nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    trainer = Column(String(200), nullable=False)  # who, as the trainer named themselves
    previous_verdict = Column(String(20), nullable=False)  # effective verdict before this change
    verdict = Column(String(20), nullable=False)
    flaw_id = Column(String(20))
    flaw_type = Column(String(40))
    comment = Column(Text, nullable=False, default="")

    __table_args__ = (
        Index("ix_overrides_challenge", "challenge_id", "id"),
        Index("ix_overrides_session", "session_id", "id"),
    )


class ImportedScenario(Base):
    """A scenario a trainer made from their organisation's own register: kept with the progress
    data so every process (web app, action servers) sees it and it survives a restart."""

    __tablename__ = "imported_scenarios"
    id = Column(String(64), primary_key=True)
    title = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)  # the scenario file's fields, as JSON
    created_at = Column(DateTime, nullable=False, default=utcnow)
    # Deleted ones leave the menu but stay readable: sessions played on them keep their record.
    deleted_at = Column(DateTime, nullable=True)
