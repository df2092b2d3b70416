"""What the web tests share besides fixtures: test identities, a played session, a stand-in
for Rasa's REST channel. (Test modules import these from here: importing from `conftest` breaks
when pytest is given several test folders, each with its own conftest.)"""
from __future__ import annotations

from aiohttp import web
from local import COLUMNS, HEADERS, register_csv, riverside_xlsx  # noqa: F401  (the web tests import them from here)

from bot.progress.store import ProgressStore
from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T
from bot.taxonomy import intent_for
from bot.tutor import Incoming, Tutor

TOKEN = "trainer-secret-token-for-tests"
ANA = "web-" + "a" * 24  # a valid web learner id (the cookie's shape)
BEN = "web-" + "b" * 24
SID, SEED = "riverside-wms", 7


def flaw_of(flaw_type: T):
    return next(f for f in variant(SID, SEED).flaws if f.type == flaw_type)


def play(store: ProgressStore, learner: str, finish: bool = False) -> None:
    """Start riverside-wms seed 7, make a hit (wrong owner) and a false challenge."""
    t = Tutor(store)
    t.start(Incoming(learner, learner, '/start_scenario{"scenario": "riverside-wms", "seed": 7}', channel="web"), SID, SEED)
    f = flaw_of(T.WRONG_OWNER)
    t.respond(Incoming(learner, learner, f"Could we check the owner of {f.risk_id}? Callum has no authority over the StockPilot contract.",
                       intent=intent_for(T.WRONG_OWNER), confidence=0.9))
    s = variant(SID, SEED)
    correct = next(r for r in s.rows if not any(r.id in (x.risk_id, x.other_risk_id) for x in s.flaws) and r.status == "open")
    t.respond(Incoming(learner, learner, f"=HYPERLINK(\"x\") I think {correct.id} has the wrong owner.",
                       intent=intent_for(T.WRONG_OWNER), confidence=0.9))
    if finish:
        t.finish(Incoming(learner, learner, "finish"))


class FakeRasa:
    """Stands in for Rasa's REST channel: records what it was sent, answers like the actions do."""

    def __init__(self):
        self.received: list[dict] = []
        self.app = web.Application()
        self.app.router.add_post("/webhooks/rest/webhook", self.webhook)

    async def webhook(self, request):
        body = await request.json()
        self.received.append(body)
        return web.json_response([
            {"recipient_id": body["sender"], "text": "Rob Atkinson (PM): Risk register: Riverside (as of 1 Nov)\nR1 ..."},
            {"recipient_id": body["sender"], "custom": {"register": [{"id": "R1", "title": "T", "score": 12, "defences": {"x": "secret"}}],
                                                        "tolerance": 15, "as_of": "2024-11-01"}},
            {"recipient_id": body["sender"], "text": "Tutor: Pick one", "buttons": [{"title": "Riverside", "payload": "/start_scenario"}]},
        ])


def auth(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}

