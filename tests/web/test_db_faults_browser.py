"""In a real browser: when the tutor can't save progress (503), the learner's message is not lost:
it goes back into the box, out of the transcript, with the reason under it; sent again once the
database is back, it goes through. (The web app on a thread of its own, with a stand-in for Rasa.)"""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from aiohttp import web
from playwright.sync_api import expect
from web_support import FakeRasa

from bot.progress.store import CANNOT_SAVE, ProgressStore
from bot.web.app import make_app
from web_browser import open_browser
from local import free_port


class SwitchableRasa(FakeRasa):
    """Answers as the actions do when the progress database is down, until `saving` is set."""

    saving = False
    restarting = False  # answer as Rasa's REST channel does while a part of the tutor restarts

    async def webhook(self, request):
        if self.restarting:
            from rasa_server.channels import UNANSWERED

            self.received.append(await request.json())
            return web.json_response({"error": UNANSWERED}, status=503, headers={"Retry-After": "5"})
        if self.saving:
            return await super().webhook(request)
        from actions.actions import UNSAVED, UNSAVED_MARK

        body = await request.json()
        self.received.append(body)
        return web.json_response([{"recipient_id": body["sender"], "text": f"Tutor: {UNSAVED}"},
                                  {"recipient_id": body["sender"], "custom": UNSAVED_MARK}])


@pytest.fixture
def served(tmp_path):
    rasa, loop = SwitchableRasa(), asyncio.new_event_loop()
    ports = free_port(), free_port()
    runners = []

    async def start():
        for app, port in ((rasa.app, ports[0]),
                          (make_app(ProgressStore(f"sqlite:///{tmp_path}/p.db"), "t", rasa_url=f"http://127.0.0.1:{ports[0]}"), ports[1])):
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            runners.append(runner)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    yield rasa, f"http://127.0.0.1:{ports[1]}"
    for runner in runners:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_a_message_the_tutor_could_not_save_stays_in_the_box(served):
    rasa, url = served
    with open_browser() as browser:
        page = browser.new_page()
        page.goto(url + "/")
        box = page.locator("#message")
        box.fill("R3's owner has no authority over the contract")
        box.press("Enter")
        expect(page.locator("#status")).to_contain_text(CANNOT_SAVE, timeout=10_000)
        expect(page.locator("#status")).to_contain_text("Your text is still in the box")
        expect(box).to_have_value("R3's owner has no authority over the contract")
        expect(page.locator("article.msg.learner")).to_have_count(0)  # not shown as sent
        rasa.saving = True  # the database is back: the same text goes through
        box.press("Enter")
        expect(page.locator("article.msg.learner")).to_have_count(1, timeout=10_000)
        expect(box).to_have_value("")
        assert [m["message"] for m in rasa.received] == ["R3's owner has no authority over the contract"] * 2
        # sent again with the same id (had the first been recorded, the tutor would not count it twice)
        ids = [m["metadata"]["message_id"] for m in rasa.received]
        assert ids[0] == ids[1] and len(ids[0]) == 24
        box.fill("and R4's owner?")
        box.press("Enter")
        expect(page.locator("article.msg.learner")).to_have_count(2, timeout=10_000)  # shown at once
        deadline = time.monotonic() + 10
        while len(rasa.received) < 3 and time.monotonic() < deadline:  # and sent
            time.sleep(0.05)
        assert rasa.received[-1]["message"] == "and R4's owner?"
        assert rasa.received[-1]["metadata"]["message_id"] not in ids  # a new message, a new id


def test_while_the_tutor_restarts_the_page_says_so_and_the_resend_keeps_its_id(served):
    rasa, url = served
    rasa.saving, rasa.restarting = True, True
    with open_browser() as browser:
        page = browser.new_page()
        page.goto(url + "/")
        box = page.locator("#message")
        box.fill("Is R2 really closed?")
        box.press("Enter")
        expect(page.locator("#status")).to_contain_text("the tutor is restarting", timeout=10_000)
        expect(page.locator("#status")).to_contain_text("Your text is still in the box")
        expect(box).to_have_value("Is R2 really closed?")
        expect(page.locator("article.msg.learner")).to_have_count(0)
        rasa.restarting = False
        box.press("Enter")
        expect(page.locator("article.msg.learner")).to_have_count(1, timeout=10_000)
        expect(page.locator("article.msg.pm").first).to_be_visible()
    first, second = rasa.received
    assert first["message"] == second["message"] == "Is R2 really closed?"
    assert first["metadata"]["message_id"] == second["metadata"]["message_id"]
