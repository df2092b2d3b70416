"""The tutor: one entry point per learner move, used by every channel (Rasa actions, tests).

Each move is one database transaction: find the learner's active session, rebuild its state
from the records, let the evaluator judge, store the verdicts and the transcript.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from dataclasses import dataclass

from bot import presentation as show
from bot.evaluation import craft
from bot.evaluation.debrief import debrief, next_step, score
from bot.evaluation.evaluator import Evaluator
from bot.evaluation.scheme import Scheme, built_in
from bot.evaluation.hints import next_hint, no_more_hints, waiting_for_fixes
from bot.evaluation.reading import read
from bot.evaluation.state import CHALLENGE_VERDICTS, Reply
from bot.nlp.patterns import CLAUSE_REF, RISK_REF
from bot.progress.store import ProgressStore
from bot.progress.models import utcnow
from bot.scenarios.from_register import from_register, review
from bot.scenarios.loader import UnknownScenario, library
from bot.scenarios.register_import import parse_register
from bot.scenarios.model import LEVEL_ORDER, Scenario
from bot.scenarios.variants import random_seed, seed_for, variant

# However the model read them, short requests for a hint or to finish are that (not challenges).
HINT_REQUEST = re.compile(r"\b(hint|clue|nudge|pointer)s?\b", re.IGNORECASE)
FINISH_REQUEST = re.compile(
    r"^(?!.*\bnot (yet )?(finish|done)).*\b(let'?s (finish|stop|wrap)|finish(ed)?,? (please|now|there|here)|"
    r"i'?(ve|m|ll|d like to) (finish|finished|done|stop|wrap)|wrap (it |this |things )?up|call it a day|"
    r"that'?s (all|it|me|everything) (from me|for (me|now|today))|how did i do|concludes my review)\b|\bfinish\W*$",
    re.IGNORECASE,
)
PROGRESS_REQUEST = re.compile(r"\b(progress|how am i|how'?m i|how did i|score|so far|status|where am i|how far|"
                              r"how many (have i|did i|flaws|left|more|to go))\b", re.IGNORECASE)
UNSURE_MOVE = 0.6  # below this a session move the model guessed is checked against the words
# Finishing ends the session for good, so a guess at it needs the words too ("columns stay. end of."
# and "The PMs will get over it." answer an objection; they don't end the role-play).
SURE_FINISH = 0.8
SURE_START = 0.8  # likewise starting afresh, when a role-play is running and no scenario is named
FINISH_WORDS = re.compile(r"\b(finish|finished|done|stop|wrap|debrief|end (the|this|my|our) (session|role-?play|exercise|review)|"
                          r"that'?s (all|it|me|everything)|enough (for|now)|call it|conclude[sd]?|how did i do|leave it there|quit|over and out)\b",
                          re.IGNORECASE)
HINT_WORDS = re.compile(r"\b(hint|clue|nudge|pointer|help|stuck|tip|where (should|do|can) i|what (should|do) i)\b", re.IGNORECASE)
MAX_TEXT = 20_000  # longer messages are stored and read up to here
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about which scenario a learner asked for ("start the warehouse one").
COMMON = {"the", "a", "one", "start", "scenario", "play", "let", "s", "me", "new", "and", "of", "for",
          "project", "risk", "register"}


def for_the_pm(move: str, intent: str | None, confidence: float, text: str) -> bool:
    """A session move ("hint", "progress", "brief", "finish") the model guessed, that the words
    say is really said to the PM or stakeholder, so it goes to the evaluator instead. A button or
    command (no intent) is never second-guessed."""
    if not intent:
        return False
    names_item = bool(RISK_REF.search(text) or CLAUSE_REF.search(text))
    if move == "hint":
        # "Um, I think we should just do it anyway?" answers the stakeholder
        return confidence < UNSURE_MOVE and not HINT_WORDS.search(text)
    if move == "progress":
        # "- how many of the 228 are team leaders?" asks the PM, not for progress; so does
        # anything about a row ("I wonder whether R4 is scored right?")
        return not PROGRESS_REQUEST.search(text) and (confidence < UNSURE_MOVE and "?" in text or names_item)
    if move == "brief":
        # "Can you remind me what C13 says?" asks about that clause, not for the whole brief
        return confidence < UNSURE_MOVE and names_item
    if move == "finish":
        return confidence < SURE_FINISH and not FINISH_WORDS.search(text)
    return False


@dataclass
class Incoming:
    """A learner's message as any channel delivers it."""

    conversation_id: str  # a learner's own chat, or a team's group chat
    learner_id: str
    text: str = ""
    display_name: str | None = None
    channel: str = "rest"
    intent: str | None = None
    confidence: float = 0.0
    # The channel's id for this message, the same when it is sent again after a failure (the web
    # chat's resend, the Telegram bridge's held message, a client's retry): an id already
    # answered gets that answer again, so a retried challenge is never recorded twice.
    message_key: str | None = None


def tutor(text: str, **kw) -> Reply:
    return Reply("tutor", text, **kw)


def name_pm(replies: list[Reply], s: Scenario) -> list[Reply]:
    for r in replies:
        if r.speaker == "pm":
            r.name = s.persona.name
    return replies


MAX_SEED = 2**31 - 1  # a seed is stored in an integer column and shown to trainers
# How many answered message ids a session keeps for replays: a client only ever resends the
# message it is waiting on, so a few cover learners sharing a team conversation.
ANSWERED_KEPT = 8


class Tutor:
    def __init__(self, store: ProgressStore | None = None):
        self.store = store or ProgressStore()

    # -- scenarios --------------------------------------------------------------------------
    @staticmethod
    def scenarios() -> list[Scenario]:
        return sorted(library().values(), key=lambda s: (LEVEL_ORDER[s.level], s.title))

    # -- a trainer's own register as an exercise --------------------------------------------
    @staticmethod
    def review_register(name: str, data: bytes, today: dt.date, tolerance: int, scheme: Scheme | None = None) -> dict:
        """What a trainer reviews before publishing: the rows and the linter's findings (keyed),
        judged against the organisation's scoring scheme when it gives one."""
        scheme = scheme or built_in(tolerance)
        rows = parse_register(name, data, (scheme.probability, scheme.impact))
        return {"rows": [{"id": r.id, "title": r.title, "owner": r.owner, "score": r.score} for r in rows],
                "findings": review(rows, today, scheme.tolerance, scheme), "scheme": scheme.describe()}

    def import_register(self, name: str, data: bytes, title: str, today: dt.date, tolerance: int,
                        scheme: Scheme | None = None, **reviewed) -> str:
        """A playable scenario from a register file (RegisterError or NotPlayable say why not), with
        the trainer's review (from_register's exclude, underrated, missing); its id is new each
        time, so a session never meets a different exercise under an old id."""
        scheme = scheme or built_in(tolerance)
        rows = parse_register(name, data, (scheme.probability, scheme.impact))
        scenario = from_register(rows, title, today, scheme.tolerance, scheme=scheme, **reviewed)
        taken, base = set(library()), scenario["id"][:36].rstrip("-")
        while (sid := f"{base}-{secrets.token_hex(2)}") in taken:
            continue
        scenario["id"] = sid
        Scenario.parse_obj(scenario)  # still valid under its new id
        return self.store.save_imported(scenario)

    def delete_imported(self, scenario_id: str) -> bool:
        """Removes an imported exercise; sessions already played keep their record."""
        return self.store.delete_imported(scenario_id)

    def menu(self) -> Reply:
        items = self.scenarios()
        return tutor(show.scenario_menu(items), buttons=show.scenario_buttons(items))

    def find_scenario(self, text: str) -> Scenario | None:
        words = set(_WORD.findall(text.lower()))
        best, best_n = None, 0
        for s in self.scenarios():
            vocab = set(_WORD.findall(f"{s.id} {s.title} {s.summary} {s.brief.organisation}".lower()))
            n = len((words & vocab) - COMMON)
            if n > best_n:
                best, best_n = s, n
        return best

    # -- moves ------------------------------------------------------------------------------
    def start(self, msg: Incoming, scenario_id: str | None, seed: int | None) -> list[Reply]:
        if scenario_id is None and msg.intent and msg.confidence < SURE_START and self._playing(msg):
            # A guess at "start a scenario" in the middle of a role-play ("quick one before I start:
            # is SIT still on for 9 October?") must not throw the session away: it is for the PM.
            return self.respond(msg)
        scenarios = {s.id: s for s in self.scenarios()}
        if scenario_id is None:
            found = self.find_scenario(msg.text)
            if found is None:
                return [self.menu()]
            scenario_id = found.id
        if scenario_id not in scenarios:
            return [
                tutor(f"There's no scenario called '{scenario_id[:60]}'. Pick one of these:"),
                self.menu(),
            ]
        if seed is not None and not 0 <= seed <= MAX_SEED:
            return [tutor(f"The seed must be a whole number from 0 to {MAX_SEED}, not {str(seed)[:24]}. "
                          "Leave it out for a random register.")]
        seed = seed if seed is not None else random_seed()
        s = variant(scenario_id, seed)
        replies = [
            tutor(f"Scenario: {s.title}. {show.HOW_TO_PLAY_MANAGER if s.level == 'manager' else show.HOW_TO_PLAY}"),
            tutor(show.brief_card(s)),
            Reply("pm", s.persona.opening),
            Reply("pm", show.register_text(s), data=show.register_data(s)),
        ]
        name_pm(replies, s)

        def begin(db):
            if (again := self._answered(db, msg)) is not None:
                return again  # this start was made already; its answer was lost on the way
            self.store.touch_learner(db, msg.learner_id, msg.display_name, msg.channel)
            session = self.store.start_session(db, msg.conversation_id, msg.learner_id, scenario_id, seed)
            self._transcript(db, session, msg, replies, learner_text=msg.text or None)
            self._remember(session, msg, replies, session.context)
            return replies

        return self.store.run(begin)  # run again on a transient lock: all or nothing

    def brief(self, msg: Incoming) -> list[Reply]:
        if for_the_pm("brief", msg.intent, msg.confidence, msg.text):
            return self.respond(msg)
        return self._in_session(msg, lambda db, session, s: [tutor(show.brief_text(s))])

    def register(self, msg: Incoming) -> list[Reply]:
        return self._in_session(
            msg, lambda db, session, s: [Reply("pm", show.register_text(s), data=show.register_data(s))]
        )

    def respond(self, msg: Incoming) -> list[Reply]:
        """A challenge, a question to the PM, or a proposed fix."""
        text = msg.text.strip()[:MAX_TEXT]
        if not text:
            return [tutor("I didn't get any text. Type your challenge or question for the PM.")]
        if len(text) < 160 and not RISK_REF.search(text) and not CLAUSE_REF.search(text):
            if HINT_REQUEST.search(text):
                return self.hint(msg)  # "Is it OK to ask for a hint? I'm not sure where to start."
            if FINISH_REQUEST.search(text):
                return self.finish(msg)  # "ok great, thanks, let's finish"

        def move(db, session, s):
            state = self.store.state_of(db, session)
            ctx = session.context or {}
            previous = (ctx.get("last_message") or {}).get(msg.learner_id)
            state.previous = tuple(previous) if previous else None
            reading = read(text, s, msg.intent, msg.confidence)
            outcome = Evaluator(s).evaluate(state, reading)
            last_turns = dict(ctx.get("last_turn") or {})
            last_messages = dict(ctx.get("last_message") or {})
            last_messages[msg.learner_id] = [text[:2000], msg.intent, msg.confidence]
            if outcome.withdraw_previous:
                self.store.withdraw_charges(db, last_turns.get(msg.learner_id) or [], text)
            rating = craft.rate(reading).as_dict()
            ids = [
                self.store.record_judgement(
                    db, session, msg.learner_id, text, j, rating if j.verdict in CHALLENGE_VERDICTS else None
                )
                for j in outcome.judgements
            ]
            last_turns[msg.learner_id] = ids
            session.context = state.context() | {"last_turn": last_turns, "last_message": last_messages}
            return outcome.replies

        return self._in_session(msg, move)

    def hint(self, msg: Incoming) -> list[Reply]:
        if for_the_pm("hint", msg.intent, msg.confidence, msg.text):
            return self.respond(msg)

        def move(db, session, s):
            state = self.store.state_of(db, session)
            h = next_hint(s, state)
            if h is None:
                return [tutor(no_more_hints(s, state))]
            self.store.record_hint(db, session, msg.learner_id, h.flaw.id, h.level)
            label = ("Hint", "A stronger hint", "The answer")[h.level - 1]
            return [tutor(f"{label}: {h.text}")]

        return self._in_session(msg, move)

    def progress(self, msg: Incoming) -> list[Reply]:
        if for_the_pm("progress", msg.intent, msg.confidence, msg.text):
            return self.respond(msg)

        def move(db, session, s):
            state = self.store.state_of(db, session)
            sc = score(s, state, self.store.challenge_records(db, session), self.store.hint_levels(db, session))
            line = (
                f"Progress on {s.title}: {sc['found']} of {sc['total']} flaws found, "
                f"{sc['fixed']} fixed, {sc['false_challenges']} false challenges, "
                f"{sc['hints']} hints. Score so far {sc['points']} of {sc['max_points']}."
            )
            waiting = waiting_for_fixes(s, state)
            return [tutor(f"{line}\n{waiting}" if waiting else line)]

        return self._in_session(msg, move)

    def finish(self, msg: Incoming) -> list[Reply]:
        if for_the_pm("finish", msg.intent, msg.confidence, msg.text):
            return self.respond(msg)

        def move(db, session, s):
            state = self.store.state_of(db, session)
            records = self.store.challenge_records(db, session)
            levels = self.store.hint_levels(db, session)
            names = self.store.display_names(db, {r.learner_id for r in records if r.learner_id})
            session.score = score(s, state, records, levels)
            session.status, session.ended_at = "finished", utcnow()
            _, missed = self.store.flaw_tally(db, msg.learner_id)  # this session counts: it is finished
            library_ = self.scenarios()
            played = next((x for x in library_ if x.id == s.id), s)  # the file's, with its flaw pool
            advice, offer = next_step(played, session.score["percent"], library_, missed)
            # a pooled scenario is offered with a register that injects the flaws missed most
            seeds = {x.id: n for x in offer[:3] if (n := seed_for(x, missed)) is not None}
            return [
                Reply("pm", s.persona.closing),
                tutor(debrief(s, state, records, levels, names)),
                tutor(advice, buttons=show.scenario_buttons(offer, seeds)),
            ]

        return self._in_session(msg, move)

    # -- what channels show beside the conversation -------------------------------------------
    def artefact(self, conversation_id: str) -> dict | None:
        """The running session's register or draft policy as data (for cards), or None."""
        with self.store.transaction() as db:
            session = self.store.active_session(db, conversation_id)
            found = (session.scenario, session.seed) if session else None
        try:
            return show.register_data(variant(*found)) if found else None
        except UnknownScenario:  # removed by a trainer since
            return None

    def speaker_role(self, conversation_id: str) -> str:
        """Who the role-played speaker of the conversation's latest session is ("Project Manager",
        "Director of Transformation"), so a channel need not call a director a PM."""
        with self.store.transaction() as db:
            session = self.store.latest_session(db, conversation_id)
            found = (session.scenario, session.seed) if session else None
        try:
            return show.persona_role(variant(*found)) if found else "Project Manager"
        except UnknownScenario:
            return "Project Manager"

    # -- plumbing ---------------------------------------------------------------------------
    def _playing(self, msg: Incoming) -> bool:
        with self.store.transaction() as db:
            return self.store.active_session(db, msg.conversation_id) is not None


    def _in_session(self, msg: Incoming, move) -> list[Reply]:
        """One move in one transaction, run again from the records on a transient lock (the move
        rebuilds its state from the database each time), so a verdict is recorded once or not at
        all: StoreUnavailable when the database cannot take it."""

        def turn(db):
            if (again := self._answered(db, msg)) is not None:
                return again
            self.store.note_activity(db, msg.learner_id, msg.display_name, msg.channel)
            session = self.store.active_session(db, msg.conversation_id)
            if session is None:
                return None
            s = variant(session.scenario, session.seed)
            before = session.context  # a move may replace the context
            replies = name_pm(move(db, session, s), s)
            self._transcript(db, session, msg, replies, learner_text=msg.text[:MAX_TEXT])
            self._remember(session, msg, replies, before)
            return replies

        replies = self.store.run(turn)
        if replies is None:
            return [tutor("There's no role-play running yet. Start one first:"), self.menu()]
        return replies

    @staticmethod
    def _key(msg: Incoming) -> str | None:
        return f"{msg.learner_id}|{msg.message_key}" if msg.message_key else None

    def _answered(self, db, msg: Incoming) -> list[Reply] | None:
        """The answer already given to this message id in this conversation, or None. Looked up in
        the same transaction that would record the move, so a move is recorded once."""
        key = self._key(msg)
        if key is None:
            return None
        session = self.store.latest_session(db, msg.conversation_id)  # a finish leaves none active
        given = ((session.context or {}).get("answered") or {}).get(key) if session else None
        if not isinstance(given, list):
            return None
        fields = {f.name for f in dataclasses.fields(Reply)}  # answers kept by an older release too
        return [Reply(**{k: v for k, v in r.items() if k in fields}) for r in given if isinstance(r, dict)]

    def _remember(self, session, msg: Incoming, replies: list[Reply], before: dict | None) -> None:
        key = self._key(msg)
        if key is None:
            return
        answered = dict((before or {}).get("answered") or {})
        answered[key] = [dataclasses.asdict(r) for r in replies]
        kept = dict(list(answered.items())[-ANSWERED_KEPT:])  # oldest first (dicts keep their order)
        session.context = {**(session.context or {}), "answered": kept}

    def _transcript(self, db, session, msg: Incoming, replies: list[Reply], learner_text: str | None) -> None:
        if learner_text:
            self.store.say(db, session, "learner", learner_text, msg.learner_id)
        for r in replies:
            self.store.say(db, session, r.speaker, r.text)
