"""The manager reader's fast path (bot/nlp/manager_reader.py, _Compiled): the same probabilities and
the same ranking as the fitted scikit-learn pipeline, for both readers in play, without its
per-call validation."""
from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.base import clone

from bot.nlp import manager_reader
from bot.nlp.manager_reader import ALL, OTHER, PROCESS, points

ODD = [
    "", " ", "\n\t ", "?!", "...?!;:-()", "a", "R7", "hint", "ζξψ ∂∂∂ ßß",
    "£4.5m on the “scanner” line, ‘owned’ by the PMO — café naïve",
    "escalaton tolerances tolerence ownr dupliate",
    "the the the the the risk risk risk",
    "RISK OWNER IS WRONG!!!",
    "no aggregation " * 200,  # 3,000 characters: points reads only the first 2,000
    ("A long portfolio-level complaint about cadence, ownership and escalation. " * 45)[:3000],
]


def corpus() -> list[str]:
    texts, _ = manager_reader.training_set()
    return texts[:: max(1, len(texts) // 300)] + ODD  # ~300 taught examples, evenly spread


def reference(model, text: str) -> dict[str, float]:
    """points() as it was before the fast path: scikit-learn's own predict_proba."""
    if not text.strip():
        return {}
    probs = model.predict_proba([text[:2000]])[0]
    ranked = sorted(zip(model.classes_, probs), key=lambda x: -x[1])
    return {label: float(p) for label, p in ranked if label != OTHER}


@pytest.fixture(scope="module", params=[PROCESS, ALL], ids=["policy", "register"])
def reader(request):
    model = manager_reader._model(request.param)
    return request.param, model, manager_reader._compiled(model)


def test_the_fitted_readers_are_compiled(reader):
    _, model, fast = reader
    assert fast is not None and fast is manager_reader._compiled(model)


def test_probabilities_match_scikit_learn(reader):
    _, model, fast = reader
    texts = [t[:2000] for t in corpus()]
    expected = model.predict_proba(texts)
    got = np.array([fast.predict_proba(t) for t in texts])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_a_text_with_no_known_ngram_scores_the_intercepts_alone(reader):
    _, model, fast = reader
    assert model[0].transform(["?!"]).nnz == 0  # neither vectorizer knows any of its n-grams
    np.testing.assert_allclose(fast.predict_proba("?!"), model.predict_proba(["?!"])[0], rtol=0, atol=1e-9)


def test_points_ranks_and_reads_as_scikit_learn_did(reader):
    in_play, model, _ = reader
    for text in corpus():
        got, expected = points(text, in_play), reference(model, text)
        assert list(got) == list(expected), text
        np.testing.assert_allclose(list(got.values()), list(expected.values()), rtol=0, atol=1e-9)


def test_points_takes_the_fast_path(reader, monkeypatch):
    in_play, model, _ = reader
    monkeypatch.setattr(type(model), "predict_proba", lambda *a: pytest.fail("asked scikit-learn"))
    assert points("Who checks the checker when the PMO signs off its own compliance?", in_play)


def test_a_reader_loaded_again_is_compiled_again(reader):
    _, model, fast = reader
    again = manager_reader._compiled(copy.deepcopy(model))  # as after _model.cache_clear()
    assert again is not fast
    np.testing.assert_array_equal(again.predict_proba("stale review"), fast.predict_proba("stale review"))


def test_a_pipeline_built_otherwise_keeps_scikit_learns_predict_proba(reader):
    _, model, _ = reader
    changed = clone(model).set_params(**{"featureunion__tfidfvectorizer-1__sublinear_tf": False})
    changed.fit(["alpha beta", "beta gamma", "gamma delta"], ["x", "y", "z"])
    assert not manager_reader._Compiled.supports(changed)
