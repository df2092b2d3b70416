/* Shared helpers for the learner and trainer pages. Every piece of text goes into the page
   through textContent (el() below): learner text is never parsed as HTML. */
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function fmtDate(iso, withTime) {
  if (!iso) return "";
  const d = new Date(iso.length === 10 ? iso + "T00:00:00" : iso);
  if (isNaN(d)) return iso;
  const opts = { day: "numeric", month: "short", year: "numeric" };
  if (withTime) Object.assign(opts, { hour: "2-digit", minute: "2-digit" });
  return d.toLocaleString("en-GB", opts);
}

/* A brief or a debrief: the first line is the title, "Heading:" lines open a section,
   "- item" lines are list items, "Label: value" lines get a bold label. */
function renderCard(text) {
  const lines = text.split("\n");
  const card = el("div", { class: "card" }, el("h3", { text: lines[0] }));
  let list = null;
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    if (line.startsWith("- ")) {
      if (!list) { list = el("ul"); card.append(list); }
      list.append(el("li", { text: line.slice(2) }));
      continue;
    }
    list = null;
    const label = /^([A-Z][A-Za-z ]{1,24}):\s+(.+)$/.exec(line);
    if (/^[A-Z][A-Za-z ]{1,30}:$/.test(line)) card.append(el("h4", { text: line.slice(0, -1) }));
    else if (/^Risk tolerance:/.test(line)) card.append(el("p", { class: "note" }, el("strong", { text: "Risk tolerance: " }), line.replace(/^Risk tolerance:\s*/, "")));
    else if (label) card.append(el("p", {}, el("strong", { text: label[1] + ": " }), label[2]));
    else card.append(el("p", { text: line }));
  }
  return card;
}

/* A sortable table. columns: [{key, label, num, sortable, render(row) -> Node|string, cls}] */
function sortableTable(columns, rows, opts) {
  opts = opts || {};
  let sortKey = opts.sortKey || null, dir = opts.dir || "descending";
  const table = el("table");
  if (opts.caption) table.append(el("caption", { class: "visually-hidden", text: opts.caption }));
  const thead = el("thead"), tbody = el("tbody"), tr = el("tr");
  const ths = columns.map((c) => {
    const th = el("th", { scope: "col", class: c.num ? "num" : null });
    if (c.sortable === false) th.textContent = c.label;
    else {
      th.setAttribute("aria-sort", "none");
      th.append(el("button", { type: "button", class: "sort", text: c.label, onclick: () => {
        if (sortKey === c.key) dir = dir === "descending" ? "ascending" : "descending";
        else { sortKey = c.key; dir = c.num ? "descending" : "ascending"; }
        draw();
      } }));
    }
    tr.append(th);
    return th;
  });
  thead.append(tr);
  table.append(thead, tbody);
  function value(row, c) { return c.sortValue ? c.sortValue(row) : row[c.key]; }
  function draw() {
    const col = columns.find((c) => c.key === sortKey);
    const data = rows.slice();
    if (col) {
      data.sort((a, b) => {
        let x = value(a, col), y = value(b, col);
        if (x === null || x === undefined) x = col.num ? -Infinity : "";
        if (y === null || y === undefined) y = col.num ? -Infinity : "";
        const r = col.num ? x - y : String(x).localeCompare(String(y), "en", { numeric: true });
        return dir === "ascending" ? r : -r;
      });
    }
    columns.forEach((c, i) => { if (c.sortable !== false) ths[i].setAttribute("aria-sort", c.key === sortKey ? dir : "none"); });
    tbody.replaceChildren(...data.map((row) => el("tr", opts.rowAttrs ? opts.rowAttrs(row) : {}, ...columns.map((c) => {
      const v = c.render ? c.render(row) : row[c.key];
      return el("td", { class: [c.num ? "num" : "", c.cls || ""].join(" ").trim() || null }, v === null || v === undefined ? "" : v);
    }))));
    if (!data.length) tbody.append(el("tr", {}, el("td", { colspan: columns.length, class: "empty", text: opts.empty || "Nothing here yet." })));
  }
  draw();
  return table;
}

/* The risk register: a real table, sortable by score; nothing about flaws unless the trainer
   page passes a marker function. */
function registerTable(reg, marker) {
  const columns = [
    { key: "id", label: "ID", sortValue: (r) => parseInt(r.id.slice(1), 10), num: false, render: (r) => el("strong", { text: r.id }) },
    { key: "title", label: "Risk", cls: "risk", render: (r) => el("div", {}, el("strong", { text: r.title }), el("span", { text: r.description })) },
    { key: "category", label: "Category" },
    { key: "probability", label: "P", num: true },
    { key: "impact", label: "I", num: true },
    { key: "score", label: "Score", num: true, render: (r) => el("span", { class: "score-pill", text: r.score }) },
    { key: "owner", label: "Owner" },
    { key: "response", label: "Response", cls: "status" },
    { key: "actions", label: "Actions", cls: "actions", sortable: false },
    { key: "status", label: "Status", cls: "status" },
    { key: "last_reviewed", label: "Reviewed", render: (r) => fmtDate(r.last_reviewed) },
  ];
  // a portfolio register's rows come from several projects
  if ((reg.rows || []).some((r) => r.project)) columns.splice(1, 0, { key: "project", label: "Project", cls: "project" });
  if (marker) columns.splice(1, 0, { key: "flaws", label: "Flaws", sortable: false, render: marker });
  const table = sortableTable(columns, reg.rows || [], { caption: "Risk register", empty: "No rows." });
  const caption = el("figcaption", {},
    el("strong", { text: `${(reg.rows || []).length} risks` }),
    reg.as_of ? el("span", { text: `as of ${fmtDate(reg.as_of)}` }) : null,
    reg.tolerance ? el("span", { text: `escalate scores above ${reg.tolerance}` }) : null,
    el("span", { text: "Sort by a column heading; scroll sideways on a small screen." }));
  return el("figure", { class: "register" }, caption,
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Risk register table" }, table));
}

/* A draft policy: a compact card per clause (id, title, text), in a grid that becomes one column
   on a phone; the trainer page passes a marker function to show each clause's flaws. */
function policyList(policy, marker) {
  const clauses = policy.clauses || [];
  const caption = el("figcaption", {},
    el("strong", { text: `${clauses.length} clauses` }),
    policy.as_of ? el("span", { text: `as of ${fmtDate(policy.as_of)}` }) : null,
    marker ? null : el("span", { text: "Name a clause as C7, clause 7 or by its topic." }));
  const items = clauses.map((c) => el("li", { class: "clause", "data-clause": c.id },
    el("h4", {}, el("strong", { class: "cid", text: c.id }), " ", c.title),
    marker ? marker(c) : null,
    el("p", { text: c.text })));
  return el("figure", { class: "policy" }, caption,
    el("ol", { class: "clauses", "aria-label": policy.title || "Draft policy" }, items));
}

function initials(name) {
  const parts = (name || "").trim().split(/\s+/).filter(Boolean);
  return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

function badge(kind, text) { return el("span", { class: `badge b-${kind}`, text: text || kind.replace("_", " ") }); }
