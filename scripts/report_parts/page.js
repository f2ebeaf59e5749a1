"use strict";
// The matrix's filters, the two-interpreter view and the evidence panel.
// Without this script the page shows the complete table, every row.
(function () {
  const data = JSON.parse(document.getElementById("evidence-data").textContent);
  const table = document.getElementById("matrix");
  const rows = Array.from(table.querySelectorAll("tbody tr.clause"));
  const sectionRows = Array.from(table.querySelectorAll("tbody tr.section"));
  const controls = document.getElementById("controls");
  const field = (id) => document.getElementById(id);

  // The statuses of a row's cell on interpreter *name*: one per implementation.
  function statuses(row, name) {
    const cell = row.querySelector('td.c[data-n="' + CSS.escape(name) + '"]');
    return cell ? cell.dataset.st.split("|") : [];
  }

  // True when the row's cells differ between interpreters a and b
  // (an implementation not run on either side is not compared).
  function differsBetween(row, a, b, implIndex) {
    const sa = statuses(row, a), sb = statuses(row, b);
    return sa.some((status, i) => (implIndex < 0 || i === implIndex) &&
      status !== "not run" && sb[i] !== "not run" && status !== sb[i]);
  }

  function rowVisible(row, state) {
    const differs = row.dataset.differs ? row.dataset.differs.split(" ") : [];
    if (state.pair) {
      if (!differsBetween(row, state.a, state.b, state.implIndex)) return false;
    } else if (!state.all && !(state.impl ? differs.includes(state.impl) : differs.length)) {
      return false;
    }
    if (state.section && row.dataset.section !== state.section) return false;
    if (state.kind === "cpython-only" ? !row.dataset.cpythonOnly :
        state.kind && row.dataset.kind !== state.kind) return false;
    return !state.text || row.dataset.search.includes(state.text);
  }

  function readState() {
    const a = field("pick-a").value, b = field("pick-b").value, impl = field("impl").value;
    return {
      all: field("all-rows").checked, section: field("section").value, kind: field("kind").value,
      impl: impl, implIndex: impl ? data.implementations.indexOf(impl) : -1,
      text: field("text").value.trim().toLowerCase(), a: a, b: b, pair: Boolean(a && b && a !== b),
    };
  }

  // Show the columns of every interpreter, or of A and B alone; show the
  // glyphs of every implementation, or of the one picked.
  function showColumns(state) {
    table.querySelectorAll("[data-n]").forEach((cell) => {
      cell.hidden = state.pair && cell.dataset.n !== state.a && cell.dataset.n !== state.b;
    });
    table.querySelectorAll("td.c .st").forEach((glyph) => {
      glyph.hidden = Boolean(state.impl) && glyph.dataset.impl !== state.impl;
    });
  }

  function apply() {
    const state = readState();
    let shown = 0;
    rows.forEach((row) => {
      row.hidden = !rowVisible(row, state);
      if (!row.hidden) shown += 1;
    });
    sectionRows.forEach((header) => {
      let next = header.nextElementSibling, any = false;
      while (next && next.classList.contains("clause")) {
        any = any || !next.hidden;
        next = next.nextElementSibling;
      }
      header.hidden = !any;
    });
    showColumns(state);
    const what = state.pair ? "that differ between " + state.a + " and " + state.b :
      state.all ? "(all rows)" : "that differ somewhere";
    field("shown").textContent = shown + " of " + rows.length + " clauses shown, " + what + ".";
  }

  function item(parent, tag, text, className) {
    const element = document.createElement(tag);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    parent.appendChild(element);
    return element;
  }

  // The evidence of one cell: each implementation's status there and the
  // tests of the clause that ran, their outcomes, and pytest's message.
  function showEvidence(cell) {
    const row = cell.closest("tr"), clause = row.id, name = cell.dataset.n;
    const body = field("evidence-body");
    body.textContent = "";
    item(body, "h3", clause + " on " + name);
    const cellStatuses = cell.dataset.st.split("|");
    data.implementations.forEach((impl, i) => {
      item(body, "h4", impl + ": " + cellStatuses[i]);
      const list = item(body, "ul");
      data.tests.forEach((test, index) => {
        const outcome = data.outcomes[name][index];
        if (test[1] !== impl || !test[2].includes(clause) || outcome === null) return;
        const entry = item(list, "li");
        item(entry, "code", test[0]);
        item(entry, "span", " " + outcome, "outcome " + outcome);
        const message = (data.messages[name] || {})[index];
        if (message) item(entry, "pre", message);
      });
      if (!list.children.length) {
        item(list, "li", data.not_run[name][impl] || data.not_run_clauses[name][clause] || "no test ran");
      }
    });
    table.querySelectorAll("td.picked").forEach((other) => other.classList.remove("picked"));
    cell.classList.add("picked");
    field("evidence").hidden = false;
  }

  controls.hidden = false;
  controls.addEventListener("input", apply);
  controls.addEventListener("change", apply);
  controls.addEventListener("submit", (event) => event.preventDefault());
  table.addEventListener("click", (event) => {
    const cell = event.target.closest("td.c");
    if (cell) showEvidence(cell);
  });
  field("evidence-close").addEventListener("click", () => { field("evidence").hidden = true; });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") field("evidence").hidden = true;
  });
  apply();
})();
