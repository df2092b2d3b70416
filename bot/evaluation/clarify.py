"""A learner correcting how their last message was read: "Sorry, I didn't mean R7, I meant...".

A correction withdraws the misread (it is not a second charge), and what follows it is read as
the point the learner meant.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_REF = r"(?:r\s?\d{1,2}|risk \d{1,2}|c\s?\d{1,2}|(?:clause|section) \d{1,2})"  # a row, or a policy's clause
# "Sorry if I've misread it, but..." is a courtesy before a point, not a correction of one.
_UNHEDGED = r"(?<!\bif )(?<!\bunless )(?<!\bmaybe )(?<!\bperhaps )"
CORRECTION = re.compile(
    r"(?:\bi\s*|\bsorry,?\s+)(?:was|'?m|am|did|do)?\s*(?:n'?t|not)\s+"
    r"(mean(ing)?(?! to\b)|quer(y|ying)|ask(ing)? about|talk(ing)? about|question(ing)?|challeng(e|ing)|"
    r"refer(ring)? to|on about)\b"
    r"|\bnot what i (meant|said|was (asking|saying))\b|\byou('?ve| have)? misunderstood\b"
    r"|\byou misread\b|\bthat'?s not my point\b|\bi wasn'?t clear\b|\bto be clear\b"
    r"|\b(wasn'?t|isn'?t|not) (meant as )?(a|an) (new )?(challenge|point|complaint)\b"
    r"|\bnot (a|an) (change|challenge|point) (to|on|about)\b"
    r"|\b" + _REF + r",? not " + _REF + r"\b|^\W*typo\b|\b(my|that was a) typo\b|\btypo,? (i meant|it'?s|should)\b"
    r"|\bi meant\b[^.?!]{0,80}\bnot " + _REF + r"\b"
    r"|^\W*(?:(?:sorry|sry|soz|no|oh|ah|oops|correction|apologies)\W+)+(?=i meant\b|what i meant\b|meant\b|i was (?:talking|asking) about\b)"
    r"|^\W*(?:(?:oops|sorry|sry|soz|typo|correction|ugh|argh|whoops)\W+)+(?:no\W+)?(?=" + _REF + r"\b)"
    r"|\b" + _REF + r",? i mean\b|\bnot " + _REF + r"\s*[-\u2013\u2014,:]+\s*" + _REF + r"\b|" + _UNHEDGED + r"\bi misread\b"
    r"|\b(other|wrong) way round\b"
    r"|\b(wrong|different) (row|line|risk|one|number|entry|id|reference|clause|section)( number)?\b|\bread the wrong\b"
    r"|\bmixed up the\b|\bmix(ed)? (them|the rows|the numbers|the ids) up\b|\bmuddled\b"
    r"|\bmeant to (say|write|type)\b|\bshould have (said|written|typed)\b|^\W*(correction|apologies)\b(?! if\b)"
    r"|\bi (meant|mean) (" + _REF + r"|the (other|next|previous|row|one|risk))\b|" + _UNHEDGED + r"\bi'?ve misread\b"
    r"|\blet me (put|say|phrase|word) (that|it) (properly|again|better|differently|right)\b"
    r"|\b(i )?(had|have) in mind\b[^.?!]{0,40}\bnot " + _REF + r"\b",
    re.IGNORECASE,
)
# "not R7", "didn't mean R5", "rather than R4", "not a change to R9", "not the template": what the
# learner disowns.
DISOWN = re.compile(
    r"\b(?:not|wasn'?t|isn'?t|didn'?t mean|did not mean|rather than|instead of)\s+(?:(?:a|an) (?:new )?(?:change|challenge|point) "
    r"(?:to|on|about)\s+)?(" + _REF + r"|(?:the )?[\w'-]+(?: [\w'-]+){0,3}?(?= (?:clause|section|row|one|risk)\b|[.,;!?]|$))",
    re.IGNORECASE,
)
# Where the learner turns to what they did mean.
MEANT = re.compile(
    r"\b((i )?meant\b|i (mean|was (talking|asking|thinking) about|am (talking|asking) about|'?m (talking|asking) about)"
    r"|what i (meant|mean) (was|is)|my point (was|is)|rather|instead)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?;\n]+\s*")


@dataclass
class Correction:
    withdrawn: str  # the words that take back the misread ("I didn't mean R7")
    rest: str  # what the learner did mean, to be read as a message of its own
    disowned: str = ""  # the risks the learner says they did not mean: "R7" in "I didn't mean R7"


def correction(text: str, said_so: bool = False) -> Correction | None:
    """The correction in a message, if it is one (`said_so`: the NLU model reads it as one)."""
    text = text.replace("\u2019", "'")
    m = CORRECTION.search(text)
    if m is None:
        if said_so:  # the model's reading, without words this module knows: all of it is meant
            return Correction(withdrawn="", rest=text,
                              disowned=" ".join(d.group(1) for d in DISOWN.finditer(text)))
        return None
    # The sentence holding the correction is withdrawn up to where the learner says what they meant.
    starts = [0] + [e.end() for e in _SENTENCE_END.finditer(text) if e.end() <= m.start()]
    start = starts[-1]
    end_m = _SENTENCE_END.search(text, m.end())
    end = end_m.end() if end_m else len(text)
    meant = MEANT.search(text, m.start(), end)
    if meant:
        end = meant.start()
    # "I didn't mean R7" disowns the risk; "I wasn't querying the arithmetic on R7" only the arithmetic.
    disowned = " ".join(d.group(1) for d in DISOWN.finditer(text))
    return Correction(withdrawn=text[start:end], rest=(text[:start] + " " + text[end:]).strip(), disowned=disowned)
