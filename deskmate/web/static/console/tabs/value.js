// Knowledge console tab "Value": article value scores, sortable (kbinsight).
// Also defines window.DeskmateInsightKit, the small DOM kit the gaps and experts tabs use.
// Safety rule: server text reaches the page only through textContent, never as HTML.
(() => {
  "use strict";

  const kit = {
    el(tag, attrs = {}, ...children) {
      const node = document.createElement(tag);
      for (const [key, value] of Object.entries(attrs)) {
        if (key === "class") node.className = value;
        else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value);
      }
      for (const child of children.flat()) {
        if (child === null || child === undefined) continue;
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
      return node;
    },
    // The shell's api() takes fetch options; bodies are sent as JSON strings.
    send(api, path, method, data) {
      const options = { method };
      if (data !== undefined) {
        options.body = JSON.stringify(data);
        options.headers = { "Content-Type": "application/json" };
      }
      return api(path, options);
    },
    table(columns, rows) {
      return kit.el(
        "table",
        { class: "dm-table" },
        kit.el("thead", {}, kit.el("tr", {}, columns.map((c) => kit.el("th", {}, c)))),
        kit.el("tbody", {}, rows.map((cells) => kit.el("tr", {}, cells.map((c) => kit.el("td", {}, c))))),
      );
    },
    error(container, err) {
      container.append(kit.el("p", { class: "dm-error", role: "alert" }, String(err.message || err)));
    },
    pager(page, perPage, total, go) {
      const pages = Math.max(1, Math.ceil(total / perPage));
      return kit.el(
        "div",
        { class: "dm-pager" },
        kit.el("button", { type: "button", onclick: () => go(page - 1), ...(page <= 1 ? { disabled: "" } : {}) }, "Previous"),
        ` page ${page} of ${pages} (${total}) `,
        kit.el("button", { type: "button", onclick: () => go(page + 1), ...(page >= pages ? { disabled: "" } : {}) }, "Next"),
      );
    },
  };
  window.DeskmateInsightKit = kit;

  const SORTS = ["value", "votes", "shown", "tickets", "deflections"];
  const PER_PAGE = 25;

  function render(container, api) {
    const state = { sort: "value", order: "desc", page: 1 };
    const sortSelect = kit.el("select", { "aria-label": "Sort by" }, SORTS.map((s) => kit.el("option", { value: s }, s)));
    const orderSelect = kit.el(
      "select",
      { "aria-label": "Order" },
      kit.el("option", { value: "desc" }, "highest first"),
      kit.el("option", { value: "asc" }, "lowest first"),
    );
    const status = kit.el("span", { class: "dm-status", role: "status" });
    const body = kit.el("div");
    sortSelect.addEventListener("change", () => { state.sort = sortSelect.value; state.page = 1; load(); });
    orderSelect.addEventListener("change", () => { state.order = orderSelect.value; state.page = 1; load(); });
    const settle = kit.el("button", { type: "button", onclick: runSettle }, "Settle follow-ups now");
    container.replaceChildren(
      kit.el("h2", {}, "Article value"),
      kit.el(
        "p",
        { class: "dm-help" },
        "value = (2·helpful − 2·unhelpful + deflections − 1.5·tickets after) / (shown + 5), " +
          "minus 0.25 when the article is stale.",
      ),
      kit.el("div", { class: "dm-toolbar" }, "Sort ", sortSelect, " ", orderSelect, " ", settle, " ", status),
      body,
    );

    async function runSettle() {
      try {
        const r = await kit.send(api, "/api/v1/kb/searches/settle", "POST");
        status.textContent = `settled ${r.settled}: ${r.deflected} deflections, ${r.abandoned} abandoned`;
        load();
      } catch (err) {
        kit.error(body, err);
      }
    }

    async function load() {
      const query = new URLSearchParams({ sort: state.sort, order: state.order, page: state.page, per_page: PER_PAGE });
      try {
        const data = await api(`/api/v1/kb/articles/value?${query}`);
        const rows = data.items.map((a) => [
          kit.el("a", { href: `/kb/articles/${encodeURIComponent(a.article_id)}`, target: "_blank", rel: "noopener" }, a.title),
          a.category,
          a.language,
          a.value.toFixed(3),
          a.shown,
          a.answered,
          `${a.helpful} / ${a.unhelpful}`,
          a.deflections,
          a.tickets_after,
          a.stale ? "stale" : "",
        ]);
        body.replaceChildren(
          data.items.length
            ? kit.table(["Article", "Category", "Lang", "Value", "Shown", "Answered", "Helpful / not", "Deflections", "Tickets after", ""], rows)
            : kit.el("p", {}, "No article has been shown yet."),
          kit.pager(state.page, PER_PAGE, data.total, (p) => { state.page = p; load(); }),
        );
      } catch (err) {
        body.replaceChildren();
        kit.error(body, err);
      }
    }
    load();
  }

  window.DeskmateConsole.registerTab({ id: "value", title: "Value", render });
})();
