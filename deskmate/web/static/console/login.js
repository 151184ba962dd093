// The console's sign-in form: POST /api/v1/auth/login sets the session cookie, then go on.
(function () {
  "use strict";

  function nextPath() {
    var next = new URLSearchParams(window.location.search).get("next") || "/console";
    // Only paths on this site: "/x" but not "//host" or "/\host".
    return /^\/(?![\/\\])/.test(next) ? next : "/console";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("login-form");
    var error = document.getElementById("login-error");
    var button = document.getElementById("login-button");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      var email = form.email.value.trim();
      var password = form.password.value;
      if (!email || !password) {
        error.textContent = "Enter your e-mail and password.";
        error.hidden = false;
        return;
      }
      button.disabled = true;
      fetch("/api/v1/auth/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ email: email, password: password }),
      })
        .then(function (response) {
          if (response.ok) {
            window.location.assign(nextPath());
            return null;
          }
          return response.json().then(function (body) {
            throw new Error((body && body.detail) || "Sign-in failed.");
          });
        })
        .catch(function (err) {
          error.textContent =
            err instanceof TypeError ? "The server cannot be reached. Try again." : err.message;
          error.hidden = false;
          form.password.select();
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  });
})();
