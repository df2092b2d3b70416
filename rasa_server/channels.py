"""Rasa's REST channel with a guard in front: `rasa_server.channels.GuardedRestInput` in credentials.yml.

The webhook stays POST /webhooks/rest/webhook with {"sender": "<id>", "message": "<text>"} and answers
exactly as Rasa's RestInput does (a list of {"recipient_id", "text", ...}). Before RestInput sees a
request, the guard
- answers 401 when RASA_REST_TOKEN is set and the request carries neither
  `Authorization: Bearer <token>` nor `?token=<token>` (unset: no token needed, as before);
- answers 413 for a body over MAX_BODY_BYTES or a message over MAX_MESSAGE characters, before
  anything is parsed further, logged or handed to Rasa;
- answers 400 for what RestInput would have turned into a 500 or an odd conversation: an empty
  body, non-JSON, JSON that is not an object, a missing or non-string sender or message, a sender
  over MAX_SENDER characters, metadata that is not an object.
Every refusal is JSON: {"error": "<what to fix>"}.

After RestInput, a message that was not fully handled is 503 (Retry-After: 5) with the reason,
never 200 with an empty or partial reply: RestInput answers 200 and an empty list when the lock
store (Redis) or the tracker store fails, and Rasa carries on without an action's replies when no
action server can be reached (it logs that, in the request's own task, which is how it is seen
here). The web chat keeps the text to send again, the Telegram bridge holds and redelivers it, and
the message's id (metadata.message_id) keeps a resend from being recorded twice.
"""
from __future__ import annotations

import contextvars
import hmac
import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV = "RASA_REST_TOKEN"
MAX_MESSAGE = 4000  # characters; the web chat's own limit (bot/web/learner.py)
MAX_SENDER = 200  # characters
# A message at the limit, every character a JSON-escaped surrogate pair (12 bytes), plus metadata.
MAX_BODY_BYTES = 256 * 1024
UNANSWERED = ("the tutor could not answer that message just now (a part of it is restarting); "
              "send it again in a moment")
logger = logging.getLogger(__name__)


def _error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=headers)


class GuardedRestInput(RestInput):
    """RestInput, named "rest" (same URL), refusing hostile or malformed requests up front."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        return cls(token=os.environ.get(TOKEN_ENV) or None)

    def __init__(self, token: Optional[Text] = None) -> None:
        self.token = token

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            given = request.args.get("token") or ""
        # compare_digest: no timing hint about how much of the token was right.
        return hmac.compare_digest(given.strip().encode(), self.token.encode())

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """The response refusing this request, or None to let RestInput handle it."""
        if not self._authorised(request):
            return _error(401, "a valid token is required: send 'Authorization: Bearer <token>'",
                          {"WWW-Authenticate": 'Bearer realm="rasa-rest"'})
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            return _error(413, f"the request is too large (over {MAX_BODY_BYTES // 1024} KB); "
                               f"a message may be at most {MAX_MESSAGE} characters")
        if not body.strip():
            return _error(400, 'the body is empty: send a JSON object {"sender": "<id>", "message": "<text>"}')
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # ValueError includes bad UTF-8
            return _error(400, 'the body is not valid JSON: send {"sender": "<id>", "message": "<text>"}')
        if not isinstance(data, dict):
            return _error(400, 'the body must be a JSON object {"sender": "<id>", "message": "<text>"}, '
                               f"not a JSON {_json_type(data)}")
        message, sender = data.get("message"), data.get("sender")
        if not isinstance(message, str):
            return _error(400, '"message" is required and must be a string' if message is None
                          else f'"message" must be a string, not a JSON {_json_type(message)}')
        if len(message) > MAX_MESSAGE:
            return _error(413, f"the message is too long ({len(message)} characters; at most {MAX_MESSAGE})")
        if sender is not None and not isinstance(sender, str):
            return _error(400, f'"sender" must be a string, not a JSON {_json_type(sender)}')
        if not sender or not sender.strip():
            return _error(400, '"sender" is required: a non-empty string naming the conversation')
        if len(sender) > MAX_SENDER:
            return _error(400, f'"sender" is too long ({len(sender)} characters; at most {MAX_SENDER})')
        if data.get("metadata") is not None and not isinstance(data["metadata"], dict):
            return _error(400, f'"metadata" must be a JSON object, not a JSON {_json_type(data["metadata"])}')
        if data.get("input_channel") is not None and not isinstance(data["input_channel"], str):
            return _error(400, '"input_channel" must be a string')
        request.parsed_json = data  # RestInput reads request.json: parsed once, here
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)

        # Blueprint middleware runs for this blueprint's routes only, before RestInput's handler.
        @bp.on_request
        async def guard(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST":
                _ACTION_FAILED.set([False])  # this request's own flag (set in its task's context)
                return self.refusal(request)
            return None

        @bp.on_response
        async def unanswered(request: Request, response: HTTPResponse) -> Optional[HTTPResponse]:
            if request.method != "POST" or response.status != 200:
                return None
            empty = (response.body or b"").strip() == b"[]"
            if empty or _ACTION_FAILED.get()[0]:
                logger.warning("message not fully handled (%s): answered 503",
                               "no reply" if empty else "an action failed")
                return _error(503, UNANSWERED, {"Retry-After": "5"})
            return None

        return bp


# Whether an action of the current request failed: a one-item list per request, so the flag the
# log filter sets (deeper in the same task) is the one the response middleware reads.
_ACTION_FAILED: contextvars.ContextVar[list] = contextvars.ContextVar("action_failed", default=[False])


class _ActionFailures(logging.Filter):
    """Notes Rasa's "Encountered an exception while running action ..." for the current request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Encountered an exception while running action"):
            flag = _ACTION_FAILED.get()
            if flag is not _ACTION_FAILED_DEFAULT:
                flag[0] = True
        return True


_ACTION_FAILED_DEFAULT = _ACTION_FAILED.get()
logging.getLogger("rasa.core.processor").addFilter(_ActionFailures())


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(type(value), "value")
