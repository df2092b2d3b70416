"""The learner's side of the web app: identity cookie, the Rasa proxy's message shaping, the
resumable history and the progress page. Nothing here reads the answer key into a response:
registers are whitelisted to the contract's Row fields, policies to a clause's id, title and text,
and flaws appear only once found (or in the debrief the learner already received)."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from bot.presentation import persona_role, register_data
from bot.progress.models import Learner, Session, Utterance
from bot.progress.reports import iso, live_score
from bot.progress.store import ProgressStore
from bot.scenarios.loader import library
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType, kind

COOKIE = "pmo_learner"
LEARNER_ID = re.compile(r"^web-[A-Za-z0-9_-]{24}$")
MAX_MESSAGE = 4000
MAX_NAME = 80
ROW_FIELDS = (
    "id", "title", "description", "category", "probability", "impact", "score", "owner",
    "response", "actions", "status", "last_reviewed",
)
CLAUSE_FIELDS = ("id", "title", "text")
_PM = re.compile(r"^(?P<name>[^\n:]{1,80}) \(PM\): ")
# A draft policy as text: its title, then "C1 Title" and the clause's text indented beneath.
_POLICY = re.compile(r"^[^\n]+\nC\d{1,2} [^\n]+\n   ")
_START = re.compile(r'^/start_scenario\{.*"scenario"\s*:\s*"(?P<id>[a-z0-9-]+)"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def new_learner_id() -> str:
    """A random, unguessable learner id: the cookie is the learner's only credential."""
    return "web-" + secrets.token_urlsafe(18)


def valid_learner_id(value: str | None) -> bool:
    return bool(value and LEARNER_ID.match(value))


def clean_name(raw) -> str:
    return _CONTROL.sub(" ", str(raw or "")).strip()[:MAX_NAME]


def default_name(learner_id: str) -> str:
    return f"Web learner {learner_id[-4:]}"


def ensure_learner(db: DbSession, store: ProgressStore, learner_id: str, name: str | None = None) -> Learner:
    new = db.get(Learner, learner_id) is None
    return store.touch_learner(db, learner_id, name or (default_name(learner_id) if new else None), "web")


# -- shaping Rasa's replies ---------------------------------------------------------------------
def split_speaker(text: str) -> tuple[str, str, str]:
    """'Rob (PM): ...' -> ('pm', 'Rob', '...'); 'Tutor: ...' -> ('tutor', 'Tutor', '...')."""
    m = _PM.match(text)
    if m:
        return "pm", m.group("name"), text[m.end():]
    if text.startswith("Tutor: "):
        return "tutor", "Tutor", text[len("Tutor: "):]
    return "tutor", "Tutor", text


def kind_of(speaker: str, body: str) -> str:
    if speaker == "tutor" and body.startswith("Project brief:"):
        return "brief"
    if speaker == "tutor" and body.startswith("Debrief:"):
        return "debrief"
    if speaker == "pm" and body.startswith("Risk register:"):
        return "register"
    if speaker == "pm" and _POLICY.match(body):
        return "policy"
    return "text"


def clean_register(data: dict) -> dict:
    rows = []
    for r in data.get("register") or []:
        if isinstance(r, dict):
            row = {k: r.get(k) for k in ROW_FIELDS}
            if r.get("project"):  # a portfolio register's rows name their project
                row["project"] = str(r["project"])
            rows.append(row)
    return {"rows": rows, "tolerance": data.get("tolerance"), "as_of": data.get("as_of")}


def clean_policy(data: dict) -> dict:
    clauses = [{k: str(c.get(k) or "") for k in CLAUSE_FIELDS} for c in data.get("clauses") or [] if isinstance(c, dict)]
    return {"clauses": clauses, "title": str(data.get("title") or ""), "as_of": data.get("as_of")}


# custom JSON key -> (the chat message's kind, also the key of its data; cleaner; text when none came first)
ARTEFACTS = {
    "register": ("register", clean_register, "Risk register"),
    "clauses": ("policy", clean_policy, "Draft policy"),
}


def message(speaker: str, name: str, text: str, buttons=None) -> dict:
    k = kind_of(speaker, text)
    m = {"speaker": speaker, "name": name, "kind": k, "text": text}
    if k in ("register", "policy"):
        m["text"] = text.split("\n", 1)[0]  # the table or clause list replaces the plain text
    if buttons:
        m["buttons"] = [
            {"title": str(b.get("title", ""))[:200], "payload": str(b.get("payload", ""))[:500]}
            for b in buttons
            if isinstance(b, dict)
        ]
    return m


def shape(raw: list, role: str | None = None) -> list[dict]:
    """Rasa REST output -> chat messages: speaker, name, kind, text, buttons, and the register or
    policy (its structured data joins the text message it follows). `role` labels the PM's lines."""
    out: list[dict] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        artefact = next((a for key, a in ARTEFACTS.items() if isinstance(custom, dict) and key in custom), None)
        if artefact:
            kind, clean, heading = artefact
            if out and out[-1]["kind"] == kind and kind not in out[-1]:
                out[-1][kind] = clean(custom)
            else:
                out.append({"speaker": "pm", "name": "", "kind": kind, "text": heading, kind: clean(custom)})
        elif isinstance(item.get("text"), str):
            speaker, name, body = split_speaker(item["text"])
            out.append(message(speaker, name, body, item.get("buttons")))
    if role:
        for m in out:
            if m["speaker"] == "pm":
                m["role"] = role
    return out


def scenario_buttons() -> list[dict]:
    return [
        {"title": s.title, "payload": f'/start_scenario{{"scenario": "{s.id}"}}', "level": s.level, "summary": s.summary}
        for s in sorted(library().values(), key=lambda s: ({"foundation": 0, "practitioner": 1}.get(s.level, 9), s.title))
    ]


# -- history and progress -----------------------------------------------------------------------
def latest_session(db: DbSession, learner_id: str) -> Session | None:
    return db.execute(
        select(Session).where(Session.conversation_id == learner_id).order_by(Session.id.desc()).limit(1)
    ).scalar_one_or_none()


def history(db: DbSession, learner_id: str) -> dict:
    """The learner's latest session as chat messages, so a reload resumes where they were."""
    learner = db.get(Learner, learner_id)
    s = latest_session(db, learner_id)
    out = {"display_name": learner.display_name if learner else None, "session": None, "messages": []}
    if s is None:
        return out
    scenario = variant(s.scenario, s.seed)
    out["session"] = {"id": s.id, "scenario": s.scenario, "title": scenario.title, "status": s.status}
    titles = {sid: sc.title for sid, sc in library().items()}
    role = persona_role(scenario)
    for u in db.execute(select(Utterance).where(Utterance.session_id == s.id).order_by(Utterance.id)).scalars():
        if u.speaker == "learner":
            start = _START.match(u.text)
            text = f"Start: {titles.get(start.group('id'), start.group('id'))}" if start else u.text
            out["messages"].append({"speaker": "learner", "name": "You", "kind": "text", "text": text})
            continue
        name = scenario.persona.name if u.speaker == "pm" else "Tutor"
        m = message(u.speaker, name, u.text)
        if m["kind"] == "register":
            m["register"] = clean_register(register_data(scenario))
        elif m["kind"] == "policy":
            m["policy"] = clean_policy(register_data(scenario))
        if u.speaker == "pm":
            m["role"] = role
        out["messages"].append(m)
    return out


def progress(db: DbSession, store: ProgressStore, learner_id: str) -> dict:
    """The learner's own sessions and scores, and which flaw types they have mastered. Flaws of an
    unfinished session count only once found (the rest would give the answer away)."""
    learner = db.get(Learner, learner_id)
    sessions = list(
        db.execute(select(Session).where(Session.learner_id == learner_id).order_by(Session.id.desc())).scalars()
    )
    rows = []
    found, missed = store.flaw_tally(db, learner_id)
    for s in sessions:
        sc = live_score(db, store, s)
        scenario = variant(s.scenario, s.seed)
        rows.append(
            {
                "scenario": scenario.title,
                "level": scenario.level,
                "started_at": iso(s.started_at),
                "ended_at": iso(s.ended_at),
                "status": s.status,
                "found": sc["found"],
                "fixed": sc["fixed"],
                "total": sc["total"],
                "false_challenges": sc["false_challenges"],
                "hints": sc["hints"],
                "points": sc["points"],
                "max_points": sc["max_points"],
                "percent": sc["percent"],
            }
        )
    types = []
    for t in FlawType:
        n_found, n_missed = found[t.value], missed[t.value]
        if n_found or n_missed:
            status = "mastered" if n_found and n_found >= 2 * n_missed else ("practise" if not n_found else "improving")
            types.append({"type": t.value, "label": kind(t).label, "found": n_found, "missed": n_missed, "status": status})
    types.sort(key=lambda x: ({"mastered": 0, "improving": 1, "practise": 2}[x["status"]], x["label"]))
    return {
        "display_name": learner.display_name if learner else None,
        "sessions": rows,
        "flaw_types": types,
        "mastered": sum(1 for t in types if t["status"] == "mastered"),
        "of_types": len(FlawType),
    }
