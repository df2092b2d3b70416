"""Which process-design point a PMO manager's message makes, read from its words.

The Rasa model knows the register flaw types only: training the twelve process-design types into
it spread its confidence so far that the analyst level lost crediting (97.1% -> 89.4% on held-out
messages, 2026-12-02). So the manager level has its own small reader: word and character n-grams
with a logistic regression, trained on data/nlu_manager (one intent per process-design type)
against everything in data/nlu (register challenges, questions, session talk) as "other". It is
asked only where process-design types are in play, and it is one opinion beside the cue words.

Training takes a few seconds, so the fitted reader is kept in build/ and rebuilt only when the
training files change."""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROCESS_DATA = ROOT / "data" / "nlu_manager"
OTHER_DATA = ROOT / "data" / "nlu"
CACHE = ROOT / "build" / "manager_reader.pkl"
OTHER = "other"
_MARKUP = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def _examples(path: Path):
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in (item.get("examples") or "").splitlines() if "intent" in item else ():
            line = line.strip()
            if line.startswith("- "):
                yield item["intent"], _MARKUP.sub(r"\1", line[2:]).strip().strip('"')


def _files() -> list[Path]:
    return sorted(PROCESS_DATA.glob("*.yml")) + sorted(OTHER_DATA.glob("*.yml"))


def training_set() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in _files():
        process = path.parent == PROCESS_DATA
        for intent, text in _examples(path):
            texts.append(text)
            labels.append(intent.removeprefix("challenge_") if process else OTHER)
    return texts, labels


def _fingerprint() -> str:
    h = hashlib.sha256(b"v1")
    for path in _files():
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def _fit():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    texts, labels = training_set()
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        # character n-grams carry typos and word forms ("escalaton", "tolerances")
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
    )
    # balanced: ~30 examples per process type against ~1,400 "other"
    model = make_pipeline(features, LogisticRegression(C=5, max_iter=2000, class_weight="balanced"))
    model.fit(texts, labels)
    return model


@functools.lru_cache(maxsize=1)
def _model():
    key = _fingerprint()
    try:
        with CACHE.open("rb") as f:
            saved_key, model = pickle.load(f)
        if saved_key == key:
            return model
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
        pass  # missing, stale or written by another library version: fit again
    model = _fit()
    try:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=CACHE.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump((key, model), f)
        os.replace(tmp, CACHE)  # atomic: the action server and tests may fit at once
    except OSError:
        pass  # a read-only checkout still works, it just fits on each start
    return model


def process_points(text: str) -> dict[str, float]:
    """Process-design types the words point at, with the reader's probability, best first;
    "other" (anything that is not a process-design point) is left out."""
    if not text.strip():
        return {}
    model = _model()
    probs = model.predict_proba([text[:2000]])[0]
    ranked = sorted(zip(model.classes_, probs), key=lambda x: -x[1])
    return {label: float(p) for label, p in ranked if label != OTHER}


def warm() -> None:
    """Fit (or load) now, so the first manager-level message is not the one that waits."""
    _model()


if __name__ == "__main__":  # make: fit once at build time, so no learner waits for it
    warm()
