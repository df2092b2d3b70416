/* The learner's own progress: sessions, scores, flaw types mastered (from /chat/progress). */
"use strict";
(async function () {
  const content = document.getElementById("content");
  let data;
  try {
    const r = await fetch("/chat/progress", { credentials: "same-origin" });
    data = await r.json();
    if (!r.ok) throw new Error(data.error || r.status);
  } catch (e) {
    content.replaceChildren(el("p", { class: "error", text: "Could not load your progress. Reload to try again." }));
    return;
  }
  if (data.display_name) document.getElementById("title").textContent = `My progress: ${data.display_name}`;
  const sessions = data.sessions || [];
  if (!sessions.length) {
    content.replaceChildren(el("div", { class: "panel" }, el("p", {}, "No sessions yet. ", el("a", { href: "/", text: "Start a role-play" }), " and your scores will appear here.")));
    return;
  }
  const finished = sessions.filter((s) => s.status === "finished");
  const best = finished.length ? Math.max(...finished.map((s) => s.percent)) : null;
  const tiles = el("div", { class: "tiles" },
    [["Sessions", sessions.length], ["Finished", finished.length], ["Best score", best === null ? "–" : `${best}%`],
     ["Flaw types mastered", `${data.mastered} of ${data.of_types}`]].map(([k, v]) =>
      el("div", { class: "tile" }, el("div", { class: "k", text: k }), el("div", { class: "v", text: v }))));
  const table = sortableTable([
    { key: "started_at", label: "Started", render: (s) => fmtDate(s.started_at, true) },
    { key: "scenario", label: "Scenario", render: (s) => el("span", {}, s.scenario, " ", el("span", { class: "level", text: s.level })) },
    { key: "status", label: "Status", render: (s) => badge(s.status) },
    { key: "found", label: "Flaws found", num: true, render: (s) => `${s.found} of ${s.total}` },
    { key: "fixed", label: "Fixed", num: true },
    { key: "false_challenges", label: "False challenges", num: true },
    { key: "hints", label: "Hints", num: true },
    { key: "percent", label: "Score", num: true, render: (s) => `${s.points} / ${s.max_points} (${s.percent}%)` },
  ], sessions, { sortKey: "started_at", dir: "descending", caption: "My sessions" });
  const types = sortableTable([
    { key: "label", label: "Flaw type" },
    { key: "found", label: "Found", num: true },
    { key: "missed", label: "Missed", num: true },
    { key: "status", label: "Status", render: (t) => badge(t.status) },
  ], data.flaw_types || [], { caption: "Flaw types", empty: "Finish a session to see which flaw types you have mastered." });
  content.replaceChildren(tiles,
    el("h2", { text: "Sessions" }), el("div", { class: "table-wrap" }, table),
    el("h2", { text: "Flaw types" }),
    el("p", { class: "msgline", text: "Mastered: found at least twice as often as missed. Flaws of an unfinished session count once you find them." }),
    el("div", { class: "table-wrap" }, types));
})();
