"""Regression guard: the held-out evaluation, on its fixed guard subset, with the trained model.

Every guard message (`guard: true` in heldout.yml) goes through the real model's parse and the
evaluator, as in `make evaluate`; the subset must stay at or above the targets. A regression
check, not a timed test (about 20 s, most of it loading the model).
"""
import pytest

import evaluate_heldout as ev

pytestmark = pytest.mark.nlu


@pytest.fixture(scope="module")
def guard():
    if not ev.DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {ev.DEFAULT_MODEL}: run `make train` (make test does it)")
    report, results = ev.evaluate(ev.DEFAULT_MODEL, ev.load_cases(guard_only=True))
    return report, results


def _misses(report) -> str:
    return "\n".join(f"{m['text']!r}: expected {m['expect']}, got {m['intent']} {m['verdicts']} {m['credited']}" for m in report["misses"])


def test_flaw_types_are_recognised(guard):
    report, _ = guard
    assert report["summary"]["flaw_type_macro_f1"] >= ev.TARGETS["flaw_type_macro_f1"], _misses(report)


def test_challenges_credit_the_right_flaw(guard):
    report, _ = guard
    assert report["summary"]["crediting_accuracy"] >= ev.TARGETS["crediting_accuracy"], _misses(report)


def test_no_false_credit(guard):
    report, _ = guard
    assert report["summary"]["false_credit_rate"] <= ev.TARGETS["false_credit_rate"], _misses(report)


def test_two_challenges_in_one_message_credit_both(guard):
    _, results = guard
    multi = [r for r in results if len(r.case.flaw_ids) > 1]
    assert multi and all(r.credited == r.case.flaw_ids for r in multi), [
        (r.case.text, sorted(r.credited)) for r in multi if r.credited != r.case.flaw_ids
    ]
