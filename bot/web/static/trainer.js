/* The trainer dashboard. The token lives in sessionStorage and travels only in the
   Authorization header; downloads are fetched with it and saved from a blob. */
"use strict";
(function () {
  const KEY = "pmoTrainerToken", NAME = "pmoTrainerName";
  const view = document.getElementById("view");
  const filters = { scenario: "", level: "", from: "", to: "" };
  let meta = { scenarios: [], levels: [] };

  const token = () => sessionStorage.getItem(KEY);
  const trainer = () => sessionStorage.getItem(NAME) || "trainer";

  async function api(path, opts) {
    opts = opts || {};
    const headers = Object.assign({ Authorization: `Bearer ${token()}` }, opts.body ? { "Content-Type": "application/json" } : {});
    const r = await fetch(path, { method: opts.method || "GET", headers, body: opts.body ? JSON.stringify(opts.body) : undefined, cache: "no-store" });
    if (r.status === 401) { signOut("Your token was not accepted. Sign in again."); throw new Error("unauthorised"); }
    if (opts.raw) { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r; }
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
    return data;
  }

  async function download(path, filename) {
    const r = await api(path, { raw: true });
    const url = URL.createObjectURL(await r.blob());
    const a = el("a", { href: url, download: filename, hidden: true });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 2000);
  }

  function query(extra) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(Object.assign({}, filters, extra || {}))) if (v) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : "";
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    document.getElementById("app").hidden = true;
    document.getElementById("who").hidden = true;
    document.getElementById("signin").hidden = false;
    document.getElementById("signin-error").textContent = message || "";
    document.getElementById("token").focus();
  }

  document.getElementById("signin-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const t = document.getElementById("token").value.trim();
    const r = await fetch("/api/scenarios", { headers: { Authorization: `Bearer ${t}` }, cache: "no-store" });
    if (!r.ok) { document.getElementById("signin-error").textContent = "That token was not accepted."; return; }
    sessionStorage.setItem(KEY, t);
    sessionStorage.setItem(NAME, document.getElementById("trainer-name").value.trim() || "trainer");
    document.getElementById("token").value = "";
    start();
  });
  document.getElementById("signout").addEventListener("click", () => signOut("Signed out."));

  function start() {
    document.getElementById("signin").hidden = true;
    document.getElementById("app").hidden = false;
    document.getElementById("who").hidden = false;
    document.getElementById("who-name").textContent = `Signed in as ${trainer()}`;
    route();
  }

  function setTab(name) {
    for (const id of ["learners", "class", "registers"]) {
      const a = document.getElementById(`tab-${id}`);
      if (id === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
  }

  function route() {
    if (!token()) return signOut();
    const h = location.hash.replace(/^#/, "");
    const m = /^session\/(\d+)$/.exec(h);
    if (m) { setTab(null); return showSession(m[1]); }
    if (h === "class") { setTab("class"); return showClass(); }
    if (h === "registers") { setTab("registers"); return showRegisters(); }
    setTab("learners"); return showLearners();
  }
  window.addEventListener("hashchange", route);

  function filterBar(onChange) {
    const sel = (key, label, options) => el("label", {}, label, el("select", { onchange: (e) => { filters[key] = e.target.value; onChange(); } },
      el("option", { value: "", text: "All" }), options.map(([v, t]) => el("option", { value: v, text: t, selected: filters[key] === v }))));
    const date = (key, label) => el("label", {}, label, el("input", { type: "date", value: filters[key], onchange: (e) => { filters[key] = e.target.value; onChange(); } }));
    return el("div", { class: "filters panel", role: "group", "aria-label": "Filters" },
      sel("scenario", "Scenario", meta.scenarios.map((s) => [s.id, s.title])),
      sel("level", "Level", meta.levels.map((l) => [l, l])),
      date("from", "From"), date("to", "To"));
  }

  // -- the organisation's own registers as exercises -----------------------------------------
  const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

  async function upload(file, params) {
    const type = /\.xlsx$/i.test(file.name) ? XLSX : "text/csv";
    const r = await fetch(`/api/scenarios/import?${params}`, {
      method: "POST", headers: { Authorization: `Bearer ${token()}`, "Content-Type": type }, body: file, cache: "no-store" });
    if (r.status === 401) { signOut("Your token was not accepted. Sign in again."); throw new Error("unauthorised"); }
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
    return data;
  }

  async function showRegisters() {
    const status = el("p", { class: "msgline", role: "status" });
    const review = el("div");
    const file = el("input", { type: "file", id: "reg-file", accept: ".csv,.xlsx", required: true });
    const title = el("input", { type: "text", id: "reg-title", maxlength: "120", placeholder: "e.g. Card payments platform" });
    const today = el("input", { type: "date", id: "reg-today", value: new Date().toISOString().slice(0, 10) });
    const tolerance = el("input", { type: "number", id: "reg-tolerance", min: "1", max: "25", value: "15" });
    const schemeFile = el("input", { type: "file", id: "reg-scheme", accept: ".yml,.yaml,.txt" });
    let scheme = "";  // the organisation's scoring scheme (YAML), read when chosen
    schemeFile.addEventListener("change", async () => { scheme = schemeFile.files.length ? await schemeFile.files[0].text() : ""; });
    const params = (extra) => {
      const q = new URLSearchParams({ title: title.value.trim(), today: today.value, tolerance: tolerance.value });
      if (scheme.trim()) q.append("scheme", scheme);
      for (const [k, v] of extra || []) q.append(k, v);
      return q.toString();
    };
    const form = el("form", { class: "panel own-form", onsubmit: async (e) => {
      e.preventDefault();
      if (!file.files.length) { status.textContent = "Choose a register file (CSV or Excel) first."; return; }
      status.textContent = "Reading the register…";
      let data;
      try { data = await upload(file.files[0], params([["preview", "1"]])); } catch (err) { status.textContent = err.message; review.replaceChildren(); return; }
      status.textContent = `${data.rows.length} rows read; ${data.findings.length} findings against ${data.scheme}. Untick any that are not flaws, add what the linter can't see, then publish.`;
      drawReview(data);
    } },
      el("h2", { text: "Make an exercise from your own register" }),
      el("p", { class: "msgline", text: "Your learners challenge your own rows: the PM presents them as you keep them, concedes the flawed ones and defends the rest." }),
      el("label", {}, "Register (CSV or Excel)", file), el("label", {}, "Title", title),
      el("label", {}, "Judge review dates by", today), el("label", {}, "Tolerance (scores above it go to the board)", tolerance),
      el("label", {}, "Your scoring scheme (optional YAML: scales, RAG bands, tolerances by category, escalation route)", schemeFile),
      el("button", { class: "btn", type: "submit", text: "Check the register" }), status);

    function drawReview(data) {
      const boxes = data.findings.map((f) => el("input", { type: "checkbox", checked: true, value: f.key, "aria-label": `${f.risk_id}${f.other_risk_id ? "+" + f.other_risk_id : ""} ${f.type.replace(/_/g, " ")}` }));
      const underrated = el("input", { type: "text", id: "reg-underrated", placeholder: "e.g. R3, R7" });
      const missing = el("textarea", { id: "reg-missing", rows: "3", placeholder: "one per line, e.g. key supplier insolvency" });
      const done = el("p", { class: "msgline", role: "status" });
      review.replaceChildren(el("section", { class: "panel own-form", "aria-labelledby": "review-title" },
        el("h2", { id: "review-title", text: "Review the answer key" }),
        data.findings.length ? el("ul", { class: "findings" }, data.findings.map((f, i) => el("li", {},
          el("label", {}, boxes[i], el("strong", { text: ` ${f.risk_id}${f.other_risk_id ? " + " + f.other_risk_id : ""} ` }),
            badge(f.type), ` ${f.message}`)))) : el("p", { class: "empty", text: "The linter found nothing in this register." }),
        el("label", {}, "Rows rated too low for the facts (underrated)", underrated),
        el("label", {}, "Risks the register is missing", missing),
        el("button", { class: "btn", type: "button", text: "Publish to learners", onclick: async () => {
          const extra = boxes.filter((b) => !b.checked).map((b) => ["exclude", b.value]);
          if (underrated.value.trim()) extra.push(["underrated", underrated.value.trim()]);
          for (const m of missing.value.split("\n").map((x) => x.trim()).filter(Boolean)) extra.push(["missing", m]);
          done.textContent = "Publishing…";
          try {
            const r = await upload(file.files[0], params(extra));
            done.textContent = `Published as ${r.id}: your learners can choose it now, on the web and in Telegram.`;
            drawList();
          } catch (err) { done.textContent = err.message; }
        } }), done));
    }

    const list = el("div");
    async function drawList() {
      let all;
      try { all = await api("/api/scenarios"); } catch (e) { return; }
      const own = all.filter((s) => s.id.startsWith("own-"));
      list.replaceChildren(el("section", { class: "panel" }, el("h2", { text: "Published from your registers" }),
        own.length ? el("ul", {}, own.map((s) => el("li", {}, el("strong", { text: s.title }), ` (${s.id}) `,
          el("button", { type: "button", class: "btn small secondary", text: "Delete", "aria-label": `Delete ${s.title}`, onclick: async () => {
            try { await api(`/api/scenarios/${encodeURIComponent(s.id)}`, { method: "DELETE" }); } catch (err) { status.textContent = err.message; }
            drawList();
          } })))) : el("p", { class: "empty", text: "None yet." })));
    }
    view.replaceChildren(form, review, list);
    drawList();
  }

  // -- learners and sessions ----------------------------------------------------------------
  async function showLearners() {
    view.replaceChildren(el("p", { class: "empty", text: "Loading…" }));
    let data;
    try { data = await api(`/api/report${query()}`); } catch (e) { return failed(e); }
    meta = { scenarios: data.scenarios, levels: data.levels };
    const learnerTable = sortableTable([
      { key: "display_name", label: "Learner", render: (l) => el("button", { type: "button", class: "linkbtn", text: l.display_name, onclick: () => { filters.learner = l.id; drawSessions(); } }) },
      { key: "channel", label: "Channel" },
      { key: "sessions", label: "Sessions", num: true },
      { key: "flaws_found", label: "Flaws found", num: true, sortValue: (l) => l.flaws_total ? l.flaws_found / l.flaws_total : 0, render: (l) => `${l.flaws_found} / ${l.flaws_total}` },
      { key: "false_challenges", label: "False challenges", num: true },
      { key: "hints", label: "Hints", num: true },
      { key: "craft", label: "Craft", num: true, render: (l) => l.craft === null ? "–" : `${Math.round(l.craft * 100)}%` },
      { key: "percent", label: "Avg score", num: true, render: (l) => `${l.percent}%` },
      { key: "last_active", label: "Last active", render: (l) => fmtDate(l.last_active, true) },
    ], data.learners, { sortKey: "last_active", caption: "Learners", empty: "No learners match these filters." });
    const sessionsBox = el("div");
    function drawSessions() {
      const rows = filters.learner ? data.sessions.filter((s) => s.learner_id === filters.learner) : data.sessions;
      const who = filters.learner ? data.learners.find((l) => l.id === filters.learner) : null;
      sessionsBox.replaceChildren(
        el("div", { class: "toolbar" }, el("h2", { text: who ? `Sessions of ${who.display_name}` : "Sessions" }),
          who ? el("button", { type: "button", class: "btn small secondary", text: "Show all learners' sessions", onclick: () => { delete filters.learner; drawSessions(); } }) : null),
        el("div", { class: "table-wrap" }, sortableTable([
          { key: "id", label: "#", num: true },
          { key: "display_name", label: "Learner" },
          { key: "title", label: "Scenario", render: (s) => el("span", {}, s.title, " ", el("span", { class: "level", text: s.level })) },
          { key: "status", label: "Status", render: (s) => badge(s.status) },
          { key: "started_at", label: "Started", render: (s) => fmtDate(s.started_at, true) },
          { key: "found", label: "Found", num: true, render: (s) => `${s.found} / ${s.total}` },
          { key: "fixed", label: "Fixed", num: true },
          { key: "false_challenges", label: "False", num: true },
          { key: "hints", label: "Hints", num: true },
          { key: "percent", label: "Score", num: true, render: (s) => `${s.points} (${s.percent}%)` },
          { key: "open", label: "", sortable: false, render: (s) => el("a", { href: `#session/${s.id}`, text: "Open", "aria-label": `Open session ${s.id}` }) },
        ], rows, { sortKey: "id", caption: "Sessions", empty: "No sessions match these filters." })));
    }
    drawSessions();
    const teams = data.teams && data.teams.length ? [el("h2", { text: "Teams" }), el("div", { class: "table-wrap" }, sortableTable([
      { key: "id", label: "Group" },
      { key: "members", label: "Members", sortable: false, render: (t) => t.members.join(", ") },
      { key: "sessions", label: "Sessions", num: true },
      { key: "flaws_found", label: "Flaws found", num: true, render: (t) => `${t.flaws_found} / ${t.flaws_total}` },
      { key: "percent", label: "Avg score", num: true, render: (t) => `${t.percent}%` },
      { key: "last_active", label: "Last active", render: (t) => fmtDate(t.last_active, true) },
    ], data.teams, { caption: "Teams" }))] : [];
    view.replaceChildren(
      el("h1", { text: "Learners and sessions" }),
      filterBar(showLearners),
      el("div", { class: "toolbar" }, el("span", { class: "spacer" }),
        el("button", { type: "button", class: "btn small secondary", text: "Export sessions CSV", onclick: () => download(`/api/export/sessions.csv${query()}`, "sessions.csv") }),
        el("button", { type: "button", class: "btn small secondary", text: "Export challenges CSV", onclick: () => download(`/api/export/challenges.csv${query()}`, "challenges.csv") })),
      el("h2", { text: "Learners" }), el("div", { class: "table-wrap" }, learnerTable), ...teams, sessionsBox);
  }

  // -- one session ------------------------------------------------------------------------------
  async function showSession(id) {
    view.replaceChildren(el("p", { class: "empty", text: "Loading…" }));
    let d;
    try { d = await api(`/api/sessions/${id}/review`); } catch (e) { return failed(e); }
    drawSession(d);
  }

  function drawSession(d) {
    const sc = d.score;
    const policy = Array.isArray(d.clauses);  // a manager-level draft policy: flaws sit on clauses
    const flawsByItem = {};
    for (const f of d.flaws) for (const id of [f.clause_id, f.risk_id, f.other_risk_id]) if (id) (flawsByItem[id] = flawsByItem[id] || []).push(f);
    // manager level: a fixed flaw's objection round ends agreed (or not yet)
    const agreed = new Set(d.challenges.filter((c) => c.verdict === "agreed").map((c) => c.flaw_id));
    const mark = (f) => !f.fixed ? badge(f.found ? "found" : "missed")
      : agreed.has(f.id) ? [badge("fixed"), " ", badge("agreed")] : badge("fixed");
    const marker = (r) => el("div", { class: "flawcell" }, (flawsByItem[r.id] || []).map((f) => el("span", {}, `${f.label} `, mark(f))));
    const offRegister = d.flaws.filter((f) => !f.risk_id && !f.clause_id);
    const flawOptions = d.flaws.map((f) => [f.id, `${f.id}: ${f.label}${f.clause_id || f.risk_id ? ` (${f.clause_id || f.risk_id})` : ""}`]);
    const challenges = sortableTable([
      { key: "at", label: "When", render: (c) => fmtDate(c.at, true) },
      { key: "text", label: "Learner said", cls: "risk" },
      { key: "risk_id", label: policy ? "Clause" : "Risk" },
      { key: "flaw_type", label: "Flaw type", render: (c) => c.flaw_type ? c.flaw_type.replace(/_/g, " ") : "" },
      { key: "verdict", label: "Verdict", render: (c) => el("span", {}, badge(c.verdict), c.overridden ? [" ", badge("overridden", `was ${c.original_verdict.replace("_", " ")}`)] : []) },
      { key: "override", label: "Override", sortable: false, render: (c) => overrideForm(d, c, flawOptions) },
    ], d.challenges, { caption: "Challenges and verdicts", empty: "No challenges in this session." });
    const transcript = el("div", { class: "transcript" }, d.transcript.map((line) => {
      const who = line.speaker === "learner" ? (line.display_name || "Learner") : line.speaker === "pm" ? "Project Manager" : "Tutor";
      return el("div", { class: `line ${line.speaker}`, "data-speaker": line.speaker },
        el("div", { class: "meta" }, el("strong", { text: who }), el("span", { text: fmtDate(line.at, true) }),
          (line.verdicts || []).map((t) => badge(t.verdict, `${t.verdict.replace("_", " ")}${t.risk_id ? " · " + t.risk_id : ""}`))),
        line.text.length > 500 && line.speaker !== "learner"
          ? el("details", {}, el("summary", { text: line.text.split("\n", 1)[0] }), el("p", { class: "text", text: line.text }))
          : el("p", { class: "text", text: line.text }));
    }));
    const audit = d.overrides.length ? el("ul", { class: "audit" }, d.overrides.map((o) => el("li", {},
      `${fmtDate(o.at, true)}: ${o.trainer} changed challenge ${o.challenge_id} from ${o.previous_verdict} to ${o.verdict}: “${o.comment}”`)))
      : el("p", { class: "empty", text: "No verdict has been overridden." });
    view.replaceChildren(
      el("p", {}, el("a", { href: "#learners", text: "← Learners and sessions" })),
      el("h1", { text: `${d.title}: session ${d.id}` }),
      el("p", { class: "msgline" }, `Learner ${d.display_name} · seed ${d.seed} · started ${fmtDate(d.started_at, true)} · `, badge(d.status)),
      el("div", { class: "tiles", id: "score" },
        [["Score", `${sc.points} / ${sc.max_points} (${sc.percent}%)`], ["Flaws found", `${sc.found} of ${sc.total}`], ["Fixed", sc.fixed],
         sc.objections ? ["Fixes agreed", sc.agreed || 0] : null,
         ["False challenges", sc.false_challenges], ["Hints", sc.hints], ["Craft", `${Math.round(sc.craft * 100)}%`]].filter(Boolean).map(([k, v]) =>
          el("div", { class: "tile" }, el("div", { class: "k", text: k }), el("div", { class: "v", text: v })))),
      el("div", { class: "toolbar" }, el("span", { class: "spacer" }),
        el("button", { type: "button", class: "btn small secondary", text: "Transcript CSV", onclick: () => download(`/api/sessions/${d.id}/transcript.csv`, `session-${d.id}-transcript.csv`) }),
        el("button", { type: "button", class: "btn small secondary", text: "Printable transcript", onclick: () => download(`/api/sessions/${d.id}/transcript.html`, `session-${d.id}-transcript.html`) })),
      el("h2", { text: "Challenges and verdicts" }), el("div", { class: "table-wrap" }, challenges),
      el("h2", { text: "Audit trail" }), audit,
      el("h2", { text: policy ? "Draft policy and flaws" : "Register and flaws" }),
      policy ? policyList({ clauses: d.clauses }, marker) : null,
      !policy || d.register.length ? registerTable({ rows: d.register, tolerance: d.tolerance }, marker) : null,
      offRegister.length ? el("div", { class: "panel" }, el("strong", { text: "Missing from the register: " }),
        offRegister.map((f) => el("span", {}, `${f.topic} `, mark(f), " "))) : null,
      el("h2", { text: "Transcript" }), transcript);
  }

  function overrideForm(d, c, flawOptions) {
    const verdict = el("select", { "aria-label": "New verdict" }, d.verdicts.map((v) => el("option", { value: v, text: v.replace("_", " "), selected: v === c.verdict })));
    const flaw = el("select", { "aria-label": "Flaw" }, el("option", { value: "", text: c.flaw_id ? `keep ${c.flaw_id}` : "no flaw" }),
      flawOptions.map(([v, t]) => el("option", { value: v, text: t })));
    const comment = el("textarea", { "aria-label": "Comment", required: true, maxlength: 2000, placeholder: "Why the verdict changes" });
    const err = el("p", { class: "error", role: "alert" });
    const form = el("form", { onsubmit: async (e) => {
      e.preventDefault();
      try {
        const next = await api(`/api/challenges/${c.id}/override`, { method: "POST", body: { verdict: verdict.value, flaw_id: flaw.value || null, comment: comment.value, trainer: trainer() } });
        drawSession(next);
        const s = document.getElementById("score"); if (s) s.scrollIntoView({ block: "center" });
      } catch (ex) { err.textContent = ex.message; }
    } }, verdict, flaw, comment, el("button", { type: "submit", class: "btn small", text: "Save override" }), err);
    return el("details", { class: "override" }, el("summary", { text: "Override", "aria-label": `Override verdict of challenge ${c.id}` }), form);
  }

  // -- class view -------------------------------------------------------------------------------
  async function showClass() {
    view.replaceChildren(el("p", { class: "empty", text: "Loading…" }));
    let d;
    try {
      if (!meta.scenarios.length) { const r = await api("/api/report"); meta = { scenarios: r.scenarios, levels: r.levels }; }
      d = await api(`/api/class${query()}`);
    } catch (e) { return failed(e); }
    const svg = (text) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      return el("div", { class: "chart" }, document.importNode(doc.documentElement, true));
    };
    view.replaceChildren(
      el("h1", { text: "Class view" }),
      filterBar(showClass),
      el("p", { class: "msgline", text: `${d.finished_sessions} finished session(s) in this selection. The chart shows the share of seeded flaws of each type that learners missed.` }),
      el("div", { class: "two-col" }, svg(d.missed_svg), svg(d.progress_svg)),
      el("h2", { text: "Flaw types" }),
      el("div", { class: "table-wrap" }, sortableTable([
        { key: "label", label: "Flaw type" },
        { key: "seeded", label: "Seeded", num: true },
        { key: "missed", label: "Missed", num: true },
        { key: "rate", label: "Missed %", num: true, render: (t) => t.rate === null ? "–" : `${Math.round(t.rate * 100)}%` },
      ], d.missed, { sortKey: "rate", caption: "Flaw types missed" })));
  }

  function failed(e) {
    if (e.message !== "unauthorised") view.replaceChildren(el("p", { class: "error", role: "alert", text: `Could not load: ${e.message}` }));
  }

  if (token()) start(); else signOut();
})();
