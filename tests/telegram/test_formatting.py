"""The pure formatting functions: escaping, splitting, the register, buttons, groups."""
from __future__ import annotations

import re

from bot.channels import formatting as fmt
from bot.evaluation.debrief import ChallengeRecord, contributions, debrief
from bot.evaluation.state import SessionState, Verdict
from bot.presentation import register_data, start_payload
from bot.progress.teams import Standing
from bot.scenarios.variants import variant


def balanced(html: str) -> bool:
    stack = []
    for closing, tag in re.findall(r"<(/?)([a-z-]+)[^>]*>", html):
        if closing:
            if not stack or stack.pop() != tag:
                return False
        else:
            stack.append(tag)
    return not stack


def test_replies_are_escaped_with_the_speaker_in_bold():
    out = fmt.reply_html("Rob Atkinson (PM): R3 <b>is</b> fine & dandy\n- one\n- two")
    assert out.startswith("<b>Rob Atkinson (PM):</b> R3 &lt;b&gt;is&lt;/b&gt; fine &amp; dandy")
    assert "\n• one\n• two" in out
    assert fmt.reply_html("Tutor: hi") == "<b>Tutor:</b> hi"
    assert fmt.reply_html("no speaker: here <x>") == "no speaker: here &lt;x&gt;"


def test_split_keeps_short_messages_whole_and_prefers_line_breaks():
    assert fmt.split_html("hello") == ["hello"]
    lines = [f"<b>R{i}</b> line {i} " + "x" * 80 for i in range(200)]
    parts = fmt.split_html("\n".join(lines))
    assert len(parts) > 1 and all(fmt.tg_len(p) <= fmt.MAX_MESSAGE for p in parts)
    assert all(balanced(p) for p in parts)
    assert "\n".join(parts) == "\n".join(lines)  # nothing lost, nothing cut mid-line


def test_split_never_cuts_a_tag_or_entity_and_reopens_open_tags():
    text = "<b>" + " ".join(["word&amp;more"] * 1500) + "</b>"
    parts = fmt.split_html(text, limit=1000)
    assert len(parts) > 5
    for p in parts:
        assert fmt.tg_len(p) <= 1000 and p.startswith("<b>") and p.endswith("</b>") and balanced(p)
        assert not re.search(r"&[a-z]*$|^[a-z]*;", fmt.strip_html(p).replace("&", "&amp;"))
    assert fmt.strip_html("".join(parts)).replace(" ", "") == fmt.strip_html(text).replace(" ", "")


def test_split_handles_one_enormous_word_and_emoji():
    parts = fmt.split_html("🙂" * 5000)
    assert all(fmt.tg_len(p) <= fmt.MAX_MESSAGE for p in parts) and "".join(parts) == "🙂" * 5000


def test_register_overview_is_compact_and_cards_are_complete():
    s = variant("riverside-wms", 3)
    data = register_data(s)
    overview = fmt.register_overview(data)
    assert len(overview.splitlines()) == len(s.rows) + 2
    first = s.rows[0]
    assert f"<b>{first.id}</b> {fmt.esc(first.title)} · <b>{first.score}</b>" in overview
    assert first.description not in overview
    card = fmt.risk_card(fmt.find_row(data, first.id.lower()), data["tolerance"])
    assert fmt.esc(first.description) in card and fmt.esc(first.actions) in card
    keyboard = fmt.card_keyboard(data)
    assert [d for row in keyboard for _, d in row][: len(s.rows)] == [f"c|{r.id}" for r in s.rows]
    full = fmt.split_html(fmt.full_register(data))
    assert len(full) >= 2 and all(len(p) <= 4096 and balanced(p) for p in full)


def test_render_joins_texts_replaces_the_text_register_and_maps_buttons():
    s = variant("riverside-wms", 3)
    from bot.presentation import register_text

    codec = fmt.CallbackCodec()
    messages = [
        {"text": "Tutor: Scenario: x"},
        {"text": "Rob (PM): hello"},
        {"text": f"Rob (PM): {register_text(s)}"},
        {"custom": register_data(s)},
        {"text": "Tutor: pick", "buttons": [{"title": s.title, "payload": start_payload(s.id, 12)}]},
    ]
    out, register = fmt.render(messages, codec)
    assert register["register"][0]["id"] == s.rows[0].id
    assert out[0].html == "<b>Tutor:</b> Scenario: x\n\n<b>Rob (PM):</b> hello\n\n<b>Rob (PM):</b> Here's the register."
    assert out[1].html.startswith("<b>Risk register</b>") and out[1].keyboard
    assert out[2].keyboard == [[(s.title, f"s|{s.id}|12")]]
    assert codec.decode(f"s|{s.id}|12") == '/start_scenario{"scenario": "riverside-wms", "seed": 12}'


def test_callback_data_always_fits_in_64_bytes():
    codec = fmt.CallbackCodec()
    for payload in ['/start_scenario{"scenario": "riverside-wms"}', "/ask_hint",
                    '/start_scenario{"scenario": "' + "a-very-long-scenario-id" * 4 + '"}', "é" * 100]:
        data = codec.encode(payload)
        assert len(data.encode()) <= 64
        assert codec.decode(data) == payload
    assert fmt.CallbackCodec().decode("k|unknown") is None


def test_group_helpers_and_leaderboard_escape_names():
    assert fmt.addressed("@pmo_tutor_bot R4 has no owner?", "pmo_tutor_bot") == "R4 has no owner?"
    assert fmt.addressed("R4 has no owner?", "pmo_tutor_bot") is None
    board = [Standing("telegram:2", "<b>Bob</b>", 2, 1, 3, 0.667, 1), Standing("telegram:1", "Ana", 1, 0, 1, 1.0, 1)]
    html = fmt.leaderboard_html(board, "Team leaderboard")
    assert "1. &lt;b&gt;Bob&lt;/b&gt;: <b>2</b> found" in html and "2. Ana" in html
    assert "Privacy mode is on" in fmt.group_help("pmo_tutor_bot", False)
    assert "Privacy mode is off" in fmt.group_help("pmo_tutor_bot", True)


def test_debrief_shows_each_members_part_when_a_team_played():
    s = variant("riverside-wms", 3)
    f1, f2 = s.flaws[0], s.flaws[1]
    craft = {"question": True, "accusatory": False, "reason": True, "fix": False, "points": 0.667}
    records = [
        ChallengeRecord(Verdict.HIT, "a", f1.risk_id, f1.type.value, craft, "telegram:1"),
        ChallengeRecord(Verdict.FIX_ACCEPTED, "fix", f1.risk_id, f1.type.value, None, "telegram:1"),
        ChallengeRecord(Verdict.HIT, "b", f2.risk_id, f2.type.value, craft, "telegram:2"),
        ChallengeRecord(Verdict.FALSE, "c", "R1", "underrated", craft, "telegram:2"),
    ]
    state = SessionState(found={f1.id, f2.id}, fixed={f1.id})
    members = contributions(records)
    assert [(m.learner_id, m.found, m.fixed, m.false_challenges) for m in members] == [
        ("telegram:1", 1, 1, 0), ("telegram:2", 1, 0, 1)]
    text = debrief(s, state, records, [], {"telegram:1": "Ana", "telegram:2": "<b>Bob</b>"})
    assert "Team: 2 members, team score" in text
    assert "- Ana: 1 flaw found, 1 fixed, 1 challenge (0 false)" in text and "- <b>Bob</b>: 1 flaw found, 0 fixed, 2 challenges (1 false)" in text
    solo = debrief(s, state, [r for r in records if r.learner_id == "telegram:1"], [])
    assert "Team:" not in solo
