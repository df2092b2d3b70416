/* Check my register: upload a CSV/XLSX to /check/register and show the findings with a challenge
   for each, grouped by risk. */
"use strict";
(function () {
  const form = document.getElementById("check-form");
  const result = document.getElementById("result");
  const button = document.getElementById("check");
  document.getElementById("today").value = new Date().toISOString().slice(0, 10);

  function show(...nodes) { result.replaceChildren(...nodes); }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    show(el("p", { class: "msgline", text: "Checking…" }));
    let data;
    try {
      const r = await fetch("/check/register", { method: "POST", body: new FormData(form), credentials: "same-origin" });
      data = await r.json();
      if (!r.ok) { show(el("p", { class: "error", role: "alert", text: data.error || "The register could not be checked." })); return; }
    } catch (err) {
      show(el("p", { class: "error", role: "alert", text: "The tutor could not be reached. Try again in a moment." }));
      return;
    } finally {
      button.disabled = false;
    }
    render(data);
  });

  function render(data) {
    const n = data.findings.length;
    const summary = el("p", { class: "summary" },
      el("strong", { text: `${n} finding${n === 1 ? "" : "s"}` }),
      ` on ${data.rows_with_findings} of ${data.rows} risks in ${data.file} (judged against ${data.scheme}; reviews as of ${fmtDate(data.today)}).`);
    const context = el("p", { class: "msgline", text:
      "A register alone can't show ratings played down against the facts, owners without the authority to act, or risks missing altogether: those need the project's context. Practise them in the role-play." });
    if (!n) {
      show(el("div", { class: "panel" }, summary, el("p", { text: "Nothing a register check can see. Well kept." }), context));
      return;
    }
    const table = sortableTable([
      { key: "risk_id", label: "Risk", render: (f) => el("span", {}, el("strong", { text: f.other_risk_id ? `${f.risk_id} + ${f.other_risk_id}` : f.risk_id }), f.title ? el("div", { class: "msgline", text: f.title }) : "") },
      { key: "label", label: "What's wrong", render: (f) => badge("practise", f.label) },
      { key: "message", label: "Finding" },
      { key: "challenge", label: "A challenge to put to the risk owner", render: (f) => el("span", {}, `“${f.challenge}”`, el("details", {}, el("summary", { text: "Why it matters" }), el("p", { text: f.why }))) },
    ], data.findings, { caption: "Findings, with a challenge for each" });
    show(el("div", { class: "panel" }, summary, context), el("div", { class: "table-wrap" }, table));
  }
})();
