// Review queue: articles waiting for review, oldest first, with approve / reject and publish.
(function () {
  "use strict";

  var C = window.DeskmateConsole;
  var h = C.h;
  var BASE = "/api/v1/kb/articles";
  var REVIEWERS = ["agent", "expert", "knowledge_manager", "admin"];
  var PUBLISHERS = ["knowledge_manager", "admin"];

  function card(api, article, reload) {
    var preview = h("div", { class: "preview article-body compact" });
    api("/api/v1/kb/preview", { method: "POST", body: { body: article.body } })
      .then(function (r) { preview.innerHTML = r.html; }) // server-rendered, raw HTML escaped
      .catch(function () { preview.textContent = article.body; });
    var comment = h("input", { name: "comment", class: "grow", placeholder: "Comment (required to reject)", "aria-label": "Review comment for " + article.title });
    var mine = C.me() && (article.author === C.me().email);

    function act(path, body, message) {
      api(BASE + "/" + article.id + path, { method: "POST", body: body })
        .then(function () { C.notify(message); reload(); })
        .catch(function (err) { C.notify(err.detail || err.message, "error"); });
    }

    var buttons = h("div", { class: "actions" });
    if (!article.approved && C.can(REVIEWERS)) {
      buttons.appendChild(comment);
      buttons.appendChild(h("button", { class: "button primary", type: "button", disabled: mine, title: mine ? "You wrote this version: someone else must review it." : null,
        onclick: function () { act("/approve", { comment: comment.value.trim() || null }, "Approved “" + article.title + "”."); } }, "Approve"));
      buttons.appendChild(h("button", { class: "button danger", type: "button", disabled: mine,
        onclick: function () {
          if (!comment.value.trim()) { C.notify("Say why in the comment, so the author knows what to change.", "error"); comment.focus(); return; }
          act("/reject", { comment: comment.value.trim() }, "Sent back to the author.");
        } }, "Reject"));
    }
    if (article.approved && C.can(PUBLISHERS)) {
      buttons.appendChild(h("button", { class: "button primary", type: "button", onclick: function () { act("/publish", undefined, "Published “" + article.title + "”."); } }, "Publish now"));
    }
    buttons.appendChild(h("a", { class: "button ghost", href: "#articles/" + article.id }, "Open, diff, schedule"));

    return h("article", { class: "review-card", "data-article": article.id },
      h("header", null,
        h("h2", null, article.title),
        h("div", { class: "meta-line" },
          h("span", { class: "badge" }, article.language),
          h("span", { class: "badge" }, article.category),
          article.approved ? h("span", { class: "badge approved" }, "approved by " + article.approved_by) : h("span", { class: "badge status-in_review" }, "waiting for review"),
          article.publish_at ? h("span", { class: "badge scheduled" }, "publishes " + C.formatDate(article.publish_at, true)) : null,
          h("span", { class: "muted" }, "v" + article.version + " by " + (article.author || "unknown") + " · " + C.formatDate(article.updated_at, true)))),
      mine ? h("p", { class: "hint" }, "You wrote this version, so another reviewer must approve it.") : null,
      preview,
      buttons);
  }

  C.registerTab({
    id: "review",
    title: "Review queue",
    render: function (container, api) {
      var list = h("div", { class: "review-list" });
      var count = h("span", { class: "muted" });
      container.appendChild(h("div", { class: "panel-head" }, h("h1", null, "Review queue"), count));
      container.appendChild(list);
      function reload() {
        api(BASE, { query: { status: "in_review", sort: "updated", per_page: 50 } }).then(function (page) {
          list.textContent = "";
          count.textContent = page.total + " waiting";
          if (!page.items.length) list.appendChild(h("p", { class: "empty" }, "Nothing waiting for review."));
          page.items.slice().reverse().forEach(function (a) { list.appendChild(card(api, a, reload)); });
        }).catch(function (err) { C.notify(err.detail || err.message, "error"); });
      }
      reload();
    },
  });
})();
