"""A trainer's own register through the real stack: imported on the web app, then played over
Rasa's REST channel (the action server, another process, sees it at once), then deleted."""
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from test_import import as_csv, rows  # noqa: E402

pytestmark = pytest.mark.e2e


def joined(messages) -> str:
    return "\n".join(m["text"] for m in messages if "text" in m)


def test_an_imported_register_is_played_over_rest_at_once(stack):
    headers = {"Authorization": f"Bearer {stack.token}", "Content-Type": "text/csv"}
    r = requests.post(f"{stack.web}/api/scenarios/import?title=Card%20payments&today=2026-11-02&tolerance=12",
                      data=as_csv(rows()), headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    try:
        assert sid in {s["id"] for s in stack.api("/api/scenarios").json()}
        learner = "e2e-own-register"
        opening = joined(stack.say(learner, f'/start_scenario{{"scenario": "{sid}", "seed": 0}}'))
        assert "Card payments" in opening and "R2" in opening
        hit = joined(stack.say(learner, "R2 doesn't add up: 2 x 3 is 6, but it's scored 8."))
        assert "2 x 3 is 6, not 8" in hit
        sessions = stack.api(f"/api/learners/{learner}/sessions").json()
        assert sessions[0]["scenario"] == sid
    finally:
        requests.delete(f"{stack.web}/api/scenarios/{sid}", headers=headers, timeout=30)
    assert sid not in {s["id"] for s in stack.api("/api/scenarios").json()}
