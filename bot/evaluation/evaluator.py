"""Judges a learner's message against the scenario's answer key and writes the PM's reply.

Pure function of (scenario variant, session state, reading): no I/O, so it is tested directly
and the same judgement is reached whichever channel the message came from.

A message is read as up to three things, in this order: a correction of how the last message
was read ("I didn't mean R7"), fixes for flaws the PM has conceded (any of them, by the row
named, or the PM's last question), and a challenge or a question about the rest. Only a
challenge that asserts a flaw can be charged as false; a question is answered.
"""
from __future__ import annotations

import re
from dataclasses import replace

from bot.evaluation import defences
from bot.evaluation.claims import (
    DOUBT,
    DOUBTING,
    LEADING,
    NEGATION,
    RHETORICAL,
    SENTENCES,
    WHY,
    admissions,
    asserts_flaw,
    leads,
    rates_higher,
    sentences,
    without_question,
)
from bot.evaluation.clarify import correction
from bot.evaluation.cues import challenge_cue_scores, cue_scores
from bot.evaluation.fixes import (
    Part,
    fix_accepted,
    fix_parts,
    fix_question,
    is_proposal,
    meets_objection,
    mentions_missing,
    says_what_to_do,
    split_by_fix,
    split_missing,
    where,
)
from bot.evaluation.questions import answer_about_row, answer_question, best_fact
from bot.evaluation.reading import (
    CONFIDENT,
    CURIOUS,
    DEFINING,
    PLAUSIBLE,
    READER_CERTAIN,
    THE_OFFICE,
    Reading,
    aside,
    asks_elsewhere,
    assents,
    described_rows,
    info_question,
    read,
    risk_positions,
    topic_row,
    topic_words,
    types_in_play,
    without_asides,
)
from bot.evaluation.state import (
    CHALLENGE_VERDICTS,
    MAX_FIX_ATTEMPTS,
    Judgement,
    Outcome,
    Reply,
    SessionState,
    Verdict,
)
from bot.nlp.patterns import CLAUSE_REF, RISK_REF
from bot.scenarios.model import Flaw, Scenario
from bot.taxonomy import FlawType as T
from bot.taxonomy import PROCESS_KIN, kind, type_for_intent

__all__ = ["Evaluator", "MAX_FIX_ATTEMPTS", "asserts_flaw", "fix_accepted", "without_question"]

_ABOUT_ROWS = re.compile(r"\b(rows?|risks|register|one of (the|them|these))\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z]{3,}.*[a-z]{3,}", re.IGNORECASE)  # more than a bare "R3?"
_BUT = re.compile(r"\b(but|though|however|yet)\b", re.IGNORECASE)
_CLOSING = re.compile(r"\bclos|re-?open", re.IGNORECASE)
# The words that name a clause or row, not what is said about it ("the escalation clause", "C7").
_NAMING = re.compile(r"\b[\w'-]+ (clauses?|sections?|paras?|paragraphs?|bits?|parts?)\b|"
                     + CLAUSE_REF.pattern + "|" + RISK_REF.pattern, re.IGNORECASE)
# A row said to be there twice over: its twin need not be named to make the duplicate point.
_TWICE = re.compile(
    r"\b(twice|two times|in two places|two ([\w'-]+ ){0,3}?(rows|entries|lines|owners)|again (under|as|at)|"
    r"(at|on|in) both (levels?|registers|reports)|(at|on|in) both (the )?(programme|project|portfolio)s?( level)? and|both (the|its) (programme|project)s? and|"
    r"de-?dup\w*|double[- ]count\w*)\b", re.IGNORECASE)


# The reader's probability at which a second point in one message is heard as a point of its own.
READER_SECOND = 0.15
_THANKS = re.compile(r"\b(thanks|thank you|cheers|appreciated?|helpful)\b", re.IGNORECASE)
_WHAT_NEXT = "Where would you like to go next?"
# Words that find fault, not only state a fact: "it's on the list twice", "none of them is over 12".
_FAULTING = re.compile(NEGATION.pattern + r"|\b(twice|only|just|still|already|wrong|too|should|shouldn'?t|"
                       r"ought|must|needs? to|nobody|no one|neither|nothing)\b", re.IGNORECASE)


def sure_intent(reading: Reading) -> str | None:
    """The model's intent when it is sure of it; a guess is not evidence of a proposal."""
    return reading.intent if reading.confidence >= CONFIDENT else None


# On an opportunity's row, "its impact is far too low" or "why reduce it?" says it was scored as a threat.
_UPSIDE_MISREAD = {T.UNDERRATED, T.STRATEGY_MISMATCH, T.SCORE_MISMATCH}


class Evaluator:
    def __init__(self, scenario: Scenario):
        self.s = scenario
        self.pm = scenario.persona

    # -- entry point ------------------------------------------------------------------------
    def evaluate(self, state: SessionState, reading: Reading) -> Outcome:
        said = sentences(reading.text)
        if said and all(aside(x) for x in said) and not reading.risk_ids:
            # "Thanks Alistair, that's really helpful background.": a courtesy is answered as one,
            # whatever the model guessed; it is neither a challenge nor an answer to an objection.
            thanked = _THANKS.search(reading.text)
            return Outcome([], [Reply("pm", ("You're welcome. " if thanked else "Of course. ") + _WHAT_NEXT)])
        if assents(reading.text) and not reading.risk_ids and not state.asked \
                and not state.open_objections(self.s.objecting):
            return Outcome([], [Reply("pm", "Good. " + _WHAT_NEXT)])  # a yes to nothing waiting on one
        withdraw = False
        model_says = reading.confidence >= CONFIDENT
        corr = correction(reading.text, said_so=model_says and reading.intent == "correct_misread")
        if corr is not None:
            withdraw = True
            meant = self._meant(state, reading, corr)
            if isinstance(meant, Outcome):
                meant.withdraw_previous = True
                return meant
            reading = meant
        elif not self._answers_objection(state, reading) and (
                admissions(reading.text) or (model_says and reading.intent == "take_back")):
            # "Fair enough, I missed that: CV-03 moved the hosting. My mistake." takes a point back:
            # the charge stands, nothing new is charged, and anything said after it is read.
            said = sentences(reading.text)
            last = max((n for n, x in enumerate(said) if admissions(x)), default=-1)
            # What comes after taking the point back, from a "but" in the same sentence on ("Fair
            # enough on the fixed price, but the provisional sums can't be transferred").
            but = _BUT.search(said[last], admissions(said[last])[-1][1]) if last >= 0 else None
            rest = " ".join(([said[last][but.start():]] if but else []) + said[last + 1:])
            after = read(rest, self.s) if admissions(reading.text) else None
            if after is None or not (after.is_question or (after.risk_ids or but) and after.types and asserts_flaw(after)):
                return Outcome([], [Reply("pm", "No harm done: better to ask than to miss one. What's next?")])
            reading = after
        pending = state.open_objections(self.s.objecting)
        if pending:
            answered = self._objection(state, reading, self.s.flaw(pending[0]))
            if answered is not None:
                return Outcome(answered[0], answered[1], withdraw_previous=withdraw)
        judged, replies, rest = self._fixes(state, reading)
        if rest is not None:
            more = self._point(state, rest)
            judged += more.judgements
            replies += more.replies
        self._after(state, judged)
        return Outcome(judged, replies, withdraw_previous=withdraw)

    def _answers_objection(self, state: SessionState, reading: Reading) -> bool:
        """While an objection waits, a message naming nothing else answers it, even in take-back
        words ("...each piece looks fine alone", "fair enough, a footnote then")."""
        waiting = state.open_objections(self.s.objecting)
        return bool(waiting) and not self._named(reading.text) - self.s.flaw(waiting[0]).places

    def _meant(self, state: SessionState, reading: Reading, corr) -> Reading | Outcome:
        """What a correction means: its own point, or the last message said of the right row
        ("Correction: R3, not R2"), or nothing more (the PM lets it go)."""
        # "not R4", "didn't mean R7", "not the template"
        said_not = {rid for _, rid, _ in risk_positions(corr.disowned, self.s)}
        # a correction names what it meant by id or by name ("that's the roles clause, not escalation")
        named = [r for r in dict.fromkeys(rid for _, rid, _ in risk_positions(reading.text, self.s)) if r not in said_not]
        before = self._ordered(state.previous[0]) if state.previous else []
        meant = [r for r in named if r not in before] or named
        # Without "not R4", the rows of the last message the learner no longer names were the slip.
        disowned = said_not or ({r for r in before if r not in meant} if state.previous and meant else set())
        rest = read(corr.rest, self.s)
        rest.risk_ids = [r for r in rest.risk_ids if r not in said_not] or [r for r in meant if r in rest.risk_ids]
        strong = bool(challenge_cue_scores(corr.rest)) or rest.is_question
        if rest.types and strong or rest.is_question and _WORDS.search(rest.text):
            # the correction makes its own point, or asks ("Sorry, I didn't mean R7. Who owns R3?")
            # "Sorry, R10 and R1, not R3. <the point>": the rows it names are the point's rows.
            rest.risk_ids = list(dict.fromkeys(rest.risk_ids + meant))
            return rest
        if state.previous and meant and disowned:
            text, intent, confidence = state.previous
            said = self._about(text, sorted(disowned))
            if said:
                for rid in disowned:
                    said = re.sub(rf"(?<![\w#])(?:{rid[0]}\s?-?\s?{rid[1:]}|(?:risk|clause|section)\s*#?\s*{rid[1:]})(?!\w)",
                                  " and ".join(meant), said, flags=re.IGNORECASE)
                again = read(said, self.s, intent, confidence)
                # A row named by its title is not rewritten above: the point goes to the row meant.
                again.risk_ids = [r for r in again.risk_ids if r not in disowned] or meant
                return again
        if self._raises_missing_risk(state, corr.rest) or rest.risk_ids:
            return rest
        return Outcome([], [Reply("pm", "Ah, sorry, I got the wrong end of the stick there. Forget that, then. "
                                        "What's next?")])

    def _ordered(self, text: str) -> list[str]:
        return list(dict.fromkeys(rid for _, rid, explicit in risk_positions(text, self.s) if explicit))

    def _about(self, text: str, rids: list[str]) -> str:
        """The part of a message about these rows: from the clause naming them to the next row."""
        spans = [(m.start(), m.end()) for m in SENTENCES.finditer(text)]
        every = risk_positions(text, self.s)
        positions = [(at, rid) for at, rid, explicit in every if explicit]
        if not any(rid in rids for _, rid in positions):
            positions = [(at, rid) for at, rid, _ in every]  # named only by name: "escalation clause: ..."
        hits = [at for at, rid in positions if rid in rids]
        if not hits:
            return ""
        # The sentences naming those rows, and what follows until another row is named.
        start = next(a for a, b in spans if a <= hits[0] < b)
        end = next(b for a, b in spans if a <= hits[-1] < b)
        for a, b in spans:
            if a >= end and not any(a <= at < b and rid not in rids for at, rid in positions):
                end = b
            elif a >= end:
                break
        return text[start:end]

    def _named(self, text: str) -> set[str]:
        return {rid for _, rid, explicit in risk_positions(text, self.s) if explicit}

    def _after(self, state: SessionState, judged: list[Judgement]) -> None:
        """Which fixes the PM is now waiting on: those he just asked for, else the same as before."""
        about = [j.flaw_id for j in judged if j.flaw_id]
        challenged = any(j.verdict in CHALLENGE_VERDICTS for j in judged)
        state.recent = list(dict.fromkeys(about)) or ([] if challenged else state.recent)
        # a repeat of an unfixed point asks for its fix again ("We're agreed on that one. So...?")
        hits = [j.flaw_id for j in judged if j.verdict in (Verdict.HIT, Verdict.REPEAT) and j.flaw_id not in state.fixed]
        if hits:
            state.asked = hits
        elif challenged:
            state.asked = []
        state.asked = [f for f in state.asked if f not in state.fixed]

    # -- fixes ------------------------------------------------------------------------------
    def _fixes(self, state: SessionState, reading: Reading) -> tuple[list[Judgement], list[Reply], Reading | None]:
        """Judge the fixes the message carries; return what is left of it to read as a point."""
        open_flaws = [self.s.flaw(f) for f in state.open_fixes]
        open_flaws = [f for f in open_flaws if f is not None]
        if not open_flaws:
            return [], [], reading
        text = reading.text
        # Fixes for flaws on no item (a missing risk, a report-level gap) are found by their words.
        missing = [f for f in open_flaws if f.at is None and mentions_missing(f, text)]
        positions = risk_positions(text, self.s)
        parts, others = split_missing(text, positions, missing)
        parts = [p for p in split_by_fix(others, positions, open_flaws) if p.text.strip()] + parts
        named = [p for p in parts if p.flaw is not None]
        if not named and missing:
            named = [Part(f, text) for f in missing]
        asked = [self.s.flaw(f) for f in state.asked if f in state.open_fixes]
        strong = self._named(text) | {rid for _, rid in described_rows(text, self.s)}
        own = any(p.flaw.at is None and fix_accepted(p.flaw, p.text) for p in named)  # "Kestrel: add a risk..."
        if asked and not own and not strong & {r for p in named for r in (p.flaw.at, p.flaw.other_risk_id)} \
                and any(fix_accepted(f, text) for f in asked if f):
            named = []  # the answer to the PM's question; rows it mentions are its arguments
        # Two open fixes on one row ("the training row reviewed this week... the backfill action
        # moved to David Kerr") are both tried on that row's words.
        expanded: dict[tuple[str, str], Part] = {}
        for p in named:
            for f in [p.flaw] + [g for g in open_flaws if g is not p.flaw and g.at is not None
                                 and {g.at, g.other_risk_id} & {p.flaw.at, p.flaw.other_risk_id} - {None}]:
                expanded.setdefault((f.id, p.text), Part(f, p.text))
        named = list(expanded.values())
        if not named:
            asked = [f for f in asked if f is not None]
            # "On the duplicate, which you asked about: merge them...": the kind of flaw it names.
            kinds = [f for f in open_flaws if f not in asked and f.type in reading.cue_types
                     and fix_accepted(f, text) and not any(fix_accepted(a, text) for a in asked)]
            return self._answer_to_pm(state, reading, kinds[-1:] or asked)

        judged: list[Judgement] = []
        replies: list[Reply] = []
        leftover: list[str] = [p.text for p in parts if p.flaw is None]
        whole = len(named) == 1 and len(parts) == 1
        for part in named:
            sub = reading if whole else read(part.text, self.s, reading.intent, reading.confidence)
            j, r = self._fix_or_point(state, part.flaw, sub)
            if j is None:
                leftover.append(part.text)
                continue
            judged.append(j)
            replies += r
            # "...and the backfill action should sit with David, as Joanne can't release staff":
            # a new flaw raised inside a fix is credited too.
            new = [f for f in self._candidates(sub, sub.risk_ids, list(sub.types)) if f.id not in state.found]
            for f in new:
                state.find(f.id)
                judged.append(Judgement(Verdict.HIT, f.id, f.at, f.type))
            replies += self._concede(state, new, sub)
            judged += [Judgement(Verdict.FIX_ACCEPTED, f.id, f.at, f.type) for f in new if f.id in state.fixed]
        if not judged:
            return [], [], reading
        rest = read(" ".join(x.strip() for x in leftover if x.strip()), self.s)
        if not self._named(rest.text) or not rest.types:
            return judged, replies, None  # rows named in passing in a fix are its arguments
        return judged, replies, rest

    def _fix_or_point(self, state: SessionState, flaw: Flaw, reading: Reading) -> tuple[Judgement | None, list[Reply]]:
        """A message naming a conceded flaw: its fix, a fix the PM can't take yet, the same point
        again, a question about it, or (None) a new point about that row."""
        proposal = is_proposal(reading.text, sure_intent(reading))
        # the same point again, in its own words (the reader's sense of the topic is not a restatement)
        restated = flaw.type in reading.cue_types and (flaw.type not in reading.read_points
                                                        or flaw.type in cue_scores(reading.text))
        if fix_accepted(flaw, reading.text, state.fix_parts.get(flaw.id, ())) and (proposal or not restated):
            return self._accept(state, flaw)
        if self._credits_new_flaw(state, reading):
            return None, []
        if proposal and (not restated or says_what_to_do(reading.text)):
            return self._reject(state, flaw, reading.text)
        if reading.is_question:
            if best_fact(self.s, reading.low) or not asserts_flaw(reading):
                return None, []  # a question about the project: answered as one
        other_point = bool(reading.types) and flaw.type not in reading.types
        if other_point and reading.cue_types - {flaw.type}:
            return None, []  # a new, different point about the same row
        ask = fix_question(flaw)
        return (
            Judgement(Verdict.REPEAT, flaw.id, flaw.at, flaw.type),
            [Reply("pm", f"We're agreed on that one. {ask}")],
        )

    def _answer_to_pm(self, state: SessionState, reading: Reading, asked: list[Flaw]):
        """A message that names no conceded row, straight after the PM asked for fixes. The answer
        comes first; from the first row named on, it is a new point ("Move it to the issue log.
        And R3 is 3 x 4 = 12, not 7")."""
        text = reading.text
        first = min((at for at, _, explicit in risk_positions(text, self.s) if explicit), default=len(text))
        answer = text[:first]
        # "Is 1 Dec the next board?" asks; "Escalate it to the 1 Dec board?" still proposes.
        answers = not reading.is_question or is_proposal(answer, sure_intent(reading))
        for_them = [f for f in asked if answers and re.search(r"\w", answer)
                    and fix_accepted(f, answer, state.fix_parts.get(f.id, ()))]
        if for_them:
            judged, replies = [], []
            for f in for_them:
                j, r = self._accept(state, f)
                judged.append(j)
                replies += r
            rest = text[first:] + " " + " ".join(self._raises_missing_risk(state, answer))
            return judged, replies, (read(rest, self.s) if re.search(r"\w", rest) else None)
        if not asked or first < len(text) or self._credits_new_flaw(state, reading) or info_question(text):
            return [], [], reading  # about another row, or asking: not the answer
        if not is_proposal(text, sure_intent(reading)):
            if reading.is_question or (reading.asks_about_project and reading.confidence >= CONFIDENT):
                return [], [], reading
            if _ABOUT_ROWS.search(text):
                return [], [], reading  # "something's off with one of the rows": not an answer to him
            if reading.types and not {f.type for f in asked} & set(reading.types) and reading.cue_types:
                return [], [], reading  # a different kind of point
        if len(asked) > 1:
            names = " or ".join(where(f) for f in asked)
            return [Judgement(Verdict.UNCLEAR)], [
                Reply("pm", f"Sorry, which one's that for: {names}? Give me the risk and what you'd change.")
            ], None
        j, r = self._reject(state, asked[0], text)
        return [j], r, None

    def _accept(self, state: SessionState, flaw: Flaw) -> tuple[Judgement, list[Reply]]:
        state.fixed.add(flaw.id)
        return Judgement(Verdict.FIX_ACCEPTED, flaw.id, flaw.at, flaw.type), self._accepted(flaw)

    @staticmethod
    def _accepted(flaw: Flaw) -> list[Reply]:
        """The PM takes the fix; at manager level the stakeholder then raises the objection a real
        one would, and the fix has to be agreed past it."""
        replies = [Reply("pm", flaw.fix.accepted_reply)]
        if flaw.fix.objection:
            replies.append(Reply("pm", flaw.fix.objection.text))
        return replies

    def _objection(self, state: SessionState, reading: Reading, flaw: Flaw):
        """The learner's answer to the stakeholder's objection to an agreed fix, or (None) a
        message about something else: the objection then waits, like an open fix."""
        text = reading.text
        if meets_objection(flaw, text):
            state.agreed.add(flaw.id)
            return [Judgement(Verdict.AGREED, flaw.id, flaw.at, flaw.type)], [
                Reply("pm", flaw.fix.objection.accepted_reply)]
        elsewhere = self._named(text) - flaw.places
        other_fix = any(fix_accepted(self.s.flaw(f), text) for f in state.open_fixes if self.s.flaw(f))
        if elsewhere or other_fix or self._credits_new_flaw(state, reading) or (  # another clause or row: a new point
                reading.is_question and not is_proposal(text, sure_intent(reading))):
            return None
        state.apply(Verdict.NOT_AGREED.value, flaw.id)
        replies = [Reply("pm", flaw.fix.objection.rejected_reply)]
        if flaw.id in state.unagreed:
            replies.append(Reply(
                "tutor",
                f"One way to get {where(flaw)} agreed: {flaw.fix.objection.model_answer} The fix stands; "
                "carry on with the rest of the draft whenever you're ready.",
            ))
        return [Judgement(Verdict.NOT_AGREED, flaw.id, flaw.at, flaw.type)], replies

    def _reject(self, state: SessionState, flaw: Flaw, text: str = "") -> tuple[Judgement, list[Reply]]:
        state.apply(Verdict.FIX_REJECTED.value, flaw.id)
        # what it gave of the fix counts: the rest may come next, on its own (the PM's reply asks for it)
        state.fix_parts[flaw.id] = state.fix_parts.get(flaw.id, set()) | fix_parts(flaw, text)
        replies = [Reply("pm", flaw.fix.rejected_reply)]
        if state.fix_attempts.get(flaw.id) == MAX_FIX_ATTEMPTS:
            replies.append(Reply(
                "tutor",
                f"A correction the PM would accept for {where(flaw)}: {flaw.fix.model_answer} "
                "It stays open: put it to him in your own words whenever you like (it no longer "
                "scores), or carry on challenging the register.",
            ))
        return Judgement(Verdict.FIX_REJECTED, flaw.id, flaw.at, flaw.type), replies

    def _raises_missing_risk(self, state: SessionState, text: str) -> list[str]:
        """Sentences that say an unfound risk is missing, not just use its words in an argument."""
        unfound = [f for f in self.s.flaws if f.type == T.MISSING_RISK and f.id not in state.found]
        return [x for x in sentences(text)
                if T.MISSING_RISK in challenge_cue_scores(x) and any(mentions_missing(f, x) for f in unfound)]

    def _credits_new_flaw(self, state: SessionState, reading: Reading) -> bool:
        refs = list(reading.risk_ids)
        return any(f.id not in state.found for f in self._candidates(reading, refs, list(reading.types)))

    # -- a challenge or a question ----------------------------------------------------------
    def _rhetorical(self, reading: Reading) -> bool:
        return bool(RHETORICAL.search(reading.text) or self._claims_beside(reading))

    def _doubts(self, reading: Reading) -> bool:
        """A rhetorical question that also negates or complains, or a question the claim after it answers."""
        text = reading.text
        return self._claims_beside(reading) or bool(DOUBTING.search(text)) or bool(
            RHETORICAL.search(text) and (NEGATION.search(text) or challenge_cue_scores(text)))

    def _point(self, state: SessionState, reading: Reading) -> Outcome:
        rhetorical = self.s.level == "manager" and self._rhetorical(reading)
        if rhetorical and not reading.types and reading.leaning and not info_question(reading.text):
            # A rhetorical question in no flaw's set words ("So a risk found mid-cycle sits unseen
            # for weeks?") makes the point the manager-level reader leans to; it is credited only
            # where that flaw's own words are said too (see _candidates).
            reading.types = [reading.leaning]
        # a model sure of a point that can't be made here (a register point in a policy) is not sure
        sure = reading.confidence >= CONFIDENT and type_for_intent(reading.intent) in types_in_play(self.s)
        if reading.is_question and not sure and not leads(reading.text) and not rhetorical:
            # An open question makes the point its words make, not a guess of the model's (nor of
            # the manager-level reader's: "is Harbour Walk the only project whose lessons were lost?"
            # asks about lessons, it doesn't challenge the lessons clause).
            if reading.leaning_p < READER_CERTAIN:
                # in a request for facts only the words that challenge count, as in read()
                worded = (challenge_cue_scores if info_question(reading.text) else cue_scores)(reading.text)
                reading.cue_types = {t for t in reading.cue_types if t not in reading.read_points or t in worded}
                reading.leaning = None
            reading.types = [t for t in reading.types if t in reading.cue_types]
        if self._is_plain_question(reading):
            return Outcome(
                [Judgement(Verdict.QUESTION, risk_id=(reading.risk_ids or [None])[0])],
                [Reply("pm", answer_question(self.s, reading))],
            )
        return self._judge_challenge(state, reading)

    def _is_plain_question(self, reading: Reading) -> bool:
        if asks_elsewhere(reading.text, self.s) and not LEADING.search(reading.text) and not DOUBT.search(reading.text):
            # "Does Brackenridge's contract require their 4x4, or is that just how their site team
            # has always worked?": facts about another body's document or the organisation, asked
            # of the stakeholder; "at all" or "or just..." lean on them, not on the draft
            return True
        if DEFINING.search(reading.text) and not leads(reading.text) and not self._claims_beside(
                replace(reading, text=without_asides(reading.text), intent=None, confidence=0.0)):
            # asks what a term means, whatever the model guessed ("...? I have not heard this term
            # before."): the answer may show the flaw, and the next message can say so
            return True
        if CURIOUS.search(reading.text) and info_question(reading.text):
            return True  # says it only asks, and complains of nothing ("...out of interest?")
        if self._only_asking(reading):
            # "When was the Penang row last updated?", "Who's down as the owner of R7?": words that
            # name what is asked about claim nothing, however sure the model is; the answer may
            # show the flaw, and the learner's next message can say so.
            return True
        if reading.intent != "ask_question":
            # Unsure model, but a question with no sign of a challenge: answer it.
            return reading.is_question and not reading.types and not reading.risk_ids
        # A question that names a flaw ("isn't 4 x 4 sixteen?") is a challenge, unless the
        # model is sure it is only asking and the words claim nothing.
        return (reading.confidence >= 0.8 and not challenge_cue_scores(reading.text)) or not reading.cue_types

    def _judge_challenge(self, state: SessionState, reading: Reading) -> Outcome:
        types = list(reading.types)
        refs = self._in_passing(reading, list(reading.risk_ids), types)
        if not refs and T.DUPLICATE in types and _TWICE.search(reading.text) and self.s.rows:
            # "The steel frame costs are in twice": a row said to be there twice is named by its
            # topic words, with no "row" or "risk" after them; the row they fit best is the one meant.
            refs = topic_row(reading.text, self.s, pair=True)
        if not refs and T.PMO_CONFLICT in types and self.s.rows and self._claims(reading):
            # In a register, "owning a project's risk ourselves leaves no second line" is said of
            # the row the office itself owns, when it owns just one.
            ours = [row.id for row in self.s.rows if THE_OFFICE.search(row.owner or "")]
            refs = ours if len(ours) == 1 else []
        if not refs and types and state.focus_risk:
            refs = [state.focus_risk]  # "the owner's wrong" right after "what about R4?"
        elif not refs and types and self.s.artefact == "policy":
            # A policy says each thing in one place: a point in its words ("the PM owns every risk by
            # default") is about the clause that carries that kind of flaw, if only one does.
            places = {t: [f.at for f in self.s.flaws if f.type == t] for t in types if t in reading.cue_types}
            refs = [at for t, ats in places.items() if len(ats) == 1 for at in ats]
        elif not refs and types and not reading.is_question:
            # "It should be 12, so 3 x 4 = 12": still about the flaw the last turn was about.
            recent = [self.s.flaw(f) for f in state.recent]
            refs = [r for f in recent if f and f.type in types for r in (f.at, f.other_risk_id) if r]

        if not refs and types and self.s.rows and (self._claims(reading) or not reading.is_question):
            # "The fire compartmentation in the occupied halls block is held at programme level":
            # a row named by the words of its title, taken when the point lands on it; a guess
            # is never charged.
            guess = topic_row(reading.text, self.s)
            if any(guess[0] in f.places for f in self._candidates(reading, guess, types) if guess):
                refs = guess

        judged: list[Judgement] = []
        replies: list[Reply] = []
        new: list[Flaw] = []
        for flaw in self._candidates(reading, refs, types):
            if any(j.flaw_id == flaw.id for j in judged):
                continue
            if flaw.id in state.found:
                judged.append(Judgement(Verdict.REPEAT, flaw.id, flaw.at, flaw.type))
                replies.append(Reply("pm", flaw.replies.repeat or self._repeat(state, flaw)))
                continue
            state.find(flaw.id)
            judged.append(Judgement(Verdict.HIT, flaw.id, flaw.at, flaw.type))
            new.append(flaw)
        if judged:
            state.focus_risk = None
            replies = self._concede(state, new, reading) + replies
            judged += [Judgement(Verdict.FIX_ACCEPTED, f.id, f.at, f.type) for f in new if f.id in state.fixed]
            return Outcome(judged, replies)
        return self._no_credit(state, reading, refs, types)

    def _concede(self, state: SessionState, new: list[Flaw], reading: Reading) -> list[Reply]:
        """The PM concedes each new flaw; a fix given in the same breath is taken at once, and
        when several want a fix he asks for them together, once."""
        replies: list[Reply] = []
        waiting = []
        for flaw in new:
            # With several points in one message, each fix is looked for in its own point's words.
            said = self._own_words(flaw, reading.text, new) if len(new) > 1 else reading.text
            fixed_now = is_proposal(said, sure_intent(reading)) and fix_accepted(flaw, said)
            if fixed_now or len(new) > 1:
                replies.append(Reply("pm", without_question(flaw.replies.hit)))
            else:
                replies.append(Reply("pm", flaw.replies.hit))
            if fixed_now:
                state.fixed.add(flaw.id)
                replies += self._accepted(flaw)
            else:
                waiting.append(flaw)
        if len(new) > 1 and waiting:
            places = [where(f) for f in waiting]
            names = " and ".join(p if places.count(p) == 1 else f"the {kind(f.type).label} on {p}"
                                 for p, f in zip(places, waiting))
            replies.append(Reply("pm", f"So how would you put {names} right? Take them in any order."))
        return replies

    def _own_words(self, flaw: Flaw, text: str, points: list[Flaw]) -> str:
        """The sentences about one of several points: from the one naming its row (or the missing
        risk) up to one about another of the points."""
        def about(f: Flaw, x: str) -> bool:
            if f.at is None:
                return mentions_missing(f, x)
            return bool(self._named(x) & {f.at, f.other_risk_id})

        out, on = [], False
        for x in sentences(text):
            on = about(flaw, x) or (on and not any(about(f, x) for f in points if f is not flaw))
            if on:
                out.append(x)
        return " ".join(out) or text

    def _repeat(self, state: SessionState, flaw: Flaw) -> str:
        if flaw.id in state.fixed:
            return "We've sorted that one, and I've got your fix for it. Anything else?"
        return f"We're agreed on that one. {fix_question(flaw)}"

    def _candidates(self, reading: Reading, refs: list[str], types: list[T]) -> list[Flaw]:
        out: list[Flaw] = []
        guessed: list[Flaw] = []  # whole-artefact gaps found only from the reader's weak guess
        kin_only: list[Flaw] = []  # found only as a process-design form of the model's register point
        for flaw in self.s.flaws:
            if flaw.type == T.MISSING_RISK:
                # Beside a point on a named row, its words ("if an allergy flag goes missing, the
                # Trust is still accountable under DCB0160") are an argument unless said to be missing.
                raised = T.MISSING_RISK in challenge_cue_scores(reading.text) or not (set(refs) & self._named(reading.text))
                if mentions_missing(flaw, reading.text) and raised and (types or reading.is_challenge):
                    out.append(flaw)
            elif flaw.at is None or kind(flaw.type).family == "process" and (not refs or self._across(flaw, reading, refs)):
                # A gap in a report or policy as a whole ("the report shows no trend"), or a portfolio
                # point made about what it names, not a row ("G&H is one risk across three projects"):
                # said in its words as a gap, not a topic in passing ("are the scores converted
                # before the top ten?").
                # A sure model's register point counts in its process-design form ("one-line
                # descriptions can't hold cause, event and effect" is the template's gap).
                said = (flaw.type in challenge_cue_scores(reading.text) or flaw.type in reading.read_points
                        or flaw.type in self._sure_kin(reading)
                        or flaw.type == reading.leaning and self._claims(reading))
                if said and mentions_missing(flaw, reading.text):
                    out.append(flaw)
                    worded = flaw.type in challenge_cue_scores(reading.text) or flaw.type in reading.read_points
                    if not worded and flaw.type not in self._sure_kin(reading):
                        guessed.append(flaw)
                    elif not worded:
                        kin_only.append(flaw)
            elif flaw.type == T.DUPLICATE:
                pair = {flaw.at, flaw.other_risk_id}
                # "the library migration shows up twice": one row named, its twin said to exist
                named = pair <= set(refs) or len(refs) == 1 and refs[0] in pair and _TWICE.search(reading.text)
                if T.DUPLICATE in types and named:
                    out.append(flaw)
            elif flaw.places & set(refs) and (flaw.type in types or flaw.type == reading.leaning):
                out.append(flaw)  # a portfolio flaw is found from any row it shows on
            elif refs[:1] == refs and flaw.at in refs and self.s.level == "manager" and self._speaks_to(flaw, reading):
                out.append(flaw)
            elif flaw.type == T.UNDERRATED and flaw.at in refs and rates_higher(reading.text, self.s.row(flaw.at)):
                out.append(flaw)  # "re-rate it to 4 x 4 = 16": a higher rating says it is underrated
            elif flaw.type == T.OPPORTUNITY_SCORED_AS_THREAT and flaw.at in refs and set(types) & _UPSIDE_MISREAD \
                    and self._claims(reading):  # not "who decides whether we accept the offer?"
                out.append(flaw)  # an upside's benefit rated too low, or given a threat's response, is this flaw
        if any(f.at in refs for f in out if f.at):
            # The reader gives one best guess: when the point lands on the row named ("is the
            # supplier's rating rescaled before it reaches the top ten?"), a whole-report gap guessed
            # from the same words was that point, and the report's part in it only where the row goes.
            out = [f for f in out if f not in guessed]
        if reading.read_points and len(out) > 1:
            # One message, several points: a second one the reader barely hears, on a clause the
            # learner never named, is a word of the argument ("no trigger column" in a list of
            # the template's gaps is not the review cycle's point).
            named = self._named(reading.text)
            out = [f for f in out if f.type in reading.read_points or f.places & named
                   or reading.heard.get(f.type.value, 0.0) >= READER_SECOND]
        if len(kin_only) > 1 or kin_only and len(kin_only) < len(out):
            # A sure register reading ("wrong owner") has several process-design forms (ownership,
            # the PMO's conflict): it makes one of them, the reader's pick or the nearer kin, and
            # none beside a point the words make.
            kin = self._sure_kin(reading)
            best = min(kin_only, key=lambda f: (f.type != reading.leaning, kin.index(f.type)))
            out = [f for f in out if f not in kin_only or f is best and len(kin_only) == len(out)]
        return out

    def _in_passing(self, reading: Reading, refs: list[str], types: list[T]) -> list[str]:
        """In a policy, clauses named only by a word of their topic ("one office would own the
        risks, gatekeep escalations...") whose own flaws are another point than the one the reader
        is sure of, while exactly one other clause carries that point: the words are the
        argument's, that clause is meant. (A sound clause so named is the one challenged: "reporting
        training completion to CLT will be used to shame PMs" is a point against the training clause.)"""
        sure = next((t for t in types if t in reading.read_points), None)
        if self.s.artefact != "policy" or not refs or sure is None:
            return refs
        firm = self._named(reading.text) | {rid for _, rid in described_rows(reading.text, self.s)}
        theirs = [f for f in self.s.flaws if f.places & set(refs)]
        if set(refs) & firm or not theirs or any(f.type in types for f in theirs):
            return refs
        places = [f.at for f in self.s.flaws if f.type == sure]
        return places if len(places) == 1 else refs

    def _across(self, flaw: Flaw, reading: Reading, refs: list[str]) -> bool:
        """A portfolio point made in its own words and heard for sure ("if Greaves & Holt goes
        under... who owns that combined exposure?") while the rows it names are only consequences
        ("the PSDS money"), named by no id."""
        return bool(self.s.rows) and flaw.type in reading.read_points \
            and flaw.type in challenge_cue_scores(reading.text) and not set(refs) & self._named(reading.text) \
            and len(topic_words(reading.text, self.s, flaw.places)) >= 2  # said of the point's own rows

    def _only_asking(self, reading: Reading) -> bool:
        """Every sentence a request for facts (who, when, which...), none leading, doubting or
        complaining, and none in the challenging words of a flaw that can be here ("where's the
        risk about...?", "who is going to do what on R9, and by when?" ask for what should be
        there and isn't; in a policy "appetite" names a clause, not a register's strategy point)."""
        text = without_asides(reading.text)  # "Thanks Rhiannon, this is really clear. What time...?"
        said = sentences(text)
        return bool(said) and all(x.endswith("?") for x in said) and info_question(text) \
            and not leads(text) and not RHETORICAL.search(text) \
            and not set(challenge_cue_scores(text)) & types_in_play(self.s)

    def _speaks_to(self, flaw: Flaw, reading: Reading) -> bool:
        """The one clause (or portfolio row) named is said to be wrong in the words of its flaw
        ("C7 sends only 20s to CLT, the strategy says above 15"): a clause carries one design
        point, so naming it and its substance makes that point, whatever type is read. Not a
        clause named in passing beside another ("...a support role, not an ownership one"), and
        not the words that name it ("escalation clause: the PM owns every risk")."""
        if self.s.row(flaw.at) is not None and self._other_point(flaw, reading):
            return False
        return mentions_missing(flaw, self._unnamed(reading.text, flaw.at)) and self._claims(reading)

    @staticmethod
    def _other_point(flaw: Flaw, reading: Reading) -> bool:
        """A row, unlike a clause, can be wrong in several ways: another register point said of it
        ("Simon shouldn't own R1", "R4 is an issue, not a risk") is that point, not the row's flaw
        in other words, unless it is the flaw's register form (a duplicate row for the split
        supplier risk). Only when the words make that point and not the flaw's: a model merely
        sure of another point ("...has to go to Joanna's board" read as a score point) is not the
        learner's."""
        if flaw.type in reading.cue_types | reading.read_points:
            return False
        # the model's reading, sure or nearly ("...should be owner of this risk, not him" at 0.59),
        # when the words make it too
        said = type_for_intent(reading.intent) if reading.confidence >= PLAUSIBLE else None
        return said in reading.cue_types and said != flaw.type and flaw.type not in PROCESS_KIN.get(said, ())

    @staticmethod
    def _claims(reading: Reading) -> bool:
        """The message says something is wrong: a leading or rhetorical question, or a statement
        that claims; an open question beside nothing ("is that the same matrix C6 describes?")
        or a request for facts only asks."""
        if info_question(reading.text):
            return False
        # "Why does row 14 still carry a probability?": asking for the reason challenges it
        asks_why = any(WHY.match(x) for x in sentences(reading.text) if x.rstrip().endswith("?"))
        return bool(leads(reading.text) or RHETORICAL.search(reading.text) or asks_why) or Evaluator._claims_beside(reading)

    @staticmethod
    def _claims_beside(reading: Reading) -> bool:
        """A question answered by the claim after it ("Where would the land fund bid sit under this
        draft? It's on no register, because registers only hold threats.") is not open; facts
        before it ("the strategy sends 15s to CLT. Is that on C6's matrix?") only set it up."""
        said = sentences(reading.text)
        asked = [i for i, x in enumerate(said) if x.rstrip().endswith("?")]
        stated = " ".join(said[asked[-1] + 1:]) if asked else " ".join(said)
        if stated and asserts_flaw(replace(reading, text=stated)):
            return True
        # A statement before it claims in its own words ("We're showing the library migration
        # twice, with two owners. Which one gets the money?"); a fact that sets up the question
        # ("the corporate register runs on Ian's matrix") does not.
        before = " ".join(x for x in said[:asked[-1]] if not x.rstrip().endswith("?")) if asked else ""
        return bool(_FAULTING.search(before)) and asserts_flaw(
            replace(reading, text=before, intent=None, confidence=0.0, cue_types=set(cue_scores(before))))

    def _unnamed(self, text: str, item: str) -> str:
        clause = self.s.clause(item)
        for name in sorted([clause.title, *clause.aliases] if clause else [], key=len, reverse=True):
            text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
        return _NAMING.sub(" ", text)

    @staticmethod
    def _sure_kin(reading: Reading) -> tuple[T, ...]:
        """The process-design forms of a register point the model is sure of, unless the message
        only asks for facts ("what did the Harbour Walk closure report recommend?")."""
        if reading.confidence < CONFIDENT or info_question(reading.text):
            return ()
        return PROCESS_KIN.get(type_for_intent(reading.intent), ())

    # -- nothing credited -------------------------------------------------------------------
    def _supported(self, reading: Reading, t: T) -> bool:
        """The learner's words (or a sure model) say this is the point, so a defence of it answers them."""
        return t in reading.cue_types or (
            reading.confidence >= CONFIDENT and type_for_intent(reading.intent) == t
        )

    def _no_credit(self, state: SessionState, reading: Reading, refs: list[str], types: list[T]) -> Outcome:
        unfound = [f for f in self.s.flaws if f.id not in state.found]
        # What the model is sure is a question is answered, never charged, whatever its words.
        # At manager level a question answered by the claim after it, or a rhetorical one that
        # doubts ("it's signed off, but how would we know the defect can't recur?"), asserts as a
        # statement does; "where would the fee income sit?" with nothing doubted still only asks.
        asking = reading.is_question and (sure_intent(reading) == "ask_question" or not (
            asserts_flaw(reading) or self.s.level == "manager" and self._doubts(reading)))
        if refs and not types:
            ref = refs[0]
            state.focus_risk = ref
            on_risk = [f for f in unfound if ref in f.places]
            if asking:
                return self._say(Verdict.QUESTION, answer_question(self.s, reading), ref)
            if on_risk:
                return self._say(Verdict.PARTIAL, on_risk[0].replies.partial, ref, None)
            return self._say(Verdict.UNCLEAR, self.pm.clarify_generic, ref)
        if types and not refs:
            t = types[0]
            # "Can I ask what the tolerance is for escalation?" may be a question or the start of
            # a challenge: when the brief answers it, the PM gives the facts either way.
            fact = best_fact(self.s, reading.low) if reading.is_question and t != T.MISSING_RISK else None
            if asking:
                return self._say(Verdict.QUESTION, fact or answer_question(self.s, reading), None)
            if is_proposal(reading.text, sure_intent(reading)) and not any(f.type == t for f in unfound):
                return self._say(Verdict.UNCLEAR, "Which risk is that for? Give me its number and I'll note it.", None)
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
            if not asserts_flaw(reading) or not self._supported(reading, t):
                return self._say(Verdict.QUESTION if reading.is_question else Verdict.UNCLEAR,
                                 answer_question(self.s, reading), None)
            if t == T.MISSING_RISK:
                return self._say(Verdict.FALSE, defences.NO_MISSING, None, t)
            return self._say(Verdict.FALSE, self.pm.defend_generic, None, t)
        if types and refs:
            ref, t = refs[0], types[0]
            if t == T.DUPLICATE and len(refs) == 1:
                pair = [f for f in unfound if f.type == T.DUPLICATE and ref in (f.at, f.other_risk_id)]
                if pair:
                    return self._say(Verdict.PARTIAL, pair[0].replies.partial, ref, t)
                # A duplicate takes two rows: with one named, ask which, don't charge.
                return self._say(Verdict.UNCLEAR, f"Which row do you think {ref} duplicates?", ref)
            state.focus_risk = None
            row = self.s.row(ref)
            clause = self.s.clause(ref)
            if clause is not None:
                if asking:
                    return self._say(Verdict.QUESTION, defences.about_clause(clause, t), ref)
                if not asserts_flaw(reading) or not self._supported(reading, t):
                    # a doubt half-said ("Who reviews the policy itself? Looks like nobody checks it
                    # works.") gets the clause's reasons for that point, when it has them; no charge
                    return self._say(Verdict.UNCLEAR, clause.defences.get(t) or (
                        f"I'm not sure I follow what's wrong with {ref}. What would go wrong in practice "
                        "if we adopted it as drafted?"), ref)
                return self._say(Verdict.FALSE, defences.defend_clause(clause, t), ref, t)
            if t == T.SCORE_MISMATCH and row.score == row.probability * row.impact and rates_higher(reading.text, row):
                t = T.UNDERRATED  # the sum is right: the point is that the rating is too low
            if t == T.CLOSED_WITHOUT_REASON and row.status != "closed" and not _CLOSING.search(reading.text):
                # "What evidence do you have that the defects are fixed?" on an open row asks about
                # the row; "R6 isn't closed" would answer a point nobody made.
                return self._say(Verdict.QUESTION if reading.is_question else Verdict.UNCLEAR,
                                 answer_about_row(self.s, row, reading, t) if reading.is_question else
                                 self.pm.clarify_generic, ref)
            if asking:
                # An honest question about a sound row: the PM's reasons, never a charge.
                return self._say(Verdict.QUESTION, answer_about_row(self.s, row, reading, t), ref)
            if not asserts_flaw(reading) or not self._supported(reading, t):
                return self._say(
                    Verdict.UNCLEAR,
                    f"I'm not sure I follow what's wrong with {ref}. Is it the wording, the score, "
                    "the owner, the actions or when it was last reviewed?",
                    ref,
                )
            return self._say(Verdict.FALSE, defences.defend(self.s, row, t, refs), ref, t)
        return self._say(
            Verdict.UNCLEAR,
            "Sorry, I'm not following. Which risk are you looking at, and what's wrong with it?",
            None,
        )

    @staticmethod
    def _say(verdict: Verdict, text: str, ref, flaw_type=None) -> Outcome:
        return Outcome([Judgement(verdict, None, ref, flaw_type)], [Reply("pm", text)])
