"""What a learner's message says, in the terms of the register: which risks, which flaw types."""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field

from bot.evaluation.cues import challenge_cue_scores, cue_scores
from bot.nlp.manager_reader import points
from bot.nlp.patterns import CLAUSE_REF, NOT_VERB, RISK_REF, number_value
from bot.scenarios.model import Scenario
from bot.taxonomy import PROCESS_KIN, PROCESS_TYPES, REGISTER_TYPES, FlawType, type_for_intent

PROCESS, REGISTER, ALL_TYPES = frozenset(PROCESS_TYPES), frozenset(REGISTER_TYPES), frozenset(FlawType)

# Below this the model's intent is a hint among others, not the answer.
CONFIDENT = 0.6
PLAUSIBLE = 0.3
# The manager-level reader's probability above which its process-design point counts as what the
# learner's words say (like a cue).
READER_SURE = 0.5
# Below that, its best guess still settles which point is made about a clause or row the learner
# named ("the appetite clause has no figures at all"), when it is the flaw that sits there.
READER_LEANS = 0.2
# An open question ("is that the same matrix C6 describes?") makes a point only when it is this sure.
READER_CERTAIN = 0.8
QUESTION_START = re.compile(
    r"^\s*(could|can|would|will|is|isn'?t|are|aren'?t|was|hasn'?t|haven'?t|do|does|whens|whats|whos|"
    r"(has|have)(?= (you|we|they|he|she|it|i|the|anyone|anybody|someone|somebody|this|that|there|any|r\s?\d)\b)|"
    r"doesn'?t|did|should|shouldn'?t|what|why|who|when|where|how|which|i wonder|wonder|"
    r"might|may|just checking|quick question)\b",
    re.IGNORECASE,
)


# A request for facts ("how much contingency is left?") rather than a challenge put as a question.
INFO_QUESTION = re.compile(
    # (after a short lead-in: "For the homes programme, who chairs the board?")
    r"^\s*(?:(?:for|on|about|regarding|in|with|and|so|ok|okay)\b[^,?]{0,40},\s*)?"
    r"(?:(?:roughly|approximately|quickly|briefly)\s+)?"  # "Roughly how much...?"
    r"(who|who'?s|whos|when|when'?s|whens|where|wheres|which|what|what'?s|whats|"
    r"how (many|much|long|often|big|far|does|do|is|are))\b",
    re.IGNORECASE,
)
# Asking what a term means ("Forgive me, what is a 'waking watch'?", "What does PSDS stand for?",
# "What does 'held at programme level' mean in R4's actions?"): a question about words, not a
# point. Not "what does 'cautious' mean for a £300k risk?", which asks the policy to be measurable.
DEFINING = re.compile(
    r"\bwhat(?: is|'s| are) (?:a|an) ['\"‘“]?[\w&/ -]{2,40}?['\"’”]?\s*\?|"
    r"\bwhat (?:does|do) ['\"‘“]?[\w&/' -]{2,40}?['\"’”]? (?:mean|stand for)"
    r"(?: here| exactly| again| in (?:[rc]\s?\d{1,2}|(?:the|this) (?:row|clause|report|policy|draft))(?:'s [\w ]{2,20}?)?)?\s*\?|"
    r"\bwhat (?:do you mean|is meant) by ['\"‘“]?[\w&/' -]{2,40}?['\"’”]?\s*\?|"
    r"\b(?:explain|tell me|remind me) what (?:the |a |an )?['\"‘“]?[\w&/' -]{2,40}?['\"’”]? (?:is|are|means?)\b",
    re.IGNORECASE)
# Words that turn a question into a challenge ("what's the fallback if we accept it?" is not one).
COMPLAINT = re.compile(
    # negations count whatever their form: "Neither of them is a benefit" complains
    r"\b(wrong|not|no|never|neither|nor|nobody|none|too|should|shouldn'?t|why|really|surely|same|already|vague|over|above|"
    r"despite|still|but|only|just|instead|rather|right(?! now| away|,)|fair|enough|realistic|correct|ok|okay)\b|" + NOT_VERB,
    re.IGNORECASE,
)

# A question that says it is only curious asks for facts, whatever it names.
CURIOUS = re.compile(r"\b(out of (interest|curiosity)|just (curious|wondering)|i'?m (curious|wondering)|"
                     r"for my own (understanding|benefit)|for context|quick question|"
                     # "...? Just working out where each row comes from."
                     r"(just )?(working out|getting my head (round|around)|getting my bearings|checking my understanding|"
                     r"orienting myself|trying to (understand|work out|get my head (round|around)|get my bearings)))\b",
                     re.IGNORECASE)


# Said around a question, about nothing in the artefact: a courtesy ("Thanks Rhiannon, this is
# really clear.") or the learner's own situation ("I've only seen the executive summary.").
_COURTESY = re.compile(
    r"^\W*(hi|hello|morning|good (morning|afternoon)|thanks|thank you|many thanks|cheers|lovely|brilliant|"
    r"perfect|appreciated?)\b[^.!?]{0,80}[.!]*$|"
    r"^\W*(i'?m|i am|i'?ve|i have|i haven'?t|i was|i wasn'?t)\b[^.!?]{0,80}[.!]*$",
    re.IGNORECASE)
_NOT_ASIDE = re.compile(r"\b(but|though|however|think|believe|feel|reckon|suspect|worr\w*|doubt\w*|see|disagree|"
                        r"agree|convinced|sure|happy|unhappy|uneasy|nervous|comfortable|uncomfortable|concerned|would|should|expect|find|wrong|missing|"
                        r"struggl\w*|confused|lost|puzzled|baffled|unclear)\b", re.IGNORECASE)


def aside(sentence: str) -> bool:
    """Names no item, and says nothing of it ("I'm struggling with R5, it's two words" does)."""
    return bool(_COURTESY.match(sentence)) and not _NOT_ASIDE.search(sentence) \
        and not RISK_REF.search(sentence) and not CLAUSE_REF.search(sentence) and not challenge_cue_scores(sentence)


# Assent with nothing after it: "Yes, that works for me.", "OK, sounds good."
_ASSENT = re.compile(r"^\W*(yes|yeah|yep|yup|ok|okay|sure|agreed|fine|great|good|right|lovely|sounds good|"
                     r"that works|works for me|deal)\b[^.!?]{0,40}[.!]*$", re.IGNORECASE)


def assents(text: str) -> bool:
    """Says yes, and nothing about any item."""
    said = [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x]
    return bool(said) and all(_ASSENT.match(x) or aside(x) for x in said) and not RISK_REF.search(text) \
        and not CLAUSE_REF.search(text) and not challenge_cue_scores(text) and not re.search(
            r"\b(but|though|however|not|no|wrong|missing)\b", text, re.IGNORECASE)


def without_asides(text: str) -> str:
    """The message without its courtesies and the learner's asides about themselves."""
    said = re.split(r"(?<=[.!?])\s+", text.strip())
    kept = [x for x in said if not aside(x)]
    return " ".join(kept) if kept and len(kept) < len(said) else text


# A question about something outside the artefact: another body's document ("Does Brackenridge's
# contract require their 4x4...?", "What does Cabinet's appetite statement say?"), the corporate
# one beside it, or the organisation at large ("Is there a lessons log anywhere in the council?").
_ASKED_OF = re.compile(
    r"^\W*(?:(?:and|so|but|also)\s+)?(?:what|how|when|where|who|which)?\s*"
    r"(?:does|do|did|is|are|was|were|has|have|can|could|will|would)\s+(?P<subject>[^?]{0,80})", re.IGNORECASE)
_ELSEWHERE = re.compile(
    r"^(?:the |their |its )?(?:[A-Z][\w&-]+(?: [A-Z][\w&-]+)*['\u2019]s|corporate|council-wide|organisation-wide)"
    r"(?: [\w-]+){0,3}? (?:contract|statement|strategy|log|minutes|agreement|plan|matrix|tool|system|register|"
    r"charter|constitution|procedures?|guidance)\b|"
    r"^there (?:a |an |any )?[\w -]{2,40} anywhere (?:in|across) (?:the |our )?(?:council|organisation|organization|"
    r"university|trust|company|business|authority)\b|"
    # what is happening now, not what the draft says: "Are there any grants in the pipeline at the moment?"
    r"^there (?:a |an |any )?[\w -]{2,40}?\b(?:in the pipeline|at the moment|currently|right now|coming up|on the horizon)\b")
_PRONOUN = re.compile(r"^(?:it|they|that|this|those|them)\b", re.IGNORECASE)


def asks_elsewhere(text: str, scenario: Scenario) -> bool:
    """Every question in the message asks about something outside the artefact (a pronoun
    follows the question before it), and nothing else is said: the stakeholder is asked for
    facts, nothing in the draft is challenged, whatever "at all" or "...or just habit?" lean on."""
    sentences = [x for x in re.split(r"(?<=[?.!])\s+", text.strip()) if x.strip()]
    if not sentences or not all(x.endswith("?") or aside(x) for x in sentences):
        return False
    said = [x for s in sentences for x in re.split(
        r",\s+(?=(?:and|or)\s+(?:does|do|did|is|are|was|were|has|have)\b)", s)]
    outside = None
    for x in said:
        m = _ASKED_OF.match(x)
        if not m:
            if aside(x) or re.match(r"^\W*or\b", x, re.IGNORECASE):
                continue
            return False
        subject = m.group("subject").strip()
        if _PRONOUN.match(subject) and outside:
            continue
        outside = bool(_ELSEWHERE.match(subject)) and not any(  # its words may name a clause; an id may not
            firm for _, _, firm in risk_positions(subject, scenario))
        if not outside:
            return False
    return bool(outside)


def info_question(text: str) -> bool:
    """A request for facts ("Sorry, I'm new. Who holds the Calder contract?"): its questions
    ask who/what/when/how much, and nothing in it complains (a courtesy round it is not read)."""
    text = without_asides(text)
    asked = [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x.endswith("?")] or [text.strip()]
    # "Is the 4x4 something the contract requires, out of interest?" says it is only curious
    return bool(asked) and (all(INFO_QUESTION.match(x) for x in asked) or bool(CURIOUS.search(text))) \
        and not COMPLAINT.search(CURIOUS.sub(" ", text))


@dataclass
class Reading:
    text: str
    intent: str | None = None
    confidence: float = 0.0
    risk_ids: list[str] = field(default_factory=list)
    types: list[FlawType] = field(default_factory=list)
    cue_types: set[FlawType] = field(default_factory=set)
    # the process-design points the manager-level reader is sure the words make, and its best guess
    read_points: set[FlawType] = field(default_factory=set)
    leaning: FlawType | None = None
    leaning_p: float = 0.0
    heard: dict[str, float] = field(default_factory=dict)  # the reader's probability of each point

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_question(self) -> bool:
        return "?" in self.text or bool(QUESTION_START.match(self.text))

    @property
    def wants_fix(self) -> bool:
        return self.intent == "propose_fix"

    @property
    def asks_about_project(self) -> bool:
        return self.intent == "ask_question"

    @property
    def is_challenge(self) -> bool:
        return bool(self.types) or (self.intent or "").startswith("challenge_")


# Words that never pick out one row on their own ("the second row" is row 2, not "second drop").
_NOT_DESCRIPTIVE = {
    "the", "a", "an", "of", "for", "on", "in", "to", "and", "or", "with", "about", "at", "by",
    "from", "this", "that", "these", "those", "other", "same", "whole", "first", "second",
    "third", "last", "next", "new", "old", "big", "main", "one", "risk", "row", "entry", "line",
    "not", "no", "before", "after", "s", "is", "it", "its", "our", "your", "my", "very", "real",
}
_RISK_NOUN = r"(?:risks?|ones?|rows?|entry|entries|line|item)"
_CLAUSE_NOUN = r"(?:clauses?|sections?|paras?|paragraphs?|parts?|bits?|wording)"
# Words that end a noun phrase: "merge the two into one row" names no row ("drop two" is one).
_NOT_A_NAME = {"into", "onto", "in", "on", "of", "to", "for", "with", "from", "by", "as", "at", "and",
               "or", "than", "is", "are", "was", "be", "it", "them", "they"}
# "the interface risk", "the data load row", "the dress-rehearsal one"
_DESCRIBED = re.compile(r"\bthe ((?:[\w'-]+ ){0,3}?[\w'-]+) " + _RISK_NOUN + r"\b")
# "the escalation section", "the template bit": a policy's clauses are not risks or rows
# (in chat the article goes: "appetite clause is words only", "roles bit makes PMs own...")
_DESCRIBED_CLAUSE = re.compile(r"(?:\bthe |^\W*|[.!?;:]\s+)((?:[\w'-]+ ){0,3}?[\w'-]+) " + _CLAUSE_NOUN + r"\b")
# "the section on our office", "the part about lessons": a clause named by what it covers
_CLAUSE_ON = re.compile(r"\b(?:clause|section|part|bit|paragraph|para|wording) (?:on|about|covering|for|dealing with|that deals with) "
                        r"((?:the |our |its )?[\w'-]+(?: [\w'-]+)?)")
# "the register template only holds one score": a policy's topic said as a thing of its own
_DETERMINED = re.compile(r"\b(the|our|its|this|that) $")
# "risks 7 and 10", "rows 3, 5 and 9": every number of the list
_LIST_TAIL = re.compile(
    r"(?<![\w#])(?:risks|rows|numbers|items)\s*#?\s*\d{1,2}((?:\s*(?:,|and|&|\+)\s*(?:r\s?|#)?\d{1,2}(?!\w))+)",
    re.IGNORECASE,
)


def _word(token: str) -> str:
    token = token.lower().strip("'")
    return token[:-1] if len(token) > 4 and token.endswith("s") and not token.endswith("ss") else token


def _words(text: str) -> list[str]:
    return [_word(w) for w in re.findall(r"[a-z0-9]+", text.lower())]


@functools.lru_cache(maxsize=4096)
def _alias_pattern(alias: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(alias.lower()) + r"(?!\w)")


@functools.lru_cache(maxsize=256)
def _vocabulary(rows: tuple) -> dict[str, set[str]]:
    """Each row's describing words (title and aliases), once per register."""
    return {rid: set(_words(title + " " + " ".join(aliases))) - _NOT_DESCRIPTIVE for rid, title, aliases in rows}


def _item_vocabulary(scenario: Scenario) -> dict[str, set[str]]:
    return _vocabulary(tuple((item.id, item.title, tuple(item.aliases)) for item in scenario.items))


def topic_row(text: str, scenario: Scenario, pair: bool = False) -> list[str]:
    """The one row whose title and aliases share the most words with the message, if one clearly
    does (two or more words, more than any other row); with `pair`, also the two rows that share
    them equally and more than any other (a risk logged twice is told in the same words)."""
    said = set(_words(text)) - _NOT_DESCRIPTIVE
    scores = sorted(((len(said & v), rid) for rid, v in _item_vocabulary(scenario).items()), reverse=True)
    scores += [(0, "")] * 3
    (best, rid), (second, other), third = scores[0], scores[1], scores[2][0]
    if pair and best >= 2 and best == second > third:
        return [rid, other]
    if best >= 2 and best > second:
        return [rid]
    if pair or not scenario.rows or scenario.level != "manager":
        return []
    # A portfolio report's rows come from many registers and are told by what they say ("a panel
    # visit in February leaves seven months before the intake"): two or more words only that
    # row's description uses. (In a project's own register the learner names rows by id.)
    telling = _telling(tuple((row.id, row.description) for row in scenario.rows))
    scores = sorted(((len(said & v), rid) for rid, v in telling.items()), reverse=True) + [(0, "")] * 2
    return [scores[0][1]] if scores[0][0] >= 2 and scores[0][0] > scores[1][0] else []


@functools.lru_cache(maxsize=64)
def _telling(rows: tuple[tuple[str, str], ...]) -> dict[str, set[str]]:
    """Per row, the words of four letters or more that its description uses and no other row's does."""
    words = {rid: {w for w in _words(text) if len(w) >= 4} - _NOT_DESCRIPTIVE for rid, text in rows}
    used = Counter(w for ws in words.values() for w in ws)
    return {rid: {w for w in ws if used[w] == 1} for rid, ws in words.items()}


def topic_words(text: str, scenario: Scenario, rids) -> set[str]:
    """The describing words of these rows' titles and aliases that the message says."""
    vocab = _item_vocabulary(scenario)
    return (set(_words(text)) - _NOT_DESCRIPTIVE) & set().union(*(vocab.get(r, set()) for r in rids))


def described_rows(text: str, scenario: Scenario) -> list[tuple[int, str]]:
    """Risks named by what they are about: "the interface risk" -> the row whose title or
    aliases carry those words, when one row clearly fits better than any other."""
    vocab = _item_vocabulary(scenario)
    hits = []
    low = text.lower()
    spans = list((_DESCRIBED_CLAUSE if scenario.clauses else _DESCRIBED).finditer(low))
    for m in _CLAUSE_ON.finditer(low) if scenario.clauses else ():
        words = set(_words(m.group(1))) - _NOT_DESCRIPTIVE
        scores = sorted(((len(words & v), rid) for rid, v in vocab.items()), reverse=True) + [(0, "")] * 2
        if scores[0][0] and scores[0][0] > scores[1][0]:
            hits.append((m.start(), scores[0][1]))
    for m in spans:
        said = _words(m.group(1))
        if "the" in said[:-1]:  # "In the assurance clause": from the sentence's start, the name is after "the"
            said = said[len(said) - said[::-1].index("the"):]
        pair = said[0] in ("two", "both")
        words = set(said[pair:]) - _NOT_DESCRIPTIVE
        if not words or _NOT_A_NAME & set(said):
            continue
        scores = sorted(((len(words & v), rid) for rid, v in vocab.items()), reverse=True) + [(0, "")] * 2
        (best, rid), second, third = scores[0], scores[1][0], scores[2][0]
        if pair and second and best == second > third:
            # "the two library rows": the pair that fits equally, and better than any other
            hits += [(m.start(), rid), (m.start(), scores[1][1])]
        elif best and best > second:
            hits.append((m.start(), rid))
    return hits


# "Aisha's risk", "Gareth's interface one": a row named by its owner (and, if they own several,
# by what it is about).
# Chat is often lower case ("tessa's row"): the name need only be an owner's first name.
_OWNERS_ROW = re.compile(r"\b([A-Za-z][a-z]+)['\u2019]s ((?:[\w-]+ ){0,3}?)" + _RISK_NOUN + r"\b")


_HONORIFICS = {"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "sir", "dame", "cllr", "councillor", "rev"}


def _first_name(owner: str) -> str:
    """"Professor Mei Ling Tan (Pro-Vice-Chancellor)" -> "mei": how a colleague names her row."""
    return next((w for w in _words(owner) if w not in _HONORIFICS), "")


def rows_by_owner(text: str, scenario: Scenario) -> list[tuple[int, str]]:
    vocab = _item_vocabulary(scenario)
    hits = []
    for m in _OWNERS_ROW.finditer(text):
        name = _word(m.group(1))
        owned = [row.id for row in scenario.rows if _first_name(row.owner) == name]
        words = set(_words(m.group(2))) - _NOT_DESCRIPTIVE
        if len(owned) > 1 and words:
            owned = [rid for rid in owned if words & vocab[rid]]
        if len(owned) == 1:
            hits.append((m.start(), owned[0]))
    return hits


# A phrase in quotes: "'cautious about financial risk' means nothing".
_QUOTED = re.compile(r"""(?:^|(?<=[\s(]))['"‘“]([^'"’”]{6,160})['"’”]""")


def _squash(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9£%]+", text.lower()))


def quoted_items(text: str, scenario: Scenario) -> list[tuple[int, str]]:
    """Items named by quoting their own words, word for word or loosely ("'cautious about financial
    risk'" of "cautious about financial, service delivery and reputational risk"): a quote of two
    words or more that only one clause's text (or row's description) holds."""
    bodies = {item.id: _squash(getattr(item, "text", None) or getattr(item, "description", ""))
              for item in scenario.items}
    hits = []
    for m in _QUOTED.finditer(text):
        said = _squash(m.group(1))
        words = set(said.split()) - _NOT_DESCRIPTIVE
        if len(said.split()) < 2 or not words:
            continue
        having = [i for i, body in bodies.items() if said in body] or [
            i for i, body in bodies.items() if words <= set(body.split())]
        if len(having) == 1:
            hits.append((m.start(), having[0]))
    return hits


def _one_slip(a: str, b: str) -> bool:
    """b is a with one letter left out, added, changed or two swapped ("apetite", "tolerence")."""
    if a == b:
        return True
    if len(a) < 6 or abs(len(a) - len(b)) > 1:  # "scope" and "score" are two words
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@functools.lru_cache(maxsize=4096)
def _alias_words(alias: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", alias.lower()))


def _alias_span(alias: str, low: str, slips: bool) -> tuple[int, int] | None:
    """Where the alias is said, (start, end); with slips, also where it is written with a slip in
    a word ("the apetite clause")."""
    m = _alias_pattern(alias).search(low)
    if m or not slips:
        return m.span() if m else None
    return _slipped(alias, low)


@functools.lru_cache(maxsize=8192)  # a message is read several times over
def _slipped(alias: str, low: str) -> tuple[int, int] | None:
    want = _alias_words(alias)
    if not any(len(w) >= 6 for w in want):
        return None  # short words are never read through a slip
    words = list(re.finditer(r"[a-z0-9]+", low))
    for i in range(len(words) - len(want) + 1):
        if all(_one_slip(w, words[i + k].group()) for k, w in enumerate(want)):
            return words[i].start(), words[i + len(want) - 1].end()
    return None


_POSITIONS: dict[tuple[int, str], tuple[Scenario, tuple]] = {}
_POSITIONS_KEPT = 512


def risk_positions(text: str, scenario: Scenario) -> list[tuple[int, str, bool]]:
    """Where each risk is named: (offset, risk id, named by id or number?), in text order.
    A message is looked at several times as it is judged (a fifth of the action's time when
    each look read it again), so the answer is kept for the few messages just read."""
    key = (id(scenario), text)
    kept = _POSITIONS.get(key)
    if kept is not None and kept[0] is scenario:  # not another scenario born at a reused address
        return list(kept[1])
    found = _risk_positions(text, scenario)
    if len(_POSITIONS) >= _POSITIONS_KEPT:
        _POSITIONS.pop(next(iter(_POSITIONS), None), None)  # oldest first: dicts keep their order
    _POSITIONS[key] = (scenario, tuple(found))
    return found


def _risk_positions(text: str, scenario: Scenario) -> list[tuple[int, str, bool]]:
    """Where each risk is named: (offset, risk id, named by id or number?), in text order.

    Risks are named by id/number ("R4", "risk four", "#4", "risks 7 and 10") or by what they are
    about (an alias, or words of the row's title: "the interface risk")."""
    ids = {item.id for item in scenario.items}
    explicit: list[tuple[int, str]] = []
    for m in RISK_REF.finditer(text):
        n = number_value(next(g for g in m.groups() if g))
        if n is not None and f"R{n}" in ids:
            explicit.append((m.start(), f"R{n}"))
        elif n is not None and not m.group(1) and f"C{n}" in ids:
            explicit.append((m.start(), f"C{n}"))  # "number 4", "#4" in a policy: its clause
    if scenario.clauses:
        for m in CLAUSE_REF.finditer(text):
            n = number_value(next(g for g in m.groups() if g))
            if n is not None and f"C{n}" in ids:
                explicit.append((m.start(), f"C{n}"))
    for m in _LIST_TAIL.finditer(text):
        for n in re.finditer(r"\d{1,2}", m.group(0)):
            if f"R{int(n.group())}" in ids:
                explicit.append((m.start() + n.start(), f"R{int(n.group())}"))
    explicit += rows_by_owner(text, scenario) + quoted_items(text, scenario)
    low = text.lower()
    # A row quoted by its title ("'Interface defects not fixed before UAT' is scored 7") is as
    # precise as its id. A clause's title is short and everyday ("The Portfolio Office"): a name
    # like its aliases, and one word ("Review") names nothing.
    for row in scenario.rows:
        m = _alias_pattern(row.title).search(low)
        if m:
            explicit.append((m.start(), row.id))
    described: list[tuple[int, str]] = []
    clauses = bool(scenario.clauses)  # a policy's items are all clauses
    noun = _CLAUSE_NOUN if clauses else _RISK_NOUN
    # In a policy, a clause called a clause or section by its topic ("the exception reporting
    # clause", "the section on our office") is named as firmly as by its number; one it is
    # compared with ("the same gap as the appetite clause") is not the subject.
    firmly = [(at, rid) for at, rid in described_rows(text, scenario)
              if not _COMPARED.search(low[max(0, at - 24):at])] if clauses else []
    firm = bool(explicit or firmly)
    for row in scenario.items:
        titles = [row.title] if clauses and " " in row.title.strip() else []
        for alias in titles + row.aliases:
            # a clause's few names are worth reading through a slip; a register's many aliases are not
            span = _alias_span(alias, low, slips=clauses)
            if span is None:
                continue
            if not firm:
                described.append((span[0], row.id))
                break
            # Once risks are named by id, a name in passing ("handed to Calder") is an argument,
            # not another reference, unless it is said to be a risk ("the Calder one") or, in a
            # policy, a clause ("the ownership section", not "an ownership role"), wherever
            # it is said so ("...the appetite statement. ...the appetite section stops halfway").
            named = next((m.start() for m in _alias_pattern(alias).finditer(low)
                          if _said_as_item(alias, low, m, noun, clauses)), None)
            if named is not None:
                described.append((named, row.id))
                break
    seen = {rid for _, rid in described}
    if clauses:
        described += [(at, rid) for at, rid in firmly if rid not in seen]
    elif not explicit:
        # "the dress-rehearsal row ...; the training row ...": each description names its own row.
        described += [(at, rid) for at, rid in described_rows(text, scenario) if rid not in seen]
    return sorted([(at, rid, True) for at, rid in explicit] + [(at, rid, False) for at, rid in described])


# "the same problem as the appetite clause", "as with the template": named to compare, not challenged
_COMPARED = re.compile(r"\b(same [\w-]+ as|as with|as in|as for|like|unlike|than|compared (with|to))\s*$")
# The office itself ("the PMO", "the Portfolio Office") acts in many clauses: said beside a clause
# named firmly, it names its own clause only when called one ("the PMO clause").
THE_OFFICE = re.compile(r"\b(pmo|(portfolio|programme|project) (management )?office)\b", re.IGNORECASE)


def _said_as_item(alias: str, low: str, m: re.Match, noun: str, clauses: bool) -> bool:
    """Beside an item named firmly, is this name of another said as the name of an item?"""
    before = low[max(0, m.start() - 24):m.start()]
    if clauses and _COMPARED.search(before):
        return False
    if re.match(r"\s+" + noun + r"\b", low[m.end():]):
        return True  # "the Calder one", "the ownership section"
    if clauses and THE_OFFICE.search(alias):
        return False
    # "the Calder one" as an alias; in a policy, "the register template only holds one score"
    return alias.startswith("the ") or clauses and bool(_DETERMINED.search(before[-6:]))


def mentioned_risks(text: str, scenario: Scenario) -> list[str]:
    """Risk ids named in the text, in order of mention, without repeats."""
    ordered: list[str] = []
    for _, rid, _explicit in risk_positions(text, scenario):
        if rid not in ordered:
            ordered.append(rid)
    return ordered


def types_in_play(scenario: Scenario) -> frozenset[FlawType]:
    """The flaw types a learner can raise here: a register's at analyst level, a policy's
    process-design types, both for a portfolio register at manager level."""
    if scenario.artefact == "policy":
        return PROCESS
    return ALL_TYPES if scenario.level == "manager" else REGISTER


def read(
    text: str,
    scenario: Scenario,
    intent: str | None = None,
    confidence: float = 0.0,
) -> Reading:
    allowed = types_in_play(scenario)
    cues = {t: n for t, n in cue_scores(text).items() if t in allowed}
    model_type = type_for_intent(intent) if confidence >= PLAUSIBLE else None
    # In a draft policy the model's register reading points at its process-design kin; the words
    # (or the clause named) say which.
    kin = [t for t in PROCESS_KIN.get(model_type, ()) if t in allowed] if model_type not in allowed else []
    model_type = model_type if model_type in allowed else None
    if info_question(text):
        # Topic words in a plain question ("who holds the Calder contract?") are not cues, and
        # a challenge intent with nothing in the words behind it is not the learner's point.
        cues = {t: n for t, n in challenge_cue_scores(text).items() if t in allowed}
        if model_type not in cues and confidence < CONFIDENT:
            model_type = None
    read_points: set[FlawType] = set()
    leaning, p, heard = None, 0.0, {}
    if allowed & PROCESS:
        heard = points(text, allowed)
        point, p = next(iter(heard.items()), (None, 0.0))
        if point and p >= READER_LEANS:
            leaning = FlawType(point)
        if leaning and p >= READER_SURE:
            read_points.add(leaning)
            cues[leaning] = cues.get(leaning, 0) + 1
    by_cue = sorted(cues, key=lambda t: -cues[t])
    types: list[FlawType] = []
    # A sure model leads, unless none of the learner's words support its reading and some
    # support another: then the PM answers the point the words make ("R7 at 2 looks light").
    if model_type and confidence >= CONFIDENT and (model_type in cues or not cues):
        types.append(model_type)
    types += [t for t in by_cue if t not in types]
    if model_type and model_type not in types:
        types.append(model_type)
    if confidence >= CONFIDENT or not types:  # an unsure model's kin guess never adds a second point
        types += [t for t in kin if t not in types]
    return Reading(
        text=text,
        intent=intent,
        confidence=confidence,
        risk_ids=mentioned_risks(text, scenario),
        types=types,
        cue_types=set(cues),
        read_points=read_points,
        leaning=leaning,
        leaning_p=p if leaning else 0.0,
        heard=heard,
    )
