"""Builds the project's English spaCy pipeline: blank `en`, lookup lemmatizer (tables from
spacy-lookups-data, bundled at build time so nothing is downloaded at run time) and an entity
ruler for risk references, roles, numbers and dates. Rasa loads it through SpacyNLP."""
from __future__ import annotations

import sys
from pathlib import Path

from bot.nlp.patterns import MONTHS, NUMBER_WORDS, ROLE_PHRASES

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "build" / "en_pmo"

_NUM_TOKEN = {"REGEX": r"^(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")$"}


def entity_patterns() -> list[dict]:
    risk = [
        [{"TEXT": {"REGEX": r"^[Rr]-?\d{1,2}$"}}],
        [{"LOWER": "r"}, {"TEXT": {"REGEX": r"^\d{1,2}$"}}],
        [{"TEXT": {"REGEX": r"^#\d{1,2}$"}}],
        [{"TEXT": "#"}, {"TEXT": {"REGEX": r"^\d{1,2}$"}}],
        [{"LOWER": {"IN": ["risk", "risks", "row", "item", "number", "no", "no."]}},
         {"TEXT": "#", "OP": "?"}, {"LOWER": _NUM_TOKEN}],
    ]
    patterns = [{"label": "risk_ref", "pattern": p} for p in risk]
    patterns += [
        {"label": "role", "pattern": [{"LOWER": w} for w in phrase.split()]}
        for phrase in ROLE_PHRASES
    ]
    month = {"LOWER": {"IN": MONTHS}}
    day = {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}}
    year = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
    dates = [
        [{"TEXT": {"REGEX": r"^\d{4}-\d{2}-\d{2}$"}}],
        [{"TEXT": {"REGEX": r"^\d{1,2}/\d{1,2}/\d{2,4}$"}}],
        [day, month, year], [day, month], [month, day, year], [month, year], [month],
        [{"LOWER": {"IN": ["last", "next", "this"]}},
         {"LOWER": {"IN": ["week", "month", "quarter", "year", "monday", "friday"]}}],
        [{"LOWER": {"IN": ["today", "yesterday", "tomorrow"]}}],
    ]
    patterns += [{"label": "date", "pattern": p} for p in dates]
    patterns += [
        {"label": "number", "pattern": [{"LIKE_NUM": True}]},
        {"label": "number", "pattern": [{"TEXT": {"REGEX": r"^£?\d[\d,.]*[mk]?%?$"}}]},
    ]
    return patterns


def build(path: Path = DEFAULT_PATH) -> Path:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    nlp.initialize()  # loads the lemma lookup tables from spacy-lookups-data into the pipeline
    ruler.add_patterns(entity_patterns())  # after initialize, which resets the ruler
    nlp.meta["name"] = "en_pmo"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "PMO Challenge Tutor: blank en + lookup lemmatizer + entity ruler"
    path.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    return path


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)
    print(f"spaCy pipeline written to {out}")
