"""The progress store's part in what learners and trainers see, written for gaps mutation testing
(`make mutate`) found: the conversation carried between messages, team debriefs, false challenges
named in the debrief, trainer overrides, the trainer's learner list, and where the database lives.

Everything runs through the Tutor or the store on a real SQLite file; risk ids come from the
seeded variant."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select

from bot.progress import store as store_module
from bot.progress.models import Challenge, Learner, Session
from bot.progress.store import ProgressStore
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.taxonomy import intent_for
from bot.tutor import Incoming, Tutor

SID, SEED = "riverside-wms", 7
CONV = "chat"


@pytest.fixture
def s():
    return variant(SID, SEED)


def flaw(s, t):
    return next(f for f in s.flaws if f.type == t)


def scanners(s):
    """A sound row whose owner is right: Priya holds the scanner supplier's contract."""
    row = next(r for r in s.rows if r.title == "Too few configured scanners for go-live")
    assert not any(row.id in (f.risk_id, f.other_risk_id) for f in s.flaws)
    return row


def say(tutor, text, learner="ana", t: T | None = None, name=None, conv=CONV) -> str:
    m = Incoming(conv, learner, text, display_name=name, intent=intent_for(t) if t else None,
                 confidence=0.9 if t else 0.0)
    return "\n".join(r.text for r in tutor.respond(m))


def owner_challenge(s):
    return (f"{flaw(s, T.WRONG_OWNER).risk_id}'s owner is wrong: Callum has no budget and can't issue "
            "a notice under the contract.")


def score_challenge(s):
    return f"On {flaw(s, T.SCORE_MISMATCH).risk_id}, 3 x 4 is 12, so why is it scored 7?"


def verdicts(store, conv=CONV):
    with store.transaction() as db:
        session = db.execute(select(Session).where(Session.conversation_id == conv)).scalars().first()
        return [(e.verdict, e.flaw_id) for e in store.effective_challenges(db, session)]


@pytest.fixture
def started(tutor):
    tutor.start(Incoming(CONV, "ana", "start", display_name="Ana"), SID, SEED)
    return tutor


# -- the conversation carried from one message to the next (session.context) -------------------------


def test_the_row_under_discussion_carries_to_the_next_message(started, store, s):
    """'R4 doesn't look right' then 'the owner is wrong' (no row): credited on R4, as the PM understood."""
    owner = flaw(s, T.WRONG_OWNER)
    say(started, f"{owner.risk_id} doesn't look right to me.")
    reply = say(started, "The owner is wrong: he has no budget and no authority over the supplier.",
                t=T.WRONG_OWNER)
    assert reply == owner.replies.hit
    assert verdicts(store) == [("partial", None), ("hit", owner.id)]


def test_an_answer_to_the_pms_question_needs_no_row(started, store, s):
    """Two flaws conceded; 'it should be twelve' answers the PM's last question (the score), and the
    owner's fix is still waiting."""
    owner, sums = flaw(s, T.WRONG_OWNER), flaw(s, T.SCORE_MISMATCH)
    say(started, owner_challenge(s), t=T.WRONG_OWNER)
    say(started, score_challenge(s), t=T.SCORE_MISMATCH)
    assert say(started, "Yes, it should be twelve.") == sums.fix.accepted_reply
    assert verdicts(store) == [("hit", owner.id), ("hit", sums.id), ("fix_accepted", sums.id)]
    progress = "\n".join(r.text for r in started.progress(Incoming(CONV, "ana", "progress")))
    assert f"Waiting for your fix: {owner.risk_id} (" in progress and f"{sums.risk_id} (" not in progress


def test_the_same_point_again_after_its_fix_is_a_repeat_not_a_new_charge(started, store, s):
    """After the score is agreed and fixed, '3 x 4 is 12, so that score was wrong' (no row) is the
    point just settled: a repeat, never a false challenge."""
    sums = flaw(s, T.SCORE_MISMATCH)
    say(started, score_challenge(s), t=T.SCORE_MISMATCH)
    say(started, "Yes, it should be twelve.")
    reply = say(started, "But honestly, 3 x 4 is 12, so that score was wrong.")
    assert reply == (sums.replies.repeat or "We've sorted that one, and I've got your fix for it. Anything else?")
    assert verdicts(store) == [("hit", sums.id), ("fix_accepted", sums.id), ("repeat", sums.id)]


# -- the debrief from the stored records ---------------------------------------------------------------


def test_a_false_challenge_is_named_by_row_and_kind_in_the_debrief(started, store, s):
    row = scanners(s)
    say(started, f"{row.id}'s owner is wrong: Priya can't own the scanners.", t=T.WRONG_OWNER)
    with store.transaction() as db:
        [c] = db.execute(select(Challenge)).scalars()
        assert (c.verdict, c.risk_id, c.flaw_type, c.flaw_id) == ("false", row.id, "wrong_owner", None)
    debrief = started.finish(Incoming(CONV, "ana", "finish"))[1].text
    assert f"False challenges: 1. {row.id}: wrong owner. Check the facts" in debrief
    assert "Team:" not in debrief  # one learner: no team lines


def test_a_team_debrief_credits_each_member_by_name(started, store, s):
    """A shared session: each member's flaws, fixes and false challenges, best first, by display name."""
    owner, sums = flaw(s, T.WRONG_OWNER), flaw(s, T.SCORE_MISMATCH)
    say(started, owner_challenge(s), t=T.WRONG_OWNER, name="Ana")
    say(started, "Give it to Priya, the commercial lead, as she holds the contract.", name="Ana")
    say(started, score_challenge(s), learner="ben", t=T.SCORE_MISMATCH, name="Ben")
    say(started, f"{scanners(s).id}'s owner is wrong: Priya can't own the scanners.", learner="ben",
        t=T.WRONG_OWNER, name="Ben")
    assert verdicts(store) == [("hit", owner.id), ("fix_accepted", owner.id), ("hit", sums.id), ("false", None)]
    debrief = started.finish(Incoming(CONV, "ben", "finish"))[1].text
    team = debrief[debrief.index("Team:"):].splitlines()
    assert team[0] == "Team: 2 members, team score 25 of 115 (22%)."
    assert team[1].startswith("- Ana: 1 flaw found, 1 fixed, 1 challenge (0 false), craft ")
    assert team[2].startswith("- Ben: 1 flaw found, 0 fixed, 2 challenges (1 false), craft ")
    assert len(team) == 3


def test_a_learner_keeps_the_latest_display_name(store):
    with store.transaction() as db:
        store.touch_learner(db, "telegram:1", "Ana", "telegram")
    with store.transaction() as db:
        store.touch_learner(db, "telegram:1", None, "telegram")  # a message without a name keeps it
    with store.transaction() as db:
        assert store.display_names(db, ["telegram:1"]) == {"telegram:1": "Ana"}
        store.touch_learner(db, "telegram:1", "Ana B", "telegram")
    with store.transaction() as db:
        learner = db.get(Learner, "telegram:1")
        assert (learner.display_name, learner.channel) == ("Ana B", "telegram")
        assert store.display_names(db, []) == {}
        assert store.display_names(db, ["telegram:1", "nobody"]) == {"telegram:1": "Ana B"}


# -- trainer overrides ---------------------------------------------------------------------------------


def override(store, challenge_id, verdict, flaw_id=None, flaw_type=None, comment="reviewed"):
    with store.transaction() as db:
        c = db.get(Challenge, challenge_id)
        store.override_verdict(db, c, verdict, "Tess", comment, flaw_id, flaw_type)


def test_an_override_changes_what_the_session_credits_and_the_latest_wins(started, store, s):
    row = scanners(s)
    missing = flaw(s, T.MISSING_RISK)
    say(started, f"{row.id}'s owner is wrong: Priya can't own the scanners.", t=T.WRONG_OWNER)
    with store.transaction() as db:
        [c] = db.execute(select(Challenge)).scalars()
    # The trainer reads it as the missing risk after all: a hit on that flaw.
    override(store, c.id, "hit", missing.id, missing.type.value)
    with store.transaction() as db:
        session = store.active_session(db, CONV)
        [e] = store.effective_challenges(db, session)
        assert (e.verdict, e.flaw_id, e.flaw_type, e.challenge.id) == ("hit", missing.id, "missing_risk", c.id)
        assert store.state_of(db, session).found == {missing.id}
        [r] = store.challenge_records(db, session)
        assert (r.verdict.value, r.flaw_id, r.flaw_type, r.risk_id, r.learner_id) == (
            "hit", missing.id, "missing_risk", row.id, "ana")
    # A second override (no flaw named) wins; the challenge keeps its own type and flaw.
    override(store, c.id, "partial", comment="only partly")
    with store.transaction() as db:
        session = store.active_session(db, CONV)
        [e] = store.effective_challenges(db, session)
        assert (e.verdict, e.flaw_id, e.flaw_type) == ("partial", None, "wrong_owner")
        assert store.state_of(db, session).found == set()
    override(store, c.id, "false", comment="no, false")
    with store.transaction() as db:
        session = store.active_session(db, CONV)
        trail = [(o.previous_verdict, o.verdict, o.trainer, o.comment) for o in store.overrides(db, session.id)]
        assert trail == [("false", "hit", "Tess", "reviewed"), ("hit", "partial", "Tess", "only partly"),
                         ("partial", "false", "Tess", "no, false")]
        [e] = store.effective_challenges(db, session)
        assert (e.verdict, e.override.comment) == ("false", "no, false")


def test_an_override_stays_in_its_own_session(tutor, store, s):
    row = scanners(s)
    for conv in ("one", "two"):
        tutor.start(Incoming(conv, conv, "start"), SID, SEED)
        say(tutor, f"{row.id}'s owner is wrong: Priya can't own the scanners.", learner=conv, t=T.WRONG_OWNER,
            conv=conv)
    with store.transaction() as db:
        first = db.execute(select(Challenge).order_by(Challenge.id)).scalars().first()
    override(store, first.id, "withdrawn")
    assert verdicts(store, "one") == [("withdrawn", None)]
    assert verdicts(store, "two") == [("false", None)]
    with store.transaction() as db:
        two = store.active_session(db, "two")
        assert store.overrides(db, two.id) == []


def test_a_correction_withdraws_only_the_false_charges_of_the_last_turn(started, store, s):
    """Withdrawn, with the learner's words kept for the trainer; a hit, or a charge the trainer has
    already upheld as a hit, stays."""
    row, owner = scanners(s), flaw(s, T.WRONG_OWNER)
    say(started, f"{row.id}'s owner is wrong: Priya can't own the scanners.", t=T.WRONG_OWNER)
    say(started, f"{row.id}'s owner is wrong: Priya can't own the scanners.", t=T.WRONG_OWNER)
    say(started, owner_challenge(s), t=T.WRONG_OWNER)
    with store.transaction() as db:
        first, second, hit = db.execute(select(Challenge).order_by(Challenge.id)).scalars().all()
    override(store, second.id, "hit", owner.id, "wrong_owner")
    with store.transaction() as db:
        n = store.withdraw_charges(db, [first.id, second.id, hit.id], "I meant " + "R4 " * 200)
    assert n == 1
    assert verdicts(store) == [("withdrawn", None), ("hit", owner.id), ("hit", owner.id)]
    with store.transaction() as db:
        session = store.active_session(db, CONV)
        o = store.overrides(db, session.id)[-1]
        assert (o.challenge_id, o.trainer, o.previous_verdict) == (first.id, "tutor", "false")
        assert o.comment == "The learner corrected how this was read: " + ("I meant " + "R4 " * 200)[:300]


# -- the trainer's list of learners ----------------------------------------------------------------------


def test_the_learner_list_counts_sessions_and_flaws_with_overrides(tutor, store, s):
    """Sessions each learner started, flaws each was credited with (once per session, only their own
    hits, the latest override counting), the most recently active first, paged."""
    owner, sums = flaw(s, T.WRONG_OWNER), flaw(s, T.SCORE_MISMATCH)
    tutor.start(Incoming("a1", "ana", "start", display_name="Ana"), SID, SEED)
    say(tutor, owner_challenge(s), t=T.WRONG_OWNER, conv="a1")
    say(tutor, owner_challenge(s), t=T.WRONG_OWNER, conv="a1")  # a repeat: still one flaw
    say(tutor, score_challenge(s), t=T.SCORE_MISMATCH, conv="a1")
    say(tutor, score_challenge(s), learner="dan", t=T.SCORE_MISMATCH, conv="a1")  # Dan repeats Ana's flaw
    say(tutor, f"{sums.risk_id} should be scored 12.", learner="dan", conv="a1")  # and gives its fix
    tutor.start(Incoming("a2", "ana", "start", display_name="Ana"), SID, SEED)
    say(tutor, owner_challenge(s), t=T.WRONG_OWNER, conv="a2")  # the same flaw in another session
    tutor.start(Incoming("b1", "ben", "start", display_name="Ben", channel="telegram"), SID, SEED)
    say(tutor, f"{scanners(s).id}'s owner is wrong: Priya can't own the scanners.", learner="ben",
        t=T.WRONG_OWNER, conv="b1")
    assert verdicts(store, "a1") == [("hit", owner.id), ("repeat", owner.id), ("hit", sums.id),
                                     ("repeat", sums.id), ("fix_accepted", sums.id)]
    with store.transaction() as db:
        db.add(Learner(id="carl", display_name="Carl", channel="rest", last_active=dt.datetime(2026, 1, 2, 3, 4, 5)))

    def listed(**page):
        with store.transaction() as db:
            return [(x["id"], x["display_name"], x["channel"], x["sessions"], x["flaws_found"])
                    for x in store.learners(db, **page)]

    assert listed() == [("ben", "Ben", "telegram", 1, 0), ("ana", "Ana", "rest", 2, 3), ("dan", "dan", "rest", 0, 0),
                        ("carl", "Carl", "rest", 0, 0)]
    with store.transaction() as db:
        assert store.learners(db)[3]["last_active"] == "2026-01-02T03:04:05Z"
    with store.transaction() as db:
        ben_c = db.execute(select(Challenge).where(Challenge.learner_id == "ben")).scalars().one()
        ana_first = db.execute(select(Challenge).where(Challenge.learner_id == "ana").order_by(Challenge.id)).scalars().first()
    missing = flaw(s, T.MISSING_RISK)
    override(store, ben_c.id, "hit", missing.id, missing.type.value)  # Ben's challenge found the missing risk
    override(store, ana_first.id, "partial")  # Ana's first hit was only partial after all
    assert listed() == [("ben", "Ben", "telegram", 1, 1), ("ana", "Ana", "rest", 2, 2), ("dan", "dan", "rest", 0, 0),
                        ("carl", "Carl", "rest", 0, 0)]
    override(store, ben_c.id, "false")  # and back again: the latest override counts
    assert [x[4] for x in listed()] == [0, 2, 0, 0]
    assert [x[0] for x in listed(limit=1, offset=2)] == ["dan"]
    assert [x[0] for x in listed(limit=2)] == ["ben", "ana"]


def test_a_learners_sessions_are_listed_newest_first(tutor, store, s):
    for conv in ("a1", "a2", "a3"):
        tutor.start(Incoming(conv, "ana", "start"), SID, SEED)
    with store.transaction() as db:
        assert [x.conversation_id for x in store.sessions_of(db, "ana")] == ["a3", "a2", "a1"]
        assert store.sessions_of(db, "nobody") is None


# -- where the database lives ------------------------------------------------------------------------------


def test_the_database_defaults_to_var_and_follows_database_url(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert store_module.default_url() == f"sqlite:///{store_module.ROOT / 'var' / 'progress.db'}"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    assert store_module.default_url() == f"sqlite:///{tmp_path}/elsewhere.db"


def test_a_new_database_file_gets_its_folders_and_lets_readers_in_while_writing(tmp_path):
    """A fresh machine: the folders are made; WAL lets the web app read while the action server
    writes; a challenge for a session that doesn't exist is refused."""
    path = tmp_path / "var" / "deep" / "progress.db"
    store = ProgressStore(f"sqlite:///{path}")
    with store.transaction() as db:
        store.touch_learner(db, "ana", None, "rest")
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(Exception, match="FOREIGN KEY"):
        with store.transaction() as db:
            db.add(Challenge(session_id=999, learner_id="ana", text="x", verdict="false"))
