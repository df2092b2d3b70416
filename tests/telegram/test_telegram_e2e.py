"""Telegram through the real stack: the fake Bot API <- bridge -> Rasa -> action server -> progress
database, read back through the trainer API."""
from __future__ import annotations

import re
import threading

import pytest
import requests
from tg_fakebot import message, press, sticker, user

from bot.channels import formatting as fmt
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T

pytestmark = pytest.mark.e2e

SEED = 5
AT = "@pmo_tutor_bot"


@pytest.fixture
def live(stack, api, bridge):
    return bridge(stack.rasa, f"sqlite:///{stack.tmp}/progress.db")


def sent_message(api, call):
    """The message Telegram stored for a sendMessage call (for pressing its buttons)."""
    return next(m for m in api.sent.values() if m["chat"]["id"] == call.chat_id and m["text"] == re.sub(
        r"<[^>]+>", "", call.text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def test_a_private_session_from_start_to_debrief(stack, api, live):
    ana = user(301, "Ana", "Silva")
    api.push(message(301, ana, "/start"))
    menu = api.wait_text(301, "Choose a scenario")
    assert menu.params["parse_mode"] == "HTML" and menu.text.startswith("<b>Tutor:</b> Hello!")
    choice = next(b for b in menu.buttons if b["text"].startswith("Riverside"))
    assert len(choice["callback_data"].encode()) <= 64

    # a button press starts the scenario, and is acknowledged
    mark = api.mark()
    api.push(press(301, ana, sent_message(api, menu), choice["callback_data"]))
    overview = api.wait_text(301, "Risk register", after=mark)
    ack = api.wait_for(lambda c: c.method == "answerCallbackQuery", 5, "answerCallbackQuery")
    assert "starting" in ack.params.get("text", "")
    assert api.wait_for(lambda c: c.method == "editMessageText", 5, "menu marked").params["text"].endswith("</b>")
    started = api.texts(301, mark)
    assert any("Project brief" in t for t in started) and all(len(t) <= 4096 for t in started)

    # the learner id is telegram:<user id>; the seed of the random variant is in the trainer API
    sessions = stack.api("/api/learners/telegram:301/sessions").json()
    s = variant("riverside-wms", sessions[0]["seed"])
    assert f"<b>{s.rows[0].id}</b>" in overview.text and len(overview.buttons) == len(s.rows) + 1

    # a card per risk, and the full register split under 4,096 characters
    mark = api.mark()
    api.push(press(301, ana, sent_message(api, overview), f"c|{s.rows[2].id}"))
    card = api.wait_text(301, f"<b>{s.rows[2].id} · ", after=mark)
    assert s.rows[2].description[:40] in card.text.replace("&amp;", "&")
    mark = api.mark()
    api.push(press(301, ana, sent_message(api, overview), "full"))
    api.wait_text(301, f"<b>{s.rows[-1].id} · ", after=mark)
    parts = api.texts(301, mark)
    assert len(parts) >= 2 and all(len(p) <= 4096 for p in parts)
    ids = re.findall(r"^<b>(R\d+) · ", "\n".join(parts), re.M)
    assert ids == [r.id for r in s.rows]

    # challenge, fix, hint, progress (through a 429), a sticker, then the debrief
    owner = next(f for f in s.flaws if f.type == T.WRONG_OWNER)
    mark = api.mark()
    api.push(message(301, ana, f"Can Callum really own {owner.risk_id}? He can't enforce the StockPilot contract, Priya holds it."))
    api.wait_text(301, owner.replies.hit[:40], after=mark)
    api.push(message(301, ana, "Priya Shah should own it, as commercial lead"))
    api.wait_text(301, owner.fix.accepted_reply[:40], after=mark)
    api.push(message(301, ana, "/hint"))
    api.wait_text(301, "Hint", after=mark)
    api.fail("sendMessage", retry_after=1)
    api.push(message(301, ana, "/progress"))
    done = api.wait_text(301, f"1 of {len(s.flaws)} flaws found", after=mark)
    tries = [c for c in api.calls_of("sendMessage", 301)[-2:]]
    assert tries[0].status == 429 and tries[1] is done and done.at - tries[0].at >= 1.0
    api.push(sticker(301, ana))
    api.wait_text(301, "Text only for now", after=mark)
    api.push(message(301, ana, "/finish"))
    debrief = api.wait_text(301, "Debrief", after=mark)
    assert f"You found 1 of {len(s.flaws)} flaws and fixed 1" in debrief.text and "Team:" not in debrief.text

    me = next(x for x in stack.api("/api/learners").json() if x["id"] == "telegram:301")
    assert me["channel"] == "telegram" and me["display_name"] == "Ana Silva" and me["flaws_found"] == 1
    assert stack.api("/api/learners/telegram:301/sessions").json()[0]["status"] == "finished"


def test_a_manager_session_on_a_draft_policy_from_clause_cards_to_agreement(stack, api, live):
    """The stakeholder's draft policy as a clause overview with a card per clause; a flawed clause
    challenged, the fix accepted, the objection met, and the debrief says it was agreed."""
    s = variant("eastmere-risk-policy", 0)
    gap = next(f for f in s.flaws if f.type == T.ESCALATION_GAP)
    assert gap.clause_id == "C7"
    cat = user(701, "Cat", "Okoro")
    api.push(message(701, cat, "/scenarios"))
    menu = api.wait_text(701, "Choose a scenario")
    mark = api.mark()
    api.push(press(701, cat, sent_message(api, menu), "s|eastmere-risk-policy|0"))
    overview = api.wait_text(701, "<b>C7</b> Escalation", after=mark)
    assert overview.text.startswith(f"<b>{fmt.esc(s.brief.project)}</b> (16 clauses")
    assert "<b>C4</b> Roles and responsibilities" in overview.text and s.clauses[6].text[:40] not in overview.text
    assert [b["callback_data"] for b in overview.buttons] == [f"c|C{n}" for n in range(1, 17)] + ["full"]
    started = "\n".join(api.texts(701, mark))
    assert "<b>Alistair Penrose (PM):</b> Here's the draft." in started and "Project brief" in started
    assert s.clauses[0].text[:40] not in started  # the long text version gave way to the overview

    # a clause card from its button, another from /register C4, and the full policy split to fit
    mark = api.mark()
    api.push(press(701, cat, sent_message(api, overview), "c|C7"))
    card = api.wait_text(701, "<b>C7 · Escalation</b>", after=mark)
    assert fmt.esc(s.clauses[6].text) in card.text
    command = api.push(message(701, cat, "/register C4"))["message"]
    c4 = api.wait_text(701, "<b>C4 · Roles and responsibilities</b>", after=mark)
    assert c4.params["reply_parameters"]["message_id"] == command["message_id"]
    api.push(message(701, cat, "/register C99"))
    api.wait_text(701, "No clause called C99. The policy has C1, C2,", after=mark)
    mark = api.mark()
    api.push(press(701, cat, sent_message(api, overview), "full"))
    api.wait_text(701, "<b>C16 · ", after=mark)
    parts = api.texts(701, mark)
    assert len(parts) >= 2 and all(len(p) <= 4096 for p in parts)
    assert re.findall(r"^<b>(C\d+) · ", "\n".join(parts), re.M) == [f"C{n}" for n in range(1, 17)]

    # challenge the flawed clause, propose the fix, meet the stakeholder's objection
    mark = api.mark()
    api.push(message(701, cat, "Clause 7: a score of 15 or 16 sits in both the project band and the programme band, "
                               "so who gets it? Standalone projects have no programme board."))
    api.wait_text(701, fmt.esc(gap.replies.hit[:40]), after=mark)
    api.push(message(701, cat, "Make the bands contiguous: up to 14 stays with the project board, 15 and above goes "
                               "to the Portfolio Board, decision recorded within 5 working days."))
    api.wait_text(701, fmt.esc(gap.fix.accepted_reply[:40]), after=mark)
    api.wait_text(701, fmt.esc(gap.fix.objection.text[:40]), after=mark)
    api.push(message(701, cat, "Because audit found escalations with no decisions recorded, and a safety risk can't "
                               "wait for the next meeting. Keep it light: the chair decides by email between "
                               "meetings on a one-page note."))
    api.wait_text(701, fmt.esc(gap.fix.objection.accepted_reply[:40]), after=mark)

    mark = api.mark()
    api.push(message(701, cat, "/finish"))
    api.wait_text(701, "Debrief", after=mark)
    debrief = "\n".join(api.texts(701, mark))
    assert "• C7: escalation gap, fixed, and agreed" in debrief and f"You found 1 of {len(s.flaws)} flaws" in debrief

    [session] = stack.api("/api/learners/telegram:701/sessions").json()[:1]
    detail = stack.api(f"/api/sessions/{session['id']}").json()
    assert [(c["verdict"], c["flaw_id"]) for c in detail["challenges"]] == [
        ("hit", gap.id), ("fix_accepted", gap.id), ("agreed", gap.id)]


def test_a_group_plays_one_session_and_each_member_is_credited(stack, api, live):
    group = -100500
    ana, bob = user(401, "Ana"), user(402, "<b>Bob</b>")
    api.push(message(group, ana, f"/help{AT}"))
    helped = api.wait_text(group, "Playing as a team")
    assert "Privacy mode is on" in helped.text and "reply" in helped.text
    api.push(message(group, ana, f"/scenarios{AT}"))
    menu = api.wait_text(group, "Choose a scenario")
    mark = api.mark()
    api.push(press(group, ana, sent_message(api, menu), f"s|riverside-wms|{SEED}"))  # a seeded start
    overview = api.wait_text(group, "Risk register", after=mark)
    s = variant("riverside-wms", SEED)
    assert f"<b>{s.rows[0].id}</b> " in overview.text

    # chatter not meant for the bot is left alone (checked below, once later messages are answered)
    coffee = api.push(message(group, bob, "shall we get coffee first?"))["message"]

    # two members at once: one replies to the PM, the other mentions the bot
    score = next(f for f in s.flaws if f.type == T.SCORE_MISMATCH)
    row = s.row(score.risk_id)
    dup = next(f for f in s.flaws if f.type == T.DUPLICATE)
    mark = api.mark()
    asked = api.push(message(group, ana, f"Quick one on {row.id}: {row.probability} x {row.impact} is "
                             f"{row.probability * row.impact}, so why is it scored {row.score}?",
                             reply_to=sent_message(api, overview)))["message"]
    api.push(message(group, bob, f"{AT} aren't {dup.risk_id} and {dup.other_risk_id} the same risk?"))
    answer = api.wait_text(group, score.replies.hit[:40], after=mark)
    api.wait_text(group, dup.replies.hit[:40], after=mark)
    assert answer.params["reply_parameters"]["message_id"] == asked["message_id"]  # answers quote the message
    # both messages pushed after the chatter have been answered, so the bridge has fetched it: it
    # got no reply, then or in the next two seconds, and it never reached the role-play
    api.assert_no_call(lambda c: c.method == "sendMessage" and c.chat_id == group
                       and (c.params.get("reply_parameters") or {}).get("message_id") == coffee["message_id"],
                       2, "reply to chatter not meant for the bot")

    mark = api.mark()
    api.push(message(group, bob, f"/leaderboard{AT}"))
    board = api.wait_text(group, "Team leaderboard", after=mark)
    assert "&lt;b&gt;Bob&lt;/b&gt;: <b>1</b> found" in board.text and "Ana: <b>1</b> found" in board.text

    mark = api.mark()
    api.push(message(group, ana, f"/finish{AT}"))
    api.wait_text(group, "Team: 2 members, team score", after=mark)
    debrief = "\n".join(api.texts(group, mark))  # long: split over messages
    assert f"You found 2 of {len(s.flaws)} flaws" in debrief
    assert "• &lt;b&gt;Bob&lt;/b&gt;: 1 flaw found" in debrief and "• Ana: 1 flaw found" in debrief
    assert "<b>Bob</b>" not in debrief

    learners = {x["id"]: x for x in stack.api("/api/learners").json()}
    assert learners["telegram:401"]["flaws_found"] == 1 and learners["telegram:402"]["flaws_found"] == 1
    assert learners["telegram:402"]["display_name"] == "<b>Bob</b>"
    assert "telegram-group:-100500" not in learners  # the group is a conversation, not a learner
    session = stack.api("/api/learners/telegram:401/sessions").json()[0]
    detail = stack.api(f"/api/sessions/{session['id']}").json()
    credited = {(c["learner_id"], c["flaw_id"]) for c in detail["challenges"] if c["verdict"] == "hit"}
    assert credited == {("telegram:401", score.id), ("telegram:402", dup.id)}
    said = [t["text"] for t in stack.api(f"/api/sessions/{session['id']}/transcript").json() if t["speaker"] == "learner"]
    assert any(f"why is it scored {row.score}?" in t for t in said) and any("the same risk?" in t for t in said)
    assert not any("coffee" in t for t in said), said


def test_rasa_serialises_two_members_of_one_conversation(stack):
    """Without the bridge's own ordering: Rasa's lock per sender keeps simultaneous messages
    from corrupting the shared session, and each is credited to its member."""
    sender = "telegram-group:-100600"

    def say(learner: str, text: str):
        meta = {"learner_id": learner, "display_name": learner, "channel": "telegram"}
        r = requests.post(f"{stack.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text,
                          "metadata": meta}, timeout=60)
        r.raise_for_status()
        return r.json()

    say("telegram:601", f'/start_scenario{{"scenario": "riverside-wms", "seed": {SEED}}}')
    s = variant("riverside-wms", SEED)
    nar = next(f for f in s.flaws if f.type == T.NOT_A_RISK)
    owner = next(f for f in s.flaws if f.type == T.WRONG_OWNER)
    texts = {
        "telegram:601": f"{nar.risk_id} has already happened, hasn't it? The drop was three weeks late, so it's an issue now.",
        "telegram:602": f"Can Callum really own {owner.risk_id}? He can't enforce the StockPilot contract, Priya holds it.",
    }
    threads = [threading.Thread(target=say, args=item) for item in texts.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    session = stack.api("/api/learners/telegram:601/sessions").json()[0]
    detail = stack.api(f"/api/sessions/{session['id']}").json()
    hits = {(c["learner_id"], c["flaw_id"]) for c in detail["challenges"] if c["verdict"] == "hit"}
    assert hits == {("telegram:601", nar.id), ("telegram:602", owner.id)}
    learner_lines = [t for t in stack.api(f"/api/sessions/{session['id']}/transcript").json() if t["speaker"] == "learner"]
    assert len(learner_lines) == 3
