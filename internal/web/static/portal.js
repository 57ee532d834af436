// The portal's only script, an enhancement: every page works without it.
// Tables marked data-sortable get sort buttons in the headers of their
// columns marked data-sort ("text", "num" or "date"); a click sorts the rows
// shown, a second click reverses them, and aria-sort tells assistive
// technology the order.
"use strict";
document.querySelectorAll("table[data-sortable]").forEach((table) => {
  const body = table.tBodies[0];
  if (!body) return;
  table.querySelectorAll("th[data-sort]").forEach((th) => {
    const col = th.cellIndex;
    const kind = th.dataset.sort;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      const up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[aria-sort]").forEach((o) => o.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      const key = (row) => {
        const cell = row.cells[col];
        const v = (cell.dataset.value || cell.textContent).trim();
        return kind === "num" ? Number(v) : v;
      };
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return up ? c : -c;
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
});
