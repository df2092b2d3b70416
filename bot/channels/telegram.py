"""The Telegram bridge: a python-telegram-bot process that talks to Rasa's REST channel.

    Telegram  <--(long polling or webhook)-->  this bridge  --POST /webhooks/rest/webhook-->  Rasa

- A private chat is the conversation `telegram:<user id>`, which is also the learner id.
- A group is one shared role-play: the conversation `telegram-group:<chat id>`, and every message
  carries metadata `learner_id = telegram:<user id>` so each member's challenges are credited to
  them (the actions read it). Rasa handles one message per conversation at a time (its lock
  store), and the bridge sends a conversation's messages in order (a lock per conversation), so
  two members typing at once never interleave within a turn.
- Rasa down: the learner is told the tutor is restarting; the message is kept (also on disk) and
  delivered, in order, as soon as Rasa answers again, with its reply.
- Telegram limits: AIORateLimiter (30/s overall, 20/min per group) paced per chat as well, and
  retrying after a 429's retry_after; network errors are retried with backoff; a blocked bot or
  deleted chat is logged and skipped.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import secrets
import signal
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
from aiohttp import web
from aiolimiter import AsyncLimiter
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels import formatting as fmt
from bot.presentation import start_payload

log = logging.getLogger("pmo_tutor.telegram")
ROOT = Path(__file__).resolve().parents[2]
SORRY = "Sorry, the tutor couldn't handle that one. Please try again in a moment."
# The longest message the tutor reads (as the web chat and the REST guard): a longer one is refused
# here with the reason, before it reaches Rasa or a log.
MAX_MESSAGE = 4000


# -- configuration ---------------------------------------------------------------------------
def _rate(value: str | None, default: tuple[float, float]) -> tuple[float, float]:
    """'20/60' -> (20, 60): at most 20 messages per 60 seconds; '0' switches it off."""
    if not value:
        return default
    if value.strip() == "0":
        return (0, 0)
    n, _, per = value.partition("/")
    return (float(n), float(per or 1))


@dataclass
class Config:
    token: str
    api_url: str = "https://api.telegram.org/bot"
    rasa_url: str = "http://127.0.0.1:5005"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    pending_path: Path = ROOT / "var" / "telegram-pending.json"
    chat_rate: tuple[float, float] = (3, 3)  # about 1 a second per chat, short bursts allowed
    group_rate: tuple[float, float] = (20, 60)  # Telegram: 20 a minute per group
    max_retries: int = 5  # after a 429, wait retry_after and retry up to this many times
    rasa_timeout: float = 90
    poll_timeout: float = 10
    redeliver_backoff: tuple[float, float] = (2, 60)  # first and longest wait while Rasa is down

    @classmethod
    def from_env(cls, env: dict | None = None) -> Config:
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN")
        if not token:
            raise SystemExit("TELEGRAM_BOT_TOKEN is not set")
        var = Path(env.get("PMO_TUTOR_VAR") or ROOT / "var")
        cfg = cls(
            token=token,
            api_url=env.get("TELEGRAM_API_URL") or cls.api_url,
            rasa_url=(env.get("RASA_URL") or f"http://127.0.0.1:{env.get('RASA_PORT', 5005)}").rstrip("/"),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT", 8443)),
            pending_path=var / "telegram-pending.json",
            chat_rate=_rate(env.get("TELEGRAM_CHAT_RATE"), cls.chat_rate),
            group_rate=_rate(env.get("TELEGRAM_GROUP_RATE"), cls.group_rate),
        )
        if env.get("TELEGRAM_WEBHOOK_SECRET"):
            cfg.webhook_secret = env["TELEGRAM_WEBHOOK_SECRET"]
        return cfg


# -- rate limiting ---------------------------------------------------------------------------
class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter (overall and per-group limits, retry after 429) plus a per-chat pace."""

    def __init__(self, chat_rate: tuple[float, float], **kw):
        super().__init__(**kw)
        self._chat_rate = chat_rate
        self._chat_limiters: dict[object, AsyncLimiter] = {}

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id")
        if chat_id is None or not all(self._chat_rate):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        if len(self._chat_limiters) > 1024:
            self._chat_limiters = {k: v for k, v in self._chat_limiters.items() if not v.has_capacity(v.max_rate)}
        limiter = self._chat_limiters.setdefault(chat_id, AsyncLimiter(*self._chat_rate))
        async with limiter:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


# -- Rasa ------------------------------------------------------------------------------------
class RasaDown(Exception):
    """Rasa did not take the message (not running, restarting): safe to send it again later."""


class RasaError(Exception):
    """Rasa took the message but failed: sending it again could double it."""


class RasaClient:
    def __init__(self, url: str, timeout: float):
        self.endpoint = f"{url.rstrip('/')}/webhooks/rest/webhook"
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=5)
        token = os.environ.get("RASA_REST_TOKEN")  # Rasa's REST channel asks for it when set
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http: aiohttp.ClientSession | None = None

    async def send(self, sender: str, message: str, metadata: dict) -> list[dict]:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=self.timeout, headers=self.headers)
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            async with self._http.post(self.endpoint, json=body) as r:
                if r.status in (502, 503, 504):
                    raise RasaDown(f"HTTP {r.status}")
                if r.status != 200:
                    raise RasaError(f"HTTP {r.status}: {(await r.text())[:200]}")
                return await r.json()
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError) as e:
            raise RasaDown(str(e)) from e
        except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError) as e:
            raise RasaError(repr(e)) from e

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


@dataclass
class Held:
    """A message Rasa couldn't take yet."""

    conversation: str
    chat_id: int
    text: str
    metadata: dict
    reply_to: int | None = None


class Outbox:
    """Messages waiting for Rasa, in order per conversation; kept on disk so a restart of the
    bridge loses nothing either."""

    def __init__(self, path: Path):
        self.path = path
        self.items: list[Held] = []
        with contextlib.suppress(OSError, ValueError, TypeError):
            self.items = [Held(**x) for x in json.loads(path.read_text())]

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps([x.__dict__ for x in self.items]))
            tmp.replace(self.path)
        except OSError:
            log.exception("could not save held messages to %s", self.path)

    def holds(self, conversation: str) -> bool:
        return any(x.conversation == conversation for x in self.items)

    def add(self, item: Held) -> None:
        self.items.append(item)
        self._save()

    def conversations(self) -> list[str]:
        return list(dict.fromkeys(x.conversation for x in self.items))

    def first(self, conversation: str) -> Held | None:
        return next((x for x in self.items if x.conversation == conversation), None)

    def move(self, old: str, new: str, chat_id: int) -> None:
        """A group became a supergroup: its held messages now go to the new chat."""
        moved = [x for x in self.items if x.conversation == old]
        for x in moved:
            x.conversation, x.chat_id = new, chat_id
        if moved:
            self._save()

    def remove(self, item: Held) -> None:
        self.items.remove(item)
        self._save()


# -- the bridge ------------------------------------------------------------------------------
def conversation_of(chat: Chat, user: User | None) -> tuple[str, dict]:
    """Rasa sender id and metadata for a message from `user` in `chat`."""
    learner = f"telegram:{user.id if user else chat.id}"
    name = (user.full_name if user else None) or (f"@{user.username}" if user and user.username else learner)
    meta = {"learner_id": learner, "display_name": name, "channel": "telegram"}
    if chat.type == Chat.PRIVATE:
        return learner, meta
    return group_conversation(chat.id), meta


def group_conversation(chat_id: int) -> str:
    return f"telegram-group:{chat_id}"


class TelegramBridge:
    def __init__(self, config: Config, store=None):
        self.cfg = config
        self._store = store
        self.rasa = RasaClient(config.rasa_url, config.rasa_timeout)
        self.outbox = Outbox(config.pending_path)
        self.codec = fmt.CallbackCodec()
        self._locks: dict[str, asyncio.Lock] = {}
        self._wake = asyncio.Event()
        self.app: Application | None = None
        self.reads_all_group_messages = False

    # -- set-up ------------------------------------------------------------------------------
    @property
    def store(self):
        if self._store is None:
            from bot.progress.store import ProgressStore

            self._store = ProgressStore()
        return self._store

    @property
    def tutor(self):
        """The core, for what is shown beside the conversation (cards of the running session)."""
        from bot.tutor import Tutor

        return Tutor(self.store)

    def build(self) -> Application:
        c = self.cfg
        builder = (
            Application.builder()
            .token(c.token)
            .base_url(c.api_url)
            .base_file_url(c.api_url[: -len("/bot")] + "/file/bot" if c.api_url.endswith("/bot") else c.api_url)
            .rate_limiter(
                PacedRateLimiter(
                    c.chat_rate,
                    group_max_rate=c.group_rate[0],
                    group_time_period=c.group_rate[1],
                    max_retries=c.max_retries,
                )
            )
            .concurrent_updates(True)  # conversations in parallel; each one in order (a lock)
            .get_updates_read_timeout(c.poll_timeout + 10)
        )
        if c.webhook_url:
            builder = builder.updater(None)
        app = builder.build()
        new = filters.UpdateType.MESSAGE  # an edited message is not a second challenge
        for name in [*fmt.COMMANDS, *fmt.EXTRA_COMMANDS]:
            app.add_handler(CommandHandler(name, self.on_command, filters=new))
        app.add_handler(CommandHandler("leaderboard", self.on_leaderboard, filters=new))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(MessageHandler(new & filters.COMMAND, self.on_unknown_command))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_handler(MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_not_text))
        app.add_error_handler(self.on_error)
        self.app = app
        return app

    async def _menus(self) -> None:
        bot = self.app.bot
        private = [BotCommand(n, d) for n, (d, _) in fmt.COMMANDS.items()]
        group = private + [BotCommand(n, d) for n, d in fmt.GROUP_COMMANDS.items()]
        await bot.set_my_commands(private)
        await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
        await bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())

    async def _persist(self, what: str, call, *, tries: int | None = None):
        """Retry a call to Telegram on network errors, with backoff (forever when tries is None)."""
        delay, n = 1.0, 0
        while True:
            try:
                return await call()
            except RetryAfter as e:
                await asyncio.sleep(_seconds(e.retry_after) + 0.1)
            except (Forbidden, BadRequest):
                raise
            except NetworkError as e:  # includes TimedOut
                n += 1
                if tries is not None and n >= tries:
                    raise
                log.warning("%s: Telegram unreachable (%s); retrying in %.0fs", what, e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: long polling, or a webhook server when TELEGRAM_WEBHOOK_URL."""
        app = self.build()
        self._wake = asyncio.Event()
        await self._persist("start-up", app.initialize)
        me = app.bot
        self.reads_all_group_messages = bool(getattr(me.bot, "can_read_all_group_messages", False))
        await self._persist("setMyCommands", self._menus)
        await app.start()
        site_runner = None
        if self.cfg.webhook_url:
            site_runner = await self._start_webhook()
        else:
            await app.updater.start_polling(
                timeout=self.cfg.poll_timeout,
                bootstrap_retries=-1,
                allowed_updates=Update.ALL_TYPES,
                error_callback=lambda e: log.warning("polling: %s; retrying with backoff", e),
            )
        redeliver = asyncio.create_task(self._redeliver_loop())
        log.info("Telegram bridge running as @%s (%s), Rasa at %s", me.username,
                 "webhook" if site_runner else "long polling", self.cfg.rasa_url)
        try:
            await stop.wait()
        finally:
            redeliver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await redeliver
            if site_runner is not None:
                await site_runner.cleanup()
            if app.updater and app.updater.running:
                await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await self.rasa.close()

    async def _start_webhook(self) -> web.AppRunner:
        """Telegram POSTs updates here; the secret-token header proves it is Telegram."""
        path = urlparse(self.cfg.webhook_url).path or "/"
        secret = self.cfg.webhook_secret

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                log.warning("webhook call without the right secret token from %s", request.remote)
                return web.Response(status=403)
            try:
                update = Update.de_json(await request.json(), self.app.bot)
            except (ValueError, TypeError, KeyError):
                return web.Response(status=400)
            await self.app.update_queue.put(update)
            return web.Response(text="ok")

        server = web.Application(client_max_size=1 << 20)
        server.router.add_post(path, receive)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.cfg.webhook_listen, self.cfg.webhook_port).start()
        await self._persist(
            "setWebhook",
            lambda: self.app.bot.set_webhook(self.cfg.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES),
        )
        return runner

    # -- handlers ----------------------------------------------------------------------------
    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg, chat = update.effective_message, update.effective_chat
        text = self._meant_for_me(update, msg.text or "")
        if text is None:
            return
        if len(text) > MAX_MESSAGE:  # Telegram allows 4,096; the tutor reads a challenge of up to 4,000
            await self.send(chat.id, fmt.esc(f"That message is {len(text):,} characters; the tutor reads up to "
                                             f"{MAX_MESSAGE:,}. Could you say it in two messages?"),
                            reply_to=msg.message_id)
            return
        await self.converse(chat, update.effective_user, text, reply_to=msg.message_id, key=f"m{msg.message_id}")

    def _meant_for_me(self, update: Update, text: str) -> str | None:
        """In a private chat everything; in a group only replies to the bot and mentions of it
        (so the team can talk among themselves when privacy mode is off)."""
        if update.effective_chat.type == Chat.PRIVATE:
            return text
        msg, me = update.effective_message, self.app.bot
        reply = msg.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == me.id:
            return fmt.addressed(text, me.username) or text
        return fmt.addressed(text, me.username)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Telegram upgrades a group to a supergroup with a new chat id; both chats get a service
        message. The team's role-play and history follow it, whichever message comes first."""
        msg = update.effective_message
        if msg.migrate_to_chat_id:
            await self.move_team(msg.chat_id, msg.migrate_to_chat_id)
        elif msg.migrate_from_chat_id:
            await self.move_team(msg.migrate_from_chat_id, msg.chat_id)

    async def move_team(self, old_chat: int, new_chat: int) -> None:
        # No conversation lock: this runs from send() too, inside the old conversation's lock.
        old, new = group_conversation(old_chat), group_conversation(new_chat)
        self.outbox.move(old, new, new_chat)
        moved = await asyncio.to_thread(self.store.move_conversation, old, new)
        if moved:
            log.info("group %s became supergroup %s: moved %d role-play sessions", old_chat, new_chat, moved)

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        if msg is None or update.effective_chat is None:
            return
        if update.effective_chat.type != Chat.PRIVATE and self._meant_for_me(update, msg.caption or "") is None:
            return
        await self.send(update.effective_chat.id, fmt.esc(fmt.TEXT_ONLY), reply_to=msg.message_id)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg, chat = update.effective_message, update.effective_chat
        name = msg.text.split()[0][1:].split("@")[0].lower()
        args = context.args or []
        group = chat.type != Chat.PRIVATE
        if name == "register" and args:
            which = " ".join(args)
            await self.show_register(chat, which, reply_to=msg.message_id)
            return
        if name == "start" and args:  # deep link: t.me/<bot>?start=<scenario id>
            payload = start_payload(args[0][:60])
        elif name in fmt.COMMANDS:
            payload = fmt.COMMANDS[name][1]
        else:
            payload = fmt.EXTRA_COMMANDS[name]
        await self.converse(chat, update.effective_user, payload, reply_to=msg.message_id if group else None,
                            key=f"m{msg.message_id}")
        if group and name in ("start", "help"):
            await self.send(chat.id, fmt.group_help(self.app.bot.username, self.reads_all_group_messages))

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat.type != Chat.PRIVATE:
            return  # other bots' commands
        await self.send(chat.id, "I don't know that command. Try /help.")

    async def on_leaderboard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        conversation, _ = conversation_of(chat, update.effective_user)
        from bot.progress.teams import leaderboard

        def query():
            with self.store.transaction() as db:
                return leaderboard(db, conversation)

        board = await asyncio.to_thread(query)
        title = "Team leaderboard" if chat.type != Chat.PRIVATE else "Your record (the leaderboard is for groups)"
        await self.send(chat.id, fmt.leaderboard_html(board, title))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        q = update.callback_query
        chat = update.effective_chat
        data = q.data or ""
        label = _label(q, data)
        if data.startswith("c|") or data == "full":  # a risk or clause card, or the full text
            await self._ack(q, label or data[2:] or "Full text")
            await self.show_register(chat, data[2:] if data.startswith("c|") else "full")
            return
        payload = self.codec.decode(data)
        if payload is None:
            await self._ack(q, fmt.EXPIRED)
            return
        await self._ack(q, f"{label}: starting..." if data.startswith("s|") else "OK")
        if q.message is not None and label:  # show the choice, and that the menu has been used
            with contextlib.suppress(TelegramError):
                await q.message.edit_text(
                    f"{q.message.text_html}\n\n✓ <b>{fmt.esc(label)}</b>", parse_mode=ParseMode.HTML
                )
        await self.converse(chat, q.from_user, payload, key=f"q{q.id}")

    async def _ack(self, q, text: str) -> None:
        try:
            await q.answer(text[:200])
        except TelegramError as e:  # too old to answer: not worth failing the press for
            log.info("answerCallbackQuery: %s", e)

    async def show_register(self, chat: Chat, which: str, reply_to: int | None = None) -> None:
        """A risk or clause card (`R4`, `C4`, `clause 4`) or the full text (`full`), from the
        session's register or draft policy."""
        conversation = f"telegram:{chat.id}" if chat.type == Chat.PRIVATE else f"telegram-group:{chat.id}"
        data = await asyncio.to_thread(self.tutor.artefact, conversation)
        if data is None:
            await self.send(chat.id, "There's no role-play running yet. Start one with /scenarios.", reply_to=reply_to)
            return
        if which.strip().lower() in ("full", "all"):
            html = fmt.full_register(data)
        else:
            item = fmt.find_item(data, which)
            html = fmt.card(data, item) if item else fmt.not_found(data, which)
        for i, part in enumerate(fmt.split_html(html)):
            await self.send(chat.id, part, reply_to=reply_to if i == 0 else None)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        err = context.error
        if isinstance(err, Forbidden):
            log.warning("blocked or removed from a chat: %s", err)
        elif isinstance(err, NetworkError):
            log.warning("network error: %s", err)
        else:
            log.error("error handling %s", update, exc_info=err)

    # -- talking to Rasa ---------------------------------------------------------------------
    def _lock(self, conversation: str) -> asyncio.Lock:
        return self._locks.setdefault(conversation, asyncio.Lock())

    async def converse(self, chat: Chat, user: User | None, text: str, reply_to: int | None = None,
                       key: str | None = None) -> None:
        """`key`: the Telegram message (or button press) this is, kept with a held message: if
        Rasa recorded it before its answer was lost, sending it again is answered, not recorded."""
        conversation, meta = conversation_of(chat, user)
        if key:
            meta["message_id"] = f"telegram:{chat.id}:{key}"
        async with self._lock(conversation):
            held = Held(conversation, chat.id, text, meta, reply_to)
            if self.outbox.holds(conversation):  # keep the order: behind the ones already held
                self.outbox.add(held)
                await self.send(chat.id, fmt.esc(fmt.RESTARTING), reply_to=reply_to)
                return
            try:
                replies = await self.rasa.send(conversation, text, meta)
            except RasaDown as e:
                log.warning("Rasa is down (%s); holding a message for %s", e, conversation)
                self.outbox.add(held)
                self._wake.set()
                await self.send(chat.id, fmt.esc(fmt.RESTARTING), reply_to=reply_to)
                return
            except RasaError as e:
                log.error("Rasa failed on a message for %s: %s", conversation, e)
                await self.send(chat.id, fmt.esc(SORRY), reply_to=reply_to)
                return
            await self.deliver(chat.id, replies, reply_to)

    async def deliver(self, chat_id: int, replies: list[dict], reply_to: int | None = None) -> None:
        messages, _ = fmt.render(replies, self.codec)
        for i, m in enumerate(messages):
            if not await self.send(chat_id, m.html, m.keyboard, reply_to=reply_to if i == 0 else None):
                return  # the chat is gone: nothing more to send there

    async def _redeliver_loop(self) -> None:
        """Deliver held messages, in order, once Rasa answers again; back off while it doesn't."""
        first, longest = self.cfg.redeliver_backoff
        delay = first
        while True:
            if not self.outbox.items:
                self._wake.clear()
                await self._wake.wait()
                delay = first
            await asyncio.sleep(delay)
            down = False
            for conversation in self.outbox.conversations():
                async with self._lock(conversation):
                    while (held := self.outbox.first(conversation)) is not None:
                        try:
                            replies = await self.rasa.send(held.conversation, held.text, held.metadata)
                        except RasaDown:
                            down = True
                            break
                        except RasaError as e:
                            log.error("Rasa failed on a held message for %s: %s", conversation, e)
                            replies = [{"text": f"Tutor: {SORRY}"}]
                        self.outbox.remove(held)
                        note = fmt.BACK.format(text=fmt.esc(held.text[:200]))
                        if await self.send(held.chat_id, note, reply_to=held.reply_to):
                            await self.deliver(held.chat_id, replies)
                if down:
                    break
            delay = min(delay * 2, longest) if down else first

    # -- talking to Telegram -----------------------------------------------------------------
    async def send(self, chat_id: int, html: str, keyboard=None, reply_to: int | None = None) -> bool:
        """Send one HTML message; False when the chat can't be reached (blocked, deleted)."""
        markup = (
            InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in keyboard])
            if keyboard
            else None
        )
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        bot = self.app.bot
        plain = False
        for _ in range(3):
            try:
                await self._persist(
                    "sendMessage",
                    lambda: bot.send_message(
                        chat_id,
                        fmt.strip_html(html) if plain else html,
                        parse_mode=None if plain else ParseMode.HTML,
                        reply_markup=markup,
                        reply_parameters=reply,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                    ),
                    tries=6,
                )
                return True
            except ChatMigrated as e:  # the group became a supergroup before we heard of it
                await self.move_team(chat_id, e.new_chat_id)
                chat_id, reply = e.new_chat_id, None  # the replied-to message stayed in the old chat
                continue
            except Forbidden as e:
                log.warning("can't send to chat %s (bot blocked or chat deleted): %s", chat_id, e)
                return False
            except BadRequest as e:
                if "parse" in str(e).lower() and not plain:
                    log.error("Telegram refused our HTML (%s); sending plain text", e)
                    plain = True
                    continue
                log.warning("can't send to chat %s: %s", chat_id, e)
                return False
            except NetworkError as e:
                log.error("gave up sending to chat %s: %s", chat_id, e)
                return False
        return False


def _label(q, data: str) -> str:
    """The text of the pressed button, read from the message's keyboard."""
    markup = getattr(q.message, "reply_markup", None)  # none on an inaccessible (old) message
    rows = markup.inline_keyboard if markup else []
    return next((b.text for row in rows for b in row if b.callback_data == data), "")


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    bridge = TelegramBridge(Config.from_env())

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await bridge.serve(stop)

    asyncio.run(run())
    return 0
