"""The learner chat and the trainer dashboard in a real browser (Debian's chromium driven by
Playwright) against the real stack: play a challenge, reload, sign in as trainer, review,
override, export; the XSS case; 401 without the token. Takes the README's screenshots.

Each test has a learner of its own (a fresh browser context, so a fresh learner cookie, and a
unique display name), so any test passes alone and in any order against the shared stack."""
from __future__ import annotations

import csv
import os
import re
import secrets
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect
from web_browser import open_browser, screenshot

from bot.scenarios.variants import variant
from bot.taxonomy import FlawType as T

pytestmark = pytest.mark.e2e

SEED = 5
WAIT = 60_000  # ms: Rasa's first answers can be slow on a cold model
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def browser():
    with open_browser() as b:
        yield b


def watch_dialogs(page, seen: list):
    """Any alert() would mean injected script ran: record it and dismiss it."""
    page.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))


def say(page, text: str):
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")


def unique(name: str) -> str:
    """A display name no other test (or earlier run against the same stack) uses; the README's
    screenshots (`make screenshots`, one run on a fresh stack) keep the plain name."""
    if os.environ.get("PMO_TUTOR_UPDATE_SCREENSHOTS"):
        return name
    return f"{name} {secrets.token_hex(3)}"


def tall_enough(page, selector: str, most: int) -> int:
    """A window height that shows the transcript from `selector` to its end (at most `most`)."""
    return min(most, page.evaluate("""s => {
        const log = document.getElementById('transcript'), top = log.querySelector(s).getBoundingClientRect().top;
        const below = log.scrollHeight - (top - log.getBoundingClientRect().top + log.scrollTop);
        return Math.ceil(below + window.innerHeight - log.clientHeight + 8);
    }""", selector))


def learner_id(ctx) -> str:
    """The learner id the web app gave this browser context (its HttpOnly cookie)."""
    (value,) = [c["value"] for c in ctx.cookies() if c["name"] == "pmo_learner"]
    return value


def open_chat(browser, stack, name: str):
    """A new browser context on the chat page, the learner's name saved: (context, page, dialogs)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    dialogs: list = []
    watch_dialogs(page, dialogs)
    page.goto(stack.web + "/")
    expect(page.get_by_role("log")).to_contain_text("Pick a scenario", timeout=WAIT)
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(page.locator("#status")).to_contain_text(name)
    return ctx, page, dialogs


@pytest.fixture
def learner(browser, stack):
    """A new learner of this test's own, who starts riverside-wms (seed 5) in the web chat and
    challenges the owner."""
    name = unique("Ana Lopez")
    ctx, page, dialogs = open_chat(browser, stack, name)
    s = variant("riverside-wms", SEED)
    say(page, f'/start_scenario{{"scenario": "riverside-wms", "seed": {SEED}}}')
    expect(page.get_by_role("log").locator("table")).to_be_visible(timeout=WAIT)
    owner = next(f for f in s.flaws if f.type == T.WRONG_OWNER)
    say(page, f"Can Callum really own {owner.risk_id}? He can't enforce the StockPilot contract, Priya holds it.")
    expect(page.get_by_role("log")).to_contain_text(owner.replies.hit, timeout=WAIT)
    lid = learner_id(ctx)
    sessions = stack.api(f"/api/learners/{lid}/sessions").json()
    assert len(sessions) == 1, sessions  # a learner nobody else has played as
    yield {"ctx": ctx, "page": page, "scenario": s, "owner": owner, "dialogs": dialogs, "name": name, "id": lid,
           "session": sessions[0]["id"]}
    ctx.close()


def test_learner_plays_a_challenge_and_sees_the_pms_reply(learner):
    page, s, owner = learner["page"], learner["scenario"], learner["owner"]
    log = page.get_by_role("log")
    pm = log.locator("article.pm").last
    expect(pm).to_contain_text(owner.replies.hit)
    expect(pm).to_contain_text(f"{s.persona.name}")
    expect(log.locator("article.tutor").first).to_be_visible()
    # the register is a real table, sortable by score, revealing no flaws
    table = log.locator("table").first
    expect(table.locator("tbody tr")).to_have_count(len(s.rows))
    table.get_by_role("button", name="Score").click()
    expect(table.locator("th[aria-sort=descending]")).to_have_count(1)
    first = int(table.locator("tbody tr").first.locator("td").nth(5).inner_text())
    assert first == max(r.score for r in s.rows)
    assert table.locator(".badge").count() == 0 and table.locator("th", has_text="Flaws").count() == 0
    # the brief is a card; the keyboard reaches the message box and Enter sends (used above)
    expect(log.locator(".card h3").first).to_contain_text("Project brief")
    page.get_by_role("textbox", name="Message").focus()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    log.locator("figure.register").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.evaluate("document.getElementById('transcript').scrollTop -= 120")
    screenshot(page, "chat.png")
    assert learner["dialogs"] == []


def test_reload_keeps_the_conversation_and_works_at_375px(learner):
    page, owner, name = learner["page"], learner["owner"], learner["name"]
    page.reload()
    log = page.get_by_role("log")
    expect(log).to_contain_text(owner.replies.hit, timeout=WAIT)
    expect(log).to_contain_text("Can Callum really own")
    expect(log.locator("table")).to_have_count(1)
    expect(page.get_by_role("textbox", name="Your name")).to_have_value(name)
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    # the learner's own progress page
    page.get_by_role("link", name="My progress").click()
    expect(page.locator("table").first).to_contain_text("Riverside")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def test_a_manager_session_shows_the_draft_policy_as_clause_cards(browser, stack):
    """The stakeholder presents a draft policy: a card per clause (also at phone width and after a
    reload); a flawed clause is challenged, fixed and the objection met; the trainer sees the
    clauses with their flaws. Takes the README's manager-level screenshot."""
    s = variant("eastmere-risk-policy", 0)
    gap = next(f for f in s.flaws if f.type == T.ESCALATION_GAP)
    name = unique("Maya Fenwick")
    ctx, page, dialogs = open_chat(browser, stack, name)
    say(page, '/start_scenario{"scenario": "eastmere-risk-policy", "seed": 0}')
    log = page.get_by_role("log")
    policy = log.locator("figure.policy")
    expect(policy).to_be_visible(timeout=WAIT)
    expect(policy.locator("li.clause")).to_have_count(len(s.clauses))
    c7 = policy.locator("li.clause[data-clause=C7]")
    expect(c7.locator(".cid")).to_have_text("C7")
    expect(c7.locator("h4")).to_have_text("C7 Escalation")
    expect(c7).to_contain_text(s.clauses[6].text[:60])
    expect(log.locator("article.pm .role").first).to_have_text("Director of Transformation")
    # the cards replace the plain-text version: the bubble's own text is just the policy's title
    expect(log.locator("article.pm:has(figure.policy) p.text")).to_have_text(f"{s.brief.project} (as of 16 Nov 2026)")
    assert log.locator("table").count() == 0

    # a phone: one column of cards, nothing wider than the screen
    page.set_viewport_size({"width": 380, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    box = c7.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 380
    page.set_viewport_size({"width": 1280, "height": 900})

    say(page, "Clause 7: a score of 15 or 16 sits in both the project band and the programme band, so who gets it? "
              "Standalone projects have no programme board.")
    expect(log).to_contain_text(gap.replies.hit, timeout=WAIT)
    say(page, "Make the bands contiguous: up to 14 stays with the project board, 15 and above goes to the Portfolio "
              "Board, decision recorded within 5 working days.")
    expect(log).to_contain_text(gap.fix.objection.text, timeout=WAIT)
    say(page, "Because audit found escalations with no decisions recorded, and a safety risk can't wait for the next "
              "meeting. Keep it light: the chair decides by email between meetings on a one-page note.")
    expect(log.locator("article.pm").last).to_contain_text(gap.fix.objection.accepted_reply, timeout=WAIT)

    # a reload re-renders the clause list from the history
    page.reload()
    expect(log.locator("figure.policy li.clause")).to_have_count(len(s.clauses), timeout=WAIT)
    expect(log).to_contain_text(gap.fix.objection.accepted_reply)
    # the README's picture: the last clause cards, then the challenge, the fix and the agreement
    page.set_viewport_size({"width": 1280, "height": tall_enough(page, "li.clause[data-clause=C13]", 1720)})
    page.evaluate("(t => { t.scrollTop = t.scrollHeight; })(document.getElementById('transcript'))")
    screenshot(page, "manager-session.png")

    # the trainer sees the clauses, each flaw on its clause, fixed and agreed
    (session,) = stack.api(f"/api/learners/{learner_id(ctx)}/sessions").json()
    sign_in(page, stack)
    expect(page.get_by_role("heading", name="Learners and sessions")).to_be_visible(timeout=WAIT)
    page.goto(f"{stack.web}/trainer#session/{session['id']}")
    expect(page.get_by_role("heading", name="Draft policy and flaws")).to_be_visible(timeout=WAIT)
    clause = page.locator(".policy li.clause[data-clause=C7]")
    expect(clause).to_contain_text("escalation gap")
    expect(clause.locator(".badge")).to_have_text(["fixed", "agreed"])
    expect(page.locator(".policy li.clause[data-clause=C4] .badge")).to_have_text(["missed"])
    expect(page.locator("#score")).to_contain_text("Fixes agreed")
    assert page.locator("text=Missing from the register").count() == 0
    assert dialogs == []
    ctx.close()


def sign_in(page, stack, name="Tess Trainer"):
    page.goto(stack.web + "/trainer")
    page.get_by_label("Trainer token").fill(stack.token)
    page.get_by_label("Your name (for the audit trail)").fill(name)
    page.get_by_role("button", name="Sign in").click()


def test_trainer_reviews_overrides_and_exports(browser, stack, learner, tmp_path):
    name = learner["name"]
    ctx = browser.new_context(viewport={"width": 1360, "height": 1100}, accept_downloads=True)
    page = ctx.new_page()
    requests_seen: list[str] = []
    page.on("request", lambda r: requests_seen.append(r.url))
    page.goto(stack.web + "/trainer")
    expect(page.get_by_label("Trainer token")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)  # no data before sign-in
    sign_in(page, stack)
    expect(page.get_by_role("heading", name="Learners and sessions")).to_be_visible(timeout=WAIT)
    expect(page.locator("table").first).to_contain_text(name)
    screenshot(page, "trainer.png", full_page=True)

    # export sessions CSV (fetched with the token in the header, saved from a blob)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export sessions CSV").click()
    csv_path = tmp_path / "sessions.csv"
    dl.value.save_as(csv_path)
    exported = [r for r in csv.DictReader(csv_path.read_text().splitlines()) if r["learner_id"] == learner["id"]]
    assert [(r["display_name"], r["scenario"]) for r in exported] == [(name, "riverside-wms")]

    # open this learner's session: flaws marked, verdicts, transcript tagged
    row = page.locator("tr", has_text=name)
    row.get_by_role("link", name=f"Open session {learner['session']}", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("session"))).to_be_visible(timeout=WAIT)
    expect(page.locator("#score")).to_contain_text("1 of 7")
    expect(page.locator(".register")).to_contain_text("missed")
    expect(page.locator(".register")).to_contain_text("found")
    learner_line = page.locator(".line.learner", has_text="Can Callum really own")
    expect(learner_line.locator(".badge")).to_contain_text("hit")
    expect(page.locator(".line.pm").first).to_be_visible()

    # override the hit: the score follows and the audit trail keeps who, what and why
    page.locator("details.override summary").first.click()
    form = page.locator("details.override[open] form")
    form.get_by_label("New verdict").select_option("partial")
    form.get_by_label("Comment").fill("Right risk, but the reason given was not the authority gap.")
    form.get_by_role("button", name="Save override").click()
    expect(page.locator("#score")).to_contain_text("0 of 7", timeout=WAIT)
    expect(page.locator(".audit")).to_contain_text("Tess Trainer changed challenge")
    expect(page.locator(".audit")).to_contain_text("from hit to partial")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "session.png")

    with page.expect_download() as dl:
        page.get_by_role("button", name="Transcript CSV").click()
    assert "Can Callum really own" in Path(dl.value.path()).read_text()

    # the token never travelled in a URL
    assert requests_seen and not any(stack.token in u for u in requests_seen)
    ctx.close()


def test_learner_text_is_escaped_everywhere(browser, stack):
    name = unique(XSS)  # a learner of this test's own, whose name is script
    ctx = browser.new_context()
    page = ctx.new_page()
    dialogs: list = []
    watch_dialogs(page, dialogs)
    page.goto(stack.web + "/")
    expect(page.get_by_role("log")).to_contain_text("Pick a scenario", timeout=WAIT)
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(page.locator("#status")).to_contain_text(name)
    say(page, '/start_scenario{"scenario": "riverside-wms", "seed": 2}')
    expect(page.get_by_role("log").locator("table")).to_be_visible(timeout=WAIT)
    payload = '<img src=x onerror="alert(2)"> is R3 owned by the right person?'
    say(page, payload)
    expect(page.get_by_role("log").locator("article.learner").last).to_have_text(re.compile(re.escape(payload)))
    expect(page.get_by_role("log").locator("article.pm").last).to_be_visible(timeout=WAIT)
    assert page.locator("[role=log] img").count() == 0
    (session,) = stack.api(f"/api/learners/{learner_id(ctx)}/sessions").json()
    page.goto(stack.web + "/progress")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    sign_in(page, stack)
    expect(page.get_by_role("button", name=name, exact=True)).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=f"Sessions of {name}")).to_be_visible()
    page.locator("tr", has_text=name).get_by_role("link", name=f"Open session {session['id']}", exact=True).click()
    expect(page.locator(".line.learner", has_text="onerror")).to_be_visible(timeout=WAIT)
    expect(page.locator(".line.learner").first).to_contain_text(name)
    assert page.locator("main img").count() == 0
    assert dialogs == []
    ctx.close()


def test_no_trainer_data_without_the_token(browser, stack):
    for path in ("/api/learners", "/api/report", "/api/sessions/1/review", "/api/export/sessions.csv"):
        r = requests.get(stack.web + path, timeout=10)
        assert r.status_code == 401 and r.json()["error"]
        assert requests.get(stack.web + path, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    assert stack.api("/api/learners").status_code == 200  # the same request with the token does answer
    ctx = browser.new_context()
    page = ctx.new_page()
    response = page.goto(stack.web + "/api/learners")
    assert response.status == 401
    page.goto(stack.web + "/trainer")
    page.get_by_label("Trainer token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted")
    expect(page.get_by_role("table")).to_have_count(0)
    csp = requests.get(stack.web + "/", timeout=10).headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    ctx.close()


def test_a_trainer_publishes_their_own_register_after_reviewing_it(browser, stack, tmp_path):
    """Upload a register on the dashboard, untick a finding, add a missing risk, publish: the
    exercise is on the menu at once; then delete it. Takes the README's screenshot."""
    from test_import import as_csv, rows

    path = tmp_path / "card-payments.csv"
    path.write_bytes(as_csv(rows()))
    ctx = browser.new_context(viewport={"width": 1280, "height": 1200})
    page = ctx.new_page()
    sign_in(page, stack)
    expect(page.get_by_role("heading", name="Learners and sessions")).to_be_visible(timeout=WAIT)
    page.get_by_role("link", name="Your own registers").click()
    page.get_by_label("Register (CSV or Excel)").set_input_files(str(path))
    page.get_by_label("Title").fill("Card payments platform")
    page.get_by_label("Judge review dates by").fill("2026-11-02")
    scheme = tmp_path / "scheme.yml"
    scheme.write_text("name: Card payments 5 x 5\nprobability: 5\nimpact: 5\ntolerance: 15\n"
                      "escalation: Payments steering group within two working days\n")
    page.get_by_label("Your scoring scheme").set_input_files(str(scheme))
    page.get_by_role("button", name="Check the register").click()
    expect(page.get_by_role("heading", name="Review the answer key")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("status").first).to_contain_text("3 findings against Card payments 5 x 5")
    page.get_by_role("checkbox", name="R4 wrong owner").uncheck()
    page.get_by_label("Risks the register is missing").fill("card scheme outage on launch day")
    screenshot(page, "own-register.png", full_page=True)
    page.get_by_role("button", name="Publish to learners").click()
    expect(page.locator("text=Published as own-card-payments-platform-")).to_be_visible(timeout=WAIT)
    [own] = [s for s in stack.api("/api/scenarios").json() if s["title"] == "Card payments platform"]

    # a learner plays it at once in the web chat: the PM presents the team's own rows and concedes
    lctx, chat, dialogs = open_chat(browser, stack, unique("Priya Nair"))
    say(chat, f'/start_scenario{{"scenario": "{own["id"]}", "seed": 0}}')
    expect(chat.get_by_role("log").locator("table")).to_contain_text("Fraud rules not tuned for launch", timeout=WAIT)
    say(chat, "R2 is 2 x 3 = 6, but it's scored 8 on the register. Which is right?")
    expect(chat.get_by_role("log").locator("article.pm", has_text="2 x 3 is 6")).to_have_count(1, timeout=WAIT)
    screenshot(chat, "own-register-played.png")
    assert dialogs == []
    lctx.close()

    page.get_by_role("button", name="Delete Card payments platform").click()
    expect(page.get_by_role("button", name="Delete Card payments platform")).to_have_count(0, timeout=WAIT)
    assert own["id"] not in {s["id"] for s in stack.api("/api/scenarios").json()}
    ctx.close()
