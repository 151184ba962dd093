// Experts tab: the yellow pages. "Who knows X" (the same search ticket routing, gap tasks and
// the assistant use) with the reasons for each match, and everyone with their skills, products,
// languages, the customers they serve well, load and availability.
// Every signed-in role may search and read (experts.search, experts.read); marking someone
// available or away is for knowledge managers and admins (experts.write).
(function () {
  "use strict";

  var C = window.DeskmateConsole;
  var h = C.h;
  var EDITORS = ["knowledge_manager", "admin"];
  var PER_PAGE = 50;

  function chips(items, cls) {
    if (!items.length) return h("span", { class: "muted" }, "—");
    return items.map(function (x) { return h("span", { class: "chip " + (cls || "") }, x); });
  }

  function render(container, api) {
    var edit = C.can(EDITORS);
    var page = 1;
    var question = h("input", { type: "search", name: "q", class: "grow", maxlength: "500", "aria-label": "Who knows", placeholder: "Who knows… e.g. thermostat wiring, 门铃配对" });
    var language = h("select", { "aria-label": "Speaks" }, [["", "Any language"], ["en", "Speaks English"], ["zh", "Speaks Chinese"]].map(function (p) { return h("option", { value: p[0] }, p[1]); }));
    var tier = h("select", { "aria-label": "Customer tier" }, [["", "Any customer"], ["core", "Core customer"], ["potential", "Potential customer"], ["general", "General customer"]].map(function (p) { return h("option", { value: p[0] }, p[1]); }));
    var traits = h("input", { type: "text", name: "traits", class: "traits", maxlength: "200", "aria-label": "Customer needs", placeholder: "needs: banking, careful…", title: "What the customer needs, comma separated" });
    var results = h("div", { class: "match-list", "aria-live": "polite" });
    var listError = h("p", { class: "form-error", role: "alert", hidden: true });
    var body = h("tbody");
    var count = h("span", { class: "muted" });
    var pager = h("div", { class: "pager" });
    // Filters and order of the "Everyone" list (the list API's q, language, available and sort).
    var whoName = h("input", { type: "search", name: "name", maxlength: "200", "aria-label": "Name contains", placeholder: "Name…" });
    var whoLanguage = h("select", { "aria-label": "Everyone: language" }, [["", "Any language"], ["en", "Speaks English"], ["zh", "Speaks Chinese"]].map(function (p) { return h("option", { value: p[0] }, p[1]); }));
    var whoAvailable = h("select", { "aria-label": "Everyone: availability" }, [["", "Available or away"], ["true", "Available"], ["false", "Away"]].map(function (p) { return h("option", { value: p[0] }, p[1]); }));
    var whoSort = h("select", { "aria-label": "Everyone: order" }, [["name", "By name"], ["-capacity", "Most capacity"], ["load", "Least loaded"], ["-load", "Most loaded"]].map(function (p) { return h("option", { value: p[0] }, p[1]); }));
    var typing = null;
    var asked = 0;  // only the newest request fills the table (answers may arrive out of order)
    function refilter() { page = 1; load(); }
    whoName.addEventListener("input", function () { clearTimeout(typing); typing = setTimeout(refilter, 250); });
    [whoLanguage, whoAvailable, whoSort].forEach(function (el) { el.addEventListener("change", refilter); });

    container.appendChild(h("div", { class: "panel-head" }, h("h1", null, "Yellow pages"), count));
    container.appendChild(h("form", { class: "toolbar", role: "search", onsubmit: function (e) { e.preventDefault(); search(); } },
      question, language, tier, traits, h("button", { type: "submit", class: "button primary" }, "Find")));
    container.appendChild(results);
    container.appendChild(h("h2", { class: "section-title" }, "Everyone"));
    container.appendChild(h("div", { class: "toolbar" }, whoName, whoLanguage, whoAvailable, whoSort));
    container.appendChild(listError);
    container.appendChild(h("div", { class: "table-wrap" }, h("table", { class: "grid", "aria-label": "Experts" },
      h("thead", null, h("tr", null, ["Name", "Skills (level)", "Products", "Languages", "Serves well", "Load", "Availability"].map(function (t) { return h("th", { class: t === "Load" ? "num" : null }, t); }))),
      body)));
    container.appendChild(pager);

    function search() {
      var q = question.value.trim();
      results.textContent = "";
      if (!q) {
        results.appendChild(h("p", { class: "form-error", role: "alert" }, "Type what the person should know."));
        question.focus();
        return;
      }
      var query = new URLSearchParams({ q: q, k: "5" });
      if (language.value) query.set("language", language.value);
      if (tier.value) query.set("customer_tier", tier.value);
      traits.value.split(/[;,]/).map(function (t) { return t.trim(); }).filter(Boolean).slice(0, 10)
        .forEach(function (t) { query.append("trait", t); });
      results.appendChild(h("p", { class: "muted" }, "Searching…"));
      api("/api/v1/experts/search?" + query.toString())
        .then(function (data) {
          results.textContent = "";
          if (!data.results.length) {
            results.appendChild(h("p", { class: "empty" }, "Nobody is in the yellow pages yet."));
            return;
          }
          results.appendChild(h("h2", { class: "section-title" }, "Who knows “" + data.query + "”"));
          data.results.forEach(function (m, i) {
            results.appendChild(h("article", { class: "match-card" + (m.available ? "" : " away"), "data-expert": m.expert_id },
              h("div", { class: "match-rank" }, String(i + 1)),
              h("div", { class: "match-main" },
                h("div", { class: "match-name" }, h("strong", null, m.name), " ", h("span", { class: "muted" }, m.email)),
                h("ul", { class: "reasons" }, m.reasons.map(function (r) { return h("li", null, r); }))),
              h("div", { class: "match-score", title: "match score (0–1)" }, m.score.toFixed(2))));
          });
        })
        .catch(function (err) {
          results.textContent = "";
          results.appendChild(h("p", { class: "form-error", role: "alert" }, err.detail || err.message));
        });
    }

    function toggle(expert, button) {
      button.disabled = true;
      api("/api/v1/experts/" + encodeURIComponent(expert.id), { method: "PATCH", body: { available: !expert.available } })
        .then(function (updated) {
          C.notify(updated.name + " is " + (updated.available ? "available" : "away") + " now.");
          load();
        })
        .catch(function (err) {
          button.disabled = false;
          C.notify(err.detail || err.message, "error");
        });
    }

    function availability(e) {
      var label = e.available ? "available" : "away";
      if (!edit) return h("span", { class: "badge " + (e.available ? "on" : "off") }, label);
      var button = h("button", { type: "button", class: "button small toggle " + (e.available ? "on" : "off"), "aria-pressed": String(e.available), title: "Click to mark " + (e.available ? "away" : "available"), "aria-label": e.name + ": " + label });
      button.textContent = label;
      button.addEventListener("click", function () { toggle(e, button); });
      return button;
    }

    function load() {
      listError.hidden = true;
      var query = { page: page, per_page: PER_PAGE, sort: whoSort.value };
      if (whoName.value.trim()) query.q = whoName.value.trim();
      if (whoLanguage.value) query.language = whoLanguage.value;
      if (whoAvailable.value) query.available = whoAvailable.value;
      var mine = ++asked;
      api("/api/v1/experts", { query: query })
        .then(function (data) {
          if (mine !== asked) return;
          body.textContent = "";
          count.textContent = data.total + " " + (data.total === 1 ? "person" : "people");
          if (!data.items.length) {
            body.appendChild(h("tr", null, h("td", { colspan: "7", class: "empty" },
              query.q || query.language || query.available ? "Nobody matches these filters." :
                "Nobody is in the yellow pages yet." + (edit ? " Add people with POST /api/v1/experts." : ""))));
          }
          data.items.forEach(function (e) {
            var ratio = e.capacity ? e.load / e.capacity : 1;
            body.appendChild(h("tr", { "data-expert": e.id },
              h("td", null, h("strong", null, e.name), h("div", { class: "muted small" }, [e.email, e.department].filter(Boolean).join(" · "))),
              h("td", null, chips(e.skills.map(function (s) { return s.skill + " " + s.level; }), "skill")),
              h("td", null, chips(e.products)),
              h("td", null, chips(e.languages)),
              h("td", null, chips(e.customer_traits, "trait")),
              h("td", { class: "num" }, h("span", { class: "load" + (ratio >= 1 ? " full" : ratio >= 0.75 ? " busy" : "") }, e.load + " / " + e.capacity)),
              h("td", null, availability(e))));
          });
          C.pager(pager, page, data.total, data.per_page, function (p) { page = p; load(); });
        })
        .catch(function (err) {
          if (mine !== asked) return;
          body.textContent = "";
          listError.textContent = err.detail || err.message;
          listError.hidden = false;
        });
    }
    load();
  }

  C.registerTab({ id: "experts", title: "Experts", render: render });
})();
