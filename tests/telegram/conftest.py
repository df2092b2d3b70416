"""Fixtures for the Telegram bridge tests: the fake Bot API, a fake Rasa, and the bridge itself
running in a thread of its own (its own event loop), pointed at them or at the real stack."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tg_fakebot import TOKEN, FakeBotApi  # noqa: E402
from tg_harness import BridgeThread, FakeRasa, free_port  # noqa: E402

from bot.channels.telegram import Config, TelegramBridge  # noqa: E402
from bot.progress.store import ProgressStore  # noqa: E402


@pytest.fixture
def api():
    server = FakeBotApi().start()
    yield server
    server.stop()


@pytest.fixture
def bridge(api, tmp_path):
    """Start a bridge: bridge(rasa_url, database_url=None, **config overrides)."""
    running: list[BridgeThread] = []

    def start(rasa_url: str, database_url: str | None = None, **overrides) -> BridgeThread:
        cfg = Config(
            token=TOKEN,
            api_url=api.base_url,
            rasa_url=rasa_url,
            pending_path=tmp_path / "pending.json",
            poll_timeout=1,
            chat_rate=(0, 0),  # the per-chat pace is tested on its own; keep the sessions quick
            group_rate=(0, 0),
            redeliver_backoff=(0.2, 1),
        )
        for k, v in overrides.items():
            setattr(cfg, k, v)
        store = ProgressStore(database_url or f"sqlite:///{tmp_path}/progress.db")
        b = BridgeThread(TelegramBridge(cfg, store)).start(api)
        running.append(b)
        return b

    yield start
    for b in running:
        b.stop()


@pytest.fixture
def fake_rasa():
    r = FakeRasa(free_port())
    yield r
    with contextlib.suppress(Exception):
        r.close()
