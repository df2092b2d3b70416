"""Check my register: a learner uploads their own register and gets findings with challenges."""
from __future__ import annotations

import io
import zipfile

from aiohttp import FormData
from openpyxl import Workbook
from web_support import COLUMNS, HEADERS, register_csv, riverside_xlsx

from bot.scenarios.loader import get_scenario


def upload(name: str, data: bytes, tolerance="15", today="2026-09-14") -> FormData:
    form = FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    form.add_field("tolerance", tolerance)
    form.add_field("today", today)
    return form


async def test_a_register_gets_findings_with_a_challenge_for_each(client):
    for name, data in (("riverside.csv", register_csv()), ("riverside.xlsx", riverside_xlsx())):
        r = await client.post("/check/register", data=upload(name, data))
        assert r.status == 200, await r.text()
        body = await r.json()
        assert body["rows"] == 11 and body["file"] == name
        found = {(f["risk_id"], f["type"]) for f in body["findings"]}
        assert {("R2", "not_a_risk"), ("R3", "score_mismatch"), ("R5", "vague_description"),
                ("R9", "missing_response")} <= found
        score = next(f for f in body["findings"] if f["type"] == "score_mismatch")
        assert score["title"] == "Interface defects not fixed before UAT"
        assert score["label"] == "score doesn't add up"
        assert score["challenge"] == "R3 is scored 7, but 3 x 4 is 12. Which is right?"
        assert score["why"]


async def test_the_tolerance_and_the_review_date_are_the_learners(client):
    low = await (await client.post("/check/register", data=upload("r.csv", register_csv(), tolerance="11"))).json()
    assert any(f["type"] == "not_escalated" for f in low["findings"])  # R6 and R10 score 15 > 11
    late = await (await client.post("/check/register", data=upload("r.csv", register_csv(), today="2027-06-01"))).json()
    assert sum(f["type"] == "stale_review" for f in late["findings"]) >= 9


async def test_bad_uploads_get_a_clear_message(client):
    cases = [
        (upload("notes.docx", b"PK\x03\x04"), 400, "expected a .csv or .xlsx file"),
        (upload("empty.csv", b"\n\n"), 400, "the file is empty"),
        (upload("fake.xlsx", b"this is not a workbook"), 400, "not a readable Excel workbook"),
        (upload("cols.csv", b"Name,Colour\nA,blue\n"), 400, "no column for"),
        (upload("r.csv", register_csv(), tolerance="40"), 400, "tolerance is a score from 1 to 25"),
        (upload("r.csv", register_csv(), today="next week"), 400, "must be a date"),
        (upload("huge.csv", b"x" * (2 * 1024 * 1024 + 1)), 413, "over 2 MB"),
    ]
    for form, status, message in cases:
        r = await client.post("/check/register", data=form)
        assert r.status == status, (message, await r.text())
        assert message in (await r.json())["error"]
    nofile = FormData()  # what a browser sends when no file was chosen
    nofile.add_field("file", b"", filename="", content_type="application/octet-stream")
    nofile.add_field("tolerance", "15")
    r = await client.post("/check/register", data=nofile)
    assert r.status == 400 and "choose a register file" in (await r.json())["error"]
    r = await client.post("/check/register", json={"file": "x"})
    assert r.status == 400 and "file upload" in (await r.json())["error"]


async def test_uploads_from_another_site_are_refused(client):
    r = await client.post("/check/register", data=upload("r.csv", register_csv()),
                          headers={"Origin": "https://evil.example"})
    assert r.status == 403


async def test_the_page_and_the_template_are_served(client):
    page = await (await client.get("/check")).text()
    assert "Check my register" in page and 'id="file"' in page
    template = await (await client.get("/static/register-template.csv")).read()
    r = await client.post("/check/register", data=upload("template.csv", template, today="2026-11-25"))
    assert r.status == 200 and (await r.json())["findings"] == []  # the template itself is clean


async def test_every_challenge_names_the_risks_it_is_about(client):
    types = set()
    for sid in ("riverside-wms", "northgate-epr"):
        body = await (await client.post("/check/register", data=upload(f"{sid}.csv", register_csv(sid), "9", "2027-03-01"))).json()
        types |= {f["type"] for f in body["findings"]}
        for f in body["findings"]:
            assert f["risk_id"] in f["challenge"], f
            if f["other_risk_id"]:
                assert f["other_risk_id"] in f["challenge"], f
    assert len(types) >= 6, types


async def test_a_zip_bomb_and_a_sheet_stretched_by_formatting_are_handled(client):
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(riverside_xlsx())) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item, src.read(item))
        z.writestr("xl/media/padding.bin", b"\0" * (80 * 2**20))  # 80 MB that zips to ~80 kB
    r = await client.post("/check/register", data=upload("big.xlsx", bomb.getvalue()))
    assert r.status == 400 and "unpacks to 80 MB" in (await r.json())["error"]

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in get_scenario("riverside-wms").rows:
        d = row.public()
        ws.append([d[c] for c in COLUMNS])
    ws.cell(row=60000, column=1, value=" ")  # a formatted, empty cell far below the register
    buf = io.BytesIO()
    wb.save(buf)
    r = await client.post("/check/register", data=upload("stretched.xlsx", buf.getvalue()))
    assert r.status == 200 and (await r.json())["rows"] == 11
