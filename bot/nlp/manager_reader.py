"""Which flaw a PMO manager's message points at, read from its words.

The Rasa model knows the register flaw types only: training the twelve process-design types into
it spread its confidence so far that the analyst level lost crediting (97.1% -> 89.4% on held-out
messages, 2026-12-02). So the manager level has its own small reader: word and character n-grams
with a logistic regression over every flaw type, trained on data/nlu_manager (process-design
points, and register points put in a manager's longer portfolio-level words) and on data/nlu's
register challenges; the rest of data/nlu (questions, fixes, session talk) is "other". It is asked
only at manager level, and it is one opinion beside the cue words and the Rasa model.

Training takes a few seconds, so the fitted reader is kept in build/ and rebuilt only when the
training files change. Reading a message skips scikit-learn's per-call checks: the fitted reader is
compiled once into plain lookups and arrays that give the same probabilities (_Compiled)."""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

from bot.taxonomy import PROCESS_TYPES, FlawType, type_for_intent

ROOT = Path(__file__).resolve().parents[2]
PROCESS_DATA = ROOT / "data" / "nlu_manager"
OTHER_DATA = ROOT / "data" / "nlu"
CACHE = ROOT / "build" / "manager_reader.pkl"
OTHER = "other"
PROCESS, ALL = frozenset(PROCESS_TYPES), frozenset(FlawType)
_MARKUP = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def _examples(path: Path):
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in (item.get("examples") or "").splitlines() if "intent" in item else ():
            line = line.strip()
            if line.startswith("- "):
                yield item["intent"], _MARKUP.sub(r"\1", line[2:]).strip().strip('"')


def _files() -> list[Path]:
    return sorted(PROCESS_DATA.glob("*.yml")) + sorted(OTHER_DATA.glob("*.yml"))


def training_set(in_play: frozenset[FlawType] = ALL) -> tuple[list[str], list[str]]:
    """Every example, labelled with its flaw type when that type is in play, else "other"."""
    texts, labels = [], []
    for path in _files():
        for intent, text in _examples(path):
            flaw_type = type_for_intent(intent)  # challenge_general names no point
            texts.append(text)
            labels.append(flaw_type.value if flaw_type in in_play else OTHER)
    return texts, labels


def _fingerprint() -> str:
    h = hashlib.sha256(b"v2")
    for path in _files():
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def _fit(in_play: frozenset[FlawType]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    texts, labels = training_set(in_play)
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        # character n-grams carry typos and word forms ("escalaton", "tolerances")
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
    )
    # balanced: 60-120 examples per flaw type against up to ~1,400 "other"
    model = make_pipeline(features, LogisticRegression(C=5, max_iter=2000, class_weight="balanced"))
    model.fit(texts, labels)
    return model


def _name(in_play: frozenset[FlawType]) -> str:
    return ",".join(sorted(t.value for t in in_play))


def _saved() -> dict:
    try:
        with CACHE.open("rb") as f:
            key, models = pickle.load(f)
        if key == _fingerprint() and isinstance(models, dict):
            return models
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError, TypeError):
        pass  # missing, stale or written by another library version: fit again
    return {}


@functools.lru_cache(maxsize=None)
def _model(in_play: frozenset[FlawType]):
    models = _saved()
    if _name(in_play) in models:
        return models[_name(in_play)]
    model = models[_name(in_play)] = _fit(in_play)
    try:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=CACHE.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump((_fingerprint(), models), f)
        os.replace(tmp, CACHE)  # atomic: the action server and tests may fit at once
    except OSError:
        pass  # a read-only checkout still works, it just fits on each start
    return model


class _Compiled:
    """The fitted pipeline's predict_proba for one text, without its ~4 ms of per-call validation.

    It repeats scikit-learn 1.1.3's arithmetic in the same order (sublinear tf-idf, l2 norm per
    vectorizer, multinomial softmax), so the probabilities come out the same to the bit and near
    ties keep their ranking; tests/unit/test_manager_reader_speed.py holds it to that."""

    def __init__(self, model):
        union, lr = model[0], model[-1]
        self.blocks, offset = [], 0
        for _, vec in union.transformer_list:
            # the union's column offset folded in, as plain ints that become an index array cheaply
            vocab = {term: int(i) + offset for term, i in vec.vocabulary_.items()}
            self.blocks.append((vec.build_analyzer(), vocab))
            offset += len(vocab)
        self.idf = np.concatenate([vec.idf_ for _, vec in union.transformer_list])
        self.coef_rows = np.ascontiguousarray(lr.coef_.T)  # one row per feature, gathered per message
        self.intercept = lr.intercept_.copy()

    @staticmethod
    def supports(model) -> bool:
        union, lr = model[0], model[-1]
        vecs = [vec for _, vec in union.transformer_list]
        # what _fit builds; anything else (a changed _fit) keeps scikit-learn's own predict_proba
        return (union.transformer_weights is None and lr.classes_.size > 2
                and lr.multi_class in ("auto", "multinomial") and lr.solver != "liblinear"
                and all(getattr(vec, "sublinear_tf", False) and getattr(vec, "use_idf", False)
                        and getattr(vec, "norm", None) == "l2" and not getattr(vec, "binary", True)
                        and getattr(vec, "dtype", None) is np.float64 for vec in vecs))

    def predict_proba(self, text: str) -> np.ndarray:
        cols, vals = [], []
        for analyze, vocab in self.blocks:
            counts = Counter(map(vocab.get, analyze(text)))
            counts.pop(None, None)  # n-grams the reader never saw
            if not counts:
                continue
            n = len(counts)
            block = np.fromiter(counts.keys(), np.intp, n)
            tf = np.fromiter(counts.values(), np.float64, n)
            # descending columns: the order scikit-learn's sparse product with the idf diagonal leaves
            order = block.argsort()[::-1]
            block, tf = block[order], np.log(tf[order])
            tf += 1
            tfidf = tf * self.idf[block]
            # a running sum, as scikit-learn's l2 normaliser adds the squares one by one
            tfidf /= np.sqrt(np.add.accumulate(tfidf * tfidf)[-1])
            cols.append(block)
            vals.append(tfidf)
        if cols:
            # rows added one after another, like scipy's sparse-times-dense product
            scores = (self.coef_rows[np.concatenate(cols)] * np.concatenate(vals)[:, None]).sum(axis=0)
            scores += self.intercept
        else:
            scores = self.intercept + 0.0  # a copy: the softmax below works in place
        scores -= scores.max()
        np.exp(scores, out=scores)
        scores /= scores.sum()
        return scores


@functools.lru_cache(maxsize=8)
def _compiled(model) -> _Compiled | None:
    """Keyed by the fitted model itself, so a reader fitted or loaded again is compiled again."""
    return _Compiled(model) if _Compiled.supports(model) else None


def points(text: str, in_play: frozenset[FlawType] = ALL) -> dict[str, float]:
    """The flaw types in play that the words point at, with the reader's probability, best
    first; "other" (a question, a fix, session talk, a point that can't be made here) is left out.

    One reader per set of types in play: a policy's reader learns register points as "other",
    so a row-level complaint never reads as the nearest process-design point."""
    if not text.strip():
        return {}
    model = _model(frozenset(in_play))
    fast = _compiled(model)
    probs = fast.predict_proba(text[:2000]) if fast else model.predict_proba([text[:2000]])[0]
    ranked = sorted(zip(model.classes_, probs), key=lambda x: -x[1])
    return {label: float(p) for label, p in ranked if label != OTHER}


def warm() -> None:
    """Fit (or load) now, so the first manager-level message is not the one that waits: the
    reader of a policy (process-design points) and of a portfolio register (every point)."""
    for in_play in (PROCESS, ALL):
        _compiled(_model(in_play))


if __name__ == "__main__":  # make: fit once at build time, so no learner waits for it
    warm()
