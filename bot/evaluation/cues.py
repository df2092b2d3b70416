"""Words that signal which flaw a learner is pointing at.

The NLU model's intent is the first opinion; these cues are a second, explicit one that also
catches the second challenge in a two-challenge message and keeps the tutor usable when the
model is unsure. Patterns are matched on lower-cased text.
"""
from __future__ import annotations

import re

from bot.taxonomy import FlawType as T

_CUES: dict[T, list[str]] = {
    T.NOT_A_RISK: [
        r"already (happened|occurred|late|slipped|missed|failed|gone|behind)",
        r"(has|have|had) already", r"\ban issue\b", r"issue(s)?,? not a risk", r"issue log",
        r"not a risk", r"isn'?t a risk", r"not really a risk", r"(it'?s|that'?s) a (fact|certainty|given)",
        r"\bcertain(ty)?\b", r"not uncertain", r"no uncertainty", r"(it|this) happened",
        r"has happened", r"is happening", r"already an issue",
    ],
    T.VAGUE_DESCRIPTION: [
        r"\bvague\b", r"too (general|broad|generic)", r"cause(,)? (and|or)?\s*(the )?(event|effect)",
        r"\bcause\b.*\beffect\b", r"what (would|will|could) cause", r"what'?s the cause",
        r"what (would|will) the (effect|impact|consequence) be", r"what does (it|that|this) (even )?mean",
        r"\bmeaningless\b", r"(can'?t|cannot|couldn'?t) (be )?(assess|score|own|measure)",
        r"not specific", r"unclear description", r"badly worded", r"poorly (worded|described)",
        r"too woolly", r"\bwoolly\b", r"reword",
    ],
    T.SCORE_MISMATCH: [
        r"\d\s*(x|×|\*|times|by)\s*\d", r"(doesn'?t|does not|don'?t) (add up|multiply|compute|match)",
        r"\bmaths?\b", r"\bmath\b", r"arithmetic", r"add(s)? up", r"calculat", r"multipl",
        r"p\s*(x|×|\*)\s*i", r"probability (x|×|times) impact", r"score (is|looks) wrong",
        r"wrong score", r"score.*(should|ought to) be \d", r"\brag\b", r"rating band",
        r"miscalculat", r"sums?\b",
    ],
    T.UNDERRATED: [
        r"underrated", r"under-rated", r"underestimat", r"under-estimat", r"played? down",
        r"too low", r"(far|very|rather|a bit) low", r"optimistic", r"(is|really) (un)?likely",
        r"'?unlikely'?", r"probability (of )?\d.*(after|given|when|despite)",
        r"should be (higher|rated higher|more likely)", r"rate(d)? (it )?higher",
        r"(impact|probability) (is|seems|looks) (too )?low", r"understat", r"downplay",
        r"more likely than", r"higher than (a|\d)",
    ],
    T.WRONG_OWNER: [
        r"\bowner\b", r"\bowns?\b", r"ownership", r"\bowned\b", r"authority", r"accountab",
        r"who should own", r"can'?t own", r"cannot own", r"no owner", r"unowned",
        r"doesn'?t (hold|control|have) the (budget|contract)", r"wrong person",
    ],
    T.MISSING_RESPONSE: [
        r"no (actions?|response|plan|mitigation)", r"monitor(ing)? (closely )?(is|isn'?t)",
        r"\bmonitor\b", r"who (does|will do|is doing) what", r"by when", r"\bactionee\b",
        r"no (date|deadline|due date)", r"undated", r"what (exactly )?(will|is going to) be done",
        r"what('?s| is) being done", r"actions? (are|is) (vague|empty|missing|blank)",
        r"mitigation (is )?(vague|missing)", r"no named", r"what'?s the plan", r"\bempty\b",
        r"\bblank\b", r"keep an eye", r"not an action",
    ],
    T.STRATEGY_MISMATCH: [
        r"\baccept(ed|ing)?\b", r"\btransfer(red|ring)?\b", r"strategy", r"contingency",
        r"fallback", r"fall-back", r"plan b", r"can'?t (carry|bear|absorb)", r"appetite",
        r"wrong response type", r"why (are we )?accept", r"insurance",
    ],
    T.STALE_REVIEW: [
        r"last (reviewed|looked at|updated|review)", r"not (been )?(reviewed|updated|looked at)",
        r"\bstale\b", r"out of date", r"out-of-date", r"\boverdue\b", r"months? ago",
        r"since (january|february|march|april|may|june|july|august|september|october|november|december|last)",
        r"\bold\b review", r"review date", r"(hasn'?t|haven'?t) (been )?(touched|reviewed|updated)",
        r"past (its|the) due", r"due date (has )?passed", r"outdated", r"when was (it|this|that) last",
    ],
    T.DUPLICATE: [
        r"duplicat", r"same (risk|thing|event|as)", r"(twice|two times)", r"overlap",
        r"double[- ]count", r"repeat(ed|s)? (risk|entry)", r"identical", r"the same\b",
        r"merge", r"combine",
    ],
    T.MISSING_RISK: [
        r"nothing (on|about|for|covering)", r"(missing|missed) (a )?risk", r"(isn'?t|is not|not) (on|in) the register",
        r"no risk (on|about|for)", r"(doesn'?t|does not) cover", r"what about", r"you'?ve missed",
        r"not (been )?(captured|logged|recorded|included)", r"\bmissing\b", r"left out",
        r"(add|log|raise) a (new )?risk", r"where'?s the risk", r"(there'?s|there is) no risk",
        r"nowhere (on|in)", r"\babsent\b", r"gap in the register", r"\bforgot",
    ],
    T.CLOSED_WITHOUT_REASON: [
        r"\bclosed?\b", r"closing", r"re-?open", r"(can'?t|cannot|no longer) happen",
        r"still (happen|occur|live|open)", r"what evidence", r"prematurely", r"too early",
        r"why (is|was) (it|this|that) closed",
    ],
    T.NOT_ESCALATED: [
        r"escalat", r"toleran", r"threshold", r"(the |programme |project )board", r"\bsro\b",
        r"above (the )?(limit|level|tolerance|threshold|15|12)", r"exceed", r"\bsponsor\b",
        r"raise(d)? (it )?(up|to)", r"go(ne)? up the (line|chain)", r"exception report",
    ],
}

CUES: dict[T, list[re.Pattern]] = {t: [re.compile(p) for p in ps] for t, ps in _CUES.items()}


def cue_scores(text: str) -> dict[T, int]:
    """How many cues of each flaw type the text contains."""
    low = text.lower()
    return {t: n for t, pats in CUES.items() if (n := sum(1 for p in pats if p.search(low)))}


def cued_types(text: str) -> list[T]:
    scores = cue_scores(text)
    return sorted(scores, key=lambda t: -scores[t])
