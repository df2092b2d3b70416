"""Your own scoring scheme: `pmo-tutor lint --scheme FILE` judges the register against the
organisation's scales, tolerances by category and says which scheme it used."""
import csv
import json

import pytest

from bot.cli import main
from bot.evaluation.scheme import SchemeError, parse_scheme

SCHEME = """
name: Northshire Council 4 x 4
probability: 4
impact: 4
tolerance: 8
tolerances:
  Health and safety: 3
rag: {red: 9, amber: 4}
escalation: Programme board within five working days
"""
DESCRIPTIONS = [
    "Because the scaffold firm is short of staff, the works may slip, delaying completion by a month.",
    "If the asbestos survey finds more than expected, removal costs could rise, leading to an overspend.",
    "Due to a long lead time on windows, deliveries may arrive late, pushing handover into spring.",
    "Because tenants must consent to internal works, some may refuse access, leaving homes unfinished.",
]


def register(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ID", "Title", "Description", "Category", "Probability", "Impact", "Score", "Owner", "Response",
                    "Actions", "Status", "Last reviewed"])
        for n, (rid, category, p, i) in enumerate(rows):
            w.writerow([rid, f"Works risk {rid}", DESCRIPTIONS[n], category, p, i, p * i, "Ola Bankole (Head of Works)",
                        "reduce", "Second scaffold firm on call by 2026-11-20", "open", "2026-10-20"])
    return path


def lint(args, capsys) -> tuple[int, dict]:
    code = main(["lint", *args, "--format", "json", "--today", "2026-11-02"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code == 0 else {"error": out.err})


def test_a_four_point_scheme_with_category_tolerances(tmp_path, capsys):
    scheme = tmp_path / "northshire.yml"
    scheme.write_text(SCHEME)
    reg = register(tmp_path / "r.csv", [("R1", "Health and safety", 2, 2),  # 4: above safety's 3
                                        ("R2", "Financial", 2, 4),          # 8: at the tolerance
                                        ("R3", "Financial", 3, 3),          # 9: above it
                                        ("R4", "Financial", 4, 1)])         # top of a 4-point scale
    code, out = lint([str(reg), "--scheme", str(scheme)], capsys)
    assert code == 0 and out["scheme"]["name"] == "Northshire Council 4 x 4"
    found = {(f["risk_id"], f["type"]): f["message"] for f in out["findings"]}
    assert set(found) == {("R1", "not_escalated"), ("R3", "not_escalated"), ("R4", "not_a_risk")}
    assert "Health and safety tolerance of 3" in found[("R1", "not_escalated")]
    # the built-in 5 x 5 reads the same register differently, and says so
    code, out = lint([str(reg)], capsys)
    assert out["scheme"]["name"] == "the built-in 5 x 5" and out["findings"] == []
    main(["lint", str(reg), "--scheme", str(scheme), "--today", "2026-11-02"])
    assert "Judged against Northshire Council 4 x 4: probability 1-4 x impact 1-4, tolerance 8" in capsys.readouterr().out


def test_a_ten_point_scale_reads_ratings_above_five(tmp_path, capsys):
    scheme = tmp_path / "ten.yml"
    scheme.write_text("name: Ten point\nprobability: 10\nimpact: 10\ntolerance: 50\n")
    reg = register(tmp_path / "r.csv", [("R1", "Delivery", 7, 8), ("R2", "Delivery", 3, 4)])
    code, out = lint([str(reg), "--scheme", str(scheme)], capsys)
    assert code == 0 and [(f["risk_id"], f["type"]) for f in out["findings"]] == [("R1", "not_escalated")]
    code, out = lint([str(reg)], capsys)  # on the built-in 1-5 scale a 7 is an error with the row named
    assert code == 2 and "probability 7 is outside 1 to 5" in out["error"]


@pytest.mark.parametrize("text, words", [
    ("probability: 6\n", "probability is the top of its scale"),
    ("tolerance: 40\n", "tolerance: a whole number from 1 to 25"),
    ("tolerances: {Safety: nine}\n", "tolerances.Safety"),
    ("colour: red\n", "unknown field(s) colour"),
    ("- just a list\n", "expected fields"),
    ("name: [unclosed\n", "not valid YAML"),
])
def test_a_bad_scheme_says_what_is_wrong(text, words):
    with pytest.raises(SchemeError, match=None) as e:
        parse_scheme(text, "ours.yml")
    assert words in str(e.value)


def test_a_bad_scheme_file_on_the_command_line_is_refused_plainly(tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    bad.write_text("probability: 7\n")
    reg = register(tmp_path / "r.csv", [("R1", "Delivery", 2, 2)])
    assert main(["lint", str(reg), "--scheme", str(bad)]) == 2
    assert "--scheme: bad.yml: probability is the top of its scale" in capsys.readouterr().err
    assert main(["lint", str(reg), "--scheme", str(tmp_path / "missing.yml")]) == 2
