"""`pmo-tutor lint`: a register file (CSV or XLSX) in, the flaws visible in it out."""
import csv
import json

import pytest
from openpyxl import Workbook

from bot.cli import main
from bot.scenarios.loader import get_scenario
from bot.scenarios.register_import import RegisterError, read_register

COLUMNS = ["id", "title", "description", "category", "probability", "impact", "score", "owner",
           "response", "actions", "status", "last_reviewed"]
# What the register alone shows; underrated ratings, wrong owners with a real name, duplicates in
# different words and missing risks need the brief, so the role-play teaches those.
VISIBLE = {
    "riverside-wms": {("R2", "not_a_risk"), ("R3", "score_mismatch"), ("R5", "vague_description"),
                      ("R9", "missing_response")},
    "northgate-epr": {("R7", "not_escalated"), ("R8", "stale_review"), ("R11", "score_mismatch")},
    "ravensford-school": {("R4", "closed_without_reason"), ("R6", "not_escalated"), ("R7", "stale_review"),
                          ("R9", "missing_response")},
}


def write_csv(path, scenario_id):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Risk ID", "Title", "Description", "Category", "Likelihood", "Impact", "Score",
                    "Risk Owner", "Strategy", "Actions", "Status", "Last Reviewed"])
        for r in get_scenario(scenario_id).rows:
            d = r.public()
            w.writerow([d[c] for c in COLUMNS])


def write_xlsx(path, scenario_id):
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for r in get_scenario(scenario_id).rows:
        d = r.public()
        ws.append([d[c] if c != "last_reviewed" else r.last_reviewed for c in COLUMNS])
    wb.save(path)


def lint_json(capsys, *args):
    code = main(["lint", *map(str, args), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)["findings"]


@pytest.mark.parametrize("scenario_id", sorted(VISIBLE))
@pytest.mark.parametrize("writer,suffix", [(write_csv, "csv"), (write_xlsx, "xlsx")])
def test_lint_finds_the_visible_seeded_flaws_and_nothing_on_correct_rows(tmp_path, capsys, scenario_id, writer, suffix):
    """Each scenario's register, as CSV or XLSX, lints to exactly the flaws the register shows."""
    s = get_scenario(scenario_id)
    path = tmp_path / f"register.{suffix}"
    writer(path, scenario_id)
    code, findings = lint_json(capsys, path, "--today", s.as_of.isoformat(), "--tolerance", s.tolerance)
    assert code == 0
    assert {(f["risk_id"], f["type"]) for f in findings} == VISIBLE[scenario_id]
    assert all(set(f) == {"risk_id", "other_risk_id", "type", "message"} for f in findings)


def test_lint_reports_score_owner_escalation_and_duplicates(tmp_path, capsys):
    """A hand-made register: every check that needs no brief fires where it should."""
    path = tmp_path / "reg.csv"
    path.write_text(
        "Ref,Risk,Details,P,I,P x I,Owner,Response,Mitigation,Status,Review date\n"
        'A1,Supplier insolvency,"Because Acme reported losses, Acme may enter administration, which would stop deliveries",4,5,20,Jo Bloggs,reduce,"Jo Bloggs: credit check, 01/12/2026",open,20/11/2026\n'
        'A2,Supplier insolvency,"Because Acme reported losses, Acme may enter administration, which would stop deliveries",3,3,8,TBC,accept,Monitor,open,20/11/2026\n'
        'A3,Licence audit,"Because licences were bought per site, an audit may find a shortfall, which would cost money",2,4,8,Sam Lee,reduce,"Sam Lee: true-up, 2026-12-01",closed,2026-11-20\n'
    )
    code, findings = lint_json(capsys, path, "--today", "2026-11-25", "--tolerance", "15")
    got = {(f["risk_id"], f["other_risk_id"], f["type"]) for f in findings}
    assert ("A1", None, "not_escalated") in got
    assert ("A2", None, "score_mismatch") in got
    assert ("A2", None, "wrong_owner") in got
    assert ("A2", None, "missing_response") in got
    assert ("A1", "A2", "duplicate") in got
    assert ("A3", None, "closed_without_reason") in got


def test_text_and_html_formats(tmp_path, capsys):
    """Text is a readable list; HTML escapes what came from the file."""
    path = tmp_path / "reg.csv"
    path.write_text("Title,Probability,Impact,Score,Owner\n<script>x</script>,2,2,5,TBC\n")
    assert main(["lint", str(path), "--format", "text"]) == 0
    assert "score_mismatch" in capsys.readouterr().out
    assert main(["lint", str(path), "--format", "html"]) == 0
    html = capsys.readouterr().out
    assert "<script>" not in html and "score_mismatch" in html


@pytest.mark.parametrize("content,message", [
    ("", "empty"),
    ("Colour,Size\nx,y\n", "no column for title, probability, impact, owner"),
    ("Title,Probability,Impact,Owner\nA,7,2,Jo\n", "row 2: probability 7 is outside 1 to 5"),
    ("Title,Probability,Impact,Owner,Last reviewed\nA,2,2,Jo,someday\n", "row 2: 'someday' is not a date"),
])
def test_malformed_registers_get_a_clear_message(tmp_path, capsys, content, message):
    """A file that cannot be read says where and what, and the exit status is 2."""
    path = tmp_path / "reg.csv"
    path.write_text(content)
    assert main(["lint", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_not_a_workbook_and_wrong_suffix(tmp_path):
    """A broken .xlsx and an unknown file type are refused by name."""
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(RegisterError, match="not a readable Excel workbook"):
        read_register(bad)
    other = tmp_path / "reg.pdf"
    other.write_text("x")
    with pytest.raises(RegisterError, match="expected a .csv or .xlsx"):
        read_register(other)


def test_words_for_ratings_and_uk_dates(tmp_path):
    """'High'/'Low' ratings and DD/MM/YYYY dates are understood."""
    path = tmp_path / "reg.csv"
    path.write_text("Title,Likelihood,Impact,Owner,Last reviewed\nA,High,Very low,Jo,03/02/2026\n")
    (row,) = read_register(path)
    assert (row.probability, row.impact, row.last_reviewed.isoformat()) == (4, 1, "2026-02-03")
