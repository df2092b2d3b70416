"""Measured fixes to Rasa 3.6, applied by importing this module.

Profiling the server under load (py-spy) showed
- 44% of its time in `jsonschema.validate`, called for every custom-action response:
  `validate()` re-checks the *schema itself* against the JSON Schema meta-schema on every call
  before checking the response. Here the schema is checked once and a ready validator is reused;
  responses are validated exactly as before.
- 6% in opening an aiohttp client session, and a new TCP connection, for every call to the action
  server. Here each endpoint keeps one session per event loop, with keep-alive connections.
- Under load (scripts/load.py, 200 learners) a full garbage collection every minute or so took
  0.6 to 1.1 s, the server answering nothing meanwhile: it scanned the 610,000 objects the model
  and its libraries built at start-up (none of them ever garbage) to free a few hundred. Here
  everything alive once the model is loaded is moved out of the collector's sight (gc.freeze);
  no collection during the same load took over 50 ms.
- 10% in calling the action server, much of it turning the conversation's recent events into
  JSON, sending them and reading them back there. The tutor's actions read the latest message
  and the sender only (the role-play's state is in the progress store), so an action call carries
  the events of the current turn, from the learner's message on, not the whole recent history.
(The tracker store's share is handled in rasa_server/tracker_store.py.)
"""
from __future__ import annotations

import asyncio
import gc
import logging

import aiohttp
import rasa.core.run
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import EventVerbosity
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

_spec = RemoteAction.action_response_format_spec()
_cls = validator_for(_spec)
_cls.check_schema(_spec)
_validator = _cls(_spec)
_original = RemoteAction._validate_action_result


def _validate_action_result(self, result) -> bool:
    try:
        _validator.validate(result)
        return True
    except ValidationError:
        return _original(self, result)  # Rasa's own path builds the explanatory message


RemoteAction._validate_action_result = _validate_action_result

_action_call_format = RemoteAction._action_call_format


def _turn_only(self, tracker, domain) -> dict:
    return _action_call_format(self, _TurnView(tracker), domain)


class _TurnView:
    """The tracker as an action call sees it: the current turn's events, everything else as is."""

    def __init__(self, tracker):
        self._tracker = tracker

    def __getattr__(self, name):
        return getattr(self._tracker, name)

    def current_state(self, event_verbosity=EventVerbosity.NONE) -> dict:
        state = self._tracker.current_state(EventVerbosity.NONE)
        events = list(self._tracker.events)
        start = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)), 0)
        state["events"] = [e.as_dict() for e in events[start:]]
        return state


RemoteAction._action_call_format = _turn_only

# The client must drop an idle connection before the action server (Sanic: 5 s) closes it,
# or a request could be sent down a connection that is being closed.
_CLIENT_KEEPALIVE_S = 3.0


class _KeptSession:
    """Rasa writes `async with endpoint.session() as s:`; this yields a long-lived session."""

    def __init__(self, session: aiohttp.ClientSession):
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc) -> bool:
        return False


def _session(self: EndpointConfig) -> _KeptSession:
    loop = asyncio.get_running_loop()
    kept = getattr(self, "_kept_session", None)
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
            if self.basic_auth else None  # as Rasa's own EndpointConfig.session
        session = aiohttp.ClientSession(
            headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=_CLIENT_KEEPALIVE_S))
        kept = (loop, session)
        self._kept_session = kept
    return _KeptSession(kept[1])


EndpointConfig.session = _session


_load_agent_on_start = rasa.core.run.load_agent_on_start


async def _load_agent_then_freeze(*args, **kwargs):
    agent = await _load_agent_on_start(*args, **kwargs)
    gc.collect()
    gc.freeze()  # what start-up built stays; later collections scan only newer objects
    logging.getLogger(__name__).info("Model loaded; %d objects moved out of the collector's sight.", gc.get_freeze_count())
    return agent


rasa.core.run.load_agent_on_start = _load_agent_then_freeze  # serve_application looks it up when it runs
