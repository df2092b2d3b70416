"""The test harness: the bridge in a thread of its own, and a fake Rasa REST channel."""
from __future__ import annotations

import asyncio
import socket
import threading
import time

from aiohttp import web
from tg_fakebot import FakeBotApi

from bot.channels.telegram import TelegramBridge
from local import free_port


def holds(check, seconds: float, what: str) -> None:
    """`check()` is true now and stays true for `seconds`: an absence asserted over a bounded wait,
    not at one instant. Use it only after the path has been shown to work."""
    deadline = time.monotonic() + seconds
    while True:
        assert check(), what
        if time.monotonic() >= deadline:
            return
        time.sleep(0.05)


def listening(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:port."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class BridgeThread:
    def __init__(self, bridge: TelegramBridge):
        self.bridge = bridge
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="telegram-bridge")
        self.error: BaseException | None = None

    def _run(self) -> None:
        async def main():
            self.loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await self.bridge.serve(self._stop)

        try:
            asyncio.run(main())
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def start(self, api: FakeBotApi) -> BridgeThread:
        self._thread.start()
        api.wait_for(lambda c: c.method == "getUpdates", 15, "getUpdates (bridge polling)")
        return self

    def stop(self) -> None:
        if self.loop and self._stop and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)
        assert not self._thread.is_alive(), "bridge did not stop"
        assert self.error is None, repr(self.error)


class FakeRasa:
    """Rasa's REST channel, as far as the bridge can tell: echoes, records, can be down."""

    def __init__(self, port: int):
        self.port = port
        self.received: list[dict] = []
        self._runner = None
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _webhook(self, request):
        body = await request.json()
        self.received.append(body)
        text = body["message"]
        if text == "/show_register":
            from bot.presentation import register_data, register_text
            from bot.scenarios.variants import variant

            s = variant("northgate-epr", 1)
            return web.json_response([{"text": f"Dr Okafor (PM): {register_text(s)}"}, {"custom": register_data(s)}])
        return web.json_response([{"recipient_id": body["sender"], "text": f"Tutor: you said {text}"}])

    def up(self) -> None:
        async def start():
            app = web.Application()
            app.router.add_post("/webhooks/rest/webhook", self._webhook)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)

    def close(self) -> None:
        if self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
