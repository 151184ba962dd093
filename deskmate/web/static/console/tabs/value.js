// Value tab: every article that has been shown, with its value score and the evidence behind
// it, sortable by value, votes, times shown, tickets after and deflections.
// Readers: knowledge managers, supervisors, admins (permission kb.value.read); settling the
// follow-ups now is for knowledge managers and admins (kb.searches.settle).
(function () {
  "use strict";

  var C = window.DeskmateConsole;
  var h = C.h;
  var READERS = ["knowledge_manager", "supervisor", "admin"];
  var SETTLERS = ["knowledge_manager", "admin"];
  var PER_PAGE = 25;
  // [label, sort key or null, numeric]
  var COLUMNS = [
    ["Article", null, false],
    ["Status", null, false],
    ["Value", "value", true],
    ["Shown", "shown", true],
    ["Answered", null, true],
    ["Helpful / not", "votes", true],
    ["Deflections", "deflections", true],
    ["Tickets after", "tickets", true],
  ];
  var state = { sort: "value", order: "desc", page: 1 };

  function render(container, api) {
    var summary = h("span", { class: "muted" });
    var note = h("span", { class: "muted", role: "status" });
    var errorBox = h("p", { class: "form-error", role: "alert", hidden: true });
    var head = h("tr");
    var body = h("tbody");
    var pager = h("div", { class: "pager" });
    var settle = C.can(SETTLERS)
      ? h("button", { type: "button", class: "button", onclick: runSettle }, "Settle follow-ups now")
      : null;

    container.appendChild(h("div", { class: "panel-head" }, h("h1", null, "Article value"), summary));
    container.appendChild(
      h("p", { class: "hint intro" },
        "value = (2·helpful − 2·unhelpful + deflections − 1.5·tickets after) ÷ (shown + 5), " +
        "minus 0.25 while the article is stale. A deflection is an answer that no ticket followed " +
        "within the follow-up window. Click a column to sort.")
    );
    container.appendChild(h("div", { class: "toolbar" }, settle, note));
    container.appendChild(errorBox);
    container.appendChild(
      h("div", { class: "table-wrap" }, h("table", { class: "grid", "aria-label": "Article value" }, h("thead", null, head), body))
    );
    container.appendChild(pager);

    function showError(err) {
      errorBox.textContent = err.detail || err.message;
      errorBox.hidden = false;
    }

    function sortBy(key) {
      if (state.sort === key) state.order = state.order === "desc" ? "asc" : "desc";
      else { state.sort = key; state.order = "desc"; }
      state.page = 1;
      load();
    }

    function drawHead() {
      head.textContent = "";
      COLUMNS.forEach(function (col) {
        var key = col[1];
        var active = key && state.sort === key;
        var label = col[0] + (active ? (state.order === "desc" ? " ↓" : " ↑") : "");
        head.appendChild(
          h("th", {
            class: col[2] ? "num" : null,
            "aria-sort": active ? (state.order === "desc" ? "descending" : "ascending") : null,
          },
          key ? h("button", { type: "button", class: "sort" + (active ? " active" : ""), "data-sort": key, onclick: function () { sortBy(key); } }, label) : label)
        );
      });
    }

    function runSettle() {
      settle.disabled = true;
      api("/api/v1/kb/searches/settle", { method: "POST" })
        .then(function (r) {
          note.textContent = "Settled " + r.settled + " searches: " + r.deflected + " deflections, " +
            r.tickets + " followed by a ticket, " + r.abandoned + " abandoned, " +
            r.stale_changed + " staleness changes.";
          load();
        })
        .catch(showError)
        .then(function () { settle.disabled = false; });
    }

    function load() {
      drawHead();
      errorBox.hidden = true;
      api("/api/v1/kb/articles/value", { query: { sort: state.sort, order: state.order, page: state.page, per_page: PER_PAGE } })
        .then(function (data) {
          body.textContent = "";
          summary.textContent = data.total + " article" + (data.total === 1 ? "" : "s") + " with figures";
          if (!data.items.length) {
            body.appendChild(h("tr", null, h("td", { colspan: String(COLUMNS.length), class: "empty" },
              "No article has been shown to anyone yet. Figures appear after the first searches.")));
          }
          data.items.forEach(function (a) {
            body.appendChild(h("tr", { "data-article": a.article_id },
              h("td", null,
                h("a", { href: "#articles/" + a.article_id, class: "title-link" }, a.title),
                h("div", { class: "muted small" }, a.category + " · " + a.language)),
              h("td", null, h("span", { class: "badge status-" + a.status }, a.status.replace("_", " ")),
                a.stale ? h("span", { class: "badge stale" }, "stale") : null),
              h("td", { class: "num " + (a.value > 0 ? "good" : a.value < 0 ? "bad" : "") }, a.value.toFixed(3)),
              h("td", { class: "num" }, a.shown),
              h("td", { class: "num" }, a.answered),
              h("td", { class: "num" }, a.helpful + " / " + a.unhelpful),
              h("td", { class: "num" }, a.deflections),
              h("td", { class: "num" }, a.tickets_after)));
          });
          C.pager(pager, state.page, data.total, data.per_page, function (p) { state.page = p; load(); });
        })
        .catch(function (err) {
          body.textContent = "";
          showError(err);
        });
    }
    load();
  }

  C.registerTab({ id: "value", title: "Value", roles: READERS, render: render });
})();
