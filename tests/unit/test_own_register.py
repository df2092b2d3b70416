"""Rehearse on your own register: `pmo-tutor scenarios from-register` makes a playable scenario
from a register file, with the linter's findings as the answer key."""
import csv

import pytest

from bot.cli import main
from bot.evaluation.evaluator import Evaluator
from bot.evaluation.reading import read
from bot.evaluation.state import SessionState, Verdict
from bot.scenarios.loader import load_scenario

HEADER = ["ID", "Title", "Description", "Category", "Probability", "Impact", "Score", "Owner", "Response",
          "Actions", "Status", "Last reviewed"]
SOUND = "Because the vendor is short of testers, the release may slip, delaying the switchover by a month."


def register(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def sound(n):
    return [f"R{n}", f"Vendor release {n} late", SOUND, "Supplier", 2, 3, 6, "Dana Whitlock (IT Director)",
            "reduce", "Weekly call with the vendor; recovery plan by 2026-11-20", "open", "2026-10-20"]


@pytest.fixture
def own(tmp_path):
    rows = [sound(n) for n in range(1, 10)]
    rows[1][6] = 9  # R2: 2 x 3 scored 9
    rows[3][7] = "TBC"  # R4: no owner
    rows[5][11] = "2026-03-02"  # R6: not reviewed for eight months
    return register(tmp_path / "payments.csv", rows)


def test_a_register_becomes_a_valid_scenario_file(own, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["scenarios", "from-register", str(own), "--out", str(out), "--title", "Payments platform",
                 "--today", "2026-11-02", "--tolerance", "12"]) == 0
    path = out / "own-payments-platform.yml"
    assert f"wrote {path}: 9 risks, 3 flaws" in capsys.readouterr().out
    assert main(["scenarios", "validate", str(out)]) == 0
    s = load_scenario(path)
    assert {(f.type.value, f.risk_id) for f in s.flaws} == {
        ("score_mismatch", "R2"), ("wrong_owner", "R4"), ("stale_review", "R6")}
    assert s.tolerance == 12 and s.as_of.isoformat() == "2026-11-02"


def test_the_pm_concedes_a_flawed_row_and_takes_a_fix_from_its_own_facts(own, tmp_path):
    main(["scenarios", "from-register", str(own), "--out", str(tmp_path), "--today", "2026-11-02"])
    s = load_scenario(next(tmp_path.glob("*.yml")))
    ev, state = Evaluator(s), SessionState()
    out = ev.evaluate(state, read("R2's score doesn't add up: 2 x 3 is 6, not 9", s))
    assert [j.verdict for j in out.judgements] == [Verdict.HIT]
    assert "2 x 3 is 6, not 9" in out.replies[0].text
    out = ev.evaluate(state, read("Correct it to 6", s))
    assert Verdict.FIX_ACCEPTED in [j.verdict for j in out.judgements]
    # a sound row is defended, not conceded
    out = ev.evaluate(state, read("R7's owner is wrong", s))
    assert Verdict.HIT not in [j.verdict for j in out.judgements]


@pytest.mark.parametrize("rows, message", [
    ([sound(n) for n in range(1, 6)], "an exercise needs at least 8"),
    ([sound(n) for n in range(1, 10)], "needs at least 3"),
])
def test_a_register_that_cannot_make_an_exercise_is_refused_with_the_reason(tmp_path, capsys, rows, message):
    path = register(tmp_path / "r.csv", rows)
    assert main(["scenarios", "from-register", str(path), "--out", str(tmp_path / "out"), "--today", "2026-11-02"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_file_that_is_not_a_register_is_refused(tmp_path, capsys):
    bad = tmp_path / "notes.csv"
    bad.write_text("hello,world\n1,2\n")
    assert main(["scenarios", "from-register", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "cannot make a scenario" in capsys.readouterr().err


def test_an_exercise_judged_against_the_organisations_scheme(tmp_path, capsys):
    rows = [sound(n) for n in range(1, 10)]
    rows[1][6] = 9  # R2: 2 x 3 scored 9
    rows[3][7] = "TBC"  # R4: no owner
    rows[4][3], rows[4][4], rows[4][5], rows[4][6] = "Health and safety", 2, 2, 4  # R5: above safety's 3
    path = register(tmp_path / "works.csv", rows)
    scheme = tmp_path / "scheme.yml"
    scheme.write_text("name: Works 4 x 4\nprobability: 4\nimpact: 4\ntolerance: 8\n"
                      "tolerances: {Health and safety: 3}\nescalation: Programme board within five working days\n")
    out = tmp_path / "out"
    assert main(["scenarios", "from-register", str(path), "--out", str(out), "--today", "2026-11-02",
                 "--scheme", str(scheme)]) == 0
    s = load_scenario(next(out.glob("*.yml")))
    assert ("not_escalated", "R5") in {(f.type.value, f.risk_id) for f in s.flaws}
    assert s.tolerance == 8 and s.escalation_route == "Programme board within five working days"
    assert "Works 4 x 4" in s.brief.overview
    ten = tmp_path / "ten.yml"
    ten.write_text("name: Ten\nprobability: 10\nimpact: 10\ntolerance: 50\n")
    assert main(["scenarios", "from-register", str(path), "--out", str(out), "--scheme", str(ten)]) == 2
    assert "scales up to 5 for now" in capsys.readouterr().err
