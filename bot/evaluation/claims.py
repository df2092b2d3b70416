"""What a message claims: a flaw ("3 x 4 is 12, so why 7?"), or only a question ("Should R6 be
escalated? I wasn't sure if 15 counts"), a take-back ("my mistake"), a higher rating. Only a claim
can be charged as a false challenge; a question is answered.
"""
from __future__ import annotations

import re

from bot.evaluation.cues import challenge_cue_scores, cue_scores
from bot.evaluation.reading import CONFIDENT, QUESTION_START, Reading
from bot.nlp.patterns import NOT_VERB

# A question that leads with the answer ("Isn't R3 scored wrong?") asserts a flaw. The gap after
# the opener is bounded: an unbounded \W* made a 4,000-character run of "? " take 0.9 s.
LEADING = re.compile(
    r"(?:^|[:,.!?;]|\b(?:but|so|and|why|then)\b)\W{0,8}(isn'?t|aren'?t|shouldn'?t|doesn'?t|don'?t|hasn'?t|haven'?t|wasn'?t|weren'?t|can'?t|"
    r"couldn'?t|won'?t|wouldn'?t|surely|so why|how (can|could|would) .{0,40}\b(own|be|hold|carry)\b)",
    re.IGNORECASE,
)
# A negative statement with a tag ("C3 sets no figures, does it?", "nobody reviewed it, did they?")
# says what the speaker holds and asks only for assent: it leads like "isn't it?" does. A positive
# one ("R13 covers the exchange rate, does it?") only checks.
TAG = re.compile(r",\s*(does|do|did|is|are|was|were|has|have|can|will|would)\s+(it|they|that|this|there|he|she|we|you)\s*\?",
                 re.IGNORECASE)
# "...or just copied across?": a question that offers the complaint as its second option leads.
# "Does it cover shared causes at all?" leans on its answer (but may still only ask).
AT_ALL = re.compile(r"\bat all\s*\?", re.IGNORECASE)
# Asking what a stated fact rests on doubts it too: "signed off, but what shows us the defects
# are gone?", "on what grounds?"
# Asking whether a stated oddity was meant ("4x4 is amber but 5x3 is red. Is that intended?")
# doubts it as well: nobody asks whether a sound rule was deliberate.
DOUBTING = re.compile(r"\bor (just|simply|merely)\b[^?]{0,80}\?|"
                      r"\b(what|which|where)\b(\s+[\w'-]+){0,6}?\s+(tells|shows|warns|alerts|assures|reassures) "
                      r"(us|you|me|anyone|them|the (board|reader|directors|members|committee))\b|"
                      r"\bon what (basis|grounds|evidence)\b|\bwhat('?s| is| was| are) [^?]{1,60}\bbased on\s*\?|"
                      r"\b(is|was) (that|this|it) (really )?(intended|intentional|deliberate|on purpose|by design|meant)(\s*\?|,| that\b)|"
                      r"\bdid (we|you|they) (mean|intend) (that|this|it)\b",
                      re.IGNORECASE)
# A PMO manager's rhetorical question names a gap ("How is a board meant to tell...?", "What stops
# the next project repeating it?"): at manager level it claims, as a leading question does.
RHETORICAL = re.compile(
    r"\bhow (is|are|was|were) [^?]{0,60}\b(meant|supposed|expected) to\b|"
    r"\bhow (would|could|will|can|do|does) [^?]{0,40}\b(ever )?(know|tell|spot|see|find out|test)\b|"
    r"\bwhat (stops|prevents|is there to stop)\b|\bwho (checks|assures|challenges|marks)\b|"
    # "So who actually gets it?", "How exactly would four people own it?", "Has nobody updated it?"
    r"\bso,? (who|how|what|which|where) (actually|exactly|then)\b|\bhow exactly\b|"
    r"\b(has|have|did|does|do|is|was|will) (nobody|no one|no-one|noone)\b|"
    r"\bwhere (would|does|do|will|is) [^?]{0,100}\b(go|sit|fit|live|land|end up)\b|"
    # a quality asked after in an arrangement: "Where is the independence in that arrangement?"
    r"\bwhere('?s| is) (the|any) [\w-]+ in (that|this|all (that|this)|it)\b|"
    # "What are the directors meant to make of that table?": what it is for, asked of a gap
    r"\bwhat (is|are|was|were|would|will) [^?]{0,60}\b(meant|supposed|expected) to (do|make|take|read)\b|"
    # a statement said as a question, opening any sentence: "So a 20 on safety stays in the annex
    # because it fits?", "That's the rule. So the supplier just carries on unchecked?"
    r"(?:^|[.!;:]\s+)\W*so,? (?!(what|who|whom|when|where|how|which|why|is|are|was|were|do|does|did|can|could|should|"
    r"would|will|has|have|may|might)\b)[^?]{12,}\?",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(no|not|never|nothing|none|without)\b|" + NOT_VERB, re.IGNORECASE)
MODAL = re.compile(r"\b(ought to|should have|must have|needs? to have|was meant to)\b", re.IGNORECASE)
# "Why...?", and its polite forms ("Can I ask why the fire risk is in the annex?")
WHY = re.compile(r"^\W*((and|so|but|then)\W+)?((can|could|may) i ask |i'?d (like|love) to (know|understand) )?(why|how come)\b",
                 re.IGNORECASE)
# "Fair enough, I missed that", "my mistake": the learner takes a point back themselves.
ADMIT = re.compile(r"\b(my mistake|my bad|i stand corrected|i was wrong|i missed that|i'?d missed that|"
                   r"missed that,? sorry|ignore (that|me)|point taken|fair point|that makes sense|makes sense now|"
                   r"i see (that )?now|ok,? i see|i accept (that|it|your point)|scratch that|leave it|never ?mind|"
                   r"(is|looks|seems) (fine( as it is)?|defensible)|no problem there|no complaints?( from me)?|i withdraw|withdraw (the|that|my) point|"
                   r"that'?s fair|ignore what i said|forget what i said|i take (that|it) back|happy with (that|it)|"
                   r"fair enough|you'?re (quite )?right|you'?re fine on|(look|looks|seem|seems) (fine|ok|okay|sound)|"
                   r"leave (it|them|r\s?\d{1,2}) (closed|as it is|as they are|alone|where it is))\b",
                   re.IGNORECASE)
# Someone else's judgement, a supposition or a condition ("Say Dominic's board decides a £500k
# risk is fine because...", "...if that makes sense") takes nothing back: it is the argument.
_NOT_OWN = re.compile(
    r"^\W*(say|suppose|imagine|picture|assume|what if)\b|\b(if|unless|whether)\b[^,;:]{0,60}$|"
    r"(?<!\bi )(?<!\bwe )\b(decides?|decided|thinks|thought|says|said|reckons|feels|felt|believes|assumes|"
    r"claims?|argues|argued|tells|told|deems?|deemed|concludes?|concluded)\b",
    re.IGNORECASE)


# "...not leave it on the register", "I'm not happy with it": the words of a take-back, negated
_NEGATED = re.compile(r"\b(not|never|cannot|\w+n['\u2019]t|dont|cant|wont|shouldnt|wouldnt|isnt)\s+(just\s+|simply\s+|be\s+)?$",
                      re.IGNORECASE)


def admissions(text: str) -> list[tuple[int, int]]:
    """Where (start, end) the learner takes a point back in their own voice."""
    out = []
    for x in SENTENCES.finditer(text):
        said = x.group()
        out += [(x.start() + m.start(), x.start() + m.end()) for m in ADMIT.finditer(said)
                if not _NOT_OWN.search(said[:m.start()]) and not _NEGATED.search(said[:m.start()])]
    return out


# A statement that opens by saying something is not there at all.
# ("there's nothing", "there's no trigger for it"; not a courtesy: "there's no rush, but...")
ABSENT = re.compile(r"^\W*(and |but |so )?(there'?s|there is|there are|theres) (nothing|none|no)\b"
                    r"(?! (rush|hurry|need|problem|worries|pressure|doubt|question)\b)(?!.{0,30}\b(curious|interest|wondering)\b)",
                    re.IGNORECASE)
HEDGE = re.compile(r"\b(not sure|wasn'?t sure|unsure|don'?t know|do not know|not certain|wonder(ing)?)\b",
                   re.IGNORECASE)
DOUBT = re.compile(r"\b(really|surely|honestly|seriously)\b", re.IGNORECASE)
SENTENCES = re.compile(r"[^.!?\n]+[.!?\n]*")
_TRAILING_QUESTION = re.compile(r"(?<=[.!])\s+[^.!?]*\?\s*$")


def sentences(text: str) -> list[str]:
    return [m.group().strip() for m in SENTENCES.finditer(text) if m.group().strip()]


def leads(text: str) -> bool:
    """A question that carries its answer ("Isn't...?", "really", "only a 2?")."""
    return bool(LEADING.search(text) or DOUBT.search(text) or _leading_only(text) or _tagged(text)
                or DOUBTING.search(text) or AT_ALL.search(text))


def _tagged(text: str) -> bool:
    first = NEGATION.search(text)  # once, not before every tag (linear on a long message)
    return first is not None and any(first.end() <= m.start() for m in TAG.finditer(text))


_ONLY = re.compile(r"\bonly\b", re.IGNORECASE)
_SECOND_OPTION = re.compile(r",\s*or\b[^?.!]*\?", re.IGNORECASE)


def _leading_only(text: str) -> bool:
    """"Is R3 only a 2?" leads; in the second option of an alternative question ("Is there a copy
    outside their tool, or is that the only version?", "...or only on request?") "only" just
    tells the options apart."""
    options = [m.span() for m in _SECOND_OPTION.finditer(text)]
    return any(not any(a <= m.start() < b for a, b in options) for m in _ONLY.finditer(text))


def asserts_flaw(reading: Reading) -> bool:
    """Does the message claim something is wrong, or only ask? The flaw's own wording ("3 x 4
    is 12", "can't carry it", "out of date"), a leading question ("Isn't...?", "really") or a
    statement the model is sure is a challenge claims; "Should R6 be escalated? I wasn't sure if
    15 counts" only asks, and is answered, never charged."""
    text = reading.text
    if challenge_cue_scores(text) or DOUBT.search(text):
        return True
    said = sentences(text) or [text]
    if any(LEADING.search(x) or _tagged(x) for x in said):
        return True
    # "there's nothing", "there are no triggers at all": a flat statement that something is absent
    if any(not x.endswith("?") and ABSENT.match(x) for x in said):
        return True
    # A statement that something is absent or off ("I can't see a fallback") claims too.
    if any((not x.endswith("?") or WHY.match(x)) and (NEGATION.search(x) or MODAL.search(x)) and cue_scores(x)
           and not HEDGE.search(x) for x in said):
        return True
    if not any(x.endswith("?") for x in said) and not QUESTION_START.match(text):
        # A statement about a row in a flaw's terms ("R12 should be escalated") is a claim.
        model_sure = reading.confidence >= CONFIDENT and (reading.intent or "").startswith("challenge_")
        return model_sure or bool(reading.cue_types)
    return False


_PAIR = re.compile(r"\b(?:p\s*)?([1-5])\s*(?:x|×|\*|times)\s*(?:i\s*)?([1-5])\b", re.IGNORECASE)
_PROBABILITY = re.compile(r"\b(?:probability|prob|likelihood|p)\s*(?:of |to |at |should be |shd be |= ?)?([1-5])\b", re.IGNORECASE)


def rates_higher(text: str, row) -> bool:
    """Does the message rate the row higher than the register does ("4 x 4 = 16", "prob 4")?"""
    if row is None:
        return False
    pairs = [(int(p), int(i)) for p, i in _PAIR.findall(text)]
    if any(p * i > row.score and (p, i) != (row.probability, row.impact) and p >= row.probability
           and i >= row.impact for p, i in pairs):
        return True
    return any(int(p) > row.probability for p in _PROBABILITY.findall(text))


def without_question(text: str) -> str:
    """A concession without its closing question, when the learner has already answered it."""
    stripped = text
    while True:
        shorter = _TRAILING_QUESTION.sub("", stripped)
        if shorter == stripped:
            return stripped
        stripped = shorter
