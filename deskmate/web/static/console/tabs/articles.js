// Articles tab: list/search/filter, the Markdown editor with live preview, lifecycle actions,
// version history with diffs and roll back.
(function () {
  "use strict";

  var C = window.DeskmateConsole;
  var h = C.h;
  var AUTHORS = ["agent", "expert", "knowledge_manager", "admin"];
  var PUBLISHERS = ["knowledge_manager", "admin"];
  var STATUSES = ["draft", "in_review", "published", "archived"];
  var BASE = "/api/v1/kb/articles";
  var filters = { q: "", status: "", language: "", category: "", stale: "", sort: "updated", page: 1 };

  function statusBadge(status) {
    return h("span", { class: "badge status-" + status }, status.replace("_", " "));
  }

  function field(label, input, hint) {
    return h("label", { class: "field" }, h("span", { class: "field-label" }, label), input, hint ? h("span", { class: "hint" }, hint) : null);
  }

  function select(name, options, value, label) {
    return h(
      "select",
      { name: name, "aria-label": label || name },
      options.map(function (option) {
        var pair = Array.isArray(option) ? option : [option, option];
        return h("option", { value: pair[0], selected: pair[0] === value ? true : null }, pair[1]);
      })
    );
  }

  function showError(err) {
    C.notify(err.detail || err.message, "error");
  }

  // ---------------------------------------------------------------- list
  function renderList(container, api) {
    var search = h("input", { type: "search", name: "q", placeholder: "Search title, body or id", value: filters.q, "aria-label": "Search articles" });
    var status = select("status", [["", "Any status"]].concat(STATUSES.map(function (s) { return [s, s.replace("_", " ")]; })), filters.status, "Status");
    var language = select("language", [["", "Any language"], ["en", "English"], ["zh", "中文"]], filters.language, "Language");
    var category = select("category", [["", "Any category"]], filters.category, "Category");
    var stale = select("stale", [["", "Fresh or stale"], ["true", "Stale only"], ["false", "Not stale"]], filters.stale, "Staleness");
    var sort = select("sort", [["updated", "Recently updated"], ["created", "Newest"], ["title", "Title"], ["review_by", "Review date"]], filters.sort, "Sort");
    var body = h("tbody");
    var summary = h("span", { class: "muted" });
    var pager = h("div", { class: "pager" });
    var toolbar = h(
      "form",
      { class: "toolbar", onsubmit: function (e) { e.preventDefault(); filters.page = 1; load(); } },
      search, status, language, category, stale, sort,
      h("button", { type: "submit", class: "button" }, "Search"),
      C.can(AUTHORS) ? h("button", { type: "button", class: "button primary", onclick: function () { C.open("articles", "new"); } }, "New article") : null
    );
    [status, language, category, stale, sort].forEach(function (el) {
      el.addEventListener("change", function () { filters.page = 1; load(); });
    });
    container.appendChild(h("div", { class: "panel-head" }, h("h1", null, "Articles"), summary));
    container.appendChild(toolbar);
    container.appendChild(
      h("div", { class: "table-wrap" },
        h("table", { class: "grid" },
          h("thead", null, h("tr", null, ["Title", "Status", "Lang", "Category", "Ver.", "Owner", "Review by", "Updated"].map(function (t) { return h("th", null, t); }))),
          body))
    );
    container.appendChild(pager);

    api("/api/v1/kb/categories").then(function (names) {
      names.forEach(function (name) {
        category.appendChild(h("option", { value: name, selected: name === filters.category ? true : null }, name));
      });
    }).catch(showError);

    function load() {
      filters.q = search.value.trim();
      filters.status = status.value;
      filters.language = language.value;
      filters.category = category.value;
      filters.stale = stale.value;
      filters.sort = sort.value;
      api(BASE, { query: Object.assign({ per_page: 20 }, filters) }).then(function (page) {
        body.textContent = "";
        if (!page.items.length) {
          body.appendChild(h("tr", null, h("td", { colspan: "8", class: "empty" }, "No articles match.")));
        }
        page.items.forEach(function (a) {
          body.appendChild(
            h("tr", { class: "row-link", "data-article": a.id, onclick: function () { C.open("articles", a.id); } },
              h("td", null, h("a", { href: "#articles/" + a.id, class: "title-link" }, a.title)),
              h("td", null, statusBadge(a.status), a.approved && a.status === "in_review" ? h("span", { class: "badge approved" }, "approved") : null),
              h("td", null, a.language),
              h("td", null, a.category),
              h("td", { class: "num" }, a.version),
              h("td", { class: "muted" }, a.owner || ""),
              h("td", null, C.formatDate(a.review_by), a.stale ? h("span", { class: "badge stale" }, "stale") : null),
              h("td", { class: "muted" }, C.formatDate(a.updated_at, true)))
          );
        });
        summary.textContent = page.total + " article" + (page.total === 1 ? "" : "s");
        C.pager(pager, filters.page, page.total, page.per_page, function (p) { filters.page = p; load(); });
      }).catch(showError);
    }
    load();
  }

  // ---------------------------------------------------------------- editor
  function renderEditor(container, api, id) {
    var isNew = id === "new";
    if (isNew) {
      draw({ status: "draft", version: 0, title: "", body: "", category: "", product: "", tags: [], language: "en", owner: "", review_by: null });
    } else {
      api(BASE + "/" + encodeURIComponent(id)).then(draw).catch(function (err) {
        container.appendChild(h("p", { class: "form-error" }, err.detail || err.message));
      });
    }

    function draw(article) {
      container.textContent = "";
      var editable = article.status === "draft" && C.can(AUTHORS);
      var inputs = {
        title: h("input", { name: "title", value: article.title, required: true, maxlength: "300" }),
        category: h("input", { name: "category", value: article.category, required: true, maxlength: "100" }),
        product: h("input", { name: "product", value: article.product || "", maxlength: "100" }),
        language: select("language", [["en", "English"], ["zh", "中文 (Simplified)"]], article.language, "Language"),
        tags: h("input", { name: "tags", value: (article.tags || []).join(", "), placeholder: "wifi, camera" }),
        owner: h("input", { name: "owner", value: article.owner || "", placeholder: "who keeps it current" }),
        review_by: h("input", { name: "review_by", type: "date", value: article.review_by || "" }),
        body: h("textarea", { name: "body", rows: "18", spellcheck: "true", "aria-label": "Body (Markdown)" }, article.body),
      };
      Object.keys(inputs).forEach(function (k) { inputs[k].disabled = !editable; });
      var preview = h("div", { class: "preview article-body", "aria-live": "polite" });
      var timer = null;
      function refreshPreview() {
        clearTimeout(timer);
        timer = setTimeout(function () {
          if (!inputs.body.value.trim()) { preview.textContent = ""; return; }
          api("/api/v1/kb/preview", { method: "POST", body: { body: inputs.body.value } })
            .then(function (r) { preview.innerHTML = r.html; }) // server-rendered, raw HTML escaped
            .catch(function () { preview.textContent = inputs.body.value; });
        }, 200);
      }
      inputs.body.addEventListener("input", refreshPreview);
      refreshPreview();

      function values() {
        return {
          title: inputs.title.value.trim(),
          category: inputs.category.value.trim(),
          product: inputs.product.value.trim() || null,
          language: inputs.language.value,
          tags: inputs.tags.value.split(/[;,]/).map(function (t) { return t.trim(); }).filter(Boolean),
          owner: inputs.owner.value.trim() || null,
          review_by: inputs.review_by.value || null,
          body: inputs.body.value,
        };
      }

      function act(path, body, message) {
        return api(BASE + "/" + article.id + path, { method: "POST", body: body })
          .then(function (updated) { C.notify(message); draw(updated); })
          .catch(showError);
      }

      function save() {
        var data = values();
        if (!data.title || !data.category || !data.body.trim()) {
          C.notify("Title, category and body are required.", "error");
          return Promise.reject(new Error("incomplete"));
        }
        if (isNew) {
          return api(BASE, { method: "POST", body: data }).then(function (created) {
            C.notify("Draft created.");
            isNew = false;
            C.open("articles", created.id);
            return created;
          });
        }
        data.version = article.version;
        return api(BASE + "/" + article.id, { method: "PATCH", body: data }).then(function (updated) {
          C.notify(updated.version === article.version ? "No changes to save." : "Saved as version " + updated.version + ".");
          draw(updated);
          return updated;
        });
      }

      var comment = h("input", { name: "comment", placeholder: "Comment for the history (required to reject)", class: "grow" });
      var when = h("input", { type: "datetime-local", name: "publish_at", "aria-label": "Publish at" });
      var actions = h("div", { class: "actions" });
      var s = article.status;
      var mine = !!C.me() && article.author === C.me().email;
      var selfReview = mine ? "You wrote this version: someone else must review it." : null;
      if (editable) {
        actions.appendChild(h("button", { class: "button", type: "button", onclick: function () { save().catch(function (e) { if (e.message !== "incomplete") showError(e); }); } }, isNew ? "Create draft" : "Save"));
        if (!isNew) {
          actions.appendChild(h("button", { class: "button primary", type: "button", onclick: function () {
            save().then(function () { return act("/submit", undefined, "Submitted for review."); }).catch(function (e) { if (e.message !== "incomplete") showError(e); });
          } }, "Submit for review"));
        }
      }
      if (s === "in_review" && !article.approved && C.can(AUTHORS)) {
        actions.appendChild(h("button", { class: "button primary", type: "button", disabled: mine, title: selfReview, onclick: function () { act("/approve", { comment: comment.value.trim() || null }, "Approved."); } }, "Approve"));
      }
      if (s === "in_review" && C.can(AUTHORS)) {
        actions.appendChild(h("button", { class: "button danger", type: "button", disabled: mine, title: selfReview, onclick: function () {
          if (!comment.value.trim()) { C.notify("Say why in the comment, so the author knows what to change.", "error"); comment.focus(); return; }
          act("/reject", { comment: comment.value.trim() }, "Sent back to the author.");
        } }, "Reject"));
      }
      if (s === "in_review" && article.approved && C.can(PUBLISHERS)) {
        actions.appendChild(h("button", { class: "button primary", type: "button", onclick: function () { act("/publish", undefined, "Published."); } }, "Publish now"));
        actions.appendChild(h("span", { class: "inline" }, when, h("button", { class: "button", type: "button", onclick: function () {
          if (!when.value) { C.notify("Pick the date and time to publish at.", "error"); return; }
          act("/schedule", { publish_at: new Date(when.value).toISOString() }, "Scheduled.");
        } }, "Schedule")));
      }
      if ((s === "published" || s === "draft") && !isNew && C.can(PUBLISHERS)) {
        actions.appendChild(h("button", { class: "button danger", type: "button", onclick: function () { act("/archive", undefined, "Archived: no longer served."); } }, "Archive"));
      }
      if ((s === "in_review" || s === "archived" || (s === "published" && C.can(PUBLISHERS))) && C.can(AUTHORS)) {
        actions.appendChild(h("button", { class: "button ghost", type: "button", onclick: function () { act("/reopen", { comment: comment.value.trim() || null }, "Back to draft."); } }, "Back to draft"));
      }
      if (s === "in_review" || s === "published" || s === "archived") actions.appendChild(comment);

      var meta = h("div", { class: "meta-line" },
        statusBadge(s),
        article.approved && s === "in_review" ? h("span", { class: "badge approved" }, "approved by " + article.approved_by) : null,
        article.stale ? h("span", { class: "badge stale" }, "stale: review was due " + C.formatDate(article.review_by)) : null,
        article.publish_at ? h("span", { class: "badge scheduled" }, "publishes " + C.formatDate(article.publish_at, true)) : null,
        isNew ? null : h("span", { class: "muted" }, "version " + article.version + (article.author ? " by " + article.author : "")),
        s === "published" ? h("a", { href: "/kb/articles/" + article.id, target: "_blank", rel: "noopener" }, "Public page ↗") : null
      );

      container.appendChild(h("div", { class: "panel-head" },
        h("a", { href: "#articles", class: "back" }, "← All articles"),
        h("h1", null, isNew ? "New article" : article.title)));
      container.appendChild(meta);
      if (!editable && !isNew && C.can(AUTHORS)) {
        container.appendChild(h("p", { class: "hint" }, "Only drafts can be edited: move it back to draft to change it."));
      }
      if (s === "in_review" && mine) container.appendChild(h("p", { class: "hint" }, selfReview + " Waiting for a reviewer."));
      container.appendChild(h("form", { class: "editor", onsubmit: function (e) { e.preventDefault(); } },
        h("div", { class: "editor-fields" },
          field("Title", inputs.title),
          h("div", { class: "field-grid" },
            field("Category", inputs.category),
            field("Product", inputs.product),
            field("Language", inputs.language),
            field("Tags", inputs.tags, "comma separated"),
            field("Owner", inputs.owner),
            field("Review by", inputs.review_by)),
          h("div", { class: "split" },
            h("div", { class: "split-pane" }, h("span", { class: "field-label" }, "Body (Markdown)"), inputs.body),
            h("div", { class: "split-pane" }, h("span", { class: "field-label" }, "Preview"), preview)))));
      container.appendChild(actions);
      if (!isNew) container.appendChild(history(api, article, draw));
    }
  }

  // ---------------------------------------------------------------- history
  function history(api, article, redraw) {
    var section = h("section", { class: "history" }, h("h2", null, "History"));
    var table = h("tbody");
    var diffBox = h("pre", { class: "diff", hidden: true, "aria-label": "Diff" });
    var events = h("ol", { class: "events" });
    var fromSel = select("from", [], "", "From version");
    var toSel = select("to", [], "", "To version");
    section.appendChild(h("div", { class: "history-grid" },
      h("div", null,
        h("table", { class: "grid compact" },
          h("thead", null, h("tr", null, h("th", null, "Version"), h("th", null, "Title"), h("th", null, "Author"), h("th", null, "Saved"), h("th", null, ""))),
          table),
        h("div", { class: "toolbar" }, h("span", null, "Compare"), fromSel, h("span", null, "with"), toSel,
          h("button", { class: "button", type: "button", onclick: showDiff }, "Show diff")),
        diffBox),
      h("div", null, h("h3", null, "Activity"), events)));

    function showDiff() {
      api(BASE + "/" + article.id + "/diff", { query: { from: fromSel.value, to: toSel.value } }).then(function (result) {
        diffBox.textContent = "";
        diffBox.hidden = false;
        if (!result.diff) { diffBox.appendChild(h("span", { class: "muted" }, "No differences.")); return; }
        result.diff.split("\n").forEach(function (line) {
          var kind = line.slice(0, 3) === "+++" || line.slice(0, 3) === "---" ? "file" : line[0] === "+" ? "add" : line[0] === "-" ? "del" : line.slice(0, 2) === "@@" ? "hunk" : "same";
          diffBox.appendChild(h("span", { class: "diff-" + kind }, line + "\n"));
        });
      }).catch(showError);
    }

    // The newest 100 versions (the API's largest page) are enough to compare and roll back.
    api(BASE + "/" + article.id + "/versions", { query: { per_page: 100 } }).then(function (result) {
      var versions = result.items;
      versions.forEach(function (v, i) {
        fromSel.appendChild(h("option", { value: v.version, selected: i === 1 ? true : null }, "v" + v.version));
        toSel.appendChild(h("option", { value: v.version, selected: i === 0 ? true : null }, "v" + v.version));
        var canRollBack = article.status === "published" && v.version < article.version && C.can(PUBLISHERS);
        table.appendChild(h("tr", null,
          h("td", { class: "num" }, "v" + v.version + (v.version === article.version ? " (current)" : "")),
          h("td", null, v.title),
          h("td", { class: "muted" }, v.author || ""),
          h("td", { class: "muted" }, C.formatDate(v.created_at, true)),
          h("td", null, canRollBack ? h("button", { class: "button ghost small", type: "button", onclick: function () {
            api(BASE + "/" + article.id + "/rollback", { method: "POST", body: { version: v.version } })
              .then(function (updated) { C.notify("Rolled back: version " + updated.version + " has the content of v" + v.version + "."); redraw(updated); })
              .catch(showError);
          } }, "Roll back to v" + v.version) : null)));
      });
      if (versions.length < 2) fromSel.disabled = toSel.disabled = true;
      if (result.total > versions.length) {
        table.appendChild(h("tr", null, h("td", { colspan: "5", class: "muted" }, "The newest " + versions.length + " of " + result.total + " versions.")));
      }
    }).catch(showError);

    api(BASE + "/" + article.id + "/events", { query: { sort: "-created", per_page: 100 } }).then(function (result) {
      result.items.forEach(function (e) {
        events.appendChild(h("li", null,
          h("strong", null, e.kind.replace("_", " ")), " · v" + e.version + " · ",
          h("span", { class: "muted" }, (e.actor || "system") + ", " + C.formatDate(e.created_at, true)),
          e.comment ? h("div", { class: "comment" }, e.comment) : null));
      });
      if (result.total > result.items.length) {
        events.appendChild(h("li", { class: "muted" }, "The latest " + result.items.length + " of " + result.total + " events."));
      }
    }).catch(showError);
    return section;
  }

  C.registerTab({
    id: "articles",
    title: "Articles",
    render: function (container, api, arg) {
      if (arg) renderEditor(container, api, arg);
      else renderList(container, api);
    },
  });
})();
