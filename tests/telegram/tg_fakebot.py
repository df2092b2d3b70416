"""A fake Telegram Bot API server for the tests, on 127.0.0.1, speaking the real wire format:
`POST /bot<token>/<method>` with form-encoded (or JSON, or multipart) parameters whose non-string
values are JSON, answering `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description",
"parameters": {"retry_after"}}`. getUpdates long-polls the queued updates. Every call is recorded.

It runs in a thread with its own event loop, so sync tests (and a bridge in another thread or
process) can use it alike."""
from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "PMO Tutor", "username": "pmo_tutor_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "commands", "scope", "reply_parameters", "link_preview_options", "allowed_updates",
               "entities"}


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)
    status: int = 200  # what the fake answered: 200, 429, 403...

    @property
    def text(self) -> str:
        return self.params.get("text", "")

    @property
    def chat_id(self):
        return self.params.get("chat_id")

    @property
    def buttons(self) -> list[dict]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class FakeBotApi:
    def __init__(self):
        self.calls: list[Call] = []
        self.sent: dict[int, dict] = {}  # message id -> the message as Telegram stores it
        self.blocked: set[int] = set()  # chats where the bot is blocked (403)
        self.migrated: dict[int, int] = {}  # group id -> the supergroup it became (400 + new id)
        self.failures: dict[str, list[int]] = {}  # method -> retry_after of the next 429s
        self.bot = dict(BOT)
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new = None
        self._thread: threading.Thread | None = None
        self._stopped = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeBotApi:
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._new = asyncio.Condition()
            self._stopped = asyncio.Event()
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_until_complete(self._stopped.wait())
            self._loop.run_until_complete(runner.cleanup())
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.run_until_complete(asyncio.sleep(0.05))
            self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True, name="fake-bot-api")
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread:
            self._thread.join(10)

    # -- what the tests do -------------------------------------------------------------------
    def push(self, update: dict) -> dict:
        update = {"update_id": next(self._update_ids), **update}

        async def add():
            async with self._new:
                self._updates.append(update)
                self._new.notify_all()

        asyncio.run_coroutine_threadsafe(add(), self._loop).result(5)
        return update

    def fail(self, method: str, retry_after: int, times: int = 1) -> None:
        """The next `times` calls of `method` get 429 Too Many Requests with retry_after."""
        with self._lock:
            self.failures.setdefault(method, []).extend([retry_after] * times)

    def calls_of(self, method: str, chat_id=None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def wait_for(self, predicate, timeout: float = 30, what: str = "") -> Call:
        """The first recorded call matching `predicate`, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for c in self.calls:
                    if predicate(c):
                        return c
            time.sleep(0.05)
        with self._lock:
            seen = "\n".join(f"{c.method} {c.chat_id} {c.text[:100]!r}" for c in self.calls[-15:])
        raise AssertionError(f"no call {what} within {timeout}s; last calls:\n{seen}")

    def assert_no_call(self, predicate, within: float, what: str = "") -> None:
        """No recorded call matches `predicate`, now or at any time in the next `within` seconds.
        Meaningful only once the path has been shown to work: call it after a positive wait_for."""
        deadline = time.monotonic() + within
        while True:
            with self._lock:
                bad = [c for c in self.calls if predicate(c)]
            assert not bad, f"unexpected {what}: " + "; ".join(f"{c.method} {c.chat_id} {c.text[:100]!r}" for c in bad)
            if time.monotonic() >= deadline:
                return
            time.sleep(0.05)

    def wait_text(self, chat_id, needle: str, after: int = 0, timeout: float = 30) -> Call:
        return self.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == chat_id and needle in c.text
            and c.status == 200 and self.calls.index(c) >= after,
            timeout, f"sendMessage to {chat_id} containing {needle!r}",
        )

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def texts(self, chat_id, after: int = 0) -> list[str]:
        with self._lock:
            return [c.text for c in self.calls[after:] if c.method == "sendMessage" and c.chat_id == chat_id]

    # -- the wire ----------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict:
        params: dict = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in list(params):
            value = params[key]
            if isinstance(value, str) and (key in JSON_FIELDS or key in ("chat_id", "offset", "timeout", "limit", "message_id")):
                try:
                    params[key] = json.loads(value)
                except json.JSONDecodeError:
                    pass
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            pending = self.failures.get(method)
            retry_after = pending.pop(0) if pending else None
        if retry_after is not None:
            call.status = 429
            return web.json_response(
                {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                 "parameters": {"retry_after": retry_after}},
                status=429,
            )
        handler = getattr(self, f"_m_{method}", None)
        result = await handler(params) if handler else True
        if isinstance(result, web.Response):
            call.status = result.status
            return result
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, p):
        return self.bot

    async def _m_getUpdates(self, p):
        offset = int(p.get("offset") or 0)
        timeout = min(float(p.get("timeout") or 0), 2.0)  # short polls keep the tests quick
        async with self._new:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout:
                try:
                    await asyncio.wait_for(self._new.wait(), timeout)
                except asyncio.TimeoutError:
                    pass
            return list(self._updates)

    async def _m_sendMessage(self, p):
        chat_id = p["chat_id"]
        if chat_id in self.blocked:
            return web.json_response(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, status=403
            )
        if chat_id in self.migrated:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
                 "parameters": {"migrate_to_chat_id": self.migrated[chat_id]}}, status=400)
        text = p.get("text", "")
        if p.get("parse_mode") == "HTML":
            _check_html(text)
            text = _plain(text)
        if len(text) > 4096:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
                                     status=400)
        msg = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat_of(chat_id),
            "from": self.bot,
            "text": text,
        }
        if p.get("reply_markup"):
            msg["reply_markup"] = p["reply_markup"]
        self.sent[msg["message_id"]] = msg
        return msg

    async def _m_editMessageText(self, p):
        msg = dict(self.sent.get(p.get("message_id"), {}))
        msg["text"] = _plain(p.get("text", ""))
        msg.pop("reply_markup", None)
        return msg or True


def _check_html(text: str) -> None:
    """Telegram's HTML parser: only known tags, balanced; a bare < or & is an error."""
    stack = []
    for m in re.finditer(r"<(/?)([a-z-]+)[^>]*>|<|&(?!(lt|gt|amp|quot|#\d+);)", text):
        if m.group(0) in ("<", "&"):
            raise AssertionError(f"unescaped {m.group(0)!r} in {text[max(0, m.start() - 30):m.end() + 30]!r}")
        closing, tag = m.group(1), m.group(2)
        assert tag in {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"}, tag
        if closing:
            assert stack and stack[-1] == tag, f"unbalanced </{tag}> in {text[:200]!r}"
            stack.pop()
        else:
            stack.append(tag)
    assert not stack, f"unclosed {stack} in {text[:200]!r}"


def basic_group(chat_id: int) -> dict:
    """A group before Telegram upgrades it to a supergroup (with a new id)."""
    return {"id": chat_id, "type": "group", "title": "PMO team"}


def chat_of(chat_id: int) -> dict:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "PMO team"}
    return {"id": chat_id, "type": "private", "first_name": "Learner"}


# -- updates as Telegram sends them ----------------------------------------------------------------
_ids = itertools.count(1)


def user(uid: int, first: str, last: str | None = None) -> dict:
    u = {"id": uid, "is_bot": False, "first_name": first, "language_code": "en"}
    if last:
        u["last_name"] = last
    return u


def message(chat_id: int, sender: dict, text: str | None = None, reply_to: dict | None = None, **extra) -> dict:
    msg = {"message_id": next(_ids), "date": int(time.time()), "chat": chat_of(chat_id), "from": sender, **extra}
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"message": msg}


def sticker(chat_id: int, sender: dict) -> dict:
    return message(chat_id, sender, sticker={"file_id": "CAACAgIAAxk", "file_unique_id": "AgAD", "type": "regular",
                                             "width": 512, "height": 512, "is_animated": False, "is_video": False})


def press(chat_id: int, sender: dict, sent: dict, data: str) -> dict:
    return {"callback_query": {"id": str(next(_ids)), "from": sender, "chat_instance": str(chat_id),
                               "message": sent, "data": data}}
