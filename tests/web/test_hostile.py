"""Hostile HTTP against the web app and the trainer API: malformed JSON, wrong types, huge bodies
and ids, unicode edge cases, path traversal, SQL injection. Every answer is a 4xx with a clear
JSON message (never a 5xx), and afterwards the database holds nothing it should not."""
from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest
from sqlalchemy import func, inspect, select
from web_support import ANA, BEN, TOKEN, auth, play, register_csv

from bot.progress.models import Base, Challenge, Learner, Session, Utterance, VerdictOverride

SQLI = ["' OR '1'='1", "1; DROP TABLE learners; --", "\" OR \"\"=\"", "1' UNION SELECT id, display_name FROM learners --",
        "web-aaaaaaaaaaaaaaaaaaaaaaa' --", "%' OR 1=1 --", "\\'; DELETE FROM sessions; --", "1/**/OR/**/1=1"]
UNICODE = ["\u202eevil\u202c", "\u200b\u200b", "\ufeffBOM", "👩🏽‍💻 Ana", "Ａｎａ", "\u0301\u0301", "ana\u0000nul",
           "\ud800 lone", "x\udfff", "\u2028line\u2029", "🙂" * 100, "\x1b[31mred", "مرحبا Ana", "\U0010ffff"]
BAD_JSON = [b"", b"{", b"}", b"[]", b"[1, 2]", b"null", b"5", b"true", b'"text"', b"\xff\xfe\xfd", b"{'a': 1}",
            b'{"message": "x",}', b"[" * 50_000 + b"]" * 50_000, b'{"a": ' * 5000 + b"1" + b"}" * 5000,
            b"NaN", b'{"message": NaN}', b'{"message": Infinity}',
            b'{"a": ' * 990 + b"1" + b"}" * 990, b'{"message": ' + b"[" * 990 + b"]" * 990 + b"}"]
WRONG_TYPES = [None, [], ["hi"], {}, {"text": "hi"}, 5, 1e308, True, False]


def short(value) -> str:
    """A test id that fits on a line."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)})"


def cookie(learner: str) -> dict:
    return {"Cookie": f"pmo_learner={learner}"}


def post_json(learner: str = ANA) -> dict:
    return {**cookie(learner), "Content-Type": "application/json"}


async def refused(r, *statuses: int) -> dict:
    """A 4xx (one of `statuses` when given) with a JSON {"error": "<a sentence>"}."""
    text = await r.text()
    assert 400 <= r.status < 500, (r.status, text[:300])
    if statuses:
        assert r.status in statuses, (r.status, text[:300])
    body = json.loads(text)
    assert isinstance(body.get("error"), str) and len(body["error"]) > 5, body
    assert "Traceback" not in text and "sqlalchemy" not in text.lower()
    return body


def tables(store) -> dict[str, int]:
    """Every table still there, with its row count."""
    with store.transaction() as db:
        names = set(inspect(db.get_bind()).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= names, "a table has gone"
        return {m.__tablename__: db.scalar(select(func.count()).select_from(m))
                for m in (Learner, Session, Challenge, Utterance, VerdictOverride)}


async def raw_get(client, target: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET with the request target exactly as given (a client library would normalise '..')."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    lines = [f"GET {target} HTTP/1.1", f"Host: {client.host}:{client.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


# -- malformed JSON and wrong types -----------------------------------------------------------------
@pytest.mark.parametrize("path", ["/chat/message", "/chat/name"])
async def test_malformed_json_from_a_learner_is_a_400(client, rasa, path):
    for body in BAD_JSON:
        r = await client.post(path, data=body, headers=post_json())
        await refused(r, 400, 413)
    assert rasa.received == []


async def test_malformed_json_to_an_override_is_a_400(client, store):
    play(store, ANA)
    before = tables(store)
    for body in BAD_JSON:
        r = await client.post("/api/challenges/1/override", data=body, headers={**auth(), "Content-Type": "application/json"})
        await refused(r, 400, 413)
    assert tables(store) == before


@pytest.mark.parametrize("value", WRONG_TYPES, ids=short)
async def test_a_message_or_a_name_of_the_wrong_type_is_a_400(client, rasa, store, value):
    r = await client.post("/chat/message", json={"message": value}, headers=post_json())
    await refused(r, 400)
    r = await client.post("/chat/name", json={"name": value}, headers=post_json())
    await refused(r, 400)
    assert rasa.received == []
    with store.transaction() as db:
        assert db.get(Learner, ANA) is None  # nothing stored for a refused request


@pytest.mark.parametrize("field", ["verdict", "comment", "trainer", "flaw_id"])
async def test_an_override_field_of_the_wrong_type_is_a_400_and_nothing_changes(client, store, field):
    play(store, ANA)
    before = tables(store)
    for value in [[], ["hit"], {"x": 1}, 5, True, 1e308]:
        body = {"verdict": "false", "comment": "hostile", "trainer": "T", field: value}
        r = await client.post("/api/challenges/1/override", json=body, headers=auth())
        error = await refused(r, 400)
        assert field in error["error"]
    assert tables(store) == before


# -- huge bodies and ids ------------------------------------------------------------------------------
async def test_huge_bodies_are_a_413_before_anything_is_read_or_stored(client, rasa, store):
    play(store, ANA)
    before = tables(store)
    big = json.dumps({"message": "x" * 200_000}).encode()
    await refused(await client.post("/chat/message", data=big, headers=post_json()), 413)
    await refused(await client.post("/chat/name", data=json.dumps({"name": "y" * 100_000}), headers=post_json()), 413)
    over_app_limit = b"a" * (1024**2 + 10)
    await refused(await client.post("/api/challenges/1/override", data=over_app_limit,
                                    headers={**auth(), "Content-Type": "application/json"}), 413)
    await refused(await client.post("/api/scenarios/import?today=2026-11-02", data=over_app_limit,
                                    headers={**auth(), "Content-Type": "text/csv"}), 413)
    # at the limit of a message: a clear 400, not sent on
    await refused(await client.post("/chat/message", json={"message": "z" * 4001}, headers=post_json()), 400)
    assert rasa.received == [] and tables(store) == before


HUGE_IDS = ["0", "-1", "9223372036854775807", "9223372036854775808", "18446744073709551616", "9" * 400, "1e3",
            "0x10", "1.0", " 1", "١", "NaN", "%00", "1%00", "1;DROP%20TABLE%20sessions"]


@pytest.mark.parametrize("sid", HUGE_IDS)
async def test_huge_and_odd_ids_are_a_404(client, store, sid):
    play(store, ANA)
    before = tables(store)
    for path in (f"/api/sessions/{sid}", f"/api/sessions/{sid}/transcript", f"/api/sessions/{sid}/review",
                 f"/api/sessions/{sid}/transcript.csv"):
        await refused(await client.get(path, headers=auth()), 404)
    r = await client.post(f"/api/challenges/{sid}/override", json={"verdict": "false", "comment": "x"}, headers=auth())
    await refused(r, 404)
    assert tables(store) == before


@pytest.mark.parametrize("query", ["limit=99999999999999999999999", "limit=-1", "offset=-5", "limit=1e3", "limit=",
                                   "offset=١٠", "limit=5000000", "offset=99999999999"])
async def test_out_of_range_paging_is_a_400(client, query):
    await refused(await client.get(f"/api/learners?{query}", headers=auth()), 400)


@pytest.mark.parametrize("query", ["from=9999-12-31", "to=9999-12-31", "from=0001-01-01", "to=0001-01-01",
                                   "from=2024-02-30", "to=+002024-01-01", "from=20240101T", "scenario=" + "x" * 7000], ids=short)
async def test_out_of_range_dates_in_a_report_are_a_400(client, query):
    for path in ("/api/report", "/api/class", "/api/export/sessions.csv", "/api/class/missed.svg"):
        r = await client.get(f"{path}?{query}", headers=auth())
        await refused(r, 400)


async def test_a_request_line_over_the_servers_limit_is_refused(client):
    """Beyond 8 KB aiohttp's parser answers before the app (plain text): still a 4xx, never a 5xx."""
    for path in ("/api/report?learner=" + "x" * 9000, "/api/sessions/" + "9" * 9000, "/chat/history?" + "a" * 20_000):
        r = await client.get(path, headers=auth())
        assert 400 <= r.status < 500, (path[:40], r.status)


# -- unicode edge cases ----------------------------------------------------------------------------
async def test_unicode_edge_cases_in_names_and_messages_are_stored_as_text_any_database_can_hold(client, rasa, store):
    for i, text in enumerate(UNICODE):
        learner = f"web-{str(i).rjust(24, 'u')}"
        r = await client.post("/chat/name", json={"name": text}, headers=post_json(learner))
        if r.status != 200:
            await refused(r, 400)  # a name that cleans to nothing
        r = await client.post("/chat/message", json={"message": text}, headers=post_json(learner))
        assert r.status in (200, 400), await r.text()
        r = await client.get("/chat/history", headers=cookie(learner))
        assert r.status == 200
    sent = [m["message"] for m in rasa.received]
    assert sent and all("\x00" not in m and not any("\ud800" <= c <= "\udfff" for c in m) for m in sent)
    with store.transaction() as db:
        names = db.execute(select(Learner.display_name)).scalars().all()
    assert names
    for name in names:
        assert "\x00" not in name and not any("\ud800" <= c <= "\udfff" for c in name)
        name.encode("utf-8")  # storable and servable anywhere
    r = await client.get("/api/learners", headers=auth())
    assert r.status == 200 and len(await r.json()) == len(names)


async def test_unicode_in_a_path_or_a_query_is_a_404_or_an_empty_answer(client, store):
    play(store, ANA)
    for raw in ["%ED%A0%80", "%C0%AF", "%FF%FE", "%E2%80%AE", "%F0%9F%99%82", "%00", "web-%00" + "a" * 20]:
        await refused(await client.get(f"/api/learners/{raw}/sessions", headers=auth()), 404)
        r = await client.get(f"/api/report?learner={raw}", headers=auth())
        assert r.status == 200 and (await r.json())["sessions"] == []
        r = await client.delete(f"/api/scenarios/{raw}", headers=auth())
        await refused(r, 404)


# -- path traversal ---------------------------------------------------------------------------------
TRAVERSALS = ["/static/../../etc/passwd", "/static/..%2F..%2Fetc%2Fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd",
              "/static/..\\..\\etc\\passwd", "/static/....//....//etc/passwd", "/static/%252e%252e/etc/passwd",
              "/static//etc/passwd", "/static/../bot/web/app.py", "/static/..%00/etc/passwd",
              "/static/chat.js/../../app.py", "/static/%2e%2e%2fapp.py"]


@pytest.mark.parametrize("target", TRAVERSALS)
async def test_path_traversal_under_static_never_leaves_the_folder(client, target):
    status, body = await raw_get(client, target)
    assert status in (400, 403, 404), (target, status)
    assert b"root:" not in body and b"import" not in body


@pytest.mark.parametrize("target", ["/api/sessions/..%2F..%2Fetc%2Fpasswd", "/api/sessions/../../etc/passwd",
                                    "/api/learners/..%2F..%2Fetc%2Fpasswd/sessions",
                                    "/api/sessions/1%2F..%2F..%2Fetc%2Fpasswd/transcript",
                                    "/api/scenarios/..%2F..%2Fdata%2Fscenarios%2Friverside-wms"])
async def test_path_traversal_in_the_trainer_api_is_a_404(client, store, target):
    play(store, ANA)
    before = tables(store)
    method = "DELETE" if target.startswith("/api/scenarios/") else "GET"
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(f"{method} {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    assert status in (400, 403, 404), (target, status, body[:200])
    assert b"root:" not in body
    assert tables(store) == before


# -- SQL injection --------------------------------------------------------------------------------------
@pytest.mark.parametrize("sqli", SQLI, ids=short)
async def test_sql_injection_in_ids_params_cookies_and_bodies_is_inert(client, rasa, store, sqli):
    play(store, ANA, finish=True)
    play(store, BEN)
    before = tables(store)
    from urllib.parse import quote

    q = quote(sqli, safe="")
    await refused(await client.get(f"/api/learners/{q}/sessions", headers=auth()), 404)
    r = await client.get(f"/api/report?learner={q}", headers=auth())
    assert r.status == 200 and (await r.json())["sessions"] == []
    for param in ("scenario", "level", "from", "to"):
        await refused(await client.get(f"/api/report?{param}={q}", headers=auth()), 400)
    for param in ("limit", "offset"):
        await refused(await client.get(f"/api/learners?{param}={q}", headers=auth()), 400)
    await refused(await client.get(f"/api/sessions/{q}", headers=auth()), 404)
    await refused(await client.delete(f"/api/scenarios/{q}", headers=auth()), 404)
    # a forged cookie is not an identity: refused for a post, a fresh one issued for a page
    r = await client.post("/chat/message", json={"message": "hello"},
                          headers={"Cookie": f"pmo_learner={q}", "Content-Type": "application/json"})
    await refused(r, 401)
    # as text, the strings are only text
    r = await client.post("/chat/name", json={"name": sqli}, headers=post_json(ANA))
    assert r.status == 200 and (await r.json())["display_name"] == sqli
    r = await client.post("/chat/message", json={"message": sqli}, headers=post_json(ANA))
    assert r.status == 200 and rasa.received[-1] == {"sender": ANA, "message": sqli}
    r = await client.post("/api/challenges/1/override", json={"verdict": "false", "comment": sqli, "trainer": sqli},
                          headers=auth())
    assert r.status == 200
    after = tables(store)
    assert after == {**before, "verdict_overrides": before["verdict_overrides"] + 1}
    with store.transaction() as db:
        assert db.get(Learner, ANA).display_name == sqli
        o = db.execute(select(VerdictOverride)).scalars().one()
        assert o.comment == sqli and o.trainer == sqli[:80].strip()
        assert {row.id for row in db.execute(select(Learner)).scalars()} == {ANA, BEN}


# -- the trainer's uploads --------------------------------------------------------------------------------
SCHEMES = ["a: [", "!!python/object/apply:os.system ['true']", "[1, 2]", "probability: 1e400", "probability: -1",
           "impact: .nan", "tolerance: {a: 1}", "name: " + "x" * 2000, "\x00", "probability: 99999999999999999999",
           "bands: [[1, 2], [3]]", "? [a]\n: b", "&a [*a]", "probability: 5\nimpact: 5\ntolerance: 26",
           "probability: 10\nimpact: 10\ntolerance: 50"]


@pytest.mark.parametrize("scheme", SCHEMES, ids=short)
async def test_a_hostile_scoring_scheme_is_a_400_or_is_used(client, store, scheme):
    from urllib.parse import quote

    before = tables(store)
    for preview in ("1", "0"):
        r = await client.post(f"/api/scenarios/import?today=2026-11-02&preview={preview}&scheme={quote(scheme)}",
                              data=register_csv(), headers={**auth(), "Content-Type": "text/csv"})
        assert r.status in (200, 201, 400), (scheme, r.status, (await r.text())[:300])
        if r.status == 400:
            await refused(r, 400)
    assert tables(store) == before


@pytest.mark.parametrize("query", ["today=9999-12-31", "today=0001-01-01", "today=2024-02-30", "tolerance=1e5",
                                   "tolerance=-3", "tolerance=%00", "today=%ED%A0%80", "title=%00%ED%A0%80",
                                   "exclude=" + "x," * 3000, "missing=%00&missing=" + "y" * 500], ids=short)
async def test_odd_import_parameters_are_a_400_or_are_cleaned(client, store, query):
    r = await client.post(f"/api/scenarios/import?{query}", data=register_csv(), headers={**auth(), "Content-Type": "text/csv"})
    assert r.status in (201, 400), (query, r.status, (await r.text())[:300])
    if r.status == 400:
        await refused(r, 400)


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


async def test_hostile_register_files_are_a_400(client, store):
    good = list(csv.reader(io.StringIO(register_csv().decode())))
    files = [
        b"\x00" * 1000, b"PK\x03\x04" + b"\x00" * 100, "é".encode("utf-16") * 100, b"\xff" * 2000,
        _csv([good[0]] + [[sqli] * len(good[0]) for sqli in SQLI]),
        _csv([good[0]] + [[c if i != 6 else "inf" for i, c in enumerate(r)] for r in good[1:]]),
        _csv([good[0]] + [[c if i != 0 else "R1" for i, c in enumerate(r)] for r in good[1:]]),
        _csv([good[0]] + [[c if i != 10 else "transferred" for i, c in enumerate(r)] for r in good[1:]]),
        _csv([good[0]] + [[c if i != 6 else "99999" for i, c in enumerate(r)] for r in good[1:]]),
        _csv([good[0]] + [[c if i != 11 else "9999-12-31" for i, c in enumerate(r)] for r in good[1:]]),
        _csv([["\u202e" + h for h in good[0]]] + good[1:]),
    ]
    for data in files:
        for kind, name in (("text/csv", "r.csv"),
                           ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "r.xlsx")):
            r = await client.post("/api/scenarios/import?today=2026-11-02&preview=1", data=data,
                                  headers={**auth(), "Content-Type": kind})
            assert r.status in (200, 400), (name, r.status, (await r.text())[:300])
            r = await client.post("/api/scenarios/import?today=2026-11-02", data=data, headers={**auth(), "Content-Type": kind})
            assert r.status in (201, 400), (name, r.status, (await r.text())[:300])
            from aiohttp import FormData

            form = FormData()
            form.add_field("file", data, filename=name, content_type=kind)
            form.add_field("today", "2026-11-02")
            r = await client.post("/check/register", data=form)
            assert r.status in (200, 400), (name, r.status, (await r.text())[:300])
