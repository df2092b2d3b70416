"""The manager level's reader of process-design points (bot/nlp/manager_reader.py): one opinion
beside the cue words, asked only where process-design types are in play."""
from __future__ import annotations

import pickle

import pytest

from bot.evaluation.reading import READER_SURE, read
from bot.nlp import manager_reader
from bot.nlp.manager_reader import process_points
from bot.scenarios.variants import variant
from bot.taxonomy import PROCESS_TYPES
from bot.taxonomy import FlawType as T


def best(text: str) -> tuple[str, float]:
    return next(iter(process_points(text).items()))


@pytest.mark.parametrize("text, point", [
    ("Under this draft a risk due to land next month gets looked at exactly as often as one for 2030.",
     "uniform_review_cadence"),
    ("If owning a red risk earns the PM a difficult conversation with their director, the reds will "
     "simply stop appearing.", "blame_culture"),
    ("The portfolio office would own the cross-cutting risks and then sign off its own compliance. "
     "Who checks the checker?", "pmo_conflict"),
    ("There is nowhere in this policy to log an upside, such as a supplier rebate we could win.",
     "threats_only"),
])
def test_reads_process_points_in_words_it_was_not_trained_on(text, point):
    label, p = best(text)
    assert label == point and p >= READER_SURE


@pytest.mark.parametrize("text", [
    "Who chairs the portfolio board?",
    "R7 says 3 x 4 is 7, it should be 12",
    "R2 was last reviewed in March",
    "hint please",
    "Thanks, that's me done for today",
])
def test_register_points_questions_and_session_talk_are_not_process_points(text):
    assert best(text)[1] < READER_SURE


def test_empty_text_reads_nothing():
    assert process_points("  ") == {}


def test_only_asked_where_process_design_types_are_in_play(monkeypatch):
    monkeypatch.setattr("bot.evaluation.reading.process_points", lambda text: pytest.fail("asked"))
    r = read("Nothing in this register lets us record an upside", variant("riverside-wms", 0))
    assert not set(r.types) & set(PROCESS_TYPES)


def test_a_sure_point_counts_as_what_the_words_say():
    r = read("There is nowhere in this policy to log an upside, such as a supplier rebate we could win.",
             variant("eastmere-risk-policy", 0))
    assert T.THREATS_ONLY in r.read_points and T.THREATS_ONLY in r.cue_types


def test_the_fitted_reader_is_kept_and_refitted_when_the_training_files_change(tmp_path, monkeypatch):
    monkeypatch.setattr(manager_reader, "CACHE", tmp_path / "reader.pkl")
    manager_reader._model.cache_clear()
    first = manager_reader._model()
    key, _ = pickle.loads((tmp_path / "reader.pkl").read_bytes())
    assert key == manager_reader._fingerprint()
    manager_reader._model.cache_clear()
    monkeypatch.setattr(manager_reader, "_fit", lambda: pytest.fail("refitted an unchanged reader"))
    again = manager_reader._model()
    assert list(again.classes_) == list(first.classes_)
    (tmp_path / "reader.pkl").write_bytes(b"not a pickle")  # a broken cache is fitted again, not fatal
    manager_reader._model.cache_clear()
    monkeypatch.setattr(manager_reader, "_fit", lambda: first)
    assert manager_reader._model() is first
    manager_reader._model.cache_clear()


def test_every_process_design_type_and_only_those_is_taught():
    _, labels = manager_reader.training_set()
    assert set(labels) == {t.value for t in PROCESS_TYPES} | {manager_reader.OTHER}
    counts = {t.value: labels.count(t.value) for t in PROCESS_TYPES}
    assert min(counts.values()) >= 50, counts
