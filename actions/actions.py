"""Rasa SDK actions: thin adapters from the tracker and dispatcher to the tutor core in `bot/`."""
from __future__ import annotations

import functools
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from sqlalchemy.exc import SQLAlchemyError

from bot.evaluation.state import Reply
from bot.progress.store import CANNOT_SAVE, StoreUnavailable, describe
from bot.tutor import Incoming, Tutor

log = logging.getLogger(__name__)
SORRY = (
    "Sorry, something went wrong on my side. Nothing you did is lost; please try that again in "
    "a moment."
)
# The progress database is down, locked, read-only or gone: the move was not recorded.
UNSAVED = (
    f"Sorry, {CANNOT_SAVE}. Your last message was not recorded, so nothing counts twice: "
    "send it again in a minute."
)
# Sent with UNSAVED as a custom message, so a channel can keep the learner's text and say so
# (the web chat answers 503 and leaves the message in the box).
UNSAVED_MARK = {"tutor_error": "storage_unavailable"}


@functools.lru_cache(maxsize=1)
def the_tutor() -> Tutor:
    return Tutor()


def incoming(tracker: Tracker) -> Incoming:
    latest = tracker.latest_message or {}
    meta = latest.get("metadata") or {}
    intent = latest.get("intent") or {}
    # Channels that share one conversation among several people (Telegram groups) say who spoke.
    learner = str(meta.get("learner_id") or tracker.sender_id)
    return Incoming(
        conversation_id=tracker.sender_id,
        learner_id=learner,
        text=latest.get("text") or "",
        display_name=meta.get("display_name"),
        channel=str(meta.get("channel") or "rest"),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        message_key=message_key(meta.get("message_id")),
    )


def message_key(value) -> str | None:
    """The channel's id for the message (sent again unchanged on a retry), if it gave a usable one."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    key = str(value).strip()
    return key[:100] if key else None


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for r in replies:
        who = f"{r.name or 'PM'} (PM)" if r.speaker == "pm" else "Tutor"
        dispatcher.utter_message(text=f"{who}: {r.text}", buttons=r.buttons or None)
        if r.data:
            dispatcher.utter_message(json_message=r.data)


class TutorAction(Action, ABC):
    """Runs one tutor move; a failure becomes a polite message, never a stack trace."""

    @abstractmethod
    def move(self, t: Tutor, msg: Incoming, tracker: Tracker) -> list[Reply]:
        """The tutor's answer to this move."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        msg = incoming(tracker)
        try:
            replies = self.move(the_tutor(), msg, tracker)
        except (StoreUnavailable, SQLAlchemyError) as e:  # the database, not the tutor: no trace
            log.error("action %s for %s not recorded: progress database unavailable (%s)",
                      self.name(), msg.conversation_id, describe(e))
            dispatcher.utter_message(text=f"Tutor: {UNSAVED}")
            dispatcher.utter_message(json_message=UNSAVED_MARK)
            return []
        except Exception:  # noqa: BLE001 - the learner gets an apology, the log gets the trace
            log.exception("action %s failed for %s", self.name(), msg.conversation_id)
            dispatcher.utter_message(text=f"Tutor: {SORRY}")
            return []
        send(dispatcher, replies)
        return []


def _entity(tracker: Tracker, name: str):
    return next(tracker.get_latest_entity_values(name), None)


def _start(t: Tutor, msg: Incoming, tracker: Tracker) -> list[Reply]:
    scenario = _entity(tracker, "scenario")
    seed = _entity(tracker, "seed")
    if seed is not None:
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            return [Reply("tutor", f"The seed must be a whole number, not '{str(seed)[:40]}'.")]
    return t.start(msg, str(scenario) if scenario else None, seed)


class ActionListScenarios(TutorAction):
    def name(self) -> str:
        return "action_list_scenarios"

    def move(self, t, msg, tracker):
        return [t.menu()]


class ActionStartScenario(TutorAction):
    def name(self) -> str:
        return "action_start_scenario"

    def move(self, t, msg, tracker):
        return _start(t, msg, tracker)


class ActionShowBrief(TutorAction):
    def name(self) -> str:
        return "action_show_brief"

    def move(self, t, msg, tracker):
        return t.brief(msg)


class ActionShowRegister(TutorAction):
    def name(self) -> str:
        return "action_show_register"

    def move(self, t, msg, tracker):
        return t.register(msg)


class ActionPmRespond(TutorAction):
    """Challenges, questions to the PM and proposed fixes: the evaluator tells them apart."""

    def name(self) -> str:
        return "action_pm_respond"

    def move(self, t, msg, tracker):
        return t.respond(msg)


class ActionGiveHint(TutorAction):
    def name(self) -> str:
        return "action_give_hint"

    def move(self, t, msg, tracker):
        return t.hint(msg)


class ActionShowProgress(TutorAction):
    def name(self) -> str:
        return "action_show_progress"

    def move(self, t, msg, tracker):
        return t.progress(msg)


class ActionFinishSession(TutorAction):
    def name(self) -> str:
        return "action_finish_session"

    def move(self, t, msg, tracker):
        return t.finish(msg)
