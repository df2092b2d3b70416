"""Two register rows that describe one event, in the same words or in different ones.

Rows are compared by the words that set them apart within their own register: each word stem is
weighted by how few rows use it (a project's name, used everywhere, says nothing), titles count
twice, and the cosine of the two weighted bags is the similarity. Rows that name different
instances of the same thing ("build drop 1" / "build drop 2", "Block A" / "Block B") are two events
however alike their words.
"""
from __future__ import annotations

import functools
import gzip
import json
import math
import re
from collections import Counter
from itertools import combinations
from pathlib import Path

SIMILAR = 0.4  # the cosine from which two rows read as one event (unrelated rows in our registers: < 0.3)
_WORD = re.compile(r"[a-z]{3,}(?:-[a-z]+)?")
_STOP = set(
    "the and for with that this from have has had will would could should may might must can cannot their there "
    "which into than they them been being before after risk risks because due about over under also only more most "
    "some such other were what when where while whilst not are was its our your his her then these those any all "
    "per via across between within without new use used using make made get got need needs there result resulting "
    "lead leading mean meaning cause caused causing impact affect project programme delay delays late".split())
# "drop 1", "phase two", "block C", "lot 3": an instance of a repeated thing
_INSTANCE = re.compile(
    r"\b(drop|phase|stage|step|part|milestone|block|lot|release|wave|site|building|tranche|sprint|package|gateway|"
    r"unit|floor|day|week|cohort|school|store|branch)"
    r"\s+([0-9]+|[a-h]\b|one|two|three|four|five|six)", re.IGNORECASE)


# Words a register uses for one thing: "employees choose to leave" and "staff may resign" are one
# event. General project vocabulary, not any one register's.
_GROUPS = (
    "staff employee people workforce personnel colleague worker volunteer",
    "leave resign quit depart turnover attrition vacancy exit",
    "supplier vendor contractor subcontractor provider",
    "late delay slip overrun behind",
    "fail failure breakdown break outage crash fault",
    "power generator electricity electrical",
    "approve approval sign-off signoff authorise authorize endorse",
    "withdraw withdrawal drop-out pull-out opt-out",
    "resident tenant occupant household",
    "budget cost funding money overspend",
    "clinician consultant doctor surgeon",
    "weather rain storm wind flood",
    "customer client user",
)
_CONCEPTS = {word: group.split()[0] for group in _GROUPS for word in group.split()}


@functools.lru_cache(maxsize=1)
def _lemmas() -> dict[str, str]:
    """spaCy's English lemma lookup table, read straight from spacy-lookups-data (no model needed)."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - installed with the project
        return {}
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def _stem(word: str) -> str:
    # Lemma ("leaving" -> "leave"), then the concept it names, else its first five letters
    # ("inspector" and "inspection" meet).
    lemma = _lemmas().get(word, word)
    return _CONCEPTS.get(lemma, lemma[:5])


def _bag(title: str, description: str) -> Counter:
    words = _WORD.findall(f"{title} {title} {description}".lower())
    return Counter(_stem(w) for w in words if w not in _STOP)


def _instances(text: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2).lower() for m in _INSTANCE.finditer(text)}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    na, nb = math.sqrt(sum(v * v for v in a.values())), math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def duplicate_pairs(rows: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(id, title, description) rows in; the pairs that describe one event, in register order."""
    bags = [_bag(title, description) for _, title, description in rows]
    used = Counter(w for bag in bags for w in bag)
    n = len(rows)
    weighted = [{w: c * math.log((n + 1) / (used[w] + 0.5)) for w, c in bag.items()} for bag in bags]
    pairs = []
    for i, j in combinations(range(n), 2):
        (a, ta, da), (b, tb, db) = rows[i], rows[j]
        same_title = ta.strip().lower() == tb.strip().lower()
        if not same_title and _cosine(weighted[i], weighted[j]) < SIMILAR:
            continue
        ia, ib = _instances(f"{ta} {da}"), _instances(f"{tb} {db}")
        if any(ia[k] != ib[k] for k in ia.keys() & ib.keys()):
            continue  # "drop 1" and "drop 2": the same kind of event, twice
        pairs.append((a, b))
    return pairs
