// The knowledge console shell: who is signed in, the tab bar, and a small API helper.
//
// Tabs live in tabs/*.js and call
//   window.DeskmateConsole.registerTab({id, title, roles?, render(container, api, arg)})
// `api(path, {method, body, query})` sends JSON with the session cookie and the CSRF header,
// returns the parsed JSON (null for 204) and throws an Error with .code/.detail/.status when the
// server answers {error, detail}. Tabs build their DOM with `h()`, never with innerHTML of data.
(function () {
  "use strict";

  var tabs = [];
  var state = { me: null, current: null };

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return "";
  }

  function toLogin() {
    window.location.assign("/login?next=" + encodeURIComponent("/console" + window.location.hash));
  }

  function api(path, options) {
    options = options || {};
    var method = (options.method || "GET").toUpperCase();
    var headers = { Accept: "application/json" };
    var body;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    if (method !== "GET" && method !== "HEAD") headers["X-Deskmate-CSRF"] = cookie("dm_csrf");
    var url = path;
    if (options.query) {
      var params = new URLSearchParams();
      Object.keys(options.query).forEach(function (key) {
        var value = options.query[key];
        if (value !== undefined && value !== null && value !== "") params.set(key, value);
      });
      var text = params.toString();
      if (text) url += (url.indexOf("?") >= 0 ? "&" : "?") + text;
    }
    return fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 204) return null;
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (response.ok) return data;
            if (response.status === 401 && path !== "/api/v1/auth/logout") toLogin();
            var detail = data && data.detail ? data.detail : "HTTP " + response.status;
            if (typeof detail !== "string") detail = JSON.stringify(detail);
            var error = new Error(detail);
            error.code = data && data.error ? data.error : "http_" + response.status;
            error.detail = detail;
            error.status = response.status;
            throw error;
          });
      });
  }

  // h("button", {class: "x", onclick: fn}, "text", child) — text is always set as text.
  function h(tag, attrs) {
    var node = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key.slice(0, 2) === "on" && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else if (key === "class") {
        node.className = value;
      } else if (key === "value" || key === "checked" || key === "disabled" || key === "hidden") {
        node[key] = value;
      } else {
        node.setAttribute(key, value === true ? "" : value);
      }
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(node, c);
      });
      return;
    }
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  var noticeTimer = null;
  function notify(message, kind) {
    var box = document.getElementById("notice");
    box.textContent = message;
    box.className = "notice " + (kind || "ok");
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () {
      box.hidden = true;
    }, kind === "error" ? 8000 : 3500);
  }

  function formatDate(value, withTime) {
    if (!value) return "";
    var date = new Date(value);
    if (isNaN(date.getTime())) return String(value);
    var iso = date.toISOString();
    if (!withTime) return iso.slice(0, 10);
    var pad = function (n) {
      return String(n).padStart(2, "0");
    };
    return (
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " +
      pad(date.getHours()) + ":" + pad(date.getMinutes())
    );
  }

  // Previous / "Page n of m" / Next into `box` (emptied first; nothing when one page is all).
  function pager(box, page, total, perPage, go) {
    var pages = Math.max(1, Math.ceil(total / perPage));
    box.textContent = "";
    if (pages <= 1) return;
    box.appendChild(h("button", { type: "button", class: "button ghost", disabled: page <= 1, onclick: function () { go(page - 1); } }, "← Previous"));
    box.appendChild(h("span", { class: "muted" }, "Page " + page + " of " + pages));
    box.appendChild(h("button", { type: "button", class: "button ghost", disabled: page >= pages, onclick: function () { go(page + 1); } }, "Next →"));
  }

  function visibleTabs() {
    return tabs.filter(function (tab) {
      return !tab.roles || (state.me && tab.roles.indexOf(state.me.role) >= 0);
    });
  }

  function renderNav() {
    var nav = document.getElementById("tabs");
    nav.textContent = "";
    visibleTabs().forEach(function (tab) {
      nav.appendChild(
        h(
          "a",
          {
            href: "#" + tab.id,
            class: "tab" + (state.current === tab.id ? " active" : ""),
            "aria-current": state.current === tab.id ? "page" : null,
            "data-tab": tab.id,
          },
          tab.title
        )
      );
    });
  }

  function route() {
    if (!state.me) return;
    var hash = window.location.hash.replace(/^#/, "");
    var slash = hash.indexOf("/");
    var id = slash >= 0 ? hash.slice(0, slash) : hash;
    var arg = slash >= 0 ? decodeURIComponent(hash.slice(slash + 1)) : null;
    var available = visibleTabs();
    var tab = available.filter(function (t) {
      return t.id === id;
    })[0] || available[0];
    if (!tab) return;
    state.current = tab.id;
    renderNav();
    var content = document.getElementById("content");
    content.textContent = "";
    var container = h("section", { class: "tab-panel", "data-tab-panel": tab.id });
    content.appendChild(container);
    try {
      tab.render(container, api, arg);
    } catch (err) {
      container.appendChild(h("p", { class: "form-error" }, "This tab failed: " + err.message));
    }
  }

  function open(id, arg) {
    var hash = "#" + id + (arg ? "/" + encodeURIComponent(arg) : "");
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  }

  window.DeskmateConsole = {
    registerTab: function (tab) {
      if (!tab || !tab.id || !tab.title || typeof tab.render !== "function") {
        throw new Error("registerTab needs {id, title, render(container, api)}");
      }
      tabs.push(tab);
      if (state.me) renderNav();
    },
    api: api,
    h: h,
    notify: notify,
    open: open,
    pager: pager,
    formatDate: formatDate,
    me: function () {
      return state.me;
    },
    can: function (roles) {
      return !!state.me && roles.indexOf(state.me.role) >= 0;
    },
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("logout").addEventListener("click", function () {
      api("/api/v1/auth/logout", { method: "POST" })
        .catch(function () {})
        .then(function () {
          window.location.assign("/login");
        });
    });
    window.addEventListener("hashchange", route);
    api("/api/v1/auth/me")
      .then(function (me) {
        state.me = me;
        document.getElementById("whoami").textContent =
          me.name + " · " + me.role.replace(/_/g, " ");
        route();
      })
      .catch(function (err) {
        if (err.status !== 401) notify(err.message, "error");
      });
  });
})();
