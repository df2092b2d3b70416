"""Fixtures for the web app's tests: the app on an aiohttp test server, with a stand-in for Rasa's
REST channel. The browser tests use the real stack: the `stack` fixture of tests/conftest.py."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from web_support import TOKEN, FakeRasa

from bot.web.app import make_app


@pytest.fixture
async def rasa():
    fake = FakeRasa()
    server = TestServer(fake.app)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def client(store, rasa):
    c = TestClient(TestServer(make_app(store, TOKEN, rasa_url=rasa.url)))
    await c.start_server()
    yield c
    await c.close()
