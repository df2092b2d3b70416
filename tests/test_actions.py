"""Rasa SDK actions run as the action server runs them: real trackers, a CollectingDispatcher,
and a real SQLite progress database."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.scenarios.loader import DEFAULT_DIR, scenario_files
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType


@pytest.fixture(autouse=True)
def progress_db(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/progress.db")
    actions.the_tutor.cache_clear()
    yield
    actions.the_tutor.cache_clear()


def tracker(text, intent, confidence=0.95, entities=(), sender="ana", metadata=None):
    return Tracker(
        sender_id=sender,
        slots={},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [dict(e) for e in entities],
            "metadata": metadata or {},
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


async def run(action, t):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


async def start(seed=0, sender="ana", scenario="riverside-wms"):
    return await run(
        actions.ActionStartScenario(),
        tracker(
            f'/start_scenario{{"scenario": "{scenario}", "seed": {seed}}}',
            "start_scenario",
            1.0,
            [{"entity": "scenario", "value": scenario}, {"entity": "seed", "value": seed}],
            sender,
        ),
    )


async def test_list_scenarios_offers_buttons_for_every_scenario():
    """The scenario menu is a set of buttons whose payloads start a scenario."""
    messages, events = await run(actions.ActionListScenarios(), tracker("scenarios", "list_scenarios"))
    assert events == []
    buttons = messages[0]["buttons"]
    assert {b["payload"] for b in buttons} == {
        f'/start_scenario{{"scenario": "{p.stem}"}}' for p in scenario_files(DEFAULT_DIR)}


async def test_start_gives_brief_then_pm_presents_register():
    """Starting a scenario: the tutor explains, shows the brief, the PM presents the register."""
    messages, _ = await start(seed=4)
    texts = [m["text"] for m in messages if m.get("text")]
    assert texts[0].startswith("Tutor: Scenario: Riverside Foods")
    assert "Project brief" in texts[1]
    assert texts[2].startswith("Rob Atkinson (PM):")
    register = [m["custom"] for m in messages if m.get("custom")][0]["register"]
    assert [r["id"] for r in register] == [f"R{n}" for n in range(1, 12)]
    assert register == [r.public() for r in variant("riverside-wms", 4).rows]


async def test_challenge_is_evaluated_and_the_pm_concedes():
    """A correct challenge gets the PM's concession from the answer key."""
    await start(seed=9)
    s = variant("riverside-wms", 9)
    flaw = next(f for f in s.flaws if f.type == FlawType.WRONG_OWNER)
    messages, _ = await run(
        actions.ActionPmRespond(),
        tracker(f"Can the analyst really own {flaw.risk_id}? He doesn't hold the contract.", "challenge_wrong_owner"),
    )
    assert messages[0]["text"] == f"Rob Atkinson (PM): {flaw.replies.hit}"
    messages, _ = await run(actions.ActionShowProgress(), tracker("progress", "show_progress"))
    assert "1 of 7 flaws found" in messages[0]["text"]


async def test_unknown_scenario_gets_a_clear_reply():
    """An unknown scenario id names the id and offers the real ones."""
    messages, _ = await run(
        actions.ActionStartScenario(),
        tracker('/start_scenario{"scenario": "moon-base"}', "start_scenario", 1.0, [{"entity": "scenario", "value": "moon-base"}]),
    )
    assert "no scenario called 'moon-base'" in messages[0]["text"]
    assert messages[1]["buttons"]


async def test_bad_seed_gets_a_clear_reply():
    """A seed that is not a number is refused politely."""
    messages, _ = await run(
        actions.ActionStartScenario(),
        tracker("start", "start_scenario", 1.0, [{"entity": "scenario", "value": "riverside-wms"}, {"entity": "seed", "value": "abc"}]),
    )
    assert "seed must be a whole number" in messages[0]["text"]


@pytest.mark.parametrize("seed", [1e40, -1, -10**30, 2**31])
async def test_an_out_of_range_seed_is_refused_and_a_good_start_still_works(seed):
    """A seed too big for the store (or negative) gets the allowed range, and nothing breaks: the
    same learner's next start works."""
    messages, _ = await run(
        actions.ActionStartScenario(),
        tracker("start", "start_scenario", 1.0, [{"entity": "scenario", "value": "riverside-wms"}, {"entity": "seed", "value": seed}]),
    )
    assert "from 0 to 2147483647" in messages[0]["text"] and len(messages) == 1
    messages, _ = await run(
        actions.ActionStartScenario(),
        tracker("start", "start_scenario", 1.0, [{"entity": "scenario", "value": "riverside-wms"}, {"entity": "seed", "value": 2**31 - 1}]),
    )
    assert "Scenario:" in messages[0]["text"]


async def test_challenge_before_any_scenario_offers_the_menu():
    """Challenging before a role-play started says so and offers the scenarios."""
    messages, _ = await run(actions.ActionPmRespond(), tracker("R3's owner is wrong", "challenge_wrong_owner", sender="new"))
    assert "no role-play running" in messages[0]["text"]
    assert messages[1]["buttons"]


async def test_hint_and_finish_give_tutor_messages():
    """Hints come from the tutor, and finishing gives the debrief."""
    await start()
    messages, _ = await run(actions.ActionGiveHint(), tracker("hint", "ask_hint"))
    assert messages[0]["text"].startswith("Tutor: Hint:")
    messages, _ = await run(actions.ActionFinishSession(), tracker("finish", "finish_session"))
    texts = [m["text"] for m in messages]
    assert texts[0].startswith("Rob Atkinson (PM):")
    assert "Debrief" in texts[1] and "0 of 7 flaws" in texts[1]


async def test_group_member_is_credited_through_metadata():
    """A channel that shares one conversation names the speaker in metadata; they get the credit."""
    await start(sender="group-1")
    s = variant("riverside-wms", 0)
    flaw = next(f for f in s.flaws if f.type == FlawType.SCORE_MISMATCH)
    r = s.row(flaw.risk_id)
    await run(
        actions.ActionPmRespond(),
        tracker(
            f"{flaw.risk_id}: {r.probability} x {r.impact} isn't {r.score}, is it?",
            "challenge_score_mismatch",
            sender="group-1",
            metadata={"learner_id": "telegram:42", "display_name": "Bob", "channel": "telegram"},
        ),
    )
    t = actions.the_tutor()
    with t.store.transaction() as db:
        learners = {x["id"]: x for x in t.store.learners(db)}
    assert learners["telegram:42"]["flaws_found"] == 1
    assert learners["telegram:42"]["display_name"] == "Bob"


async def test_a_failure_inside_the_core_becomes_an_apology(monkeypatch):
    """If the core fails, the learner gets a plain apology, not a stack trace."""
    await start()

    def boom(self, msg):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(actions.Tutor, "respond", boom)
    messages, events = await run(actions.ActionPmRespond(), tracker("R1 owner", "challenge_wrong_owner"))
    assert [m["text"] for m in messages] == [f"Tutor: {actions.SORRY}"]
    assert "fire" not in messages[0]["text"]
