"""The web app's endpoints on an aiohttp test server: learner identity and chat proxy, history
and progress, the trainer API's guard, the dashboard reports, overrides with their audit trail,
exports and charts."""
from __future__ import annotations

import csv
import io
import logging
import xml.etree.ElementTree as ET

import pytest

from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T

from web_support import ANA, BEN, SEED, SID, TOKEN, auth, flaw_of, play

TRAINER_GETS = [
    "/api/scenarios", "/api/learners", f"/api/learners/{ANA}/sessions", "/api/sessions/1",
    "/api/sessions/1/transcript", "/api/sessions/1/review", "/api/sessions/1/transcript.csv",
    "/api/sessions/1/transcript.html", "/api/report", "/api/class", "/api/class/missed.svg",
    "/api/class/progress.svg", "/api/export/sessions.csv", "/api/export/challenges.csv",
]


def cookie(learner: str) -> dict:
    return {"Cookie": f"pmo_learner={learner}"}


def post_json(learner: str) -> dict:
    return {**cookie(learner), "Content-Type": "application/json"}


# -- the guard ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", TRAINER_GETS)
async def test_trainer_api_answers_401_json_without_the_right_token(client, store, path):
    play(store, ANA)
    for headers in ({}, auth("wrong"), {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):
        r = await client.get(path, headers=headers)
        assert r.status == 401, (path, headers)
        assert "error" in await r.json()
    assert (await client.get(path, headers=auth())).status == 200


async def test_override_needs_the_token(client, store):
    play(store, ANA)
    r = await client.post("/api/challenges/1/override", json={"verdict": "hit", "comment": "x"})
    assert r.status == 401


async def test_health_and_pages_are_open_with_a_strict_csp(client):
    assert await (await client.get("/api/health")).json() == {"status": "ok"}
    for path in ("/", "/progress", "/trainer", "/static/chat.js"):
        r = await client.get(path)
        assert r.status == 200, path
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp and "5005" not in csp
        assert "unsafe-inline" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    trainer = await (await client.get("/trainer")).text()
    assert "Trainer token" in trainer and "<script src=" in trainer and "<script>" not in trainer


async def test_no_token_in_logs(client, store, caplog):
    caplog.set_level(logging.DEBUG)
    play(store, ANA)
    for path in TRAINER_GETS:
        await client.get(path, headers=auth())
    await client.post("/api/challenges/2/override", headers=auth(), json={"verdict": "partial", "comment": "ok", "trainer": "Tess"})
    assert caplog.records and not any(TOKEN in r.getMessage() for r in caplog.records)


# -- learner identity and chat --------------------------------------------------------------------
async def test_the_chat_page_issues_an_httponly_random_learner_cookie(client):
    r = await client.get("/")
    set_cookie = r.headers["Set-Cookie"]
    assert "pmo_learner=web-" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    first = r.cookies["pmo_learner"].value
    client.session.cookie_jar.clear()
    again = await client.get("/", headers=cookie(first))
    assert "Set-Cookie" not in again.headers
    client.session.cookie_jar.clear()
    other = await client.get("/", headers=cookie("ana"))  # not a web id: a fresh one, not "ana"
    assert other.cookies["pmo_learner"].value not in ("ana", first)


async def test_a_message_is_relayed_to_rasa_as_the_cookies_learner(client, rasa, store):
    r = await client.post("/chat/message", headers=post_json(ANA), json={"message": "  hello  "})
    assert r.status == 200
    assert rasa.received == [{"sender": ANA, "message": "hello"}]
    messages = (await r.json())["messages"]
    reg = messages[0]
    assert (reg["speaker"], reg["name"], reg["kind"]) == ("pm", "Rob Atkinson", "register")
    assert reg["register"]["rows"][0]["id"] == "R1" and "defences" not in reg["register"]["rows"][0]
    assert messages[1] == {"speaker": "tutor", "name": "Tutor", "kind": "text", "text": "Pick one",
                           "buttons": [{"title": "Riverside", "payload": "/start_scenario"}]}
    with store.transaction() as db:
        from bot.progress.models import Learner
        assert db.get(Learner, ANA).channel == "web"


async def test_chat_posts_are_refused_without_identity_from_another_site_or_empty(client):
    assert (await client.post("/chat/message", json={"message": "hi"})).status == 401
    r = await client.post("/chat/message", headers={**post_json(ANA), "Origin": "http://evil.example"}, json={"message": "hi"})
    assert r.status == 403
    r = await client.post("/chat/message", headers=cookie(ANA), data="message=hi")  # a form post
    assert r.status == 403
    assert (await client.post("/chat/message", headers=post_json(ANA), json={"message": " "})).status == 400
    assert (await client.post("/chat/message", headers=post_json(ANA), json={"message": "x" * 5000})).status == 400


async def test_rasa_down_says_the_tutor_is_restarting(store):
    from aiohttp.test_utils import TestClient, TestServer
    from bot.web.app import make_app
    c = TestClient(TestServer(make_app(store, TOKEN, rasa_url="http://127.0.0.1:9")))  # nothing listens
    await c.start_server()
    try:
        r = await c.post("/chat/message", headers=post_json(ANA), json={"message": "hi"})
        assert r.status == 503 and r.headers["Retry-After"] == "5"
        assert "restarting" in (await r.json())["error"] and "send it again" in (await r.json())["error"]
        r = await c.post("/chat/message", headers=post_json(ANA), json={"message": "hi", "message_id": "a b"})
        assert r.status == 400 and "message_id" in (await r.json())["error"]
    finally:
        await c.close()


async def test_history_resumes_the_learners_own_session_only(client, store):
    play(store, ANA)
    h = await (await client.get("/chat/history", headers=cookie(ANA))).json()
    assert h["session"]["status"] == "active" and h["session"]["title"]
    kinds = [m["kind"] for m in h["messages"]]
    assert "brief" in kinds and "register" in kinds
    assert h["messages"][0] == {"speaker": "learner", "name": "You", "kind": "text", "text": f"Start: {h['session']['title']}"}
    reg = next(m for m in h["messages"] if m["kind"] == "register")
    assert len(reg["register"]["rows"]) == len(variant(SID, SEED).rows)
    assert any(m["speaker"] == "pm" and m["name"] == "Rob Atkinson" for m in h["messages"])
    assert h["scenarios"] and h["scenarios"][0]["payload"].startswith("/start_scenario")
    other = await (await client.get("/chat/history", headers=cookie(BEN))).json()
    assert other["session"] is None and other["messages"] == []


def start_policy(store, learner: str) -> None:
    from bot.tutor import Incoming, Tutor

    Tutor(store).start(Incoming(learner, learner, '/start_scenario{"scenario": "eastmere-risk-policy", "seed": 0}',
                                channel="web"), "eastmere-risk-policy", 0)


def test_shape_turns_a_policy_into_a_clause_list_and_keeps_a_portfolio_project():
    from bot.presentation import register_data, register_text
    from bot.web.learner import shape

    s = variant("eastmere-risk-policy", 0)
    extra = {"id": "C17", "title": "T", "text": "x", "aliases": ["secret"]}  # only id, title and text pass
    data = register_data(s) | {"clauses": register_data(s)["clauses"] + [extra]}
    out = shape([{"text": f"Alistair Penrose (PM): {register_text(s)}"}, {"custom": data}], "Director of Transformation")
    [policy] = out
    assert (policy["kind"], policy["name"], policy["role"]) == ("policy", "Alistair Penrose", "Director of Transformation")
    assert policy["text"] == f"{s.brief.project} (as of 16 Nov 2026)"  # the list replaces the plain text
    clauses = policy["policy"]["clauses"]
    assert clauses[6] == {"id": "C7", "title": "Escalation", "text": s.clauses[6].text}
    assert clauses[-1] == {"id": "C17", "title": "T", "text": "x"} and policy["policy"]["title"] == s.brief.project
    alone = shape([{"custom": data}])  # structured data with no text before it still shows
    assert alone[0]["kind"] == "policy" and alone[0]["text"] == "Draft policy" and "role" not in alone[0]

    n = variant("northbridge-portfolio-report", 0)
    [reg] = shape([{"text": f"Rhiannon Price (PM): {register_text(n)}"}, {"custom": register_data(n)}])
    assert reg["kind"] == "register" and reg["register"]["rows"][0]["project"] == n.rows[0].project
    [plain] = shape([{"custom": register_data(variant(SID, SEED))}])
    assert "project" not in plain["register"]["rows"][0]


async def test_history_shows_a_policy_session_as_clauses_said_by_the_stakeholder(client, store):
    start_policy(store, ANA)
    h = await (await client.get("/chat/history", headers=cookie(ANA))).json()
    policy = next(m for m in h["messages"] if m["kind"] == "policy")
    assert [c["id"] for c in policy["policy"]["clauses"]] == [f"C{n}" for n in range(1, 17)]
    assert {m.get("role") for m in h["messages"] if m["speaker"] == "pm"} == {"Director of Transformation"}
    assert "register" not in [m["kind"] for m in h["messages"]]


async def test_the_stakeholders_role_labels_live_replies_too(client, rasa, store):
    start_policy(store, ANA)
    r = await client.post("/chat/message", headers=post_json(ANA), json={"message": "C7 overlaps"})
    pm = [m for m in (await r.json())["messages"] if m["speaker"] == "pm"]
    assert pm and {m["role"] for m in pm} == {"Director of Transformation"}
    r = await client.post("/chat/message", headers=post_json(BEN), json={"message": "hello"})
    assert {m["role"] for m in (await r.json())["messages"] if m["speaker"] == "pm"} == {"Project Manager"}


async def test_learner_endpoints_never_carry_the_answer_key(client, store):
    play(store, ANA)
    s = variant(SID, SEED)
    found = flaw_of(T.WRONG_OWNER)
    for path in ("/chat/history", "/chat/progress"):
        body = await (await client.get(path, headers=cookie(ANA))).text()
        for f in s.flaws:
            if f.id == found.id:
                continue
            assert f.evidence not in body and f.fix.model_answer not in body and f.replies.hit not in body, (path, f.id)
        # the keys of the answer key (a title may say "flood defences" in plain English)
        assert '"flaws"' not in body and '"defences"' not in body and '"aliases"' not in body


async def test_progress_shows_own_sessions_scores_and_flaw_types(client, store):
    play(store, ANA, finish=True)
    play(store, BEN)
    p = await (await client.get("/chat/progress", headers=cookie(ANA))).json()
    assert len(p["sessions"]) == 1
    one = p["sessions"][0]
    assert (one["status"], one["found"], one["total"], one["false_challenges"]) == ("finished", 1, 7, 1)
    owner = next(t for t in p["flaw_types"] if t["type"] == "wrong_owner")
    assert owner["found"] == 1 and owner["status"] == "mastered"
    assert any(t["status"] == "practise" for t in p["flaw_types"])  # the flaws missed at finish
    nobody = await (await client.get("/chat/progress", headers=cookie("web-" + "c" * 24))).json()
    assert nobody["sessions"] == []


async def test_a_name_is_stored_as_typed_and_returned_as_json(client, store):
    r = await client.post("/chat/name", headers=post_json(ANA), json={"name": "<script>alert(1)</script>"})
    assert r.status == 200 and r.content_type == "application/json"
    assert (await r.json())["display_name"] == "<script>alert(1)</script>"
    assert (await client.post("/chat/name", headers=post_json(ANA), json={"name": "  "})).status == 400


# -- trainer reports --------------------------------------------------------------------------------
async def test_report_lists_learners_and_sessions_with_filters(client, store):
    play(store, ANA, finish=True)
    play(store, BEN)
    data = await (await client.get("/api/report", headers=auth())).json()
    assert {x["id"] for x in data["learners"]} == {ANA, BEN}
    ana = next(x for x in data["learners"] if x["id"] == ANA)
    assert (ana["sessions"], ana["flaws_found"], ana["flaws_total"], ana["false_challenges"], ana["hints"]) == (1, 1, 7, 1, 0)
    assert ana["craft"] is not None and ana["last_active"].endswith("Z")
    assert len(data["sessions"]) == 2 and data["sessions"][0]["id"] > data["sessions"][1]["id"]
    none = await (await client.get("/api/report?scenario=northgate-epr", headers=auth())).json()
    assert none["sessions"] == [] and none["learners"] == []
    level = await (await client.get("/api/report?level=foundation&from=2000-01-01&to=2999-01-01", headers=auth())).json()
    assert len(level["sessions"]) == 2
    assert (await client.get("/api/report?from=yesterday", headers=auth())).status == 400
    assert (await client.get("/api/report?scenario=nope", headers=auth())).status == 400


async def test_review_tags_learner_messages_with_their_verdicts(client, store):
    play(store, ANA)
    d = await (await client.get("/api/sessions/1/review", headers=auth())).json()
    tagged = [line for line in d["transcript"] if line["speaker"] == "learner" and line["verdicts"]]
    assert [t["verdicts"][0]["verdict"] for t in tagged] == ["hit", "false"]
    owner = next(f for f in d["flaws"] if f["type"] == "wrong_owner")
    assert owner["found"] and owner["label"]
    assert [c["verdict"] for c in d["challenges"]] == ["hit", "false"]
    assert d["score"]["found"] == 1 and d["overrides"] == []


async def test_override_changes_the_verdict_keeps_the_audit_trail_and_the_score_follows(client, store):
    play(store, ANA, finish=True)
    before = await (await client.get("/api/sessions/1", headers=auth())).json()
    false_c = next(c for c in (await (await client.get("/api/sessions/1/review", headers=auth())).json())["challenges"] if c["verdict"] == "false")
    score_flaw = flaw_of(T.SCORE_MISMATCH)
    r = await client.post(f"/api/challenges/{false_c['id']}/override", headers=auth(),
                          json={"verdict": "hit", "flaw_id": score_flaw.id, "comment": "Fair catch, <b>really</b>", "trainer": "Tess"})
    assert r.status == 200
    after = await r.json()
    assert after["score"]["found"] == before["score"]["found"] + 1
    assert after["score"]["false_challenges"] == before["score"]["false_challenges"] - 1
    assert after["score"]["points"] > before["score"]["points"]
    changed = next(c for c in after["challenges"] if c["id"] == false_c["id"])
    assert (changed["verdict"], changed["original_verdict"], changed["overridden"]) == ("hit", "false", True)
    o = after["overrides"][0]
    assert (o["trainer"], o["previous_verdict"], o["verdict"], o["comment"]) == ("Tess", "false", "hit", "Fair catch, <b>really</b>")
    # the contract endpoints follow: the frozen score of the finished session and flaws found
    detail = await (await client.get("/api/sessions/1", headers=auth())).json()
    assert detail["score"]["found"] == after["score"]["found"]
    assert next(f for f in detail["flaws"] if f["id"] == score_flaw.id)["found"] is True
    learners = await (await client.get("/api/learners", headers=auth())).json()
    assert learners[0]["flaws_found"] == 2
    # and back again: a second override, both kept
    r = await client.post(f"/api/challenges/{false_c['id']}/override", headers=auth(), json={"verdict": "false", "comment": "On reflection, no"})
    again = await r.json()
    assert again["score"]["found"] == before["score"]["found"]
    assert [x["previous_verdict"] for x in again["overrides"]] == ["false", "hit"]


async def test_override_is_validated(client, store):
    play(store, ANA)
    cases = [
        ({"verdict": "brilliant", "comment": "x"}, 400),
        ({"verdict": "partial"}, 400),
        ({"verdict": "hit", "comment": "x"}, 400),  # a false challenge has no flaw: say which
        ({"verdict": "hit", "comment": "x", "flaw_id": "F99"}, 400),
    ]
    for body, status in cases:
        assert (await client.post("/api/challenges/2/override", headers=auth(), json=body)).status == status, body
    assert (await client.post("/api/challenges/999/override", headers=auth(), json={"verdict": "hit", "comment": "x"})).status == 404
    assert (await client.post("/api/challenges/2/override", headers=auth(), data="nope")).status == 400


@pytest.mark.parametrize("bad", [str(2**63), str(10**40), "-1", "0", "1e5", "%2E%2E%2Fetc"])
async def test_ids_no_row_can_have_are_404_never_500(client, store, bad):
    play(store, ANA)
    for path in (f"/api/sessions/{bad}", f"/api/sessions/{bad}/transcript", f"/api/sessions/{bad}/review"):
        assert (await client.get(path, headers=auth())).status == 404, path
    r = await client.post(f"/api/challenges/{bad}/override", headers=auth(), json={"verdict": "hit", "comment": "x"})
    assert r.status == 404


async def test_exports_are_csv_with_formulas_neutralised_and_printable_html_escaped(client, store):
    play(store, ANA)
    await client.post("/chat/name", headers=post_json(ANA), json={"name": "<script>alert(1)</script>"})
    r = await client.get("/api/export/sessions.csv", headers=auth())
    assert r.content_type == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await r.text())))
    assert rows[0]["learner_id"] == ANA and rows[0]["found"] == "1" and rows[0]["total"] == "7"
    ch = list(csv.DictReader(io.StringIO(await (await client.get("/api/export/challenges.csv", headers=auth())).text())))
    assert [c["verdict"] for c in ch] == ["hit", "false"]
    assert ch[1]["text"].startswith("'=HYPERLINK")  # a spreadsheet will not run it
    tr = list(csv.DictReader(io.StringIO(await (await client.get("/api/sessions/1/transcript.csv", headers=auth())).text())))
    assert {"learner", "pm", "tutor"} <= {t["speaker"] for t in tr}
    assert any(t["verdicts"].startswith("hit") for t in tr)
    html = await (await client.get("/api/sessions/1/transcript.html", headers=auth())).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


async def test_class_view_renders_well_formed_svg_charts(client, store):
    play(store, ANA, finish=True)
    d = await (await client.get("/api/class", headers=auth())).json()
    assert d["finished_sessions"] == 1
    owner = next(t for t in d["missed"] if t["type"] == "wrong_owner")
    assert (owner["seeded"], owner["missed"]) == (1, 0)
    assert d["missed"][0]["rate"] == 1.0
    assert len(d["over_time"]) == 1
    for svg in (d["missed_svg"], d["progress_svg"]):
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and "style=" not in svg and "<script" not in svg
    r = await client.get("/api/class/missed.svg", headers=auth())
    assert r.content_type == "image/svg+xml"
    empty = await (await client.get("/api/class?scenario=northgate-epr", headers=auth())).json()
    assert "No finished sessions" in empty["missed_svg"]
