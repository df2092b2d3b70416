"""A trainer's own register as an exercise: POST /api/scenarios/import, then listed, playable,
kept across a restart, and removable with DELETE (played sessions keep their record)."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from web_support import TOKEN

from bot.progress.store import ProgressStore
from bot.scenarios.loader import library
from bot.scenarios.variants import variant
from bot.tutor import Incoming, Tutor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["Ref", "Risk title", "Description", "Category", "Likelihood", "Impact", "Score", "Risk owner",
          "Strategy", "Mitigation", "Status", "Last reviewed"]


def auth() -> dict:
    return {"Authorization": f"Bearer {TOKEN}"}


# A card-payments platform's register, as a team keeps it: R2 2 x 3 scored 8, R4 owner TBC, R7 only
# "Monitor"; the rest sound. Beyond ten rows (the size tests) rows repeat with new ids.
REGISTER = [
    ("Card scheme certification late", "If the card scheme certification slips past January, payments cannot be taken, delaying the launch.",
     "Supplier", "Nadia Ellis (Payments Director)", "Weekly checkpoint with the scheme; test plan agreed by 2026-11-30"),
    ("Fraud rules not tuned for launch", "Because the fraud engine has only test data, its rules may block genuine cards, leading to lost sales in the first month.",
     "Technology", "Owen Pryce (Head of Risk Operations)", "Tune the rules on pilot traffic by 2026-12-14; daily review of declines"),
    ("Acquirer settlement file format change", "If the acquirer changes the settlement file format before go-live, reconciliation may fail, delaying month-end close.",
     "Supplier", "Nadia Ellis (Payments Director)", "Format freeze agreed with the acquirer by 2026-11-27"),
    ("PCI DSS assessment finds gaps", "Due to the new tokenisation service, the PCI assessment may find gaps, resulting in a delayed attestation.",
     "Compliance", "TBC", "Gap analysis with the QSA by 2026-12-04"),
    ("Call-centre staff not trained on refunds", "Because refunds move to a new screen, agents may process them wrongly, leading to complaints and chargebacks.",
     "Supplier", "Hana Kaur (Contact Centre Manager)", "Two training sessions per shift by 2026-12-11"),
    ("Peak trading freeze clashes with cut-over", "If the cut-over slips into the December change freeze, go-live may move to January, costing the Christmas trading benefit.",
     "Schedule", "Nadia Ellis (Payments Director)", "Cut-over rehearsal by 2026-11-23; freeze dates confirmed by 2026-11-20"),
    ("Legacy gateway contract notice", "If notice on the legacy gateway is not served by 31 December, the contract may auto-renew for a year, leading to £180k of unbudgeted fees.",
     "Commercial", "Liam Frost (Procurement Lead)", "Monitor"),
    ("3-D Secure challenge rate too high", "Because issuers apply stricter checks to a new merchant ID, more shoppers may face challenges, reducing conversion.",
     "Customer", "Owen Pryce (Head of Risk Operations)", "Exemption strategy agreed with the acquirer by 2026-12-02"),
    ("Reporting warehouse feed incomplete", "If the new transaction feed misses refund records, finance reports may be wrong, delaying the board pack.",
     "Technology", "Grace Adeyemi (Finance Systems Lead)", "Feed reconciliation test by 2026-12-09"),
    ("Key developer leaves before go-live", "Because only one developer knows the tokenisation code, their leaving could stall fixes, delaying go-live by weeks.",
     "People", "Marcus Reid (Engineering Manager)", "Pair a second developer on the code from 2026-11-16; handover notes by 2026-12-01"),
]


def rows(n: int = 10) -> list[list]:
    out = []
    for i in range(1, n + 1):
        title, description, category, owner, actions = REGISTER[(i - 1) % len(REGISTER)]
        title = title if i <= len(REGISTER) else f"{title} ({i})"
        out.append([f"R{i}", title, description, category, 2, 3, 8 if i == 2 else 6, owner, "reduce", actions,
                    "open", "2026-10-28"])
    return out


def as_csv(table: list[list]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *table])
    return buf.getvalue().encode()


def as_xlsx(table: list[list]) -> bytes:
    wb = Workbook()
    for r in [HEADER, *table]:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_an_imported_register_is_listed_playable_kept_and_removable(client, store, tmp_path):
    r = await client.post("/api/scenarios/import?title=Card%20payments&today=2026-11-02&tolerance=12",
                          data=as_csv(rows()), headers={**auth(), "Content-Type": "text/csv"})
    assert r.status == 201, await r.text()
    sid = (await r.json())["id"]
    assert sid.startswith("own-card-payments-")
    listed = {s["id"]: s for s in await (await client.get("/api/scenarios", headers=auth())).json()}
    assert listed[sid]["title"] == "Card payments" and listed[sid]["level"] == "practitioner"

    # a learner plays it at once: the PM concedes a flawed row from its own facts
    t = Tutor(store)
    opening = t.start(Incoming("ana", "ana", "start"), sid, 0)
    assert any("Card payments" in x.text for x in opening)
    [reply] = [x for x in t.respond(Incoming("ana", "ana", "R2's score is wrong: 2 x 3 is 6, not 8")) if x.speaker == "pm"]
    assert "2 x 3 is 6, not 8" in reply.text

    # kept in the progress database: a restarted process sees it
    assert sid in {s.id for s in Tutor(ProgressStore(str(store.engine.url))).scenarios()}

    r = await client.delete(f"/api/scenarios/{sid}", headers=auth())
    assert r.status == 200 and sid not in library()
    assert (await client.delete(f"/api/scenarios/{sid}", headers=auth())).status == 404
    # the session played on it keeps its record
    [session] = await (await client.get("/api/learners/ana/sessions", headers=auth())).json()
    detail = await (await client.get(f"/api/sessions/{session['id']}", headers=auth())).json()
    assert detail["scenario"] == sid and [c["verdict"] for c in detail["challenges"]] == ["hit"]
    assert variant(sid, 0).title == "Card payments"


async def test_an_excel_register_imports_too(client):
    r = await client.post("/api/scenarios/import?title=Card%20payments&today=2026-11-02",
                          data=as_xlsx(rows()), headers={**auth(), "Content-Type": XLSX})
    assert r.status == 201, await r.text()


async def test_bad_imports_get_a_clear_message_and_nothing_is_half_imported(client, store):
    before = set(library())
    cases = [
        ({"Content-Type": "text/csv"}, b"", 400, "empty"),
        ({"Content-Type": "text/csv"}, b"name,colour\nfoo,blue\n", 400, "cannot make an exercise"),
        ({"Content-Type": "text/csv"}, "\u00e9t\u00e9".encode("utf-16"), 400, "cannot make an exercise"),
        ({"Content-Type": "text/csv"}, as_csv(rows(4)), 400, "at least 8"),
        ({"Content-Type": "text/csv"}, as_csv(rows(50_000)), 400, "cannot make an exercise"),
        ({"Content-Type": "application/json"}, b"{}", 415, "text/csv"),
    ]
    for headers, body, status, words in cases:
        r = await client.post("/api/scenarios/import?today=2026-11-02", data=body, headers={**auth(), **headers})
        assert r.status in (status, 413), (words, r.status)
        assert words in (await r.json())["error"] or r.status == 413
    r = await client.post("/api/scenarios/import?tolerance=99", data=as_csv(rows()), headers={**auth(), "Content-Type": "text/csv"})
    assert r.status == 400 and "tolerance" in (await r.json())["error"]
    r = await client.post("/api/scenarios/import?today=yesterday", data=as_csv(rows()), headers={**auth(), "Content-Type": "text/csv"})
    assert r.status == 400 and "today" in (await r.json())["error"]
    assert set(library()) == before
    assert (await client.post("/api/scenarios/import", data=as_csv(rows()), headers={"Content-Type": "text/csv"})).status == 401
    r = await client.delete("/api/scenarios/riverside-wms", headers=auth())
    assert r.status == 409 and "riverside-wms" in library()


async def test_the_trainer_reviews_the_findings_before_publishing(client):
    headers = {**auth(), "Content-Type": "text/csv"}
    r = await client.post("/api/scenarios/import?today=2026-11-02&preview=1", data=as_csv(rows()), headers=headers)
    assert r.status == 200
    keys = [f["key"] for f in (await r.json())["findings"]]
    assert keys == ["score_mismatch:R2", "wrong_owner:R4", "missing_response:R7"]
    assert not [s for s in library() if s.startswith("own-")]  # nothing saved by a preview
    r = await client.post("/api/scenarios/import?title=Reviewed&today=2026-11-02&exclude=wrong_owner:R4"
                          "&underrated=R5&missing=card%20scheme%20outage", data=as_csv(rows()), headers=headers)
    assert r.status == 201, await r.text()
    s = library()[(await r.json())["id"]]
    assert {(f.type.value, f.risk_id) for f in s.flaws} == {
        ("score_mismatch", "R2"), ("missing_response", "R7"), ("underrated", "R5"), ("missing_risk", None)}
    r = await client.post("/api/scenarios/import?today=2026-11-02&underrated=R99", data=as_csv(rows()), headers=headers)
    assert r.status == 400 and "R99" in (await r.json())["error"]


async def test_an_unreadable_import_is_left_off_the_menu_not_fatal(client, store):
    from bot.progress.models import ImportedScenario

    with store.transaction() as db:
        db.add(ImportedScenario(id="own-broken-0000", title="Broken", body='{"id": "own-broken-0000"}'))
    r = await client.get("/api/scenarios", headers=auth())
    assert r.status == 200 and "riverside-wms" in {s["id"] for s in await r.json()}
    assert "own-broken-0000" not in library()


SCHEME_4X4 = """
name: Harbour Bank 4 x 4
probability: 4
impact: 4
tolerance: 8
tolerances:
  Supplier: 5
escalation: Change board within three working days
"""


async def test_an_import_is_judged_against_the_organisations_own_scheme(client):
    """A 4 x 4 scheme with a supplier tolerance of 5: a 2 x 3 supplier risk is above it, so every
    row is 'not escalated'; the preview and the published exercise say which scheme judged them."""
    from urllib.parse import quote

    headers = {**auth(), "Content-Type": "text/csv"}
    q = f"today=2026-11-02&scheme={quote(SCHEME_4X4)}"
    r = await client.post(f"/api/scenarios/import?{q}&preview=1", data=as_csv(rows()), headers=headers)
    assert r.status == 200, await r.text()
    body = await r.json()
    assert "Harbour Bank 4 x 4" in body["scheme"]
    assert {f["key"] for f in body["findings"] if f["type"] == "not_escalated"} >= {f"not_escalated:R{n}" for n in (1, 3, 5)}
    r = await client.post(f"/api/scenarios/import?title=Scheme&{q}", data=as_csv(rows()), headers=headers)
    assert r.status == 201, await r.text()
    s = library()[(await r.json())["id"]]
    assert s.escalation_route == "Change board within three working days"
    assert any(f.type.value == "not_escalated" for f in s.flaws)
    # a bad scheme is refused with the reason, nothing saved
    before = set(library())
    r = await client.post(f"/api/scenarios/import?scheme={quote('probability: 7')}", data=as_csv(rows()), headers=headers)
    assert r.status == 400 and "scheme" in (await r.json())["error"].lower()
    r = await client.post(f"/api/scenarios/import?scheme={quote(SCHEME_4X4.replace('4 x 4', '1-10').replace('probability: 4', 'probability: 10'))}",
                          data=as_csv(rows()), headers=headers)
    assert r.status == 400 and "scale" in (await r.json())["error"]
    assert set(library()) == before
