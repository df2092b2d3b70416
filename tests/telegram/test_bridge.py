"""The bridge against the fake Bot API and a fake Rasa: start-up, robustness, non-text, webhook."""
from __future__ import annotations

import asyncio
import time

import requests
from tg_fakebot import TOKEN, basic_group, message, sticker, user
from tg_harness import holds, listening

from bot.channels.telegram import Config, PacedRateLimiter, TelegramBridge
from bot.progress.store import ProgressStore

ANA = user(111, "Ana", "Silva")


def test_start_up_registers_the_commands_and_polls(api, bridge, fake_rasa):
    fake_rasa.up()
    bridge(fake_rasa.url)
    menus = api.calls_of("setMyCommands")
    commands = [c["command"] for c in menus[0].params["commands"]]
    assert commands == ["start", "scenarios", "register", "hint", "progress", "finish", "help"]
    group = next(c for c in menus if (c.params.get("scope") or {}).get("type") == "all_group_chats")
    assert "leaderboard" in [c["command"] for c in group.params["commands"]]
    # the harness already waited for one getUpdates; polling goes on, long-polling as configured
    api.wait_for(lambda c: len(api.calls_of("getUpdates")) >= 2, 10, "a second getUpdates")
    assert all(c.params.get("timeout") == 1 for c in api.calls_of("getUpdates")[1:])


def test_text_goes_to_rasa_with_the_learner_and_commands_as_intents(api, bridge, fake_rasa):
    fake_rasa.up()
    bridge(fake_rasa.url)
    api.push(message(111, ANA, "R4 has no owner?"))
    api.wait_text(111, "you said R4 has no owner?")
    api.push(message(111, ANA, "/hint"))
    api.wait_text(111, "you said /ask_hint")
    first = fake_rasa.received[0]
    assert first["sender"] == "telegram:111"
    meta = dict(first["metadata"])
    assert meta.pop("message_id").startswith("telegram:111:m")  # the same when a held message is resent
    assert meta == {"learner_id": "telegram:111", "display_name": "Ana Silva", "channel": "telegram"}
    reply = api.calls_of("sendMessage", 111)[0]
    assert reply.params["parse_mode"] == "HTML" and reply.text.startswith("<b>Tutor:</b>")


def test_rasa_down_is_explained_and_the_message_delivered_when_it_is_back(api, bridge, fake_rasa):
    # nothing listening yet; the first redelivery try comes 5 s after the message is held
    bridge(fake_rasa.url, redeliver_backoff=(5, 5))
    api.push(message(111, ANA, "Is R2 really closed?"))
    api.wait_text(111, "The tutor is restarting, try again in a minute")
    # Rasa is back before the bridge retries: a new message still waits behind the held one
    fake_rasa.up()
    assert listening(fake_rasa.port)
    mark = api.mark()
    api.push(message(111, ANA, "and R3?"))
    api.wait_text(111, "restarting", after=mark)  # the bridge took it, and held it
    holds(lambda: not fake_rasa.received, 1.0, "a message went to Rasa ahead of the held one")
    api.wait_text(111, "you said and R3?", timeout=15)
    assert [r["message"] for r in fake_rasa.received] == ["Is R2 really closed?", "and R3?"]
    ids = [r["metadata"]["message_id"] for r in fake_rasa.received]
    assert len(set(ids)) == 2  # each message its own id, kept while it was held
    texts = api.texts(111)
    back = [i for i, t in enumerate(texts) if t.startswith("The tutor is back")]
    assert len(back) == 2 and "you said Is R2 really closed?" in texts[back[0] + 1]
    assert "you said and R3?" in texts[back[1] + 1]


def test_held_messages_survive_a_restart_of_the_bridge(api, bridge, fake_rasa, tmp_path):
    first = bridge(fake_rasa.url)
    api.push(message(111, ANA, "R5 is stale"))
    api.wait_text(111, "restarting")
    first.stop()
    assert "R5 is stale" in (tmp_path / "pending.json").read_text()
    fake_rasa.up()
    bridge(fake_rasa.url)
    api.wait_text(111, "you said R5 is stale", timeout=15)


def test_stickers_and_photos_get_text_only_and_edits_are_not_resent(api, bridge, fake_rasa):
    fake_rasa.up()
    bridge(fake_rasa.url)
    api.push(sticker(111, ANA))
    api.wait_text(111, "Text only for now")
    api.push(message(111, ANA, photo=[{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]))
    api.wait_for(lambda c: len([x for x in api.texts(111) if "Text only" in x]) == 2, 5, "second text-only")
    edited = message(111, ANA, "R4 has no owner, edited")
    api.push({"edited_message": {**edited["message"], "edit_date": 1}})
    api.push(message(111, ANA, "after the edit"))
    api.wait_text(111, "you said after the edit")  # the bridge has fetched the edit, pushed before it
    holds(lambda: [r["message"] for r in fake_rasa.received] == ["after the edit"], 1.0,
          f"the edit went to Rasa: {fake_rasa.received}")
    api.assert_no_call(lambda c: c.method == "sendMessage" and "edited" in c.text, 0, "reply to the edit")


def test_a_blocked_bot_is_logged_not_fatal(api, bridge, fake_rasa, caplog):
    fake_rasa.up()
    bridge(fake_rasa.url)
    api.blocked.add(222)
    api.push(message(222, user(222, "Gone"), "hello"))
    api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 222, 10, "the attempt")
    api.push(message(111, ANA, "still there?"))
    api.wait_text(111, "you said still there?")  # the bridge carries on
    assert "bot blocked or chat deleted" in caplog.text


def _team_session(tmp_path, group_id: int) -> ProgressStore:
    store = ProgressStore(f"sqlite:///{tmp_path}/progress.db")  # the bridge's own database
    with store.transaction() as db:
        store.touch_learner(db, "telegram:111", "Ana Silva", "telegram")
        store.start_session(db, f"telegram-group:{group_id}", "telegram:111", "northgate-epr", 3)
    return store


def _active(store: ProgressStore, group_id: int):
    with store.transaction() as db:
        session = store.active_session(db, f"telegram-group:{group_id}")
        return session and (session.scenario, session.seed)


def test_a_group_upgraded_to_a_supergroup_keeps_its_role_play(api, bridge, fake_rasa, tmp_path):
    """Telegram gives the upgraded group a new id; the team's session must not be left behind."""
    fake_rasa.up()
    store = _team_session(tmp_path, -4001)
    bridge(fake_rasa.url)
    api.push(message(-4001, ANA, chat=basic_group(-4001), migrate_to_chat_id=-1004001))
    deadline = time.monotonic() + 10
    while _active(store, -1004001) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _active(store, -1004001) == ("northgate-epr", 3) and _active(store, -4001) is None
    api.push(message(-1004001, ANA, "@pmo_tutor_bot is R4 scored right?"))
    api.wait_text(-1004001, "you said is R4 scored right?")
    assert fake_rasa.received[-1]["sender"] == "telegram-group:-1004001"


def test_a_reply_to_a_group_that_has_just_been_upgraded_follows_it(api, bridge, fake_rasa, tmp_path):
    """The upgrade can reach us first as an error when replying: the reply and the session move."""
    fake_rasa.up()
    store = _team_session(tmp_path, -4002)
    bridge(fake_rasa.url)
    api.migrated[-4002] = -1004002
    api.push(message(-4002, ANA, "@pmo_tutor_bot R7 is above tolerance", chat=basic_group(-4002)))
    api.wait_text(-1004002, "you said R7 is above tolerance")
    assert _active(store, -1004002) == ("northgate-epr", 3) and _active(store, -4002) is None


def test_a_429_is_retried_after_retry_after(api, bridge, fake_rasa):
    fake_rasa.up()
    bridge(fake_rasa.url)
    api.fail("sendMessage", retry_after=1)
    api.push(message(111, ANA, "R1?"))
    done = api.wait_text(111, "you said R1?", timeout=15)
    tries = api.calls_of("sendMessage", 111)
    assert len(tries) == 2 and tries[1].at - tries[0].at >= 1.0
    assert done is tries[1]


def test_a_long_register_is_split_under_4096(api, bridge, fake_rasa):
    fake_rasa.up()
    bridge(fake_rasa.url)
    api.push(message(111, ANA, "/register"))
    overview = api.wait_text(111, "Risk register")
    assert len(overview.text) < 4096 and len(overview.buttons) >= 12


def test_per_chat_pacing_spreads_a_burst():
    async def burst():
        limiter = PacedRateLimiter((2, 1), group_max_rate=0, overall_max_rate=0)
        times = []

        async def call():
            times.append(time.monotonic())
            return True

        start = time.monotonic()
        await asyncio.gather(*[limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 5}, None) for _ in range(4)])
        return [t - start for t in times]

    times = asyncio.run(burst())
    assert times[1] < 0.3 and times[3] >= 0.8  # two at once, then about two a second


def test_webhook_mode_checks_the_secret_token(api, fake_rasa, tmp_path):
    from tg_harness import BridgeThread, free_port
    from bot.progress.store import ProgressStore

    fake_rasa.up()
    port = free_port()
    cfg = Config(token=TOKEN, api_url=api.base_url, rasa_url=fake_rasa.url, pending_path=tmp_path / "p.json",
                 webhook_url="https://tutor.example.org/tg/hook", webhook_port=port, webhook_secret="s3cret-token",
                 chat_rate=(0, 0))
    b = BridgeThread(TelegramBridge(cfg, ProgressStore(f"sqlite:///{tmp_path}/p.db")))
    b._thread.start()
    try:
        hook = api.wait_for(lambda c: c.method == "setWebhook", 15, "setWebhook")
        assert hook.params["url"] == "https://tutor.example.org/tg/hook" and hook.params["secret_token"] == "s3cret-token"
        update = {"update_id": 1, **message(111, ANA, "via webhook")}
        url = f"http://127.0.0.1:{port}/tg/hook"
        assert requests.post(url, json=update, timeout=5).status_code == 403
        assert requests.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=5).status_code == 403
        for near in ("", "S3CRET-TOKEN", "s3cret-toke", "s3cret-token2", "s3cret-token,s3cret-token"):
            r = requests.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": near}, timeout=5)
            assert r.status_code == 403, near
        assert requests.post(url, data=b"not json", timeout=5).status_code == 403  # the secret is checked first
        ok = requests.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}, timeout=5)
        assert ok.status_code == 200
        api.wait_text(111, "you said via webhook")
        # the refused posts never reached Rasa, only the accepted one did; and a webhook bot never polls
        holds(lambda: [r["message"] for r in fake_rasa.received] == ["via webhook"], 1.0,
              f"a refused webhook post was handled: {fake_rasa.received}")
        assert len([t for t in api.texts(111) if "you said via webhook" in t]) == 1
        api.assert_no_call(lambda c: c.method == "getUpdates", 0, "getUpdates in webhook mode")
    finally:
        b.stop()


def test_an_empty_webhook_secret_setting_still_means_a_random_secret():
    """TELEGRAM_WEBHOOK_SECRET set but empty must not make the webhook open to anyone."""
    for env in ({"TELEGRAM_BOT_TOKEN": "x"}, {"TELEGRAM_BOT_TOKEN": "x", "TELEGRAM_WEBHOOK_SECRET": ""}):
        a, b = Config.from_env(env), Config.from_env(env)
        assert len(a.webhook_secret) >= 32 and a.webhook_secret != b.webhook_secret
    assert Config.from_env({"TELEGRAM_BOT_TOKEN": "x", "TELEGRAM_WEBHOOK_SECRET": "mine"}).webhook_secret == "mine"


def test_pmo_tutor_telegram_runs_alone_from_the_environment_and_stops_on_sigterm(api, fake_rasa, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    fake_rasa.up()
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, RASA_URL=fake_rasa.url,
               PMO_TUTOR_VAR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "pmo-tutor"), "telegram"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        api.wait_for(lambda c: c.method == "getUpdates", 30, "polling")
        assert api.calls_of("setMyCommands")
        api.push(message(111, ANA, "hello from the CLI"))
        api.wait_text(111, "you said hello from the CLI")
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert proc.returncode == 0, out
    assert "long polling" in out


def test_a_message_longer_than_the_tutor_reads_gets_the_reason_and_is_not_sent_on(api, bridge, fake_rasa):
    """Telegram allows 4,096 characters; over 4,000 the learner is asked to split it, and nothing of it
    reaches Rasa."""
    fake_rasa.up()
    bridge(fake_rasa.url)
    before = len(fake_rasa.received)
    api.push(message(111, ANA, "R3 " + "x" * 4050))
    api.wait_text(111, "4,053 characters; the tutor reads up to 4,000")
    api.push(message(111, ANA, "R1?"))
    api.wait_text(111, "you said R1?")
    assert [m["message"] for m in fake_rasa.received[before:]] == ["R1?"]
