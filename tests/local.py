"""Small helpers shared by tests in several folders (imported as `local`: the tests folder is on
sys.path through its conftest.py): free ports and health checks for real servers on 127.0.0.1,
and a shipped scenario's register exported as a trainer or learner would upload it."""
import csv
import io
import socket

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, timeout: float = 2) -> bool:
    """Does `url` answer 200 within `timeout` seconds?"""
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


# -- a shipped scenario's register as a learner would upload it -------------------------------------
HEADERS = ["Risk ID", "Title", "Description", "Category", "Likelihood", "Impact", "Score", "Risk Owner",
           "Strategy", "Actions", "Status", "Last Reviewed"]
COLUMNS = ["id", "title", "description", "category", "probability", "impact", "score", "owner",
           "response", "actions", "status", "last_reviewed"]


def register_csv(scenario_id: str = "riverside-wms") -> bytes:
    from bot.scenarios.loader import get_scenario

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADERS)
    for r in get_scenario(scenario_id).rows:
        d = r.public()
        w.writerow([d[c] for c in COLUMNS])
    return out.getvalue().encode()


def riverside_xlsx() -> bytes:
    from openpyxl import Workbook

    from bot.scenarios.loader import get_scenario

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in get_scenario("riverside-wms").rows:
        d = r.public()
        ws.append([d[c] if c != "last_reviewed" else r.last_reviewed for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
