"""How the tutor's replies read in Telegram: pure functions, no I/O and no Telegram or Rasa imports.

Rasa's REST channel answers with a list of messages: `{"text", "buttons": [{"title", "payload"}]}`
and custom JSON: the register `{"register": [Row], "tolerance", "as_of"}` or, at manager level, a
draft policy `{"clauses": [{"id", "title", "text"}], "title", "as_of"}`. Here they become Telegram
messages in HTML parse mode: escaped text, speakers in bold, a compact overview of the register or
policy with a button per risk or clause card, inline keyboards whose callback data fits Telegram's
64 bytes, and everything split under the 4,096-character limit without cutting a tag or an entity
in two.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field

MAX_MESSAGE = 4096  # Telegram's limit for a message's text
MAX_CALLBACK = 64  # bytes of callback_data
_RESERVE = 64  # room kept in every chunk for closing the tags still open at a split

RESTARTING = (
    "The tutor is restarting, try again in a minute. I've kept your message and will pass it on "
    "as soon as the tutor is back."
)
BACK = "The tutor is back. Here is the answer to your message: <i>{text}</i>"
TEXT_ONLY = (
    "Text only for now: I can't read stickers, photos, voice or files. Type your challenge or "
    "question for the PM instead."
)
EXPIRED = "That button has expired. Send /scenarios or /register to get fresh ones."

# Telegram command -> (menu description, what Rasa is sent). Payloads are exact intents that
# Rasa's RegexInterpreter accepts, so a command never depends on the NLU guessing right.
COMMANDS: dict[str, tuple[str, str]] = {
    "start": ("Welcome and the scenario menu", "/greet"),
    "scenarios": ("Choose a scenario to practise", "/list_scenarios"),
    "register": ("The register or draft policy (add R4 or C4 for one card)", "/show_register"),
    "hint": ("A hint when you're stuck", "/ask_hint"),
    "progress": ("Flaws found so far and your score", "/show_progress"),
    "finish": ("End the role-play and get your debrief", "/finish_session"),
    "help": ("How to play, in a chat or a group", "/help"),
}
GROUP_COMMANDS = {"leaderboard": "Team members ranked by flaws found and craft"}
EXTRA_COMMANDS = {"brief": "/show_brief"}  # understood, not advertised in the menu

_SPEAKER = re.compile(r"^(Tutor|[^:\n]{1,80} \(PM\)):[ \t]*", re.DOTALL)
_START = re.compile(r'^/start_scenario(\{.*\})$', re.DOTALL)
# "R4", "c07", "clause 4", "section 4", "risk #4", "4": what /register accepts for one card
_REF = re.compile(r"^(?:(?:risk|row|clause|section)\s*)?#?\s*([A-Za-z]{0,3})\s*(\d{1,4})$", re.IGNORECASE)
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\s+|[^<&\s]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]+)[^>]*>")


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def strip_html(text: str) -> str:
    """The plain text of our HTML (a fallback should Telegram refuse the markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): emoji count double."""
    return len(text.encode("utf-16-le")) // 2


# -- text ------------------------------------------------------------------------------------
def reply_html(text: str) -> str:
    """A tutor or PM line: the speaker in bold, list items as bullets, everything escaped."""
    m = _SPEAKER.match(text)
    head, body = (f"<b>{esc(m.group(1))}:</b> ", text[m.end():]) if m else ("", text)
    lines = [("• " + esc(line[2:])) if line.startswith("- ") else esc(line) for line in body.split("\n")]
    return head + "\n".join(lines)


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split HTML into messages of at most `limit` characters, preferring line breaks, then
    spaces; never inside a tag or an entity; tags open at a split are closed and reopened."""
    if tg_len(text) <= limit:
        return [text] if text.strip() else []
    budget = limit - _RESERVE
    units: list[str] = []
    for line in text.splitlines(keepends=True):
        if tg_len(line) <= budget:
            units.append(line)
            continue
        for tok in _TOKEN.findall(line):
            while tg_len(tok) > budget:  # a word longer than a message (no tags or entities in it)
                units.append(tok[:budget // 2])
                tok = tok[budget // 2:]
            units.append(tok)

    chunks: list[str] = []
    stack: list[tuple[str, str]] = []  # open tags: (name, opening tag)
    cur: list[str] = []
    size = 0
    has_text = False

    def flush() -> None:
        body = "".join(cur).rstrip()
        chunks.append(body + "".join(f"</{name}>" for name, _ in reversed(stack)))

    for unit in units:
        if has_text and size + tg_len(unit) > budget:
            flush()
            reopen = "".join(tag for _, tag in stack)
            cur, size, has_text = [reopen], tg_len(reopen), False
        if not has_text and not unit.strip():
            continue  # no blank start to a message
        cur.append(unit)
        size += tg_len(unit)
        has_text = has_text or bool(_TAG.sub("", unit).strip())
        for m in _TAG.finditer(unit):
            closing, name = m.group(1), m.group(2).lower()
            if closing:
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == name:
                        del stack[i:]
                        break
            else:
                stack.append((name, m.group(0)))
    if has_text:
        flush()
    return chunks


# -- the register or the draft policy -------------------------------------------------------
def _date(value: str) -> str:
    try:
        return f"{dt.date.fromisoformat(value):%d %b %Y}"
    except (TypeError, ValueError):
        return str(value)


def is_policy(data: dict) -> bool:
    return "clauses" in data


def is_artefact(custom: object) -> bool:
    """Custom JSON carrying the register or a draft policy (not some other payload)."""
    return isinstance(custom, dict) and ("register" in custom or "clauses" in custom)


def items(data: dict) -> list[dict]:
    """The register's rows or the policy's clauses, in order."""
    return (data.get("clauses") if is_policy(data) else data.get("register")) or []


def _project(row: dict) -> str:
    # a portfolio register's rows come from several projects: the project is part of the row's identity
    return f" [{esc(row['project'])}]" if row.get("project") else ""


def register_overview(data: dict) -> str:
    """One line a risk, short enough for a phone: id, project (portfolio), title, score, owner, status."""
    rows = data.get("register") or []
    tolerance = data.get("tolerance")
    head = f"<b>Risk register</b> (as of {esc(_date(data.get('as_of', '')))}"
    head += f", tolerance {esc(tolerance)})" if tolerance is not None else ")"
    lines = [head]
    for r in rows:
        owner = str(r.get("owner") or "no owner").split(" (")[0]
        status = "" if r.get("status") == "open" else f" · <i>{esc(r.get('status'))}</i>"
        lines.append(
            f"<b>{esc(r['id'])}</b>{_project(r)} {esc(r.get('title', ''))} · <b>{esc(r.get('score'))}</b> · "
            f"{esc(owner)}{status}"
        )
    lines.append("Tap a risk for its card, or send /register R4.")
    return "\n".join(lines)


def policy_overview(data: dict) -> str:
    """One line a clause: its id and title; the text is a tap away."""
    clauses = data.get("clauses") or []
    title = esc(data.get("title") or "Draft policy")
    head = f"<b>{title}</b> ({len(clauses)} clauses, as of {esc(_date(data.get('as_of', '')))})"
    lines = [head, *(f"<b>{esc(c['id'])}</b> {esc(c.get('title', ''))}" for c in clauses)]
    lines.append("Tap a clause to read it, or send /register C4.")
    return "\n".join(lines)


def overview(data: dict) -> str:
    return policy_overview(data) if is_policy(data) else register_overview(data)


def risk_card(row: dict, tolerance: int | None = None) -> str:
    above = tolerance is not None and isinstance(row.get("score"), int) and row["score"] > tolerance
    score = f"P{esc(row.get('probability'))} × I{esc(row.get('impact'))} = <b>{esc(row.get('score'))}</b>"
    if above:
        score += f" (above tolerance {esc(tolerance)})"
    project = [f"<i>Project</i>: {esc(row['project'])}"] if row.get("project") else []
    return "\n".join(
        [
            f"<b>{esc(row['id'])} · {esc(row.get('title', ''))}</b>",
            *project,
            esc(row.get("description", "")),
            f"<i>Category</i>: {esc(row.get('category', ''))}",
            f"<i>Score</i>: {score}",
            f"<i>Owner</i>: {esc(row.get('owner') or 'none')}",
            f"<i>Response</i>: {esc(row.get('response') or 'none')}",
            f"<i>Actions</i>: {esc(row.get('actions') or 'none')}",
            f"<i>Status</i>: {esc(row.get('status', ''))} · reviewed {esc(_date(row.get('last_reviewed', '')))}",
        ]
    )


def clause_card(clause: dict) -> str:
    return f"<b>{esc(clause['id'])} · {esc(clause.get('title', ''))}</b>\n{esc(clause.get('text', ''))}"


def card(data: dict, item: dict) -> str:
    return clause_card(item) if is_policy(data) else risk_card(item, data.get("tolerance"))


def full_register(data: dict) -> str:
    return "\n\n".join(card(data, x) for x in items(data))


def card_keyboard(data: dict, per_row: int = 4) -> list[list[tuple[str, str]]]:
    keys = [(str(x["id"]), f"c|{x['id']}") for x in items(data)]
    rows = [keys[n:n + per_row] for n in range(0, len(keys), per_row)]
    return rows + [[("Full policy" if is_policy(data) else "Full register", "full")]] if rows else []


def find_item(data: dict, ref: str) -> dict | None:
    """The row or clause a learner named: "R4", "C4", "clause 4", or just "4"."""
    m = _REF.match(ref.strip())
    if not m:
        return None
    prefix = m.group(1).upper() or ("C" if is_policy(data) else "R")
    wanted = f"{prefix}{int(m.group(2))}"
    return next((x for x in items(data) if str(x["id"]).upper() == wanted), None)


def not_found(data: dict, ref: str) -> str:
    what, where = ("clause", "The policy") if is_policy(data) else ("risk", "The register")
    ids = ", ".join(str(x["id"]) for x in items(data))
    return f"No {what} called {esc(ref[:20])}. {where} has {esc(ids)}."


def _text_version(text: str, data: dict) -> bool:
    """Is this the long text form of the artefact that follows it (dropped for the overview)?"""
    if is_policy(data):
        first = (data.get("clauses") or [{}])[0]
        return f"{first.get('id')} {first.get('title')}" in text
    return "Risk register" in text


# -- buttons ---------------------------------------------------------------------------------
class CallbackCodec:
    """Rasa button payloads <-> callback_data of at most 64 bytes. A scenario start becomes
    `s|<id>[|seed]`, a short payload travels as `p|<payload>`, a long one as `k|<hash>` kept here
    (an old keyboard whose key was forgotten answers with EXPIRED)."""

    def __init__(self, size: int = 4096):
        self._long: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def encode(self, payload: str) -> str:
        m = _START.match(payload)
        if m:
            try:
                args = json.loads(m.group(1))
            except json.JSONDecodeError:
                args = {}
            if set(args) <= {"scenario", "seed"} and isinstance(args.get("scenario"), str):
                data = f"s|{args['scenario']}" + (f"|{int(args['seed'])}" if "seed" in args else "")
                if _fits(data):
                    return data
        if _fits(f"p|{payload}"):
            return f"p|{payload}"
        key = hashlib.sha256(payload.encode()).hexdigest()[:24]
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self._size:
            self._long.popitem(last=False)
        return f"k|{key}"

    def decode(self, data: str) -> str | None:
        """The Rasa payload for callback data, or None when unknown or expired."""
        kind, _, rest = data.partition("|")
        if kind == "s" and rest:
            scenario, _, seed = rest.partition("|")
            args: dict = {"scenario": scenario}
            if seed.isdigit():
                args["seed"] = int(seed)
            return "/start_scenario" + json.dumps(args)
        if kind == "p" and rest:
            return rest
        if kind == "k":
            return self._long.get(rest)
        return None


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= MAX_CALLBACK


# -- a turn's replies ------------------------------------------------------------------------
@dataclass
class Outgoing:
    """One Telegram message: HTML text (already under the limit) and an inline keyboard."""

    html: str
    keyboard: list[list[tuple[str, str]]] = field(default_factory=list)  # rows of (label, callback data)


def render(messages: list[dict], codec: CallbackCodec) -> tuple[list[Outgoing], dict | None]:
    """Rasa's replies to one message as Telegram messages, and the register or policy if one was
    sent. Consecutive texts are joined (fewer messages, kinder to rate limits); the long text
    version is replaced by the compact overview when the structured data follows it."""
    out: list[Outgoing] = []
    pending: list[str] = []
    register = None

    def emit(keyboard=None) -> None:
        if not pending:
            return
        parts = split_html("\n\n".join(pending))
        pending.clear()
        for i, part in enumerate(parts):
            out.append(Outgoing(part, keyboard if keyboard and i == len(parts) - 1 else []))

    for i, m in enumerate(messages):
        custom = m.get("custom")
        if is_artefact(custom):
            register = custom
            emit()
            pending.append(overview(custom))
            emit(card_keyboard(custom))  # split if long (an imported register); the keys go last
            continue
        text = m.get("text")
        if not text:
            continue
        nxt = messages[i + 1] if i + 1 < len(messages) else {}
        if is_artefact(nxt.get("custom")) and _text_version(text, nxt["custom"]):
            # keep who is speaking, drop the long text version
            head = _SPEAKER.match(text)
            if head:
                what = "the draft" if is_policy(nxt["custom"]) else "the register"
                pending.append(f"<b>{esc(head.group(1))}:</b> Here's {what}.")
            continue
        pending.append(reply_html(text))
        buttons = m.get("buttons") or []
        if buttons:
            emit([[(str(b.get("title", "?"))[:60], codec.encode(str(b.get("payload", ""))))] for b in buttons])
    emit()
    return out, register


def leaderboard_html(board: list, title: str = "Leaderboard") -> str:
    if not board:
        return f"<b>{esc(title)}</b>\nNo challenges yet. Start a scenario with /scenarios and challenge the PM."
    lines = [f"<b>{esc(title)}</b> (flaws found, then craft)"]
    for n, s in enumerate(board, 1):
        lines.append(
            f"{n}. {esc(s.display_name)}: <b>{s.found}</b> found, {s.fixed} fixed, "
            f"{s.challenges} challenges, craft {round(100 * s.craft)}%"
        )
    return "\n".join(lines)


def addressed(text: str, username: str | None) -> str | None:
    """In a group, the text meant for the bot when it mentions @username (mention removed)."""
    if not username:
        return None
    pattern = re.compile(rf"@{re.escape(username)}\b", re.IGNORECASE)
    if not pattern.search(text):
        return None
    return re.sub(r"\s{2,}", " ", pattern.sub(" ", text)).strip(" ,:")


def group_help(username: str | None, reads_all: bool) -> str:
    at = f"@{username}" if username else "@the_bot"
    mode = (
        "Privacy mode is off, so I can see every message here, but I only answer those meant for me"
        if reads_all
        else "Privacy mode is on, so I only see messages meant for me"
    )
    return (
        "<b>Playing as a team</b>\n"
        "The whole group faces one PM in one shared role-play; every challenge is credited to the "
        "member who made it, and the debrief shows each member's part and the team score.\n"
        f"{esc(mode)}: <b>reply</b> to one of my messages, <b>mention</b> {esc(at)} in your "
        f"message, or use a command (in groups add {esc(at)}, e.g. /hint{esc(at)}).\n"
        "/scenarios to start, /register for the register, /hint, /progress, /finish for the team "
        "debrief, /leaderboard for the ranking."
    )
