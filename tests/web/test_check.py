"""Check my register: a learner uploads their own register and gets findings with challenges."""
from __future__ import annotations

import io
import zipfile

from aiohttp import FormData
from openpyxl import Workbook
from web_support import COLUMNS, HEADERS, register_csv, riverside_xlsx

from bot.scenarios.loader import get_scenario


# Riverside as of its own date (14 September 2026) at its own tolerance (15): exactly what the
# register shows, and nothing on the rows that are right (see tests/unit/test_lint.py).
RIVERSIDE = {("R2", None, "not_a_risk"), ("R3", None, "score_mismatch"), ("R5", None, "vague_description"),
             ("R9", None, "missing_response")}
RIVERSIDE_OPEN = [f"R{i}" for i in range(1, 11)]  # R11 is closed
# Open riverside rows whose score is above a tolerance of 9 or 11 with nothing in the row about
# escalation: R2, R6 (15) and R3, R4, R7, R8, R9 (12). Judgement call: R1 also scores 12, but its
# actions send the trial load's error rate "to the board" on 9 October, which the register check
# reads as the board seeing it, so R1 has no not_escalated finding. R5 (9) and R10 (8) are not above.
RIVERSIDE_ABOVE_9 = ["R2", "R3", "R4", "R6", "R7", "R8", "R9"]


def triples(findings) -> list[tuple]:
    """Findings as a sorted list of (risk, other risk, type): a finding reported twice shows."""
    return sorted(((f["risk_id"], f["other_risk_id"], f["type"]) for f in findings), key=repr)


def exactly(expected) -> list[tuple]:
    return sorted(expected, key=repr)


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
        assert triples(body["findings"]) == exactly(RIVERSIDE), name
        assert body["rows_with_findings"] == 4
        (score,) = [f for f in body["findings"] if f["type"] == "score_mismatch"]
        assert score["title"] == "Interface defects not fixed before UAT"
        assert score["label"] == "score doesn't add up"
        assert score["challenge"] == "R3 is scored 7, but 3 x 4 is 12. Which is right?"
        assert score["why"]


async def test_the_tolerance_and_the_review_date_are_the_learners(client):
    low = await (await client.post("/check/register", data=upload("r.csv", register_csv(), tolerance="11"))).json()
    # 12 and 15 are above 11; no riverside row scores 10 or 11, so this is the tolerance-9 set.
    assert triples(low["findings"]) == exactly(RIVERSIDE | {(r, None, "not_escalated") for r in RIVERSIDE_ABOVE_9})
    late = await (await client.post("/check/register", data=upload("r.csv", register_csv(), today="2027-06-01"))).json()
    # Every open row was last reviewed in September 2026, over 90 days before; the closed R11 is not
    # reviewed for staleness.
    assert triples(late["findings"]) == exactly(RIVERSIDE | {(r, None, "stale_review") for r in RIVERSIDE_OPEN})


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


# Tolerance 9, as of 1 March 2027: every open row is stale (all last reviewed in 2026, over 90
# days before), and the rows above 9 with nothing in them about escalation get not_escalated.
NORTHGATE_OPEN = ["R1", "R2", "R3", "R4", "R6", "R7", "R8", "R9", "R10", "R11", "R12"]  # R5 is closed
# Northgate above 9: R1 (10), R6 (12), R7 (15) and R11 (3 x 4 = 12, though scored 8) say nothing of
# escalation; R3, R4, R8 and R10 (16, 16, 16, 15) were escalated to the programme board, as their
# actions say. R9 (9) is not above 9; R2 and R12 score 8.
LATE_AND_LOW = {
    "riverside-wms": RIVERSIDE | {(r, None, "stale_review") for r in RIVERSIDE_OPEN}
    | {(r, None, "not_escalated") for r in RIVERSIDE_ABOVE_9},
    "northgate-epr": {("R11", None, "score_mismatch")} | {(r, None, "stale_review") for r in NORTHGATE_OPEN}
    | {(r, None, "not_escalated") for r in ("R1", "R6", "R7", "R11")},
}


async def test_every_challenge_names_the_risks_it_is_about(client):
    types = set()
    for sid, expected in LATE_AND_LOW.items():
        body = await (await client.post("/check/register", data=upload(f"{sid}.csv", register_csv(sid), "9", "2027-03-01"))).json()
        assert triples(body["findings"]) == exactly(expected), sid
        types |= {f["type"] for f in body["findings"]}
        for f in body["findings"]:
            assert f["risk_id"] in f["challenge"], f
            if f["other_risk_id"]:
                assert f["other_risk_id"] in f["challenge"], f
    assert types == {"not_a_risk", "score_mismatch", "vague_description", "missing_response", "stale_review",
                     "not_escalated"}
    # a pair: the challenge names both risks (the shipped registers have no duplicate a check can see)
    twice = ("Because Acme reported losses, Acme may enter administration, which would stop deliveries")
    pair = (f"{','.join(HEADERS)}\n"
            + "".join(f'{rid},Supplier insolvency,"{twice}",Supplier,2,4,8,Jo Bloggs,reduce,"Jo Bloggs: credit check, '
                      f'01/12/2026",open,2026-11-20\n' for rid in ("A1", "A2")))
    body = await (await client.post("/check/register", data=upload("pair.csv", pair.encode(), "15", "2026-11-25"))).json()
    assert triples(body["findings"]) == [("A1", "A2", "duplicate")]
    assert body["findings"][0]["challenge"] == "Aren't A1 and A2 the same risk? Which one do we keep, and who owns it?"


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


async def test_the_check_judges_against_the_organisations_own_scheme(client):
    form = upload("riverside.csv", register_csv())
    form.add_field("scheme", b"name: Riverside 5 x 5\ntolerance: 11\n", filename="scheme.yml",
                   content_type="application/x-yaml")
    r = await client.post("/check/register", data=form)
    assert r.status == 200, await r.text()
    body = await r.json()
    assert body["scheme"].startswith("Riverside 5 x 5") and body["tolerance"] == 11
    assert any(f["type"] == "not_escalated" for f in body["findings"])  # 12s are now above tolerance
    bad = upload("riverside.csv", register_csv())
    bad.add_field("scheme", b"probability: 7\n", filename="scheme.yml", content_type="application/x-yaml")
    r = await client.post("/check/register", data=bad)
    assert r.status == 400 and "probability is the top of its scale" in (await r.json())["error"]
