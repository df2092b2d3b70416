"""scripts/load.py's read-back of the progress store: clean sessions pass, and a lost, a
duplicated or a misattributed row is each caught. Sessions are played in process through the
tutor (no server), into a real SQLite file."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.progress.models import Challenge, Utterance
from bot.progress.store import ProgressStore
from bot.scenarios.variants import variant
from bot.tutor import Incoming, Tutor

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("load_script", ROOT / "scripts" / "load.py")
load = importlib.util.module_from_spec(spec)
sys.modules["load_script"] = load  # dataclasses look their module up
spec.loader.exec_module(load)

PREFIX = "load-test-"


def play(tutor: Tutor, learner, scenario: str = "riverside-wms") -> None:
    """A short session as the load script plays it: start, a question, three challenges, finish."""
    s = variant(scenario, learner.seed)

    def say(kind: str, text: str, flaw=None, replies=None):
        m = load.Sent(kind, text, flaw.id if flaw else None, ok=True, status=200, attempts=1)
        msg = Incoming(conversation_id=learner.sender, learner_id=learner.sender, text=text)
        if replies is None:
            replies = tutor.respond(msg)
        learner.sent.append(m)
        return m, "\n".join(r.text for r in replies)

    start = Incoming(conversation_id=learner.sender, learner_id=learner.sender, text=f"/start {learner.seed}")
    say("start", start.text, replies=tutor.start(start, scenario, learner.seed))
    say("question", "Who holds the StockPilot contract?")
    for flaw in [f for f in s.flaws if f.challenge][:3]:
        m, reply = say("challenge", flaw.challenge, flaw)
        m.verdict = load.verdict_shown(flaw, reply)
    m = load.Sent("finish", "I'm done", ok=True, status=200, attempts=1)
    learner.sent.append(m)
    reply = "\n".join(r.text for r in tutor.finish(Incoming(learner.sender, learner.sender, "I'm done")))
    m.shown = "debrief" if s.persona.closing in reply else None


@pytest.fixture
def played(tmp_path):
    url = f"sqlite:///{tmp_path}/progress.db"
    tutor = Tutor(ProgressStore(url))
    learners = [load.Learner(n, f"{PREFIX}{n:04d}", seed=100 + n) for n in range(3)]
    for learner in learners:
        play(tutor, learner)
    return url, learners


def check(played) -> dict:
    url, learners = played
    return load.check_store(url, PREFIX, learners)


def test_a_clean_run_has_nothing_lost_duplicated_or_misattributed(played):
    result = check(played)
    assert (result["lost"], result["duplicated"], result["misattributed"]) == (0, 0, 0), result["problems"]
    assert result["sessions"] == result["sessions_finished"] == 3
    assert result["challenge_messages_with_verdict"] == 9 == result["challenge_rows"]


def _edit(url: str, statement) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(statement)
    engine.dispose()


def test_a_message_missing_from_the_transcript_is_lost(played):
    url, learners = played
    _edit(url, sa.delete(Utterance).where(Utterance.learner_id == learners[1].sender,
                                          Utterance.text == "Who holds the StockPilot contract?"))
    assert check(played)["lost"] == 1


def test_a_challenge_recorded_twice_is_duplicated(played):
    url, learners = played
    engine = sa.create_engine(url)
    with engine.begin() as c:
        row = c.execute(sa.select(Challenge).where(Challenge.learner_id == learners[0].sender,
                                                    Challenge.verdict == "hit").limit(1)).mappings().one()
        c.execute(sa.insert(Challenge).values({k: v for k, v in row.items() if k != "id"}))
    engine.dispose()
    result = check(played)
    assert result["duplicated"] == 1 and result["lost"] == 0


def test_a_challenge_credited_in_another_learners_session_is_misattributed(played):
    url, learners = played
    engine = sa.create_engine(url)
    with engine.begin() as c:
        other = c.execute(sa.text("select id from sessions where conversation_id = :c"),
                          {"c": learners[2].sender}).scalar_one()
        first = c.execute(sa.select(Challenge.id).where(Challenge.learner_id == learners[0].sender,
                                                         Challenge.verdict == "hit").limit(1)).scalar_one()
        c.execute(sa.update(Challenge).where(Challenge.id == first).values(session_id=other))
    engine.dispose()
    result = check(played)
    assert result["misattributed"] == 1
    assert result["lost"] == 1  # and learners[0]'s own session is missing it


def test_a_retried_message_may_be_recorded_twice_without_counting_as_a_duplicate(played):
    url, learners = played
    question = next(m for m in learners[0].sent if m.kind == "question")
    question.attempts = 2  # its first attempt was processed, then the connection dropped
    engine = sa.create_engine(url)
    with engine.begin() as c:
        row = c.execute(sa.select(Utterance).where(Utterance.learner_id == learners[0].sender,
                                                    Utterance.text == question.text)).mappings().one()
        c.execute(sa.insert(Utterance).values({k: v for k, v in row.items() if k != "id"}))
    engine.dispose()
    result = check(played)
    assert result["duplicated"] == 0 and result["recorded_twice_after_retry"] == 1
