"""The web app: the learner chat (proxied to Rasa's REST channel), the learner's progress page,
the trainer dashboard and the trainer API (bearer token)."""
from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import os
import re
from pathlib import Path
from typing import Callable, TypeVar

import aiohttp
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.evaluation.scheme import SchemeError, parse_scheme
from bot.evaluation.state import Verdict
from bot.progress import reports
from bot.progress.models import Challenge, Session
from bot.progress.store import CANNOT_SAVE, ProgressStore, StoreUnavailable, describe
from bot.scenarios.loader import library
from bot.scenarios.from_register import NotPlayable
from bot.scenarios.register_import import RegisterError
from bot.scenarios.variants import variant
from bot.tutor import Tutor
from bot.web import charts, check, export, learner

log = logging.getLogger(__name__)
T = TypeVar("T")
STATIC = Path(__file__).parent / "static"
STORE = web.AppKey("store", ProgressStore)
TOKEN = web.AppKey("token", str)
RASA_URL = web.AppKey("rasa_url", str)
RASA_TOKEN = web.AppKey("rasa_token", str)
HTTP = web.AppKey("http", aiohttp.ClientSession)
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
RESTARTING = "the tutor is restarting, so your message got no answer; send it again in a moment (it won't count twice)"
OPEN_PATHS = {"/api/health"}
LEARNER_PATHS = ("/chat/",)
LEARNER_PAGES = {"/", "/progress"}
CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MAX_COMMENT = 2000
MAX_BODY = 1024**2  # any request (a trainer's register file is the largest)
MAX_LEARNER_BODY = 64 * 1024  # a chat message at its limit, every character escaped, fits easily
SHUTDOWN_TIMEOUT = 12.0  # SIGTERM: in-flight requests get this long (the supervisor waits 15 s)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)  # dates a query or a review may name
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half a UTF-16 pair: JSON allows it, UTF-8 cannot carry it


def clean_text(value: str) -> str:
    """Text from a request as the database and every channel can carry it: a lone surrogate and
    a NUL (PostgreSQL refuses it in text) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", value).replace("\x00", "\ufffd")


def _cleaned(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): _cleaned(v) for k, v in value.items()}
    return value


def _json(data, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _error(status: int, message: str, headers: dict | None = None) -> web.Response:
    r = _json({"error": message}, status)
    r.headers.update(headers or {})
    return r


async def _db(request: web.Request, work: Callable[..., T]) -> T:
    """`work(db)` in one transaction, off the event loop (a locked or unreachable database holds
    up this request only), run again on a transient lock; StoreUnavailable becomes the 503."""
    return await asyncio.to_thread(request.app[STORE].run, work)


def _authorised(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    expected = request.app[TOKEN]
    # compare_digest: no timing hint about how much of the token was right.
    return scheme.lower() == "bearer" and bool(expected) and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


def _from_this_site(request: web.Request) -> bool:
    """No Origin header (not a browser's cross-site call), or our own."""
    origin = request.headers.get("Origin")
    return not origin or origin == f"{request.scheme}://{request.host}"


def _same_origin(request: web.Request) -> bool:
    """State-changing learner requests must come from our own pages (with SameSite=Strict and the
    JSON content type this closes cross-site request forgery)."""
    return _from_this_site(request) and request.content_type == "application/json"


@web.middleware
async def guard(request: web.Request, handler):
    path = request.path
    api = path.startswith("/api/")
    needs_token = api and path not in OPEN_PATHS
    if needs_token and not _authorised(request):
        return _error(401, "missing or wrong trainer token (Authorization: Bearer <token>)")
    learner_area = path.startswith(LEARNER_PATHS) or path in LEARNER_PAGES
    new_id = None
    if learner_area:
        current = request.cookies.get(learner.COOKIE)
        if not learner.valid_learner_id(current):
            if path.startswith(LEARNER_PATHS) and request.method != "GET":
                return _error(401, "no learner identity: reload the chat page")
            current = new_id = learner.new_learner_id()
        request["learner_id"] = current
        if request.method == "POST" and not _same_origin(request):
            return _error(403, "cross-site request refused")
    try:
        response = await handler(request)
    except web.HTTPRequestEntityTooLarge as e:
        default = e.reason == "Request Entity Too Large"  # aiohttp's own, at MAX_BODY
        return _error(413, f"the request is too large (at most {MAX_BODY // 1024} KB)" if default else e.reason)
    except web.HTTPException as e:
        if api or path.startswith(LEARNER_PATHS):
            return _error(e.status, e.reason)
        raise
    except (StoreUnavailable, SQLAlchemyError) as e:  # the database, not the request: try again later
        log.error("%s: progress database unavailable (%s)", path, describe(e))
        return _error(503, CANNOT_SAVE, headers={"Retry-After": "5"})
    except Exception:  # noqa: BLE001 - log the trace, answer plainly
        log.exception("error serving %s", path)
        return _error(500, "internal error; the details are in the server log")
    if new_id:
        response.set_cookie(
            learner.COOKIE, new_id, max_age=400 * 24 * 3600, httponly=True, samesite="Strict", path="/"
        )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    if api or path.startswith(LEARNER_PATHS):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# -- trainer API (contract) ---------------------------------------------------------------------
HEALTH_TIMEOUT = 3.0


async def health(request: web.Request) -> web.Response:
    """{"status": "ok"}, or {"status": "degraded", "reason": ...} when the progress database is
    unreachable, deleted or has lost its tables. Still 200 then (the app itself answers, and a
    restart would not bring the database back: the supervisor must not kill it for this);
    `?ready=1` answers 503 when degraded, for a load balancer that reads only the status."""
    try:
        problem = await asyncio.wait_for(asyncio.to_thread(request.app[STORE].health), HEALTH_TIMEOUT)
    except asyncio.TimeoutError:
        problem = f"the progress database did not answer within {HEALTH_TIMEOUT:.0f}s"
    if problem is None:
        return _json({"status": "ok"})
    log.warning("health: degraded: %s", problem)
    status = 503 if request.query.get("ready") in ("1", "true") else 200
    return _json({"status": "degraded", "reason": problem}, status)


async def scenarios(request: web.Request) -> web.Response:
    return _json([s.summary_card() for s in sorted(library().values(), key=lambda s: s.id)])


def _int_param(request: web.Request, name: str, default: int, upper: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise web.HTTPBadRequest(reason=f"{name} must be a whole number from 0 to {upper}")
    value = int(raw)
    if not 0 <= value <= upper:
        raise web.HTTPBadRequest(reason=f"{name} must be between 0 and {upper}")
    return value


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTER_TYPES = {"text/csv": "register.csv", "application/csv": "register.csv", XLSX_TYPE: "register.xlsx"}


def _judging(values) -> tuple[int, dt.date] | web.Response:
    """The tolerance and the date reviews are judged by, from a form or a query; or the 400."""
    try:
        tolerance = int(values.get("tolerance") or check.DEFAULT_TOLERANCE)
        if not 1 <= tolerance <= 25:
            raise ValueError
    except ValueError:
        return _error(400, "the tolerance is a score from 1 to 25 (probability x impact on a 5 x 5 scale)")
    try:
        today = dt.date.fromisoformat(values["today"]) if values.get("today") else dt.date.today()
        if not EARLIEST <= today <= LATEST:
            raise ValueError
    except (ValueError, TypeError):
        return _error(400, f"the review date (today) must be a date (YYYY-MM-DD) from {EARLIEST.year} to {LATEST.year}")
    return tolerance, today


async def import_scenario(request: web.Request) -> web.Response:
    """The trainer's register file as the body: a new exercise their learners can play at once."""
    name = REGISTER_TYPES.get(request.content_type)
    if name is None:
        return _error(415, f"send the register as text/csv or {XLSX_TYPE}")
    q = request.query
    title = " ".join(q.get("title", "").split())[:120] or "Our own register"
    judging = _judging(q)
    if isinstance(judging, web.Response):
        return judging
    tolerance, today = judging
    try:  # the organisation's scoring scheme (YAML, as for `lint --scheme`), optional
        scheme = parse_scheme(q["scheme"][:20_000], "the scoring scheme") if q.get("scheme", "").strip() else None
    except SchemeError as e:
        return _error(400, str(e))
    data = await request.read()
    if not data:
        return _error(400, "the request body is empty: send the register file itself")
    # The trainer's review: findings that are not flaws left out, and what the linter can't see.
    listed = lambda key: [x.strip()[:80] for v in q.getall(key, []) for x in v.split(",") if x.strip()][:50]  # noqa: E731
    reviewed = {"exclude": frozenset(listed("exclude")), "underrated": tuple(listed("underrated")),
                "missing": tuple(m.strip()[:80] for m in q.getall("missing", []) if m.strip())[:10]}
    tutor = Tutor(request.app[STORE])
    title = clean_text(title)
    try:
        if q.get("preview") in ("1", "true"):
            return _json(await asyncio.to_thread(tutor.review_register, name, data, today, tolerance, scheme))
        sid = await asyncio.to_thread(tutor.import_register, name, data, title, today, tolerance, scheme, **reviewed)
    except (RegisterError, NotPlayable) as e:
        return _error(400, f"cannot make an exercise from this register: {e}")
    except ValidationError as e:  # a register from_register did not foresee: its bug, logged, not a 500
        log.exception("an imported register made an invalid scenario")
        where = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()[:3])
        return _error(400, f"cannot make an exercise from this register: a row does not fit the exercise ({where})")
    return _json({"id": sid}, 201)


async def delete_scenario(request: web.Request) -> web.Response:
    sid = clean_text(request.match_info["scenario_id"])[:200]
    if await asyncio.to_thread(Tutor(request.app[STORE]).delete_imported, sid):
        return _json({"deleted": sid})
    if sid in library():
        return _error(409, f"{sid} is a built-in scenario; only imported ones can be deleted")
    return _error(404, f"no imported scenario {sid}")


async def learners(request: web.Request) -> web.Response:
    limit = _int_param(request, "limit", 500, 5000)
    offset = _int_param(request, "offset", 0, 10**9)
    store = request.app[STORE]
    return _json(await _db(request, lambda db: store.learners(db, limit=limit, offset=offset)))


async def learner_sessions(request: web.Request) -> web.Response:
    store, learner_id = request.app[STORE], clean_text(request.match_info["learner_id"])
    if len(learner_id) > 200:  # the column's width: no learner has a longer id
        return _error(404, "no such learner")

    def work(db):
        sessions = store.sessions_of(db, learner_id)
        return None if sessions is None else [reports.session_summary(s) for s in sessions]

    found = await _db(request, work)
    return _error(404, "no such learner") if found is None else _json(found)


def _row_id(text: str) -> int | None:
    """A database id from a URL, or None: ids are positive and fit a 64-bit integer column."""
    if not (text.isascii() and text.isdigit()):  # int() would take " 1", "١" and "1_0"
        return None
    value = int(text[:20])
    return value if 0 < value < 2**63 and len(text) <= 19 else None


def _session(request: web.Request, db) -> Session:
    session_id = _row_id(request.match_info["session_id"])
    if session_id is None:
        raise web.HTTPNotFound(reason="no such session")
    session = db.get(Session, session_id)
    if session is None:
        raise web.HTTPNotFound(reason="no such session")
    return session


async def session_detail(request: web.Request) -> web.Response:
    store = request.app[STORE]
    return _json(await _db(request, lambda db: reports.session_detail(db, store, _session(request, db))))


async def session_transcript(request: web.Request) -> web.Response:
    return _json(await _db(request, lambda db: reports.transcript(_session(request, db))))


# -- trainer dashboard API ----------------------------------------------------------------------
def _date(request: web.Request, name: str) -> dt.date | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise web.HTTPBadRequest(reason=f"{name} must be a date YYYY-MM-DD") from None
    if not EARLIEST <= value <= LATEST:
        raise web.HTTPBadRequest(reason=f"{name} must be a date from {EARLIEST.year} to {LATEST.year}")
    return value


def _filters(request: web.Request) -> dict:
    q = request.query
    scenario, level = q.get("scenario") or None, q.get("level") or None
    if scenario and scenario not in library():
        raise web.HTTPBadRequest(reason="no such scenario")
    if level and level not in {s.level for s in library().values()}:
        raise web.HTTPBadRequest(reason="no such level")
    return {"scenario": scenario, "level": level, "since": _date(request, "from"), "until": _date(request, "to"),
            "learner_id": clean_text(q.get("learner") or "")[:200] or None}


def _report(db, store, filters: dict, limit: int | None = reports.VIEW_LIMIT) -> tuple[list[Session], list[dict]]:
    sessions = reports.find_sessions(db, **filters, limit=limit)
    names = reports.names_of(db, [s.learner_id for s in sessions])
    counts = reports.challenge_counts(db, [s.id for s in sessions])
    return sessions, [reports.session_row(db, store, s, names, counts) for s in sessions]


async def report(request: web.Request) -> web.Response:
    """The dashboard's main view: learners, teams and sessions matching the filters."""
    store, filters = request.app[STORE], _filters(request)

    def work(db):
        sessions, rows = _report(db, store, filters)
        return {
            "sessions": rows,
            "learners": reports.learner_rows(db, rows),
            "teams": reports.team_rows(db, store, sessions, rows),
        }

    data = await _db(request, work)
    data["scenarios"] = [s.summary_card() for s in sorted(library().values(), key=lambda s: s.id)]
    data["levels"] = sorted({s.level for s in library().values()})
    return _json(data)


async def class_view(request: web.Request) -> web.Response:
    store, filters = request.app[STORE], _filters(request)
    data = await _db(request, lambda db: reports.class_report(db, store, reports.find_sessions(db, **filters)))
    data["missed_svg"] = charts.missed_chart(data["missed"])
    data["progress_svg"] = charts.progress_chart(data["over_time"])
    return _json(data)


async def class_chart(request: web.Request) -> web.Response:
    store, filters = request.app[STORE], _filters(request)
    data = await _db(request, lambda db: reports.class_report(db, store, reports.find_sessions(db, **filters)))
    svg = charts.missed_chart(data["missed"]) if request.match_info["chart"] == "missed" else charts.progress_chart(data["over_time"])
    return web.Response(text=svg, content_type="image/svg+xml")


async def session_review(request: web.Request) -> web.Response:
    store = request.app[STORE]
    return _json(await _db(request, lambda db: reports.review(db, store, _session(request, db))))


async def override(request: web.Request) -> web.Response:
    """A trainer changes a challenge's verdict, with a comment; the original and the change are
    kept, and the session's score follows."""
    store = request.app[STORE]
    try:
        body = await _body(request)
    except web.HTTPBadRequest:
        return _error(400, "send a JSON object: {verdict, comment, trainer, flaw_id?}")
    wrong = next((k for k in ("verdict", "comment", "trainer", "flaw_id")
                  if body.get(k) is not None and not isinstance(body[k], str)), None)
    if wrong:
        return _error(400, f"{wrong} must be a string, not {_json_type(body[wrong])}")
    verdict = body.get("verdict") or ""
    if verdict not in {v.value for v in Verdict}:
        return _error(400, "verdict must be one of " + ", ".join(v.value for v in Verdict))
    comment = (body.get("comment") or "").strip()[:MAX_COMMENT]
    if not comment:
        return _error(400, "a comment is required: say why the verdict changes")
    trainer = learner.clean_name(body.get("trainer")) or "trainer"
    flaw_id = body["flaw_id"][:40] if body.get("flaw_id") else None
    challenge_id = _row_id(request.match_info["challenge_id"])
    if challenge_id is None:
        return _error(404, "no such challenge")
    return await _db(request, lambda db: _override(db, store, challenge_id, verdict, comment, trainer, flaw_id))


def _override(db, store, challenge_id: int, verdict: str, comment: str, trainer: str, flaw_id: str | None):
    """The override in the database (a worker thread): the session's review, or the refusal."""
    challenge = db.get(Challenge, challenge_id)
    if challenge is None:
        return _error(404, "no such challenge")
    session = db.get(Session, challenge.session_id)
    scenario = variant(session.scenario, session.seed)
    flaw_type = None
    if flaw_id:
        flaw = next((f for f in scenario.flaws if f.id == flaw_id), None)
        if flaw is None:
            return _error(400, "no such flaw in this session's register")
        flaw_type = flaw.type.value
    current = next(e for e in store.effective_challenges(db, session) if e.challenge.id == challenge_id)
    if verdict in (Verdict.HIT.value, Verdict.FIX_ACCEPTED.value) and not (flaw_id or current.flaw_id):
        return _error(400, "say which flaw (flaw_id) this challenge found")
    store.override_verdict(db, challenge, verdict, trainer, comment, flaw_id, flaw_type)
    if session.score is not None:  # a finished session's frozen score follows the override
        session.score = reports.live_score(db, store, session, fresh=True)
    log.info("challenge %s of session %s: verdict %s -> %s by %s", challenge_id, session.id,
             current.verdict, verdict, trainer)
    return _json(reports.review(db, store, session))


def _download(text: str, filename: str, content_type: str) -> web.Response:
    r = web.Response(text=text, content_type=content_type, charset="utf-8")
    r.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return r


async def export_sessions(request: web.Request) -> web.Response:
    store, filters = request.app[STORE], _filters(request)
    _, rows = await _db(request, lambda db: _report(db, store, filters, limit=None))
    return _download(export.to_csv(rows, export.SESSION_COLUMNS), "sessions.csv", "text/csv")


async def export_challenges(request: web.Request) -> web.Response:
    store, filters = request.app[STORE], _filters(request)
    rows = await _db(request, lambda db: reports.challenge_rows(db, store, reports.find_sessions(db, **filters, limit=None)))
    return _download(export.to_csv(rows, export.CHALLENGE_COLUMNS), "challenges.csv", "text/csv")


async def export_transcript(request: web.Request) -> web.Response:
    store = request.app[STORE]

    def work(db):
        session = _session(request, db)
        return session.id, reports.review(db, store, session)

    session_id, data = await _db(request, work)
    name = f"session-{session_id}-transcript"
    if request.match_info["fmt"] == "csv":
        return _download(export.to_csv(export.transcript_rows(data["transcript"]), export.TRANSCRIPT_COLUMNS),
                         f"{name}.csv", "text/csv")
    r = _download(export.transcript_html(data), f"{name}.html", "text/html")
    r.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return r


# -- learner chat -------------------------------------------------------------------------------
async def _body(request: web.Request) -> dict:
    raw = await request.read()  # at most MAX_BODY: aiohttp answers 413 beyond
    if request.path.startswith(LEARNER_PATHS) and len(raw) > MAX_LEARNER_BODY:
        raise web.HTTPRequestEntityTooLarge(MAX_LEARNER_BODY, len(raw), reason=(
            f"the request is too large (over {MAX_LEARNER_BODY // 1024} KB); "
            f"a message may be at most {learner.MAX_MESSAGE} characters"))
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(reason=f"send a JSON object, not a JSON {_json_type(body)}")
        return _cleaned(body)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, nested too deep
        raise web.HTTPBadRequest(reason="send a JSON object") from None


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(type(value), "value")


def _unsaved(raw) -> bool:
    """Did the actions say the move could not be recorded (the progress database is down)?"""
    return isinstance(raw, list) and any(
        isinstance(m, dict) and isinstance(m.get("custom"), dict)
        and m["custom"].get("tutor_error") == "storage_unavailable" for m in raw)


async def chat_message(request: web.Request) -> web.Response:
    """The learner's message goes to Rasa's REST channel from here, so the browser only ever
    talks to this app (the CSP stays 'self') and the sender is the cookie's learner."""
    body = await _body(request)
    if body.get("message") is not None and not isinstance(body["message"], str):
        return _error(400, f"the message must be text, not a JSON {_json_type(body['message'])}")
    text = (body.get("message") or "").strip()
    if not text:
        return _error(400, "type a message first")
    if len(text) > learner.MAX_MESSAGE:
        return _error(400, f"that message is too long (at most {learner.MAX_MESSAGE} characters)")
    message_id = body.get("message_id")  # the page's id for the message, the same when resent
    if message_id is not None and not (isinstance(message_id, str) and MESSAGE_ID.fullmatch(message_id)):
        return _error(400, "message_id must be 1-64 letters, digits, '-' or '_'")
    learner_id, store = request["learner_id"], request.app[STORE]
    # Not reachable or not writable: the message is not sent on (503, the page keeps the text).
    await _db(request, lambda db: learner.ensure_learner(db, store, learner_id))
    try:
        async with request.app[HTTP].post(
            f"{request.app[RASA_URL]}/webhooks/rest/webhook",
            json={"sender": learner_id, "message": text, **({"metadata": {"message_id": message_id}} if message_id else {})},
            headers={"Authorization": f"Bearer {request.app[RASA_TOKEN]}"} if request.app[RASA_TOKEN] else None,
            timeout=aiohttp.ClientTimeout(total=90),
        ) as r:
            if r.status in (502, 503, 504):  # a replica, a store or the action server is restarting
                log.warning("Rasa answered %s", r.status)
                return _error(503, RESTARTING, headers={"Retry-After": "5"})
            if r.status != 200:
                log.warning("Rasa answered %s", r.status)
                return _error(502, "the tutor is not answering right now; try again in a moment")
            raw = await r.json(content_type=None)
    except aiohttp.ClientConnectionError as e:  # refused or dropped: Rasa is (re)starting
        log.warning("Rasa unreachable: %s", type(e).__name__)
        return _error(503, RESTARTING, headers={"Retry-After": "5"})
    except (aiohttp.ClientError, TimeoutError, ValueError) as e:
        log.warning("Rasa unreachable: %s", type(e).__name__)
        return _error(502, "the tutor is not answering right now; try again in a moment")
    if _unsaved(raw):  # the actions could not record the move: nothing counted, send it again
        return _error(503, CANNOT_SAVE, headers={"Retry-After": "5"})
    try:  # a manager-level stakeholder is not a PM; the answer is recorded already, so never a 503 here
        role = await asyncio.to_thread(Tutor(store).speaker_role, learner_id)
    except (StoreUnavailable, SQLAlchemyError) as e:
        log.warning("speaker role unavailable (%s); answering as the PM", describe(e))
        role = "Project Manager"
    return _json({"messages": learner.shape(raw, role)})


async def chat_history(request: web.Request) -> web.Response:
    data = await _db(request, lambda db: learner.history(db, request["learner_id"]))
    data["scenarios"] = learner.scenario_buttons()
    return _json(data)


async def chat_name(request: web.Request) -> web.Response:
    body = await _body(request)
    if body.get("name") is not None and not isinstance(body["name"], str):
        return _error(400, f"the name must be text, not a JSON {_json_type(body['name'])}")
    name = learner.clean_name(body.get("name"))
    if not name:
        return _error(400, "type a name")
    store = request.app[STORE]
    shown = await _db(request, lambda db: learner.ensure_learner(db, store, request["learner_id"], name).display_name)
    return _json({"display_name": shown})


async def chat_progress(request: web.Request) -> web.Response:
    store = request.app[STORE]
    return _json(await _db(request, lambda db: learner.progress(db, store, request["learner_id"])))


# -- check my register -----------------------------------------------------------------------------
async def check_my_register(request: web.Request) -> web.Response:
    """POST multipart: file (CSV/XLSX), tolerance, today. Read in memory, never stored or logged."""
    if not _from_this_site(request):
        return _error(403, "uploads are accepted from this site's own page only")
    if not request.content_type.startswith("multipart/"):
        return _error(400, "send the register as a file upload (multipart/form-data)")
    fields: dict[str, str] = {}
    name, data = None, bytearray()
    try:
        reader = await request.multipart()
        async for part in reader:
            if part.name == "file":
                name = part.filename or "register.csv"
                while chunk := await part.read_chunk(64 * 1024):
                    data += chunk
                    if len(data) > check.MAX_BYTES:
                        return _error(413, f"the file is over {check.MAX_BYTES // 2**20} MB; "
                                           "save just the register sheet and try again")
            elif part.name in ("tolerance", "today"):
                fields[part.name] = (await part.text())[:40].strip()
            elif part.name == "scheme":  # the organisation's scoring scheme (YAML), optional
                fields["scheme"] = (await part.read(decode=False))[:20_000].decode("utf-8", "replace")
    except (ValueError, aiohttp.ClientError, AssertionError):
        return _error(400, "the upload could not be read; choose the file again")
    if not name or not data:
        return _error(400, "choose a register file (CSV or Excel) first")
    judging = _judging(fields)
    if isinstance(judging, web.Response):
        return judging
    tolerance, today = judging
    try:
        scheme = parse_scheme(fields["scheme"], "the scoring scheme") if fields.get("scheme", "").strip() else None
    except SchemeError as e:
        return _error(400, str(e))
    try:
        # A big workbook takes a while to parse: off the event loop, so chats are not held up.
        return _json(await asyncio.to_thread(check.check_register, name, bytes(data), tolerance, today, scheme))
    except RegisterError as e:
        return _error(400, str(e))


# -- pages --------------------------------------------------------------------------------------
def _page(name: str):
    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return handler


async def _open_http(app: web.Application):
    app[HTTP] = aiohttp.ClientSession()
    yield
    await app[HTTP].close()


def make_app(store: ProgressStore | None = None, token: str | None = None, rasa_url: str | None = None) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY)
    app[STORE] = store or ProgressStore()
    app[TOKEN] = token if token is not None else os.environ.get("PMO_TUTOR_TRAINER_TOKEN", "")
    app[RASA_URL] = (rasa_url or os.environ.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/")
    app[RASA_TOKEN] = os.environ.get("RASA_REST_TOKEN", "")  # Rasa's REST channel asks for it when set
    app.cleanup_ctx.append(_open_http)
    r = app.router
    r.add_get("/api/health", health)
    r.add_get("/api/scenarios", scenarios)
    r.add_post("/api/scenarios/import", import_scenario)
    r.add_delete("/api/scenarios/{scenario_id}", delete_scenario)
    r.add_get("/api/learners", learners)
    r.add_get("/api/learners/{learner_id}/sessions", learner_sessions)
    r.add_get("/api/sessions/{session_id}", session_detail)
    r.add_get("/api/sessions/{session_id}/transcript", session_transcript)
    r.add_get("/api/sessions/{session_id}/review", session_review)
    r.add_get("/api/sessions/{session_id}/transcript.{fmt:csv|html}", export_transcript)
    r.add_post("/api/challenges/{challenge_id}/override", override)
    r.add_get("/api/report", report)
    r.add_get("/api/class", class_view)
    r.add_get("/api/class/{chart:missed|progress}.svg", class_chart)
    r.add_get("/api/export/sessions.csv", export_sessions)
    r.add_get("/api/export/challenges.csv", export_challenges)
    r.add_post("/chat/message", chat_message)
    r.add_post("/chat/name", chat_name)
    r.add_get("/chat/history", chat_history)
    r.add_get("/chat/progress", chat_progress)
    r.add_get("/", _page("chat.html"))
    r.add_get("/progress", _page("progress.html"))
    r.add_get("/check", _page("check.html"))
    r.add_post("/check/register", check_my_register)
    r.add_get("/trainer", _page("trainer.html"))
    r.add_static("/static/", STATIC)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # No access log: nothing a request carries (cookie, token) can end up in a log file.
    # SIGTERM: stop listening, let in-flight requests (a chat message waiting on the tutor) finish
    # for up to SHUTDOWN_TIMEOUT, then exit.
    web.run_app(make_app(), host=host, port=port, print=None, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
