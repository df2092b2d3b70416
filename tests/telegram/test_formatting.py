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
    card = fmt.risk_card(fmt.find_item(data, first.id.lower()), data["tolerance"])
    assert fmt.esc(first.description) in card and fmt.esc(first.actions) in card
    keyboard = fmt.card_keyboard(data)
    assert [d for row in keyboard for _, d in row][: len(s.rows)] == [f"c|{r.id}" for r in s.rows]
    full = fmt.split_html(fmt.full_register(data))
    assert len(full) >= 2 and all(len(p) <= 4096 and balanced(p) for p in full)


def test_policy_overview_lists_every_clause_on_one_line_with_a_button_each():
    s = variant("eastmere-risk-policy", 0)
    data = register_data(s)
    overview = fmt.policy_overview(data)
    lines = overview.splitlines()
    assert lines[0] == f"<b>{fmt.esc(s.brief.project)}</b> (16 clauses, as of 16 Nov 2026)"
    assert lines[1:-1] == [f"<b>{c.id}</b> {fmt.esc(c.title)}" for c in s.clauses]
    assert "/register C4" in lines[-1] and s.clauses[0].text[:30] not in overview
    assert fmt.overview(data) == overview and len(overview) < fmt.MAX_MESSAGE
    keyboard = fmt.card_keyboard(data)
    assert [d for row in keyboard for _, d in row] == [f"c|C{n}" for n in range(1, 17)] + ["full"]
    assert keyboard[-1] == [("Full policy", "full")] and all(len(row) <= 4 for row in keyboard)


def test_a_clause_card_has_its_id_title_and_whole_text_escaped():
    data = register_data(variant("eastmere-risk-policy", 0))
    c7 = fmt.find_item(data, "C7")
    card = fmt.card(data, c7)
    assert card.startswith("<b>C7 · Escalation</b>\n") and card.endswith(fmt.esc(c7["text"]))
    odd = fmt.clause_card({"id": "C1", "title": "A & B <draft>", "text": "Scores < 5 & > 2"})
    assert odd == "<b>C1 · A &amp; B &lt;draft&gt;</b>\nScores &lt; 5 &amp; &gt; 2"
    full = fmt.split_html(fmt.full_register(data))
    assert len(full) >= 2 and all(fmt.tg_len(p) <= fmt.MAX_MESSAGE and balanced(p) for p in full)
    assert re.findall(r"^<b>(C\d+) · ", "\n".join(full), re.M) == [f"C{n}" for n in range(1, 17)]


def test_register_c4_finds_the_clause_however_it_is_named():
    data = register_data(variant("eastmere-risk-policy", 0))
    for ref in ("C4", "c4", " C04 ", "clause 4", "Section 4", "4"):
        assert fmt.find_item(data, ref)["title"] == "Roles and responsibilities", ref
    for ref in ("C17", "R4", "the roles one", "C4 and C5"):
        assert fmt.find_item(data, ref) is None, ref
    missing = fmt.not_found(data, "C17<b>")
    assert missing.startswith("No clause called C17&lt;b&gt;. The policy has C1, C2,") and missing.endswith("C16.")
    register = register_data(variant("riverside-wms", 3))
    assert fmt.find_item(register, "risk 4")["id"] == fmt.find_item(register, "r4")["id"] == "R4"
    assert fmt.find_item(register, "C4") is None
    assert fmt.not_found(register, "R99").startswith("No risk called R99. The register has R1, R2,")


def test_a_portfolio_register_shows_each_rows_project():
    s = variant("northbridge-portfolio-report", 0)
    data = register_data(s)
    overview = fmt.register_overview(data)
    for r in s.rows:
        assert f"<b>{r.id}</b> [{fmt.esc(r.project)}] {fmt.esc(r.title)} · <b>{r.score}</b>" in overview
    first = data["register"][0]
    card = fmt.card(data, fmt.find_item(data, first["id"]))
    assert card.splitlines()[1] == f"<i>Project</i>: {fmt.esc(first['project'])}"
    assert "Project" not in fmt.risk_card(register_data(variant("riverside-wms", 3))["register"][0])
    assert all(fmt.tg_len(p) <= fmt.MAX_MESSAGE for p in fmt.split_html(fmt.full_register(data)))


def test_render_shows_a_policy_as_its_overview_not_its_text():
    s = variant("eastmere-risk-policy", 0)
    from bot.presentation import register_text

    out, artefact = fmt.render([
        {"text": "Alistair Penrose (PM): Come in, sit down."},
        {"text": f"Alistair Penrose (PM): {register_text(s)}"},
        {"custom": register_data(s)},
    ], fmt.CallbackCodec())
    assert artefact["clauses"][6]["id"] == "C7"
    assert out[0].html.endswith("<b>Alistair Penrose (PM):</b> Here's the draft.")
    assert out[1].html.startswith(f"<b>{fmt.esc(s.brief.project)}</b>") and out[1].keyboard[-1] == [("Full policy", "full")]
    assert s.clauses[0].text[:40] not in "".join(o.html for o in out)


def test_a_long_overview_is_split_and_keeps_its_keyboard_on_the_last_part():
    rows = [{"id": f"R{n}", "title": "A risk with a long enough title to fill a phone line " * 2, "score": 9,
             "owner": "Someone", "status": "open"} for n in range(1, 121)]
    out, _ = fmt.render([{"custom": {"register": rows, "tolerance": 15, "as_of": "2026-11-16"}}], fmt.CallbackCodec())
    assert len(out) >= 2 and all(fmt.tg_len(o.html) <= fmt.MAX_MESSAGE for o in out)
    assert [bool(o.keyboard) for o in out] == [False] * (len(out) - 1) + [True]


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
