// Knowledge console tab "Experts": the yellow pages, "who knows X", availability (kbinsight).
// Uses window.DeskmateInsightKit from value.js. Server text only through textContent.
(() => {
  "use strict";

  function render(container, api) {
    const kit = window.DeskmateInsightKit;
    const question = kit.el("input", { type: "search", placeholder: "Who knows… (e.g. thermostat wiring)", "aria-label": "Who knows", maxlength: "500" });
    const language = kit.el("select", { "aria-label": "Language" }, ["", "en", "zh"].map((l) => kit.el("option", { value: l }, l || "any language")));
    const tier = kit.el("select", { "aria-label": "Customer tier" }, ["", "core", "potential", "general"].map((t) => kit.el("option", { value: t }, t || "any customer")));
    const traits = kit.el("input", { type: "text", placeholder: "needs, e.g. banking, careful", "aria-label": "Customer needs", maxlength: "200" });
    const results = kit.el("div", { "aria-live": "polite" });
    const list = kit.el("div");
    const form = kit.el("form", { class: "dm-toolbar", onsubmit: (e) => { e.preventDefault(); search(); } }, question, " ", language, " ", tier, " ", traits, " ", kit.el("button", { type: "submit" }, "Search"));
    container.replaceChildren(kit.el("h2", {}, "Yellow pages"), form, results, kit.el("h3", {}, "Everyone"), list);

    async function search() {
      const q = question.value.trim();
      if (!q) return;
      const params = new URLSearchParams({ q, k: 5 });
      if (language.value) params.set("language", language.value);
      if (tier.value) params.set("customer_tier", tier.value);
      for (const trait of traits.value.split(",").map((t) => t.trim()).filter(Boolean).slice(0, 10)) {
        params.append("trait", trait);
      }
      try {
        const data = await api(`/api/v1/experts/search?${params}`);
        results.replaceChildren(
          data.results.length
            ? kit.table(["Who", "Score", "Why"], data.results.map((m) => [
                kit.el("span", {}, m.name, kit.el("br"), kit.el("small", {}, m.email)),
                m.score.toFixed(3),
                kit.el("ul", {}, m.reasons.map((r) => kit.el("li", {}, r))),
              ]))
            : kit.el("p", {}, "Nobody in the yellow pages yet."),
        );
      } catch (err) {
        results.replaceChildren();
        kit.error(results, err);
      }
    }

    async function toggle(expert) {
      try {
        await kit.send(api, `/api/v1/experts/${encodeURIComponent(expert.id)}`, "PATCH", { available: !expert.available });
        load();
      } catch (err) {
        kit.error(list, err);
      }
    }

    async function load() {
      try {
        const data = await api("/api/v1/experts?per_page=100");
        list.replaceChildren(
          kit.table(
            ["Name", "Department", "Skills", "Products", "Languages", "Serves", "Load", "Available"],
            data.items.map((e) => [
              e.name,
              e.department || "",
              e.skills.map((s) => `${s.skill} ${s.level}`).join(", "),
              e.products.join(", "),
              e.languages.join(", "),
              e.customer_traits.join(", "),
              `${e.load}/${e.capacity}`,
              kit.el("button", { type: "button", onclick: () => toggle(e), "aria-pressed": String(e.available) }, e.available ? "available" : "away"),
            ]),
          ),
        );
      } catch (err) {
        list.replaceChildren();
        kit.error(list, err);
      }
    }
    load();
  }

  window.DeskmateConsole.registerTab({ id: "experts", title: "Experts", render });
})();
