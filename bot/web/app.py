"""The web app: trainer API (read-only, bearer token) and the learner/trainer pages."""
from __future__ import annotations

import hmac
import json
import logging
import os
from pathlib import Path

from aiohttp import web

from bot.progress import reports
from bot.progress.models import Session
from bot.progress.store import ProgressStore
from bot.scenarios.loader import library

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
STORE = web.AppKey("store", ProgressStore)
TOKEN = web.AppKey("token", str)
OPEN_PATHS = {"/api/health", "/", "/favicon.ico"}


def _json(data, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


def _authorised(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    expected = request.app[TOKEN]
    # compare_digest: no timing hint about how much of the token was right.
    return scheme.lower() == "bearer" and bool(expected) and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


@web.middleware
async def guard(request: web.Request, handler):
    path = request.path
    needs_token = (path.startswith("/api/") and path not in OPEN_PATHS) or path.startswith("/trainer/api")
    if needs_token and not _authorised(request):
        return _error(401, "missing or wrong trainer token (Authorization: Bearer <token>)")
    try:
        response = await handler(request)
    except web.HTTPException as e:
        if path.startswith("/api/"):
            return _error(e.status, e.reason)
        raise
    except Exception:  # noqa: BLE001 - log the trace, answer plainly
        log.exception("error serving %s", path)
        return _error(500, "internal error; the details are in the server log")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; connect-src 'self' http://127.0.0.1:5005 http://localhost:5005; "
        "img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    )
    return response


async def health(request: web.Request) -> web.Response:
    return _json({"status": "ok"})


async def scenarios(request: web.Request) -> web.Response:
    return _json([s.summary_card() for s in sorted(library().values(), key=lambda s: s.id)])


def _int_param(request: web.Request, name: str, default: int, upper: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(reason=f"{name} must be a whole number") from None
    if not 0 <= value <= upper:
        raise web.HTTPBadRequest(reason=f"{name} must be between 0 and {upper}")
    return value


async def learners(request: web.Request) -> web.Response:
    limit = _int_param(request, "limit", 500, 5000)
    offset = _int_param(request, "offset", 0, 10**9)
    store = request.app[STORE]
    with store.transaction() as db:
        return _json(store.learners(db, limit=limit, offset=offset))


async def learner_sessions(request: web.Request) -> web.Response:
    store = request.app[STORE]
    with store.transaction() as db:
        sessions = store.sessions_of(db, request.match_info["learner_id"])
        if sessions is None:
            return _error(404, "no such learner")
        return _json([reports.session_summary(s) for s in sessions])


def _session(request: web.Request, db) -> Session:
    try:
        session_id = int(request.match_info["session_id"])
    except ValueError:
        raise web.HTTPNotFound(reason="no such session") from None
    session = db.get(Session, session_id)
    if session is None:
        raise web.HTTPNotFound(reason="no such session")
    return session


async def session_detail(request: web.Request) -> web.Response:
    store = request.app[STORE]
    with store.transaction() as db:
        return _json(reports.session_detail(db, store, _session(request, db)))


async def session_transcript(request: web.Request) -> web.Response:
    store = request.app[STORE]
    with store.transaction() as db:
        return _json(reports.transcript(_session(request, db)))


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / request.match_info.get("name", "chat.html"))


def make_app(store: ProgressStore | None = None, token: str | None = None) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=1024**2)
    app[STORE] = store or ProgressStore()
    app[TOKEN] = token if token is not None else os.environ.get("PMO_TUTOR_TRAINER_TOKEN", "")
    app.router.add_get("/api/health", health)
    app.router.add_get("/api/scenarios", scenarios)
    app.router.add_get("/api/learners", learners)
    app.router.add_get("/api/learners/{learner_id}/sessions", learner_sessions)
    app.router.add_get("/api/sessions/{session_id}", session_detail)
    app.router.add_get("/api/sessions/{session_id}/transcript", session_transcript)
    if STATIC.is_dir():
        app.router.add_get("/", page)
        app.router.add_static("/static/", STATIC)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    web.run_app(make_app(), host=host, port=port, print=None, access_log=None)
