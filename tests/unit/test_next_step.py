"""After the debrief the tutor says what to practise next: up a level, again, or something else."""
import pytest

from bot.evaluation.debrief import next_step
from bot.scenarios.loader import get_scenario
from bot.tutor import Tutor
from pooled import every_flaw

ALL = Tutor.scenarios()  # easiest first


def ids(offer):
    return [s.id for s in offer]


def test_a_good_score_moves_up_one_level():
    advice, offer = next_step(get_scenario("riverside-wms"), 85, ALL)
    practitioner = [s for s in ALL if s.level == "practitioner"]
    assert advice.startswith(f"85% on a foundation scenario: you're ready for {practitioner[0].title}")
    assert ids(offer)[:2] == [practitioner[0].id, "riverside-wms"]
    advice, offer = next_step(get_scenario("northgate-epr"), 70, ALL)
    advanced = [s for s in ALL if s.level == "advanced"]
    assert f"ready for {advanced[0].title} (advanced)" in advice and ids(offer)[0] == advanced[0].id


def test_a_low_score_suggests_the_same_project_again_first():
    advice, offer = next_step(get_scenario("northgate-epr"), 35, ALL)
    assert advice.startswith("Try this project again with a new register")
    assert ids(offer)[0] == "northgate-epr" and len(offer) == len(ALL)


def test_advanced_unlocks_the_manager_level():
    advice, offer = next_step(get_scenario("ravensford-school"), 95, ALL)
    assert advice.startswith("95% on an advanced scenario: you're ready for ")
    assert offer[0].level == "manager" and ids(offer)[1] == "ravensford-school"


@pytest.mark.parametrize("sid, percent", [("riverside-wms", 60), ("eastmere-risk-policy", 95)])
def test_otherwise_other_scenarios_come_first(sid, percent):
    advice, offer = next_step(get_scenario(sid), percent, ALL)
    # A register is shuffled and renumbered on a replay; a policy's clauses keep their numbers.
    again = " with a new register" if get_scenario(sid).rows else ""
    assert advice == f"Try another scenario, or the same one{again}:"
    assert ids(offer)[-1] == sid and len(offer) == len(ALL)


def seeds(s) -> set[str]:
    """The flaw types a scenario can seed: at every seed, or from its pool."""
    return {f.type.value for f in every_flaw(s)}


def test_the_suggestion_favours_the_flaw_types_the_learner_misses_most():
    """Among the scenarios of the next level, the one seeding the learner's most-missed types comes
    first, and the advice says why."""
    practitioner = [s for s in ALL if s.level == "practitioner"]
    only_in_one = {t for s in practitioner for t in seeds(s) if sum(t in seeds(o) for o in practitioner) == 1}
    t = sorted(only_in_one)[0]
    target = next(s for s in practitioner if t in seeds(s))
    advice, offer = next_step(get_scenario("riverside-wms"), 85, ALL, {t: 3})
    assert offer[0] is target and "which you have missed most" in advice
    # at the same level, a middling score is pointed at a scenario that practises the misses
    advice, offer = next_step(get_scenario("riverside-wms"), 60, ALL, {t: 2})
    assert t in seeds(offer[0]) and advice.startswith(f"Try {offer[0].title} next.")


def test_finishing_counts_the_learners_misses_across_sessions(store):
    from bot.tutor import Incoming

    t = Tutor(store)
    t.start(Incoming("lee", "lee", "start"), "riverside-wms", 0)
    [*_, advice] = t.finish(Incoming("lee", "lee", "finish"))
    # nothing found: replay first, then the scenarios that practise riverside's (missed) types
    payload = [b["payload"] for b in advice.buttons]
    assert '"riverside-wms"' in payload[0]
    after = get_scenario(payload[1].split('"')[3])
    weights = [len(seeds(get_scenario(p.split('"')[3])) & seeds(get_scenario("riverside-wms"))) for p in payload[1:]]
    assert weights[0] == max(weights) and seeds(after) & seeds(get_scenario("riverside-wms"))


def test_a_pooled_scenario_is_offered_with_a_register_that_injects_the_misses(store):
    """What next names a seed for a scenario with a flaw pool: its register holds the types the
    learner has missed most, so the replay practises them."""
    import json

    from bot.scenarios.variants import seeded_types
    from bot.tutor import Incoming

    pooled = next(s for s in ALL if s.pool and s.level == "foundation")
    t = Tutor(store)
    t.start(Incoming("kim", "kim", "start"), pooled.id, 0)
    [*_, advice] = t.finish(Incoming("kim", "kim", "finish"))  # nothing found: everything missed
    with store.transaction() as db:
        _, missed = store.flaw_tally(db, "kim")
    weight = lambda seed: sum(missed[t] for t in seeded_types(pooled, seed))  # noqa: E731
    starts = [json.loads(b["payload"][len("/start_scenario"):]) for b in advice.buttons]
    replay = next(p for p in starts if p["scenario"] == pooled.id)
    assert weight(replay["seed"]) == max(weight(n) for n in range(1, 400)) == weight(0)
    assert replay["seed"] != 0 and set(seeded_types(pooled, replay["seed"])) <= set(missed)
