// Knowledge console tab "Gaps": unanswered question clusters, turned into writing tasks (kbinsight).
// Uses window.DeskmateInsightKit from value.js. Server text only through textContent.
(() => {
  "use strict";

  const PER_PAGE = 20;

  function render(container, api) {
    const kit = window.DeskmateInsightKit;
    const state = { status: "open", page: 1 };
    let experts = [];
    const statusSelect = kit.el(
      "select",
      { "aria-label": "Status" },
      ["open", "tasked", "closed"].map((s) => kit.el("option", { value: s }, s)),
    );
    statusSelect.addEventListener("change", () => { state.status = statusSelect.value; state.page = 1; load(); });
    const note = kit.el("span", { class: "dm-status", role: "status" });
    const body = kit.el("div");
    container.replaceChildren(
      kit.el("h2", {}, "Knowledge gaps"),
      kit.el("p", { class: "dm-help" }, "Questions that got no answer, a clarify, or an unhelpful vote, grouped by meaning and ranked by volume."),
      kit.el("div", { class: "dm-toolbar" }, "Show ", statusSelect, " ", kit.el("button", { type: "button", onclick: refresh }, "Group new questions"), " ", note),
      body,
    );

    async function refresh() {
      try {
        const r = await kit.send(api, "/api/v1/kb/gaps/refresh", "POST");
        note.textContent = `${r.queries} new questions: ${r.new_gaps} new gaps, ${r.grown_gaps} gaps grew`;
        load();
      } catch (err) {
        kit.error(body, err);
      }
    }

    async function createTask(gap, select, cell) {
      const payload = select.value ? { expert_id: select.value } : {};
      try {
        const task = await kit.send(api, `/api/v1/kb/gaps/${encodeURIComponent(gap.id)}/task`, "POST", payload);
        cell.replaceChildren(
          kit.el("strong", {}, `Assigned to ${task.expert_name || "nobody"}`),
          kit.el("ul", {}, task.reasons.map((r) => kit.el("li", {}, r))),
          kit.el("span", {}, `Draft article ${task.article_id}`),
        );
      } catch (err) {
        kit.error(cell, err);
      }
    }

    function taskCell(gap) {
      const cell = kit.el("div");
      if (gap.status !== "open") return cell;
      const select = kit.el(
        "select",
        { "aria-label": "Expert" },
        kit.el("option", { value: "" }, "best match from the yellow pages"),
        experts.map((e) => kit.el("option", { value: e.id }, `${e.name} (load ${e.load}/${e.capacity})`)),
      );
      cell.append(select, " ", kit.el("button", { type: "button", onclick: () => createTask(gap, select, cell) }, "Create writing task"));
      return cell;
    }

    async function load() {
      const query = new URLSearchParams({ status: state.status, page: state.page, per_page: PER_PAGE });
      try {
        const [data, people] = await Promise.all([
          api(`/api/v1/kb/gaps?${query}`),
          experts.length ? Promise.resolve({ items: experts }) : api("/api/v1/experts?per_page=100"),
        ]);
        experts = people.items;
        const rows = data.items.map((g) => [
          g.volume,
          kit.el("div", {}, kit.el("strong", {}, g.label), kit.el("ul", {}, g.examples.map((x) => kit.el("li", {}, x)))),
          g.languages.join(", "),
          g.status,
          taskCell(g),
        ]);
        body.replaceChildren(
          data.items.length ? kit.table(["Volume", "Questions", "Lang", "Status", "Task"], rows) : kit.el("p", {}, `No ${state.status} gaps.`),
          kit.pager(state.page, PER_PAGE, data.total, (p) => { state.page = p; load(); }),
        );
      } catch (err) {
        body.replaceChildren();
        kit.error(body, err);
      }
    }
    load();
  }

  window.DeskmateConsole.registerTab({ id: "gaps", title: "Gaps", render });
})();
