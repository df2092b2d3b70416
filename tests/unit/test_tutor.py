"""The Tutor service end to end on a real SQLite file: sessions, hints, progress, debrief, restarts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.evaluation.debrief import POINTS_FOUND, POINTS_FOUND_AFTER_ANSWER, score
from bot.progress.models import Challenge, Session, Utterance
from bot.progress.store import ProgressStore
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.taxonomy import intent_for
from bot.scenarios.loader import DEFAULT_DIR, scenario_files
from bot.tutor import Incoming, Tutor

SID, SEED = "riverside-wms", 7
CONV, ANA = "chat-ana", "ana"


def msg(text: str = "", intent: str | None = None, confidence: float = 0.0, conv: str = CONV, learner: str = ANA) -> Incoming:
    return Incoming(conv, learner, text, intent=intent, confidence=confidence)


def texts(replies) -> str:
    return "\n".join(r.text for r in replies)


def sessions(store: ProgressStore) -> list[Session]:
    with store.transaction() as db:
        return list(db.execute(select(Session).order_by(Session.id)).scalars())


def active_state(store: ProgressStore, conv: str = CONV):
    with store.transaction() as db:
        return store.state_of(db, store.active_session(db, conv))


@pytest.fixture
def s():
    """The register the session plays: riverside-wms, seed 7 (renumbered)."""
    return variant(SID, SEED)


@pytest.fixture
def started(tutor):
    tutor.start(msg("/start_scenario"), SID, SEED)
    return tutor


def flaw_of(s, flaw_type: T):
    return next(f for f in s.flaws if f.type == flaw_type)


def challenge_owner(tutor, s, learner=ANA):
    f = flaw_of(s, T.WRONG_OWNER)
    text = f"Could we check the owner of {f.risk_id}? Callum has no authority over the StockPilot contract."
    return tutor.respond(msg(text, intent_for(T.WRONG_OWNER), 0.9, learner=learner))


def challenge_score(tutor, s):
    f = flaw_of(s, T.SCORE_MISMATCH)
    return tutor.respond(msg(f"On {f.risk_id}, 3 x 4 is 12, so why is it scored 7?", intent_for(T.SCORE_MISMATCH), 0.9))


# -- starting --------------------------------------------------------------------------------------


def test_start_shows_brief_opening_and_register(tutor, store, s):
    """Starting a scenario with a seed shows the brief, the PM's opening and that seed's register."""
    replies = tutor.start(msg("/start_scenario"), SID, SEED)
    assert [r.speaker for r in replies] == ["tutor", "tutor", "pm", "pm"]
    assert s.title in replies[0].text
    assert s.brief.project in replies[1].text
    assert replies[2].text == s.persona.opening and replies[2].name == s.persona.name
    register = replies[3].data["register"]
    assert [r["id"] for r in register] == [r.id for r in s.rows]
    assert [r["title"] for r in register] == [r.title for r in s.rows]
    assert "aliases" not in register[0] and "defences" not in register[0]
    [session] = sessions(store)
    assert (session.scenario, session.seed, session.status) == (SID, SEED, "active")


def test_start_without_an_id_finds_the_scenario_by_name(tutor, store):
    """'Let's do the Northgate one' starts the Northgate scenario."""
    tutor.start(msg("Let's do the Northgate one"), None, 3)
    [session] = sessions(store)
    assert session.scenario == "northgate-epr"


def test_start_without_any_match_shows_the_menu(tutor, store):
    """A start that names no scenario shows the scenario menu and starts nothing."""
    [reply] = tutor.start(msg("hello"), None, None)
    assert len(reply.buttons) == len(Tutor.scenarios()) == len(scenario_files(DEFAULT_DIR))
    assert sessions(store) == []


def test_start_without_a_seed_picks_one(tutor, store):
    """Without a seed, the session records the random seed it was given."""
    tutor.start(msg(), SID, None)
    [session] = sessions(store)
    assert isinstance(session.seed, int) and session.seed > 0


def test_unknown_scenario_is_named_in_a_clear_reply(tutor, store):
    """Starting an unknown scenario id says so, naming the id, and shows the menu."""
    replies = tutor.start(msg(), "no-such-scenario", 1)
    assert "'no-such-scenario'" in replies[0].text
    assert replies[-1].buttons
    assert sessions(store) == []


def test_new_start_abandons_the_previous_session(tutor, store, s):
    """Starting again in the same conversation abandons the active session; the new one takes over."""
    tutor.start(msg(), SID, SEED)
    challenge_owner(tutor, s)
    tutor.start(msg(), "northgate-epr", 1)
    first, second = sessions(store)
    assert first.status == "abandoned" and first.ended_at is not None
    assert (second.scenario, second.status) == ("northgate-epr", "active")
    assert "0 of 10 flaws" in texts(tutor.progress(msg("progress")))


# -- playing ---------------------------------------------------------------------------------------


def test_hits_are_credited_and_progress_counts_them(started, s):
    """Hits on two flaws show as '2 of 7 flaws found' in progress."""
    assert "0 of 7 flaws" in texts(started.progress(msg("progress")))
    replies = challenge_owner(started, s)
    assert replies[0].text == flaw_of(s, T.WRONG_OWNER).replies.hit
    assert replies[0].name == s.persona.name
    challenge_score(started, s)
    assert "2 of 7 flaws found" in texts(started.progress(msg("progress")))


def test_accepted_fix_is_counted(started, s):
    """A hit followed by the model answer counts as found and fixed."""
    challenge_owner(started, s)
    flaw = flaw_of(s, T.WRONG_OWNER)
    replies = started.respond(msg(flaw.fix.model_answer, "propose_fix", 0.9))
    assert replies[0].text == flaw.fix.accepted_reply
    assert "1 of 7 flaws found, 1 fixed" in texts(started.progress(msg("progress")))


def test_hint_ladder_nudges_points_then_answers(started, store, s):
    """Three hints climb nudge, pointer, answer on one flaw; the answer marks it revealed."""
    first = s.flaws[0]
    nudge, pointer, answer = (texts(started.hint(msg("hint"))) for _ in range(3))
    assert nudge == f"Hint: {first.hints[0]}"
    assert pointer == f"A stronger hint: {first.hints[1]}"
    assert answer.startswith("The answer: ") and first.evidence in answer
    assert f'A good challenge: "{first.challenge}"' in answer  # the scenario's own wording
    state = active_state(store)
    assert state.revealed == {first.id}
    assert state.hint_levels == {first.id: 3}
    # the next hint starts on another flaw
    assert texts(started.hint(msg("hint"))) == f"Hint: {s.flaws[1].hints[0]}"
    assert "4 hints" in texts(started.progress(msg("progress")))


def test_flaw_found_after_the_answer_earns_less(started, store, s):
    """A flaw challenged after the tutor gave it away earns reduced credit, and the hints cost too."""
    target = s.flaws[0]  # not_a_risk on the drop 1 row
    for _ in range(3):
        started.hint(msg("hint"))
    started.respond(msg(f"Isn't {target.risk_id} an issue rather than a risk? It's already happened.", intent_for(T.NOT_A_RISK), 0.9))
    with store.transaction() as db:
        session = store.active_session(db, CONV)
        state = store.state_of(db, session)
        records = store.challenge_records(db, session)
        levels = store.hint_levels(db, session)
    assert target.id in state.found and target.id in state.revealed
    assert levels == [1, 2, 3]
    with_answer = score(s, state, records, levels)["points"]
    state.revealed.clear()
    unaided = score(s, state, records, [])["points"]
    assert unaided - with_answer == (POINTS_FOUND - POINTS_FOUND_AFTER_ANSWER) + 1 + 2


def test_hints_run_out_when_everything_is_found(started, store, s):
    """When every flaw is found or revealed there is no further hint."""
    for _ in range(3 * len(s.flaws)):
        started.hint(msg("hint"))
    assert texts(started.hint(msg("hint"))).startswith("No more hints")
    assert active_state(store).revealed == {f.id for f in s.flaws}


def test_finish_gives_a_full_debrief_and_closes_the_session(started, store, s):
    """Finish: the debrief covers found, missed, false challenges, hints and craft; the session is finished."""
    challenge_owner(started, s)
    started.respond(msg("Let's have a meeting about it.", "propose_fix", 0.9))
    correct = next(r for r in s.rows if not any(r.id in (f.risk_id, f.other_risk_id) for f in s.flaws))
    started.respond(msg(f"Isn't {correct.id} an issue rather than a risk?", intent_for(T.NOT_A_RISK), 0.9))
    started.hint(msg("hint"))
    replies = started.finish(msg("finish"))
    assert replies[0].speaker == "pm" and replies[0].text == s.persona.closing
    debrief = replies[1].text
    assert "You found 1 of 7 flaws and fixed 0" in debrief
    assert "Found:" in debrief and "Missed:" in debrief
    assert "False challenges: 1" in debrief and correct.id in debrief
    assert "Hints used: 1" in debrief
    assert "Craft:" in debrief and "Of your 2 challenges" in debrief
    # 1 of 7 found: the tutor suggests this project again with a new register, offered first
    assert replies[2].text.startswith("Try this project again with a new register")
    assert replies[2].buttons[0]["payload"] == f'/start_scenario{{"scenario": "{SID}"}}'
    [session] = sessions(store)
    assert session.status == "finished" and session.ended_at is not None
    assert session.score["found"] == 1 and session.score["false_challenges"] == 1
    # the role-play is over: further moves get the menu
    assert "no role-play running" in texts(started.respond(msg(f"What about {correct.id}?")))


def test_state_survives_a_restart(tmp_path, s):
    """A new Tutor and ProgressStore on the same file carry on the session, pending fix included."""
    url = f"sqlite:///{tmp_path}/p.db"
    first = Tutor(ProgressStore(url))
    first.start(msg(), SID, SEED)
    challenge_owner(first, s)
    first.hint(msg("hint"))
    first.store.engine.dispose()

    again = Tutor(ProgressStore(url))
    progress = texts(again.progress(msg("progress")))
    assert "1 of 7 flaws found" in progress and "1 hints" in progress
    flaw = flaw_of(s, T.WRONG_OWNER)
    replies = again.respond(msg(flaw.fix.model_answer, "propose_fix", 0.9))
    assert replies[0].text == flaw.fix.accepted_reply
    replies = challenge_owner(again, s)
    assert [r.text for r in replies] == [flaw.replies.repeat or "We've sorted that one, and I've got your fix for it. Anything else?"]


def test_transcript_records_both_sides(started, store, s):
    """Each move stores the learner's words and every reply, with their speakers."""
    challenge_owner(started, s)
    with store.transaction() as db:
        rows = list(db.execute(select(Utterance).order_by(Utterance.id)).scalars())
    speakers = [u.speaker for u in rows]
    assert speakers[-2:] == ["learner", "pm"]
    assert rows[-2].learner_id == ANA
    assert {"tutor", "pm"} <= set(speakers[:4])


def test_team_members_are_credited_for_their_own_challenges(tutor, store, s):
    """In a group chat, each member's challenge is recorded against that member."""
    tutor.start(msg(learner="ana"), SID, SEED)
    challenge_owner(tutor, s, learner="ben")
    with store.transaction() as db:
        [c] = db.execute(select(Challenge)).scalars()
    assert (c.learner_id, c.verdict) == ("ben", "hit")


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_message_gets_a_prompt(started, store, text):
    """An empty message is answered with a prompt and records nothing."""
    [reply] = started.respond(msg(text))
    assert "didn't get any text" in reply.text
    with store.transaction() as db:
        assert list(db.execute(select(Challenge)).scalars()) == []


def test_very_long_message_is_handled(started, store, s):
    """A 10,000-character message is judged and stored without error."""
    flaw = flaw_of(s, T.WRONG_OWNER)
    text = (f"Does the owner of {flaw.risk_id} have the authority to act? " + "Let me explain. " * 700)[:10_000]
    assert len(text) == 10_000
    replies = started.respond(msg(text))
    assert replies[0].text == flaw.replies.hit
    with store.transaction() as db:
        [c] = db.execute(select(Challenge)).scalars()
    assert c.text == text.strip()


def test_emoji_only_message_gets_a_reply(started):
    """An emoji-only message gets a polite 'not following' reply, not an error."""
    replies = started.respond(msg("🤔🙄👍"))
    assert replies and "not following" in replies[0].text


@pytest.mark.parametrize("move", ["respond", "hint", "progress", "finish", "brief", "register"])
def test_moves_before_any_scenario_show_the_menu(tutor, move):
    """A challenge (or any move) before a scenario has started gets a clear reply and the menu."""
    replies = getattr(tutor, move)(msg("Isn't R4 an issue rather than a risk?", intent_for(T.NOT_A_RISK), 0.9))
    assert "no role-play running" in replies[0].text
    assert "Choose a scenario" in replies[-1].text
    assert {b["payload"] for b in replies[-1].buttons} == {
        f'/start_scenario{{"scenario": "{p.stem}"}}' for p in scenario_files(DEFAULT_DIR)}


def test_brief_and_register_are_shown_again(started, s):
    """'brief' and 'register' repeat the project brief and the session's register."""
    assert s.brief.overview in texts(started.brief(msg("brief")))
    [reply] = started.register(msg("register"))
    assert [r["id"] for r in reply.data["register"]] == [r.id for r in s.rows]


def test_an_unsure_guess_at_starting_a_scenario_mid_session_goes_to_the_pm(started, tutor):
    """"Quick one before I start: is SIT still on for 9 October?" read as start_scenario at 0.41
    must not throw the role-play away; named or sure, a new start still works."""
    with tutor.store.transaction() as db:
        before = tutor.store.active_session(db, CONV).id
    replies = tutor.start(msg("Quick one before I start: is SIT still going to finish by 9 October?",
                              "start_scenario", 0.41), None, None)
    assert not any(r.text.startswith("Scenario:") for r in replies)
    with tutor.store.transaction() as db:
        assert tutor.store.active_session(db, CONV).id == before
    replies = tutor.start(msg("let's do the thermostat launch one", "start_scenario", 0.95), None, None)
    assert replies[0].text.startswith("Scenario: Brightwell Home")


def _rows(store, model) -> int:
    with store.transaction() as db:
        return len(db.execute(select(model)).scalars().all())


def test_a_message_sent_again_with_its_id_gets_the_same_answer_and_is_recorded_once(tutor, store, s):
    """A client that lost the answer (a replica killed mid-message, a timeout) sends the message
    again with the same id: the learner sees the answer, and nothing counts twice."""
    from bot.progress.models import HintGiven

    def keyed(text, key, intent=None, confidence=0.0, learner=ANA):
        return Incoming(CONV, learner, text, intent=intent, confidence=confidence, message_key=key)

    first = tutor.start(keyed("/start_scenario", "m1"), SID, SEED)
    assert texts(tutor.start(keyed("/start_scenario", "m1"), SID, SEED)) == texts(first)
    assert len(sessions(store)) == 1  # not a second, abandoning the first

    f = flaw_of(s, T.WRONG_OWNER)
    challenge = f"{f.risk_id} has the wrong owner: Callum has no authority over the StockPilot contract."
    answer = tutor.respond(keyed(challenge, "m2", intent_for(T.WRONG_OWNER), 0.9))
    again = tutor.respond(keyed(challenge, "m2", intent_for(T.WRONG_OWNER), 0.9))
    assert texts(again) == texts(answer) and again[0].name == answer[0].name
    assert "already" not in texts(again).lower()  # not "you raised that already": the same answer
    assert _rows(store, Challenge) == 1
    utterances = _rows(store, Utterance)

    hint = tutor.hint(keyed("hint please", "m3"))
    assert texts(tutor.hint(keyed("hint please", "m3"))) == texts(hint)
    assert _rows(store, HintGiven) == 1
    assert _rows(store, Utterance) == utterances + 1 + len(hint)  # the resend adds nothing

    # The same words under a new id are a new message (a learner may repeat themselves).
    tutor.respond(keyed(challenge, "m4", intent_for(T.WRONG_OWNER), 0.9))
    assert _rows(store, Utterance) > utterances + 1 + len(hint)

    # Another member's id is theirs alone, and a finish sent again still shows the debrief.
    other = tutor.respond(keyed("What's the proximity of R2?", "m2", learner="ben"))
    assert texts(other) != texts(answer)
    debrief = tutor.finish(keyed("let's finish", "m5", "finish_session", 0.95))
    assert texts(tutor.finish(keyed("let's finish", "m5", "finish_session", 0.95))) == texts(debrief)
    assert "no role-play running" not in texts(debrief)


def test_only_the_latest_answers_are_kept_for_resends(started, store):
    from bot.tutor import ANSWERED_KEPT

    for n in range(ANSWERED_KEPT + 5):
        started.respond(Incoming(CONV, ANA, f"What is the proximity of R{n % 9 + 1}?", message_key=f"k{n}"))
    with store.transaction() as db:
        kept = store.active_session(db, CONV).context["answered"]
    assert list(kept) == [f"{ANA}|k{n}" for n in range(5, ANSWERED_KEPT + 5)]
