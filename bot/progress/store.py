"""Reading and writing progress. One short transaction per learner turn."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar

from sqlalchemy import create_engine, event, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.evaluation.debrief import ChallengeRecord
from bot.evaluation.state import SessionState, Verdict
from bot.scenarios import loader
from bot.scenarios.model import Scenario
from bot.scenarios.variants import variant
from bot.progress.models import (
    Base,
    Challenge,
    HintGiven,
    ImportedScenario,
    Learner,
    Session,
    Utterance,
    VerdictOverride,
    utcnow,
)

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)


@dataclass
class EffectiveChallenge:
    """A challenge as it counts: the evaluator's verdict, or the latest trainer override."""

    challenge: Challenge
    verdict: str
    flaw_id: Optional[str]
    flaw_type: Optional[str]
    override: Optional[VerdictOverride] = None


def effective_challenges_select():
    """SQL rows (id, session_id, learner_id, verdict, flaw_id) with overrides applied."""
    latest = (
        select(VerdictOverride.challenge_id, func.max(VerdictOverride.id).label("oid"))
        .group_by(VerdictOverride.challenge_id)
        .subquery()
    )
    return (
        select(
            Challenge.id.label("id"),
            Challenge.session_id.label("session_id"),
            Challenge.learner_id.label("learner_id"),
            func.coalesce(VerdictOverride.verdict, Challenge.verdict).label("verdict"),
            func.coalesce(VerdictOverride.flaw_id, Challenge.flaw_id).label("flaw_id"),
        )
        .outerjoin(latest, latest.c.challenge_id == Challenge.id)
        .outerjoin(VerdictOverride, VerdictOverride.id == latest.c.oid)
    )


def default_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'progress.db'}"


T = TypeVar("T")
# What the learner is told when the progress database cannot be used (web chat, actions).
CANNOT_SAVE = "the tutor can't save progress right now, please try again in a moment"
BUSY_TIMEOUT = float(os.environ.get("PMO_TUTOR_DB_BUSY_TIMEOUT", "10"))  # SQLite: wait this long for a lock
ATTEMPTS = 3  # a transaction that meets a transient lock is run again, this many times in all
BACKOFF = 0.2  # seconds before the second attempt; doubled for each next one
ACTIVE_PRECISION = 60.0  # seconds: how stale a learner's "last active" may be (saves two statements a move)
# Failures worth another attempt: SQLite's lock (also the one its busy handler cannot wait out, a
# read transaction that must become a write one) and PostgreSQL's serialization failure and deadlock.
_TRANSIENT = ("database is locked", "database table is locked", "database schema is locked")
_TRANSIENT_PG = {"40001", "40P01"}


class StoreUnavailable(Exception):
    """The progress database cannot be used right now (down, locked, read-only, deleted). Nothing
    of the failed transaction was kept; `reason` is for the log and the health check."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def transient(error: BaseException) -> bool:
    """A failure another attempt can get past: a lock, a serialization failure, a deadlock."""
    if not isinstance(error, DBAPIError):
        return False
    if getattr(error.orig, "pgcode", None) in _TRANSIENT_PG:
        return True
    return any(t in str(error.orig).lower() for t in _TRANSIENT)


def unavailable(error: BaseException) -> bool:
    """The database, not the request, is at fault: unreachable, locked, read-only, gone, full."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(error, (OperationalError, InterfaceError, StoreUnavailable)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def describe(error: BaseException) -> str:
    """A failure in a line, without the SQL statement or its parameters (learner text)."""
    if isinstance(error, StoreUnavailable):
        return error.reason
    orig = getattr(error, "orig", None) or error
    return f"{type(orig).__name__}: {str(orig).splitlines()[0][:200] if str(orig) else ''}".rstrip(": ")


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also in its URI form, sqlite:///file:/path?mode=ro&uri=true)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):].split("?")[0]
    path = path[len("file:"):] if path.startswith("file:") else path
    return Path(path) if path not in ("", ":memory:") else None


def make_engine(url: str | None = None, busy_timeout: float | None = None) -> Engine:
    url = url or default_url()
    if _sqlite_path(url) is not None:
        _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        # Connections are pooled and kept open: with a fresh connection per transaction, closing
        # the last one checkpointed and deleted the WAL file on every learner message (measured:
        # a third of the action server's time).
        timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=4, max_overflow=8,
                               connect_args={"timeout": timeout, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _):  # WAL lets the web app read while the action server writes
            cur = conn.cursor()
            try:
                cur.execute("PRAGMA journal_mode=WAL")
            except Exception:  # noqa: BLE001 - a read-only file: reads still work, writes say why
                log.warning("progress database %s: cannot switch to WAL (read-only?)", url)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    elif url.startswith("postgresql"):
        # A server that does not answer fails the connection in seconds, not minutes.
        engine = create_engine(url, future=True, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    else:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    return engine


class ProgressStore:
    def __init__(self, url: str | None = None, busy_timeout: float | None = None):
        self.engine = make_engine(url, busy_timeout)
        self._factory = sessionmaker(self.engine, expire_on_commit=False, future=True)
        self._imported: tuple[tuple, dict[str, Scenario]] = ((), {})
        self._imported_retry_at = 0.0
        self._file = _sqlite_path(str(self.engine.url))
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the SQLite file in use
        self._schema = False
        self._active: dict[str, tuple[str, float]] = {}  # learner -> (name, when last recorded active)
        try:  # a database that is down at start-up is not fatal: it is created when it answers
            self._ensure_schema()
        except StoreUnavailable as e:
            log.error("progress database unavailable at start-up (%s); will try again on each request", e.reason)
        loader.use_imported(self.imported_scenarios)

    # -- availability -----------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        if self._schema:
            return
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as e:
            raise StoreUnavailable(f"cannot open the progress database: {describe(e)}") from e
        self._schema = True
        if self._file is not None:
            st = self._file.stat()
            self._file_id = (st.st_dev, st.st_ino)

    def _file_problem(self) -> str | None:
        """For a SQLite file: is it still the file this process opened? (Deleted or replaced
        mid-run, the open connections would go on writing to a file nobody will ever read.)"""
        if self._file is None or self._file_id is None:
            return None
        try:
            st = self._file.stat()
        except FileNotFoundError:
            return f"the progress database file {self._file} was deleted while the tutor was running"
        except OSError as e:
            return f"the progress database file {self._file} cannot be read: {e.strerror}"
        if (st.st_dev, st.st_ino) != self._file_id:
            return f"the progress database file {self._file} was replaced while the tutor was running"
        return None

    def _report_lost_file(self, problem: str) -> None:
        """Said once at ERROR (then at DEBUG): what happened, and where the data still is. A deleted
        file lives on while this process holds it open: copy it back before restarting, or the
        restart starts from an empty database."""
        if getattr(self, "_lost_reported", False):
            log.debug("%s; refusing to write", problem)
            return
        self._lost_reported = True
        held: dict[str, str] = {}  # the file (and its write-ahead log) -> where this process still holds it
        with contextlib.suppress(OSError):
            for fd in Path("/proc/self/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    for name in (str(self._file), f"{self._file}-wal"):
                        if target == f"{name} (deleted)":
                            held.setdefault(name, f"/proc/{os.getpid()}/fd/{fd.name}")
        rescue = (" Its data is still open in this process: copy "
                  + " and ".join(f"{src} to {name}" for name, src in held.items()) + " before restarting"
                  if held else "")
        log.error("%s; refusing to write until the tutor is restarted on a working file.%s", problem, rescue)

    def health(self) -> str | None:
        """None when the database answers and has its tables; else what is wrong, in a line."""
        problem = self._file_problem()
        if problem:
            return problem
        try:
            self._ensure_schema()
            with self.engine.connect() as conn:
                missing = sorted({t.name for t in Base.metadata.sorted_tables} - set(inspect(conn).get_table_names()))
        except StoreUnavailable as e:
            return e.reason
        except SQLAlchemyError as e:
            return f"the progress database does not answer: {describe(e)}"
        if missing:
            return f"the progress database has lost its tables ({', '.join(missing)})"
        return None

    def run(self, work: Callable[[DbSession], T], attempts: int = ATTEMPTS) -> T:
        """`work(db)` in one transaction. A transient failure (a lock) rolls back and runs it again,
        after 0.2 s, then 0.4 s; any other database failure, or the last, is StoreUnavailable, with
        nothing of the transaction kept. `work` must be safe to repeat: it reads what it needs from
        `db` (the tutor's moves derive their state from the records)."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as db:
                    return work(db)
            except SQLAlchemyError as e:
                if transient(e) and attempt < attempts:
                    delay = BACKOFF * 2 ** (attempt - 1)
                    log.warning("progress database busy (%s); attempt %d of %d in %.1fs",
                                describe(e), attempt + 1, attempts, delay)
                    time.sleep(delay)
                    continue
                if unavailable(e):
                    log.error("progress database unavailable: %s", describe(e))
                    raise StoreUnavailable(describe(e)) from e
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- scenarios made from trainers' registers ----------------------------------------------
    def save_imported(self, scenario: dict) -> str:
        with self.transaction() as db:
            db.add(ImportedScenario(id=scenario["id"], title=scenario["title"],
                                    body=json.dumps(scenario, default=str, ensure_ascii=False)))
        return scenario["id"]

    def delete_imported(self, scenario_id: str) -> bool:
        with self.transaction() as db:
            row = db.get(ImportedScenario, scenario_id)
            if row is None or row.deleted_at is not None:
                return False
            row.deleted_at = utcnow()
            return True

    def imported_scenarios(self, include_deleted: bool = False) -> dict[str, Scenario]:
        """By id; parsed again only when the set changes (another process may import or delete).
        With the database unavailable, the last set read stands (asked again after a few seconds)."""
        if time.monotonic() < self._imported_retry_at:
            return self._live_imported(include_deleted)
        try:
            with self.transaction() as db:
                seen = tuple(db.execute(select(ImportedScenario.id, ImportedScenario.created_at,
                                               ImportedScenario.deleted_at).order_by(ImportedScenario.id)).all())
                if seen != self._imported[0]:
                    rows = db.execute(select(ImportedScenario)).scalars().all()
                    self._imported = (seen, {r.id: s for r in rows if (s := self._parse_imported(r))})
        except (SQLAlchemyError, StoreUnavailable) as e:
            log.error("imported scenarios unavailable (%s); serving those last read", describe(e))
            self._imported_retry_at = time.monotonic() + 5
        return self._live_imported(include_deleted)

    def _live_imported(self, include_deleted: bool) -> dict[str, Scenario]:
        live = {sid for sid, _, deleted in self._imported[0] if deleted is None or include_deleted}
        return {sid: s for sid, s in self._imported[1].items() if sid in live}

    @staticmethod
    def _parse_imported(row: ImportedScenario) -> Scenario | None:
        # One unreadable import (a schema change since) must not take the menu down with it.
        try:
            return Scenario.parse_obj(json.loads(row.body))
        except ValueError:  # pydantic's ValidationError and bad JSON are ValueErrors
            log.exception("imported scenario %s cannot be read; left off the menu", row.id)
            return None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DbSession]:
        self._ensure_schema()
        problem = self._file_problem()
        if problem:
            self._report_lost_file(problem)
            raise StoreUnavailable(problem)
        db = self._factory()
        try:
            yield db
            problem = self._file_problem()  # deleted meanwhile: the commit would be lost
            if problem:
                raise StoreUnavailable(problem)
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    # -- writes -----------------------------------------------------------------------------
    @staticmethod
    def touch_learner(db: DbSession, learner_id: str, display_name: str | None, channel: str) -> Learner:
        learner = db.get(Learner, learner_id)
        if learner is None:
            learner = Learner(id=learner_id, display_name=display_name or learner_id, channel=channel)
            db.add(learner)
        elif display_name and display_name != learner.display_name:
            learner.display_name = display_name
        learner.last_active = utcnow()
        return learner

    def note_activity(self, db: DbSession, learner_id: str, display_name: str | None, channel: str) -> None:
        """touch_learner for each move, with "last active" kept to the minute: a learner this process
        found in the database in the last minute, under the same name, is not read and written
        again (two of a move's statements)."""
        now = time.monotonic()
        seen = self._active.get(learner_id)
        if seen and display_name in (None, seen[0]) and now - seen[1] < ACTIVE_PRECISION:
            return
        existed = db.get(Learner, learner_id) is not None  # a new row may yet be rolled back
        learner = self.touch_learner(db, learner_id, display_name, channel)
        if len(self._active) >= 10_000:
            self._active.clear()
        if existed:
            self._active[learner_id] = (learner.display_name, now)

    def move_conversation(self, old: str, new: str) -> int:
        """A chat changed id (a Telegram group upgraded to a supergroup): its sessions follow."""
        with self.transaction() as db:
            already = self.active_session(db, new)  # the team started again in the new chat first
            sessions = db.execute(select(Session).where(Session.conversation_id == old)).scalars().all()
            for session in sessions:
                session.conversation_id = new
                if already is not None and session.status == "active":
                    session.status, session.ended_at = "abandoned", utcnow()
            return len(sessions)

    @staticmethod
    def active_session(db: DbSession, conversation_id: str) -> Session | None:
        return db.execute(
            select(Session)
            .where(Session.conversation_id == conversation_id, Session.status == "active")
            .order_by(Session.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    @staticmethod
    def latest_session(db: DbSession, conversation_id: str) -> Session | None:
        """The conversation's newest session, running or not (a just-finished one still has a speaker)."""
        return db.execute(
            select(Session).where(Session.conversation_id == conversation_id).order_by(Session.id.desc()).limit(1)
        ).scalar_one_or_none()

    def start_session(self, db: DbSession, conversation_id: str, learner_id: str, scenario: str, seed: int) -> Session:
        previous = self.active_session(db, conversation_id)
        if previous is not None:
            previous.status, previous.ended_at = "abandoned", utcnow()
        session = Session(
            learner_id=learner_id,
            conversation_id=conversation_id,
            scenario=scenario,
            seed=seed,
            context={},
        )
        db.add(session)
        db.flush()
        return session

    @staticmethod
    def say(db: DbSession, session: Session, speaker: str, text: str, learner_id: str | None = None) -> None:
        db.add(Utterance(session_id=session.id, speaker=speaker, text=text, learner_id=learner_id))

    @staticmethod
    def record_judgement(db: DbSession, session: Session, learner_id: str, text: str, judgement, craft: dict | None) -> int:
        c = Challenge(
            session_id=session.id,
            learner_id=learner_id,
            text=text,
            verdict=judgement.verdict.value,
            flaw_id=judgement.flaw_id,
            flaw_type=judgement.flaw_type.value if judgement.flaw_type else None,
            risk_id=judgement.risk_id,
            craft=craft,
        )
        db.add(c)
        db.flush()
        return c.id

    def withdraw_charges(self, db: DbSession, challenge_ids: list[int], because: str) -> int:
        """The learner corrected how their last message was read: its false-challenge charges
        no longer count. Kept as overrides, so the trainer sees the original verdict and why."""
        n = 0
        for c in db.execute(select(Challenge).where(Challenge.id.in_(challenge_ids))).scalars():
            current = self.effective_verdict(db, c)
            if current == Verdict.FALSE.value:
                self.override_verdict(db, c, Verdict.WITHDRAWN.value, "tutor",
                                      f"The learner corrected how this was read: {because[:300]}")
                n += 1
        return n

    @staticmethod
    def effective_verdict(db: DbSession, c: Challenge) -> str:
        o = db.execute(
            select(VerdictOverride).where(VerdictOverride.challenge_id == c.id)
            .order_by(VerdictOverride.id.desc()).limit(1)
        ).scalar_one_or_none()
        return o.verdict if o else c.verdict

    @staticmethod
    def record_hint(db: DbSession, session: Session, learner_id: str, flaw_id: str, level: int) -> None:
        db.add(HintGiven(session_id=session.id, learner_id=learner_id, flaw_id=flaw_id, level=level))

    # -- state, derived from the records ----------------------------------------------------
    def flaw_tally(self, db: DbSession, learner_id: str) -> tuple[Counter, Counter]:
        """Per flaw type (its value): how often the learner found it, in any session, and missed it,
        in a finished one (an unfinished session's unfound flaws would give the answer away)."""
        found, missed = Counter(), Counter()
        for s in db.execute(select(Session).where(Session.learner_id == learner_id)).scalars():
            try:
                scenario = variant(s.scenario, s.seed)
            except loader.UnknownScenario:  # a scenario file since removed
                continue
            state = self.state_of(db, s)
            for f in scenario.flaws:
                if f.id in state.found:
                    found[f.type.value] += 1
                elif s.status == "finished":
                    missed[f.type.value] += 1
        return found, missed

    @staticmethod
    def state_of(db: DbSession, session: Session) -> SessionState:
        state = SessionState()
        for verdict, flaw_id in ProgressStore._verdicts(db, session.id):  # trainer overrides count
            state.apply(verdict, flaw_id)
        for flaw_id, level in db.execute(select(HintGiven.flaw_id, HintGiven.level)
                                         .where(HintGiven.session_id == session.id)):
            state.hint_levels[flaw_id] = max(state.hint_levels.get(flaw_id, 0), level)
            if level >= 3:
                state.revealed.add(flaw_id)
        ctx = session.context or {}
        state.asked = [f for f in ctx.get("asked") or [] if f in state.found]
        state.focus_risk = ctx.get("focus_risk")
        state.recent = [f for f in ctx.get("recent") or [] if f in state.found]
        parts = ctx.get("fix_parts") if isinstance(ctx.get("fix_parts"), dict) else {}
        state.fix_parts = {f: {i for i in p if isinstance(i, int)} for f, p in parts.items()
                           if f in state.found and f not in state.fixed and isinstance(p, list)}
        return state

    @staticmethod
    def challenge_records(db: DbSession, session: Session) -> list[ChallengeRecord]:
        return [  # trainer overrides count: the effective verdict
            ChallengeRecord(
                Verdict(e.verdict), e.challenge.text, e.challenge.risk_id, e.flaw_type, e.challenge.craft,
                e.challenge.learner_id, e.flaw_id,
            )
            for e in ProgressStore.effective_challenges(db, session)
        ]

    # -- trainer overrides ------------------------------------------------------------------
    @staticmethod
    def overrides(db: DbSession, session_id: int) -> list[VerdictOverride]:
        """Every override in a session, oldest first: the audit trail."""
        return list(
            db.execute(
                select(VerdictOverride).where(VerdictOverride.session_id == session_id).order_by(VerdictOverride.id)
            ).scalars()
        )

    @staticmethod
    def _verdicts(db: DbSession, session_id: int) -> list[tuple[str, str | None]]:
        """(effective verdict, flaw id) of each challenge, oldest first: the effective_challenges
        a session's state needs, as plain columns (read on every move; whole records with their
        texts grew with the session)."""
        latest = {cid: (verdict, flaw_id) for cid, verdict, flaw_id in db.execute(  # later wins
            select(VerdictOverride.challenge_id, VerdictOverride.verdict, VerdictOverride.flaw_id)
            .where(VerdictOverride.session_id == session_id).order_by(VerdictOverride.id))}
        out = []
        for cid, verdict, flaw_id in db.execute(select(Challenge.id, Challenge.verdict, Challenge.flaw_id)
                                                .where(Challenge.session_id == session_id).order_by(Challenge.id)):
            o = latest.get(cid)
            out.append((o[0], o[1] or flaw_id) if o else (verdict, flaw_id))
        return out

    @staticmethod
    def effective_challenges(db: DbSession, session: Session) -> list[EffectiveChallenge]:
        latest = {o.challenge_id: o for o in ProgressStore.overrides(db, session.id)}  # later wins
        out = []
        for c in db.execute(
            select(Challenge).where(Challenge.session_id == session.id).order_by(Challenge.id)
        ).scalars():
            o = latest.get(c.id)
            if o is None:
                out.append(EffectiveChallenge(c, c.verdict, c.flaw_id, c.flaw_type))
            else:
                out.append(EffectiveChallenge(c, o.verdict, o.flaw_id or c.flaw_id, o.flaw_type or c.flaw_type, o))
        return out

    @staticmethod
    def override_verdict(
        db: DbSession,
        challenge: Challenge,
        verdict: str,
        trainer: str,
        comment: str,
        flaw_id: str | None = None,
        flaw_type: str | None = None,
    ) -> VerdictOverride:
        """Change a challenge's effective verdict; the original and every change are kept."""
        Verdict(verdict)  # ValueError on an unknown verdict
        previous = db.execute(
            select(VerdictOverride)
            .where(VerdictOverride.challenge_id == challenge.id)
            .order_by(VerdictOverride.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        o = VerdictOverride(
            challenge_id=challenge.id,
            session_id=challenge.session_id,
            trainer=trainer,
            previous_verdict=previous.verdict if previous else challenge.verdict,
            verdict=verdict,
            flaw_id=flaw_id,
            flaw_type=flaw_type,
            comment=comment,
        )
        db.add(o)
        db.flush()
        return o

    @staticmethod
    def display_names(db: DbSession, learner_ids) -> dict[str, str]:
        ids = list(set(learner_ids))
        if not ids:
            return {}
        return dict(db.execute(select(Learner.id, Learner.display_name).where(Learner.id.in_(ids))).all())

    @staticmethod
    def hint_levels(db: DbSession, session: Session) -> list[int]:
        return list(
            db.execute(
                select(HintGiven.level).where(HintGiven.session_id == session.id).order_by(HintGiven.id)
            ).scalars()
        )

    # -- trainer queries --------------------------------------------------------------------
    @staticmethod
    def learners(db: DbSession, limit: int = 500, offset: int = 0) -> list[dict]:
        # Page first, then count only for that page: at 10,000 learners and 1,000,000
        # challenges, aggregating everything per request costs seconds.
        page = list(
            db.execute(
                select(Learner).order_by(Learner.last_active.desc(), Learner.id).limit(limit).offset(offset)
            ).scalars()
        )
        ids = [learner.id for learner in page]
        n_sessions = dict(
            db.execute(
                select(Session.learner_id, func.count(Session.id))
                .where(Session.learner_id.in_(ids))
                .group_by(Session.learner_id)
            ).all()
        )
        # A flaw is credited once per session; trainer overrides count (the effective verdict).
        eff = effective_challenges_select().where(Challenge.learner_id.in_(ids)).subquery()
        hits = (
            select(eff.c.learner_id, eff.c.session_id, eff.c.flaw_id)
            .where(eff.c.verdict == Verdict.HIT.value, eff.c.flaw_id.is_not(None))
            .distinct()
            .subquery()
        )
        n_found = dict(db.execute(select(hits.c.learner_id, func.count()).group_by(hits.c.learner_id)).all())
        rows = [(learner, n_sessions.get(learner.id), n_found.get(learner.id)) for learner in page]
        return [
            {
                "id": learner.id,
                "display_name": learner.display_name,
                "channel": learner.channel,
                "sessions": n_sessions or 0,
                "flaws_found": n_found or 0,
                "last_active": learner.last_active.isoformat(timespec="seconds") + "Z",
            }
            for learner, n_sessions, n_found in rows
        ]

    @staticmethod
    def sessions_of(db: DbSession, learner_id: str) -> list[Session] | None:
        if db.get(Learner, learner_id) is None:
            return None
        return list(
            db.execute(
                select(Session).where(Session.learner_id == learner_id).order_by(Session.id.desc())
            ).scalars()
        )
