"""The Rasa server's two fixes behave like Rasa's own code, only cheaper."""
from __future__ import annotations

import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import rasa_server.fixes  # noqa: F401  (applies the fixes)


async def test_calls_to_the_action_server_reuse_one_connection():
    peers: list[int] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])
        body = await request.json()
        return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        replies = [await endpoint.request(json={"next_action": f"action_{n}"}, method="post") for n in range(5)]
        assert [r["responses"][0]["text"] for r in replies] == [f"action_{n}" for n in range(5)]
        assert len(set(peers)) == 1  # one kept-alive connection, not five
    finally:
        await runner.cleanup()


def test_action_responses_are_still_validated():
    action = RemoteAction("action_pm_respond", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "Noted."}]})
    with pytest.raises(ValidationError, match="not a list"):  # with Rasa's explanation, as before
        action._validate_action_result({"events": "not a list"})
