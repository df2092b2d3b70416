/* The learner chat: talks only to this app (/chat/*), which relays to the tutor. */
"use strict";
(function () {
  const log = document.getElementById("transcript");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const status = document.getElementById("status");
  const quick = document.getElementById("quick");
  const nameForm = document.getElementById("name-form");
  const nameInput = document.getElementById("name");
  let busy = false;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function bubble(m) {
    const speaker = m.speaker === "pm" ? "pm" : m.speaker === "learner" ? "learner" : "tutor";
    const wide = m.kind === "register" || m.kind === "policy" || m.kind === "brief" || m.kind === "debrief";
    const row = el("article", { class: `msg ${speaker}${wide ? " wide" : ""}`, "data-speaker": speaker });
    const box = el("div", { class: "bubble" });
    if (speaker !== "learner") {
      const name = speaker === "pm" ? (m.name || "Project Manager") : "Tutor";
      row.append(el("div", { class: "avatar", "aria-hidden": "true", text: speaker === "pm" ? initials(name) : "T" }));
      box.append(el("p", { class: "who" }, name, el("span", { class: "role", text: speaker === "pm" ? (m.role || "Project Manager") : "your coach" })));
    } else {
      box.append(el("p", { class: "visually-hidden", text: "You:" }));
    }
    if (m.kind === "brief" || m.kind === "debrief") box.append(renderCard(m.text));
    else box.append(el("p", { class: "text", text: m.text }));
    if (m.kind === "register" && m.register) box.append(registerTable(m.register));
    if (m.kind === "policy" && m.policy) box.append(policyList(m.policy));
    if (m.buttons && m.buttons.length) {
      box.append(el("div", { class: "buttons", role: "group", "aria-label": "Choices" },
        m.buttons.map((b) => el("button", { type: "button", text: b.title, onclick: () => say(b.payload, b.title) }))));
    }
    row.append(box);
    return row;
  }

  function show(messages) {
    for (const m of messages) log.append(bubble(m));
    const last = messages[messages.length - 1];
    if (last && last.kind === "debrief") quick.hidden = true;
    scrollDown();
  }

  function welcome(scenarios, again) {
    const box = el("div", { class: "bubble" },
      el("p", { class: "who" }, "Tutor", el("span", { class: "role", text: "your coach" })),
      el("p", { class: "text", text: again
        ? "Ready for another round? Pick a scenario: each start gives you a fresh register."
        : "Welcome! You are the PMO. A Project Manager will walk you through their risk register, and your job is to find what's wrong and challenge it, well and politely. Pick a scenario to start." }),
      el("div", { class: "welcome-grid" }, scenarios.map((s) => el("section", { class: "scenario-card" },
        el("span", { class: "level", text: s.level }),
        el("h3", { text: s.title }),
        el("p", { text: s.summary }),
        el("div", {}, el("button", { type: "button", class: "btn small", text: `Start: ${s.title}`, onclick: () => say(s.payload, `Start: ${s.title}`) }))))));
    log.append(el("article", { class: "msg tutor wide" }, el("div", { class: "avatar", "aria-hidden": "true", text: "T" }), box));
    scrollDown();
  }

  async function post(url, body) {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin" });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
    return data;
  }

  // A message that got no answer keeps its id when it is sent again, so the tutor answers it
  // once even if the first attempt was recorded before the answer was lost.
  let unanswered = null;
  function messageId() {
    const bytes = crypto.getRandomValues(new Uint8Array(12));  // also on plain http, unlike randomUUID
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function say(text, shown) {
    text = (text || "").trim();
    if (!text || busy) return;
    const id = unanswered && unanswered.text === text ? unanswered.id : messageId();
    busy = true; send.disabled = true; log.setAttribute("aria-busy", "true");
    const typed = !shown;
    if (!shown && /^\/start_scenario/.test(text)) shown = "Start a scenario";
    const mine = bubble({ speaker: "learner", kind: "text", text: shown || text });
    log.append(mine);
    const typing = el("p", { class: "typing", text: "The tutor is thinking…" });
    log.append(typing); scrollDown();
    try {
      const data = await post("/chat/message", { message: text, message_id: id });
      unanswered = null;
      typing.remove();
      show(data.messages || []);
      if (/^\/start_scenario/.test(text)) quick.hidden = false;
      status.textContent = "Enter sends; Shift+Enter starts a new line.";
      status.classList.remove("error");
    } catch (e) {
      // Not recorded (the tutor is restarting, or can't save progress): the message leaves the
      // transcript and goes back into the box, ahead of anything typed since, to send again.
      unanswered = { text, id };
      typing.remove();
      mine.remove();
      status.textContent = `Not sent: ${e.message}. Your text is still in the box.`;
      status.classList.add("error");
      if (typed) { input.value = input.value.trim() ? `${text}\n${input.value}` : text; autosize(); }
    } finally {
      busy = false; send.disabled = false; log.removeAttribute("aria-busy");
      input.focus();
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = ""; autosize();
    say(text);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  function autosize() { input.style.height = "auto"; input.style.height = Math.min(input.scrollHeight + 2, 160) + "px"; }
  input.addEventListener("input", autosize);
  quick.addEventListener("click", (e) => { const b = e.target.closest("button[data-say]"); if (b) say(b.dataset.say, b.textContent); });

  nameForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const data = await post("/chat/name", { name: nameInput.value });
      nameInput.value = data.display_name;
      status.textContent = `Saved: you appear as ${data.display_name}.`;
      status.classList.remove("error");
    } catch (err) { status.textContent = err.message; status.classList.add("error"); }
  });

  async function resume() {
    try {
      const r = await fetch("/chat/history", { credentials: "same-origin" });
      const data = await r.json();
      if (data.display_name && !/^Web learner /.test(data.display_name)) nameInput.value = data.display_name;
      if (data.session) {
        show(data.messages);
        if (data.session.status === "active") quick.hidden = false;
        else welcome(data.scenarios, true);
      } else welcome(data.scenarios, false);
    } catch (e) {
      status.textContent = "Could not load your conversation; check the connection and reload.";
      status.classList.add("error");
    }
    scrollDown();
  }
  resume();
})();
