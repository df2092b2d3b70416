"""Judges a learner's message against the scenario's answer key and writes the PM's reply.

Pure function of (scenario variant, session state, reading): no I/O, so it is tested directly
and the same judgement is reached whichever channel the message came from.
"""
from __future__ import annotations

import functools
import re

from bot.evaluation import defences
from bot.evaluation.questions import answer_question, best_fact
from bot.evaluation.reading import CONFIDENT, Reading
from bot.evaluation.state import Judgement, Outcome, Reply, SessionState, Verdict
from bot.nlp.patterns import RISK_REF
from bot.scenarios.model import Flaw, Scenario
from bot.taxonomy import FlawType as T
from bot.taxonomy import kind

MAX_FIX_ATTEMPTS = 2
# Markers of a message that is a proposal rather than a new allegation.
PROPOSAL = re.compile(
    r"\b(should|could|would|let'?s|propose|suggest|recommend|instead|how about|why not|i'?d|"
    r"we need to|needs? to|make it|move it|change it|set it|reword|rewrite|log it|raise it|"
    r"escalate it|merge|reopen|re-open|assign|give it)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def _term(word: str) -> re.Pattern:
    """A fix term matches at the start of a word ("mitigat" in "mitigation", "now" not in "know"),
    and a number only as a whole number (a "4" is not in "14 December")."""
    w = word.lower()
    left = r"(?<![\w])" if w[:1].isalnum() else ""
    right = r"(?![\d])" if w[-1:].isdigit() else ""
    return re.compile(left + re.escape(w) + right)


def fix_accepted(flaw: Flaw, text: str) -> bool:
    # Risk references don't count towards a fix: "R12" is not a score of 12, "risk 4" not a 4.
    low = RISK_REF.sub(" ", text).lower()
    return all(any(_term(word).search(low) for word in group) for group in flaw.fix.accept)


def _mentions_missing(flaw: Flaw, text: str) -> bool:
    low = text.lower()
    return any(k.lower() in low for k in flaw.keywords)


class Evaluator:
    def __init__(self, scenario: Scenario):
        self.s = scenario
        self.pm = scenario.persona

    # -- entry point ------------------------------------------------------------------------
    def evaluate(self, state: SessionState, reading: Reading) -> Outcome:
        if state.pending_fix and self._is_fix_attempt(state, reading):
            return self._judge_fix(state, reading)
        state.pending_fix, state.fix_attempts = None, 0
        if self._is_plain_question(reading):
            return Outcome(
                [Judgement(Verdict.QUESTION, risk_id=(reading.risk_ids or [None])[0])],
                [Reply("pm", answer_question(self.s, reading))],
            )
        return self._judge_challenge(state, reading)

    # -- fixes ------------------------------------------------------------------------------
    def _is_fix_attempt(self, state: SessionState, reading: Reading) -> bool:
        flaw = self.s.flaw(state.pending_fix)
        refs = set(reading.risk_ids)
        own = {flaw.risk_id, flaw.other_risk_id} - {None}
        elsewhere = bool(refs) and not refs & own
        # A new kind of challenge on another risk is not the fix, even when its figures happen
        # to match the fix's keywords ("R7 scores 15" while a probability of 5 is awaited).
        new_challenge = elsewhere and bool(reading.types) and flaw.type not in reading.types
        if fix_accepted(flaw, reading.text) and not new_challenge:
            return True
        if elsewhere:
            return False  # about another risk: move on
        if reading.wants_fix or reading.intent in ("affirm", "deny"):
            return True
        if reading.asks_about_project and reading.confidence >= CONFIDENT:
            return False
        # A different kind of challenge ("we've nothing on the supplier going bust") moves on.
        return not reading.types or flaw.type in reading.types

    def _judge_fix(self, state: SessionState, reading: Reading) -> Outcome:
        flaw = self.s.flaw(state.pending_fix)
        j = dict(flaw_id=flaw.id, risk_id=flaw.risk_id, flaw_type=flaw.type)
        if fix_accepted(flaw, reading.text):
            state.fixed.add(flaw.id)
            state.pending_fix, state.fix_attempts = None, 0
            return Outcome([Judgement(Verdict.FIX_ACCEPTED, **j)], [Reply("pm", flaw.fix.accepted_reply)])
        state.fix_attempts += 1
        replies = [Reply("pm", flaw.fix.rejected_reply)]
        if state.fix_attempts >= MAX_FIX_ATTEMPTS:
            state.pending_fix, state.fix_attempts = None, 0
            replies = [
                Reply("pm", flaw.fix.rejected_reply),
                Reply(
                    "tutor",
                    f"Let's move on. A correction the PM would accept: {flaw.fix.model_answer} "
                    "Carry on challenging the register when you're ready.",
                ),
            ]
        return Outcome([Judgement(Verdict.FIX_REJECTED, **j)], replies)

    # -- questions --------------------------------------------------------------------------
    @staticmethod
    def _is_plain_question(reading: Reading) -> bool:
        if reading.intent != "ask_question":
            # Unsure model, but a question with no sign of a challenge: answer it.
            return reading.is_question and not reading.types and not reading.risk_ids

        # A question that names a flaw ("isn't 4 x 4 sixteen?") is a challenge, unless the
        # model is sure it is only asking.
        return reading.confidence >= 0.8 or not reading.cue_types

    # -- challenges -------------------------------------------------------------------------
    def _judge_challenge(self, state: SessionState, reading: Reading) -> Outcome:
        types = list(reading.types)
        refs = list(reading.risk_ids)
        if not refs and types and state.focus_risk:
            refs = [state.focus_risk]  # "the owner's wrong" right after "what about R4?"

        judged: list[Judgement] = []
        replies: list[Reply] = []
        credited: set[str] = set()
        for flaw in self._candidates(reading, refs, types):
            if flaw.id in credited:
                continue
            credited.add(flaw.id)
            judged.append(self._credit(state, flaw, reading, replies))
        if judged:
            new_hits = [j for j in judged if j.verdict == Verdict.HIT]
            state.focus_risk = None
            if new_hits:
                last = self.s.flaw(new_hits[-1].flaw_id)
                if last.id not in state.fixed:
                    state.pending_fix, state.fix_attempts = last.id, 0
            return Outcome(judged, replies)
        return self._no_credit(state, reading, refs, types)

    def _candidates(self, reading: Reading, refs: list[str], types: list[T]) -> list[Flaw]:
        out: list[Flaw] = []
        for flaw in self.s.flaws:
            if flaw.type == T.MISSING_RISK:
                if _mentions_missing(flaw, reading.text) and (
                    T.MISSING_RISK in types or not refs
                ) and (types or reading.is_challenge):
                    out.append(flaw)
            elif flaw.type == T.DUPLICATE:
                if T.DUPLICATE in types and flaw.risk_id in refs and flaw.other_risk_id in refs:
                    out.append(flaw)
            elif flaw.risk_id in refs and flaw.type in types:
                out.append(flaw)
        return out

    def _credit(self, state: SessionState, flaw: Flaw, reading: Reading, replies: list[Reply]) -> Judgement:
        j = dict(flaw_id=flaw.id, risk_id=flaw.risk_id, flaw_type=flaw.type)
        if flaw.id in state.found:
            text = flaw.replies.repeat or (
                f"We've already been through that one ({self._where(flaw)}: {kind(flaw.type).label}). "
                "Anything else?"
            )
            replies.append(Reply("pm", text))
            return Judgement(Verdict.REPEAT, **j)
        state.found.add(flaw.id)
        replies.append(Reply("pm", flaw.replies.hit))
        if fix_accepted(flaw, reading.text) and PROPOSAL.search(reading.text):
            state.fixed.add(flaw.id)
            replies.append(Reply("pm", flaw.fix.accepted_reply))
        return Judgement(Verdict.HIT, **j)

    def _where(self, flaw: Flaw) -> str:
        if flaw.type == T.MISSING_RISK:
            return f"the missing risk on {flaw.topic}"
        if flaw.other_risk_id:
            return f"{flaw.risk_id} and {flaw.other_risk_id}"
        return flaw.risk_id

    def _no_credit(self, state: SessionState, reading: Reading, refs: list[str], types: list[T]) -> Outcome:
        unfound = [f for f in self.s.flaws if f.id not in state.found]
        if refs and not types:
            ref = refs[0]
            state.focus_risk = ref
            on_risk = [f for f in unfound if ref in (f.risk_id, f.other_risk_id)]
            if on_risk:
                return self._say(Verdict.PARTIAL, on_risk[0].replies.partial, ref, None)
            return self._say(Verdict.UNCLEAR, self.pm.clarify_generic, ref)
        if types and not refs:
            t = types[0]
            # "Can I ask what the tolerance is for escalation?" may be a question or the start of
            # a challenge: when the brief answers it, the PM gives the facts either way.
            fact = best_fact(self.s, reading.low) if reading.is_question and t != T.MISSING_RISK else None
            if any(f.type == t for f in unfound):
                if t == T.MISSING_RISK:
                    ask = "Which risk do you think we've left out, and why does it matter here?"
                elif fact:
                    ask = f"{fact} Which risk are you thinking of?"
                else:
                    ask = "Which risk are you talking about? Give me its number, or describe it, and I'll look."
                return self._say(Verdict.PARTIAL, ask, None, t)
            if fact:
                return self._say(Verdict.QUESTION, fact, None)
            if t == T.MISSING_RISK:
                return self._say(Verdict.FALSE, defences.NO_MISSING, None, t)
            return self._say(Verdict.FALSE, self.pm.defend_generic, None, t)
        if types and refs:
            ref, t = refs[0], types[0]
            if t == T.DUPLICATE:
                pair = [f for f in unfound if f.type == T.DUPLICATE and ref in (f.risk_id, f.other_risk_id)]
                if pair and len(refs) == 1:
                    return self._say(Verdict.PARTIAL, pair[0].replies.partial, ref, t)
            state.focus_risk = None
            return self._say(Verdict.FALSE, defences.defend(self.s, self.s.row(ref), t, refs), ref, t)
        return self._say(
            Verdict.UNCLEAR,
            "Sorry, I'm not following. Which risk are you looking at, and what's wrong with it?",
            None,
        )

    @staticmethod
    def _say(verdict: Verdict, text: str, ref, flaw_type=None) -> Outcome:
        return Outcome([Judgement(verdict, None, ref, flaw_type)], [Reply("pm", text)])
