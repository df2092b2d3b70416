"""The manager level's reader (bot/nlp/manager_reader.py): one opinion beside the cue words and
the Rasa model, asked only at manager level, with one reader per set of flaw types in play."""
from __future__ import annotations

import pickle

import pytest

from bot.evaluation.reading import READER_SURE, read
from bot.nlp import manager_reader
from bot.nlp.manager_reader import ALL, PROCESS, points
from bot.scenarios.variants import variant
from bot.taxonomy import PROCESS_TYPES, REGISTER_TYPES
from bot.taxonomy import FlawType as T


def best(text: str, in_play=PROCESS) -> tuple[str, float]:
    return next(iter(points(text, in_play).items()))


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


@pytest.mark.parametrize("text, point", [
    ("The Kestrel Road row was last looked at in April and we're presenting it to the board as "
     "today's picture.", "stale_review"),
    ("A 20 on patient safety is outside what the trust board said it would carry, and it's still "
     "being managed inside the ward programme with nothing reported upwards.", "not_escalated"),
    ("The scanner replacement turns up in the programme's list and again in its own project's, "
     "with two owners and two sets of actions.", "duplicate"),
])
def test_a_portfolio_register_reader_also_reads_register_points_in_a_managers_words(text, point):
    label, p = best(text, ALL)
    assert label == point and p >= 0.2


def test_a_policy_reader_never_offers_a_register_point():
    assert set(points("R7 says 3 x 4 is 7, it should be 12", PROCESS)) <= {t.value for t in PROCESS_TYPES}


def test_empty_text_reads_nothing():
    assert points("  ") == {}


def test_only_asked_where_process_design_types_are_in_play(monkeypatch):
    monkeypatch.setattr("bot.evaluation.reading.points", lambda text, in_play: pytest.fail("asked"))
    r = read("Nothing in this register lets us record an upside", variant("riverside-wms", 0))
    assert not set(r.types) & set(PROCESS_TYPES)


def test_a_sure_point_counts_as_what_the_words_say():
    r = read("There is nowhere in this policy to log an upside, such as a supplier rebate we could win.",
             variant("eastmere-risk-policy", 0))
    assert T.THREATS_ONLY in r.read_points and T.THREATS_ONLY in r.cue_types


def test_the_fitted_reader_is_kept_and_refitted_when_the_training_files_change(tmp_path, monkeypatch):
    monkeypatch.setattr(manager_reader, "CACHE", tmp_path / "reader.pkl")
    manager_reader._model.cache_clear()
    first = manager_reader._model(PROCESS)
    key, saved = pickle.loads((tmp_path / "reader.pkl").read_bytes())
    assert key == manager_reader._fingerprint() and len(saved) == 1
    manager_reader._model.cache_clear()
    monkeypatch.setattr(manager_reader, "_fit", lambda in_play: pytest.fail("refitted an unchanged reader"))
    again = manager_reader._model(PROCESS)
    assert list(again.classes_) == list(first.classes_)
    (tmp_path / "reader.pkl").write_bytes(b"not a pickle")  # a broken cache is fitted again, not fatal
    manager_reader._model.cache_clear()
    monkeypatch.setattr(manager_reader, "_fit", lambda in_play: first)
    assert manager_reader._model(PROCESS) is first
    manager_reader._model.cache_clear()


def test_every_flaw_type_is_taught_and_a_policy_reader_learns_register_points_as_other():
    _, labels = manager_reader.training_set(ALL)
    # An opportunity scored as a threat is read from its words on a register (cues), not taught to a
    # model: adding it to the NLU data cost the register conversations their fairness (see issue 12).
    taught = [t for t in T if t != T.OPPORTUNITY_SCORED_AS_THREAT]
    assert set(labels) == {t.value for t in taught} | {manager_reader.OTHER}
    counts = {t.value: labels.count(t.value) for t in taught}
    assert min(counts.values()) >= 50, counts
    _, policy_labels = manager_reader.training_set(PROCESS)
    assert set(policy_labels) == {t.value for t in PROCESS_TYPES} | {manager_reader.OTHER}
    assert policy_labels.count(manager_reader.OTHER) == labels.count(manager_reader.OTHER) + sum(
        counts[t.value] for t in REGISTER_TYPES if t in taught)
