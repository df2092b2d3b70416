"""Fixes: what counts as an acceptable correction, and which open fix a message is about.

Every conceded flaw keeps an open fix until the learner fixes it or the session ends. A message
can carry fixes for several flaws (each found by the row it names, or by the missing risk it
talks about), or answer the PM's last question without naming anything.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable

from bot.nlp.patterns import NOT_VERB, RISK_REF
from bot.scenarios.model import Flaw
from bot.taxonomy import FlawType as T
from bot.taxonomy import kind

# Markers of a message that proposes something rather than alleging a new flaw.
PROPOSAL = re.compile(
    r"\b(should|could|would|let'?s|propose|suggest|recommend|instead|how about|why not|"
    r"i'?d(?! (most |really |rather |also |have )?(want|like|expect|thought|say|think|agree|hope|imagine|guess|love))|"
    r"we need to|needs? to|make it|move it|change it|set it|reword|rewrite|log it|raise it|"
    r"escalate it|merge|reopen|re-open|assign|give it|owns? it|take it|goes to|go to|"
    r"rescore|re-score|re-rate|rerate|reassign|re-assign|escalate|replace (it|them)|correct it|"
    r"change the|take it to|put it (in|on|to)|shd|add (it|a)|(needs|wants) (?!\w*thing)\w+ing)\b",
    re.IGNORECASE,
)
# A fix often starts with what to do: "escalate to Angela's board", "p4 x i4 = 16", "Kieran owns r12".
_DOING = re.compile(
    r"^\W*(?:(?:for |on )?r\s?\d{1,2}\W+)?(please |ok,? |okay,? |so,? |then,? |right,? |fine,? )?(escalate|move|close|reword|"
    r"rewrite|add|reopen|re-open|keep|merge|assign|reassign|rescore|re-score|re-rate|change|set|put|make|"
    r"give|transfer|reduce|replace|split|delete|remove|update|agree|book|ask|get|combine|fold|raise|leave|"
    r"let (?!me\b|us\b)|"
    r"re-?date|record|note|log|review (?:it|them|this|that|the|r\s?\d)|have (?!you\b|we\b|they\b)\w+)\b",
    re.IGNORECASE,
)
_RATING = re.compile(r"\bp\s*\d\s*(x|\*|×)\s*i\s*\d|=\s*\d{1,2}\b|\b(score|rate|rating) (it |of )?(at |to )?\d{1,2}\b",
                     re.IGNORECASE)


# "Hannah to publish the timetable by 25 September": an action with an actionee and a date.
_ACTION = re.compile(r"\bto [a-z]+\b[^.;?]{0,120}\bby (\d|end|the end|mon|tue|wed|thu|fri|next|this|close)",
                     re.IGNORECASE)


# Where a fix says something goes: "it belongs on the issue log", "into this month's exception
# report", "R11 to P4", "shud be an issue".
_DIRECTIVE = re.compile(
    r"\b(belongs? (on|in|to|with)|shud|shld|correct (it|the|that)|into (the|this|next|our|a)\b|"
    r"to (the |\w+'?s )?(project |programme )?(board|exception report|highlight report|issue log|sro)\b|to p\s?\d)",
    re.IGNORECASE,
)
# A fix written as the register's fields: "R6 owner: Kieran Walsh", "score = 12", "R4 -> issue log".
_FIELD = re.compile(r"(?:^\W*|\br\s?\d{1,2}\W+|\bnew )(owner|actionee|score|probability|impact|response|status|review)"
                    r"\s*[:=]\s*\w|->|\u2192",
                    re.IGNORECASE)


# "Could I ask...", "would you...", "who would have to...": modal words that only ask.
_POLITE = re.compile(r"\b(could|can|may|would|will) (i|we|you|they|he|she|it)\b|\bwho (would|could)\b|"
                     r"\b(would|could) (actually |really )?have to\b", re.IGNORECASE)


def _statements(text: str, stops: str = ".;:!?") -> list[str]:
    """The parts of a message that are not questions, cut at these marks (and line ends)."""
    return [x for x in re.findall(rf"[^{stops}\n]+[{stops}\n]*", text) if not x.strip().endswith("?")]


# "Could we keep just one of them...?", "Can we merge them?": a change put politely proposes it
# ("Could we see the evidence?" only asks).
_POLITE_PROPOSAL = re.compile(
    r"\b(could|can|shall|should) we (not )?(just |simply |perhaps |maybe )?(keep|merge|link|add|move|make|change|split|"
    r"drop|combine|fold|raise|escalate|reassign|give|put|set|rewrite|replace|rescore|re-score|create|log|"
    r"record|remove|delete|name|assign)\b", re.IGNORECASE)


def is_proposal(text: str, intent: str | None = None) -> bool:
    # "Escalate it to the board." proposes; "Has it been escalated to the board?" asks.
    return bool(
        intent == "propose_fix" or PROPOSAL.search(_POLITE.sub(" ", text)) or _POLITE_PROPOSAL.search(text)
        or _RATING.search(text)
        or _ACTION.search(text) or any(_directs(x) for x in _statements(text)) or says_what_to_do(text)
    )


_NEGATED = re.compile(r"\b(not|never|no)\b|" + NOT_VERB, re.IGNORECASE)


def _directs(statement: str) -> bool:
    """"Send it to the board" directs; "it hasn't gone to the board" reports."""
    m = _DIRECTIVE.search(statement)
    clause = re.split(r"[,;]|\b(?:and|but|so)\b", statement[:m.start()])[-1] if m else ""
    return bool(m) and not _NEGATED.search(clause)


def says_what_to_do(text: str) -> bool:
    """A statement that opens with what to do ("Merge R4 into R10"): a fix, even in the flaw's words."""
    # A field is read across its colon ("R6 owner: Kieran"), so only sentence ends cut for it.
    return any(_DOING.search(x) for x in _statements(text)) or any(_FIELD.search(x) for x in _statements(text, ".!?"))


@functools.lru_cache(maxsize=4096)
def _term(word: str) -> re.Pattern:
    """A fix term matches at the start of a word ("mitigat" in "mitigation", "now" not in "know"),
    and a number only as a whole number (a "4" is not in "14 December")."""
    w = word.lower()
    left = r"(?<![\w])" if w[:1].isalnum() else ""
    right = r"(?![\d])" if w[-1:].isdigit() else ""
    return re.compile(left + re.escape(w) + right)


# What fast typists write for the words fixes are made of.
_SHORTHAND = {
    "bc": "because", "b/c": "because", "cos": "because", "coz": "because", "w/": "with ", "w": "with",
    "wk": "week", "wks": "weeks", "shd": "should", "esc": "escalate", "rpt": "report", "mgr": "manager",
    "ppl": "people", "asap": "as soon as possible", "hr": "hr", "tmrw": "tomorrow", "mtg": "meeting",
    "prob": "probability", "imp": "impact", "acc": "accept", "rev": "review", "reqd": "required",
    # everyday words for the same thing
    "straight away": "immediately", "right away": "immediately", "there and then": "immediately",
}
_SHORT = re.compile(r"(?<![\w/])(" + "|".join(re.escape(k) for k in sorted(_SHORTHAND, key=len, reverse=True)) + r")(?![\w/])")


def fix_accepted(flaw: Flaw, text: str, given: Iterable[int] = ()) -> bool:
    """Does `text` give the fix? `given`: the parts of it (groups of accept terms) the learner's
    earlier proposals for this flaw already gave. A fix may come in pieces, as a PM asking "and the
    impact scale?" invites; the message must give some part itself."""
    groups = _groups(flaw, text)
    if not given:
        return _has_every(groups, _fix_text(text))
    have = fix_parts(flaw, text)
    return bool(have) and have | set(given) >= set(range(len(groups)))


def fix_parts(flaw: Flaw, text: str) -> set[int]:
    """The groups of the fix's accept terms that `text` gives."""
    low = _fix_text(text)
    return {i for i, group in enumerate(_groups(flaw, text)) if any(_term(w).search(low) for w in group)}


def _fix_text(text: str) -> str:
    # Risk references don't count towards a fix: "R12" is not a score of 12, "risk 4" not a 4.
    return _with_shorthand(RISK_REF.sub(" ", text).lower())


def _groups(flaw: Flaw, text: str) -> list[list[str]]:
    if flaw.type == T.DUPLICATE and _keeps(flaw, text):
        return flaw.fix.accept[:1]  # "merge R8 into R5": the row kept brings its owner, so none need be named
    return flaw.fix.accept


# Overruling the stakeholder is not meeting the objection, whatever else the answer says.
_OVERRULES = re.compile(
    r"\b(just|simply) (have|has|need|needs) to\b|\b(get|getting) over it\b|\bget used to it\b|\btough\b|"
    r"\bend of\W*$|\bend of (story|discussion)\b|\bit'?s (the )?policy\b|\bno (choice|option)\b|"
    r"\bdo it anyway\b|\b(because|cos) i said\b|\bnon-?negotiable\b|\blike it or not\b|\bthat'?s final\b",
    re.IGNORECASE,
)
ANSWER_WORDS = 8  # fewer words can't give both a reason and a way forward


def meets_objection(flaw: Flaw, text: str) -> bool:
    """An answer to the stakeholder's objection that touches every group of its terms (a reason and
    a proportionate way forward), says enough to carry both, and persuades rather than overrules."""
    objection = flaw.fix.objection
    if objection is None or len(re.findall(r"[\w'£%-]+", text)) < ANSWER_WORDS or _OVERRULES.search(text):
        return False
    return _has_every(objection.accept, _with_shorthand(RISK_REF.sub(" ", text).lower()))


# Ratings as typed in chat: "p3", "i5", "l4", "p=3", "3x5" (a term "3" matches only a whole number).
_RATING = re.compile(r"(?<![\w/])([pil])\s?[=:]?\s?([1-9]|10)(?!\d)")
_RATING_WORDS = {"p": "probability", "l": "likelihood", "i": "impact"}
_TIMES = re.compile(r"(?<!\d)(\d{1,2})\s?[x×*]\s?(\d{1,2})(?!\d)")


def _with_shorthand(low: str) -> str:
    """The text, and (after a break no fix phrase can span) its chat shorthand written out."""
    expanded = _SHORT.sub(lambda m: _SHORTHAND[m.group(1)], low)
    expanded = _RATING.sub(lambda m: f"{_RATING_WORDS[m.group(1)]} {m.group(2)}", expanded)
    expanded = _TIMES.sub(r"\1 x \2", expanded)
    return low if expanded == low else f"{low} | {expanded}"


def _has_every(groups: list[list[str]], low: str) -> bool:
    return all(any(_term(word).search(low) for word in group) for group in groups)


_KEPT = re.compile(r"\b(?:into|keep(?:ing)?|onto)\s+(?:risk\s*|row\s*)?(r\s?\d{1,2})\b", re.IGNORECASE)


def _keeps(flaw: Flaw, text: str) -> bool:
    """The message keeps the row the model fix keeps ("merge R12 into R1", "keep R1")."""
    kept = _kept(flaw.fix.model_answer) & {flaw.risk_id, flaw.other_risk_id}
    return bool(kept) and bool(kept & _kept(text))


def _kept(text: str) -> set[str]:
    return {re.sub(r"\s", "", m.group(1)).upper() for m in _KEPT.finditer(text)}


def mentions_missing(flaw: Flaw, text: str) -> bool:
    # A keyword counts from the start of a word: "field" is not said in "Brownfield", nor "red"
    # in "covered" (a keyword stem such as "escalat" still matches "escalation").
    low = text.lower()
    return any(_mention(k).search(low) for k in flaw.keywords)


@functools.lru_cache(maxsize=4096)
def _mention(keyword: str) -> re.Pattern:
    k = keyword.lower()
    return re.compile((r"(?<![a-z0-9])" if k[:1].isalnum() else "") + re.escape(k))


def fix_question(flaw: Flaw) -> str:
    return flaw.fix.ask or kind(flaw.type).fix_question


def where(flaw: Flaw, spoken: bool = True) -> str:
    """Where a flaw is: a row, a pair, or the missing risk's topic, as the PM says it in
    conversation ("the main contractor insolvency risk") or as the tutor lists it."""
    if flaw.type == T.MISSING_RISK:
        return f"the {flaw.topic} risk" if spoken else f"a missing risk ({flaw.topic})"
    if flaw.at is None:  # a gap in the report or policy as a whole
        return f"the {flaw.topic}" if spoken else flaw.topic
    if flaw.other_risk_id:
        return f"{flaw.risk_id} and {flaw.other_risk_id}"
    return flaw.at


@dataclass
class Part:
    """The stretch of a message that is about one open fix (or, with flaw None, about other rows)."""

    flaw: Flaw | None
    text: str


_CLAUSE = re.compile(r"[.;:,!?\n]|\b(and|also|then|plus)\b", re.IGNORECASE)


def clause_start(text: str, at: int, floor: int = 0) -> int:
    """Where the clause naming a row at `at` begins (within 40 characters, after `floor`)."""
    window_start = max(floor, at - 40)
    last = None
    for m in _CLAUSE.finditer(text, window_start, at):
        last = m
    return last.end() if last else at


def split_by_fix(text: str, positions: list[tuple[int, str, bool]], open_flaws: list[Flaw]) -> list[Part]:
    """Cut a message where it moves from one open fix's row to another row: "r6 to the board
    on 1 Dec. r4 review this week" gives R6's fix and R4's fix their own words. Text before the
    first row named goes with it; rows named only by an alias don't cut (they are arguments)."""
    row_flaw = {}
    for f in open_flaws:
        for rid in (f.at, f.other_risk_id):
            if rid:
                row_flaw.setdefault(rid, f)
    cuts: list[tuple[int, Flaw | None]] = []
    for at, rid, explicit in positions:
        owner = row_flaw.get(rid)
        if owner is None and not explicit:
            continue
        if cuts and cuts[-1][1] is owner:
            continue
        cuts.append((at, owner))
    if not cuts:
        return [Part(None, text)]
    # A cut goes back to the start of the clause: "...; and merge R9 into R3" keeps "merge" with R9.
    cuts = [(clause_start(text, at, cuts[n - 1][0] if n else 0), owner) for n, (at, owner) in enumerate(cuts)]
    parts = []
    for n, (at, owner) in enumerate(cuts):
        start = 0 if n == 0 else at
        end = cuts[n + 1][0] if n + 1 < len(cuts) else len(text)
        parts.append(Part(owner, text[start:end]))
    return parts


# Where a message turns to a missing risk: "And for Brackley failing, a new risk owned by ..."
_NEW_RISK = re.compile(r"\b(new|separate|its own|another|extra|additional) (risk|row|entry|line)\b|"
                       r"\badd (a |it |the )?(risk|row)\b|^\W*(and |also |as )?(for|on|about) ", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")


def split_missing(text: str, positions: list[tuple[int, str, bool]], missing: list[Flaw]) -> tuple[list[Part], str]:
    """Give a missing risk's fix its own part ("And for Brackley failing, a new risk owned by
    Victoria"): from the sentence that turns to it up to the next sentence naming a row. Returns
    those parts and the text with them blanked out (offsets kept) for `split_by_fix`. A mention
    in a sentence about a row ("reduce R11, as Brackley could go under") stays an argument."""
    rows_at = [at for at, _, explicit in positions if explicit]
    spans = [(m.start(), m.end(), m.group()) for m in _SENTENCE.finditer(text)]

    def names_row(a: int, b: int) -> bool:
        return any(a <= at < b for at in rows_at)

    parts: list[Part] = []
    for f in missing:
        start = next((a for a, b, x in spans
                      if mentions_missing(f, x) and _NEW_RISK.search(x) and not names_row(a, b)), None)
        if start is None:
            continue
        end = next((a for a, b, _ in spans if a > start and names_row(a, b)), len(text))
        parts.append(Part(f, text[start:end]))
        text = text[:start] + " " * (end - start) + text[end:]
    return parts, text
