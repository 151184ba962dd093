// Gaps tab: questions the knowledge base did not answer well (no answer, a clarify, or an
// unhelpful vote), grouped by meaning and ranked by volume. A knowledge manager turns an open
// gap into a draft article assigned to an expert picked from the yellow pages; publishing that
// article closes the gap.
// Readers: knowledge managers, supervisors, admins (kb.gaps.read); grouping new questions and
// creating tasks: knowledge managers and admins (kb.gaps.manage).
(function () {
  "use strict";

  var C = window.DeskmateConsole;
  var h = C.h;
  var READERS = ["knowledge_manager", "supervisor", "admin"];
  var MANAGERS = ["knowledge_manager", "admin"];
  var PER_PAGE = 20;
  var state = { status: "open", page: 1 };

  function render(container, api) {
    var manage = C.can(MANAGERS);
    var experts = null; // everyone in the yellow pages, loaded once per render
    var summary = h("span", { class: "muted" });
    var note = h("span", { class: "muted", role: "status" });
    var errorBox = h("p", { class: "form-error", role: "alert", hidden: true });
    var list = h("div", { class: "gap-list" });
    var pager = h("div", { class: "pager" });
    var status = h("select", { "aria-label": "Gap status" },
      [["open", "Open"], ["tasked", "Being written"], ["closed", "Closed"]].map(function (pair) {
        return h("option", { value: pair[0], selected: pair[0] === state.status ? true : null }, pair[1]);
      }));
    status.addEventListener("change", function () { state.status = status.value; state.page = 1; load(); });
    var refresh = manage
      ? h("button", { type: "button", class: "button", onclick: runRefresh }, "Group new questions")
      : null;

    container.appendChild(h("div", { class: "panel-head" }, h("h1", null, "Knowledge gaps"), summary));
    container.appendChild(h("p", { class: "hint intro" },
      "Questions that got no answer, a clarifying question, or an unhelpful vote, grouped by " +
      "meaning (English and Chinese together) and ranked by how often they were asked."));
    container.appendChild(h("div", { class: "toolbar" }, status, refresh, note));
    container.appendChild(errorBox);
    container.appendChild(list);
    container.appendChild(pager);

    function showError(err) {
      errorBox.textContent = err.detail || err.message;
      errorBox.hidden = false;
    }

    function runRefresh() {
      refresh.disabled = true;
      errorBox.hidden = true;
      api("/api/v1/kb/gaps/refresh", { method: "POST" })
        .then(function (r) {
          note.textContent = r.queries + " new question" + (r.queries === 1 ? "" : "s") + " grouped: " +
            r.new_gaps + " new gap" + (r.new_gaps === 1 ? "" : "s") + ", " + r.grown_gaps + " grew.";
          load();
        })
        .catch(showError)
        .then(function () { refresh.disabled = false; });
    }

    function everyone() {
      if (experts) return Promise.resolve(experts);
      return api("/api/v1/experts", { query: { per_page: 100 } }).then(function (page) {
        experts = page.items;
        return experts;
      });
    }

    function taskResult(task) {
      return h("div", { class: "task-result" },
        h("strong", null, "Assigned to " + (task.expert_name || "nobody")),
        task.reasons.length ? h("ul", { class: "reasons" }, task.reasons.map(function (r) { return h("li", null, r); })) : null,
        task.article_id ? h("a", { href: "#articles/" + task.article_id, class: "button small" }, "Open the draft") : null);
    }

    // The assignment picker: the best matches for the gap's questions first (with reasons),
    // then everyone else in the yellow pages.
    function assign(gap, box) {
      // The same query and language rule the server uses when it picks the expert itself.
      var query = gap.examples.join(" ").slice(0, 500);
      var language = gap.languages.length === 1 ? gap.languages[0] : null;
      Promise.all([api("/api/v1/experts/search", { query: { q: query, k: 3, language: language } }), everyone()])
        .then(function (found) {
          var matches = found[0].results;
          var people = found[1];
          box.textContent = "";
          if (!people.length) {
            box.appendChild(h("p", { class: "hint" }, "Nobody is in the yellow pages yet: add experts before assigning gaps."));
            return;
          }
          var suggested = {};
          var picker = h("select", { "aria-label": "Expert for " + gap.label },
            h("optgroup", { label: "Best matches" }, matches.map(function (m) {
              suggested[m.expert_id] = m;
              return h("option", { value: m.expert_id }, m.name + " — " + m.score.toFixed(2));
            })),
            h("optgroup", { label: "Everyone" }, people.filter(function (e) { return !suggested[e.id]; }).map(function (e) {
              return h("option", { value: e.id }, e.name + (e.available ? "" : " (away)") + " — load " + e.load + "/" + e.capacity);
            })));
          var why = h("ul", { class: "reasons" });
          function explain() {
            why.textContent = "";
            var m = suggested[picker.value];
            (m ? m.reasons : ["picked by hand, not among the best matches"]).forEach(function (r) { why.appendChild(h("li", null, r)); });
          }
          picker.addEventListener("change", explain);
          explain();
          var button = h("button", { type: "button", class: "button primary", onclick: function () {
            button.disabled = true;
            api("/api/v1/kb/gaps/" + encodeURIComponent(gap.id) + "/task", { method: "POST", body: { expert_id: picker.value } })
              .then(function (task) {
                C.notify("Task created: " + (task.expert_name || "nobody") + " writes the draft.");
                box.textContent = "";
                box.appendChild(taskResult(task));
              })
              .catch(function (err) {
                button.disabled = false;
                box.appendChild(h("p", { class: "form-error", role: "alert" }, err.detail || err.message));
              });
          } }, "Turn into task");
          box.appendChild(h("div", { class: "assign" }, h("span", { class: "field-label" }, "Assign to"), picker, button));
          box.appendChild(why);
        })
        .catch(function (err) {
          box.textContent = "";
          box.appendChild(h("p", { class: "form-error", role: "alert" }, err.detail || err.message));
        });
    }

    function tasks(gap, box) {
      api("/api/v1/kb/gaps/" + encodeURIComponent(gap.id)).then(function (detail) {
        box.textContent = "";
        detail.tasks.forEach(function (task) { box.appendChild(taskResult(task)); });
        if (gap.closed_by_article_id) {
          box.appendChild(h("p", { class: "hint" }, "Closed " + C.formatDate(gap.closed_at, true) + " by ",
            h("a", { href: "#articles/" + gap.closed_by_article_id }, "the published article"), "."));
        }
      }).catch(function (err) {
        box.appendChild(h("p", { class: "form-error", role: "alert" }, err.detail || err.message));
      });
    }

    function card(gap, rank) {
      var side = h("div", { class: "gap-side" });
      if (gap.status === "open" && manage) assign(gap, side);
      else if (gap.status !== "open") tasks(gap, side);
      else side.appendChild(h("p", { class: "hint" }, "A knowledge manager turns gaps into writing tasks."));
      return h("article", { class: "gap-card", "data-gap": gap.id },
        h("div", { class: "gap-volume", title: "times asked" }, h("strong", null, gap.volume), h("span", null, "asked")),
        h("div", { class: "gap-main" },
          h("h2", null, "#" + rank + " " + gap.label),
          h("div", { class: "meta-line" },
            gap.languages.map(function (l) { return h("span", { class: "badge" }, l); }),
            h("span", { class: "muted" }, "first seen " + C.formatDate(gap.created_at, true))),
          h("ul", { class: "examples", "aria-label": "Example questions" }, gap.examples.map(function (x) { return h("li", null, x); }))),
        side);
    }

    function load() {
      errorBox.hidden = true;
      api("/api/v1/kb/gaps", { query: { status: state.status, page: state.page, per_page: PER_PAGE } })
        .then(function (data) {
          list.textContent = "";
          summary.textContent = data.total + " " + status.options[status.selectedIndex].text.toLowerCase();
          if (!data.items.length) {
            list.appendChild(h("p", { class: "empty" },
              state.status === "open"
                ? "No open gaps." + (manage ? " Use “Group new questions” to gather the latest unanswered ones." : "")
                : "No gaps here."));
          }
          data.items.forEach(function (gap, i) { list.appendChild(card(gap, (state.page - 1) * PER_PAGE + i + 1)); });
          C.pager(pager, state.page, data.total, data.per_page, function (p) { state.page = p; load(); });
        })
        .catch(function (err) {
          list.textContent = "";
          showError(err);
        });
    }
    load();
  }

  C.registerTab({ id: "gaps", title: "Gaps", roles: READERS, render: render });
})();
