// Lumora Home customer chat (Deskmate). Plain browser JavaScript, no dependencies.
//
// Safety rule: text that comes from the server or the customer is only ever placed in the page
// through text nodes (createTextNode / textContent) and links whose href has been checked to be
// http(s). Nothing here writes HTML strings into the DOM.
(() => {
  "use strict";

  const API = "/api/v1/chat";
  const STORAGE_KEY = "deskmate.conversationId";
  const MAX_LENGTH = 4000;
  const COUNTER_FROM = 3500; // show the character counter once the text gets this long
  const REQUEST_TIMEOUT_MS = 30000;
  // A person who has taken the conversation answers out of band, and the assistant greets the
  // customer when the person hands back: pick those messages up every few seconds.
  const AGENT_POLL_MS = 3000;
  const CONVERSATION_ID = /^[A-Za-z0-9_.:-]{1,100}$/; // what the API accepts

  const els = {
    chat: document.getElementById("chat"),
    list: document.getElementById("messages"),
    welcome: document.getElementById("welcome"),
    typing: document.getElementById("typing"),
    form: document.getElementById("composer"),
    input: document.getElementById("message-input"),
    send: document.getElementById("send-button"),
    counter: document.getElementById("char-counter"),
    newConversation: document.getElementById("new-conversation"),
  };

  // Optional, set by the site that embeds the chat before this script runs, for a signed-in
  // customer: window.DeskmateChatConfig = { identity: { email, signature } } where signature is
  // hex(HMAC-SHA256(DESKMATE_WIDGET_IDENTITY_SECRET, lower-cased email)), computed on the site's
  // server. Without it (or with a bad signature) the visitor is simply not verified: the
  // assistant then never shows a customer's name or tickets.
  const config = (window.DeskmateChatConfig && typeof window.DeskmateChatConfig === "object")
    ? window.DeskmateChatConfig
    : {};
  const signedIdentity = validIdentity(config.identity);

  const numberFormat = new Intl.NumberFormat();
  const senderNames = { customer: "You", bot: "Lumora assistant", agent: "Support agent" };

  let conversationId = loadConversationId();
  let busy = false;
  let hasMessages = false;
  let historyToken = 0; // ignores history responses that belong to a conversation we left
  const seenAgentMessages = new Set();
  let pollCursor = null; // created_at of the newest message the page has seen from the server
  // Assistant replies shown from POST responses that a poll may return again (they carry no
  // timestamp in the response): each is skipped once when a poll brings it.
  let shownBotTexts = [];

  // ---- Conversation id ----------------------------------------------------------------------

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID only exists in secure contexts; plain-http deployments still need an id.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function storageGet() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch {
      return null; // storage disabled (private mode, blocked cookies): the chat still works
    }
  }

  function storageSet(value) {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch {
      /* see storageGet */
    }
  }

  function loadConversationId() {
    const stored = storageGet();
    if (stored && CONVERSATION_ID.test(stored)) {
      return stored;
    }
    const fresh = newUuid();
    storageSet(fresh);
    return fresh;
  }

  // ---- Safe rendering of the Markdown subset -----------------------------------------------

  // Order matters: a Markdown link is tried before a bare URL so its URL is not matched twice.
  const INLINE_PATTERN = new RegExp(
    [
      String.raw`\*\*(?<bold>[^*]+?)\*\*`,
      String.raw`\[(?<label>[^\]\n]+)\]\((?<href>https?:\/\/[^\s()]+(?:\([^\s()]*\)[^\s()]*)*)\)`,
      String.raw`(?<bare>https?:\/\/[^\s<>"'，。、；：！？）】」]+)`,
    ].join("|"),
    "gi",
  );
  const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/;

  function safeHttpUrl(raw) {
    try {
      const url = new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }

  function makeLink(href, label) {
    const a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = label;
    return a;
  }

  function appendInline(parent, text, allowBold = true) {
    let last = 0;
    INLINE_PATTERN.lastIndex = 0;
    const matches = Array.from(text.matchAll(INLINE_PATTERN));
    for (const match of matches) {
      const { bold, label, href, bare } = match.groups;
      let consumed = match[0];
      let node = null;

      if (bold !== undefined) {
        if (allowBold) {
          node = document.createElement("strong");
          appendInline(node, bold, false);
        }
      } else if (label !== undefined) {
        const url = safeHttpUrl(href);
        if (url) node = makeLink(url, label);
      } else if (bare !== undefined) {
        // "see https://x.example/a." — the full stop belongs to the sentence, not the URL.
        const trimmed = bare.replace(TRAILING_PUNCTUATION, "");
        const url = trimmed.length > "https://".length ? safeHttpUrl(trimmed) : null;
        if (url) {
          consumed = trimmed;
          node = makeLink(url, trimmed);
        }
      }

      if (!node) continue; // leave it as plain text
      if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
      parent.append(node);
      last = match.index + consumed.length;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  function appendLines(parent, text, appendLine) {
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    lines.forEach((line, i) => {
      if (i > 0) parent.append(document.createElement("br"));
      appendLine(parent, line);
    });
  }

  function renderRichText(parent, text) {
    appendLines(parent, text, (p, line) => appendInline(p, line));
  }

  function renderPlainText(parent, text) {
    appendLines(parent, text, (p, line) => p.append(document.createTextNode(line)));
  }

  // ---- Message list -------------------------------------------------------------------------

  function scrollToBottom() {
    els.chat.scrollTop = els.chat.scrollHeight;
  }

  function updateWelcome() {
    els.welcome.hidden = hasMessages;
  }

  function clearMessages() {
    els.list.replaceChildren();
    hasMessages = false;
    seenAgentMessages.clear();
    pollCursor = null;
    shownBotTexts = [];
    updateWelcome();
  }

  function addMessage({
    sender,
    text,
    buttons,
    createdAt,
    delivery,
    pending = false,
    animate = true,
  }) {
    const hasButtons = Array.isArray(buttons) && buttons.length > 0;
    if (!text && !hasButtons) return null; // e.g. an image-only reply this page cannot show
    const kind = sender === "customer" || sender === "agent" ? sender : "bot";
    const item = document.createElement("li");
    item.className = `message message-${kind}`;
    if (pending) item.classList.add("pending");
    if (animate) item.classList.add("arrived");

    if (kind === "agent") {
      const label = document.createElement("span");
      label.className = "message-label";
      label.textContent = senderNames.agent;
      label.setAttribute("aria-hidden", "true");
      item.append(label);
    }

    if (text) {
      const bubble = document.createElement("div");
      bubble.className = "bubble";
      const who = document.createElement("span");
      who.className = "visually-hidden";
      who.textContent = `${senderNames[kind]}: `;
      bubble.append(who);
      if (kind === "customer") {
        renderPlainText(bubble, text); // what the customer typed is shown as typed
      } else {
        renderRichText(bubble, text);
      }
      if (createdAt) {
        // The server keeps UTC; a timestamp without an offset is read as UTC, not local time.
        const hasZone = /(?:Z|[+-]\d\d:?\d\d)$/i.test(createdAt);
        const when = new Date(hasZone ? createdAt : `${createdAt}Z`);
        if (!Number.isNaN(when.getTime())) bubble.title = when.toLocaleString();
      }
      item.append(bubble);
    }

    if (hasButtons) item.append(buildButtons(buttons));

    if (kind === "customer" && delivery === "rejected") {
      // Refused at the edge (too long, too fast): kept on record but never answered.
      item.classList.add("not-sent");
      const status = document.createElement("span");
      status.className = "message-status";
      status.textContent = "Not sent";
      item.append(status);
    }

    els.list.append(item);
    hasMessages = true;
    updateWelcome();
    scrollToBottom();
    return item;
  }

  function addSystemNote(text, { error = false } = {}) {
    const item = document.createElement("li");
    item.className = error ? "system-note error" : "system-note";
    if (error) item.setAttribute("role", "alert");
    item.textContent = text;
    els.list.append(item);
    scrollToBottom();
    return item;
  }

  function clearErrorNotes() {
    for (const note of els.list.querySelectorAll(".system-note.error")) note.remove();
  }

  function buildButtons(buttons) {
    const group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    for (const spec of buttons) {
      if (!spec || typeof spec !== "object") continue;
      const title = String(spec.title ?? spec.payload ?? "");
      const payload = String(spec.payload ?? spec.title ?? "");
      if (!title || !payload) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "quick-reply";
      button.textContent = title;
      button.addEventListener("click", () => {
        if (busy || button.disabled) return;
        setGroupDisabled(group, true);
        button.classList.add("chosen");
        send({ apiText: payload, displayText: title, buttonGroup: group });
      });
      group.append(button);
    }
    return group;
  }

  function setGroupDisabled(group, disabled) {
    for (const button of group.querySelectorAll("button")) {
      button.disabled = disabled;
      if (!disabled) button.classList.remove("chosen");
    }
  }

  function retireOpenButtons() {
    // Once the conversation has moved on, older suggestions no longer apply.
    for (const group of els.list.querySelectorAll(".quick-replies")) {
      setGroupDisabled(group, true);
      group.dataset.used = "true";
    }
  }

  function setBusy(value) {
    busy = value;
    els.send.disabled = value;
    els.typing.hidden = !value;
    els.chat.setAttribute("aria-busy", String(value));
    if (value) scrollToBottom();
  }

  // ---- Signed identity ----------------------------------------------------------------------

  function validIdentity(identity) {
    if (!identity || typeof identity !== "object") return null;
    const { email, signature } = identity;
    if (typeof email !== "string" || typeof signature !== "string") return null;
    if (!/^[0-9a-fA-F]{64}$/.test(signature)) return null;
    return { email, signature };
  }

  // Resolves once the current conversation is linked (or refused); messages wait for it so the
  // first greeting already knows who the customer is.
  let identified = Promise.resolve();

  function identify() {
    if (!signedIdentity) return;
    const id = conversationId;
    identified = fetchJson(`${API}/identify`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ conversation_id: id, identity: signedIdentity }),
    })
      .then(({ ok, status, body }) => {
        if (!ok) console.warn("Deskmate: the signed identity was refused", status, body && body.detail);
      })
      .catch((error) => console.warn("Deskmate: could not send the signed identity", error));
  }

  // ---- Talking to the API -------------------------------------------------------------------

  async function fetchJson(url, options = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        ...options,
        headers: { Accept: "application/json", ...(options.headers || {}) },
        signal: controller.signal,
      });
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      return { status: response.status, ok: response.ok, body };
    } finally {
      clearTimeout(timer);
    }
  }

  function describeError(status, body) {
    const detail = body && body.detail;
    if (typeof detail === "string" && detail.trim()) return detail;
    if (Array.isArray(detail) && detail.length > 0 && detail[0] && detail[0].msg) {
      return String(detail[0].msg);
    }
    if (status === 413) {
      return `Your message is too long. Please keep it under ${numberFormat.format(MAX_LENGTH)} characters.`;
    }
    if (status === 429) return "You are sending messages very quickly. Please wait a moment.";
    if (status === 422 || status === 400) return "That message could not be sent. Please try again.";
    return "Something went wrong on our side. Please try again in a moment.";
  }

  async function send({ apiText, displayText, fromInput = false, buttonGroup = null }) {
    if (busy) return;
    clearErrorNotes();
    // A message the server is bound to refuse is not shown as sent; the server still decides.
    const bubble =
      displayText.length <= MAX_LENGTH
        ? addMessage({ sender: "customer", text: displayText, pending: true })
        : null;
    setBusy(true);

    let failure = null;
    try {
      await identified;
      const { ok, status, body } = await fetchJson(`${API}/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ conversation_id: conversationId, text: apiText }),
      });
      if (!ok || !body || !Array.isArray(body.messages)) {
        failure = describeError(status, body);
      } else {
        if (bubble) bubble.classList.remove("pending");
        else addMessage({ sender: "customer", text: displayText });
        retireOpenButtons();
        if (fromInput && els.input.value === apiText) {
          els.input.value = "";
          onInputChanged();
        }
        for (const message of onlyObjects(body.messages)) {
          addMessage({ sender: "bot", text: message.text, buttons: message.buttons });
          shownBotTexts.push(String(message.text || ""));
        }
      }
    } catch (error) {
      failure =
        error && error.name === "AbortError"
          ? "The assistant is taking too long to answer. Please try again."
          : "We could not reach Lumora support. Check your connection and try again.";
    } finally {
      setBusy(false);
    }

    if (failure) {
      if (bubble) bubble.remove();
      if (buttonGroup) setGroupDisabled(buttonGroup, false);
      hasMessages = els.list.querySelector(".message") !== null;
      updateWelcome();
      addSystemNote(failure, { error: true });
      if (fromInput) els.input.classList.add("invalid");
    }
    els.input.focus();
  }

  function onlyObjects(messages) {
    return messages.filter((message) => message && typeof message === "object");
  }

  function payloadTitles(buttons) {
    const titles = new Map();
    for (const spec of buttons || []) {
      if (spec && spec.payload && spec.title) titles.set(String(spec.payload), String(spec.title));
    }
    return titles;
  }

  function agentKey(message) {
    return `${message.created_at || ""}\u0000${message.text || ""}`;
  }

  function renderHistory(messages) {
    // Button clicks are stored as their payload ("/affirm"); show the title the customer saw.
    let offered = new Map();
    let lastCustomer = -1;
    messages.forEach((m, i) => {
      if (m.sender === "customer") lastCustomer = i;
    });
    messages.forEach((message, index) => {
      let text = message.text;
      if (message.sender === "customer") {
        if (offered.has(text)) text = offered.get(text);
        offered = new Map();
      } else if (Array.isArray(message.buttons) && message.buttons.length > 0) {
        offered = new Map([...offered, ...payloadTitles(message.buttons)]);
      }
      if (message.sender === "agent") seenAgentMessages.add(agentKey(message));
      if (message.created_at) pollCursor = message.created_at;
      const item = addMessage({
        sender: message.sender,
        text,
        buttons: message.buttons,
        createdAt: message.created_at,
        delivery: message.delivery,
        animate: false,
      });
      const group = item && item.querySelector(".quick-replies");
      if (group && index < lastCustomer) {
        // The customer has answered since: the suggestions are history, not choices.
        setGroupDisabled(group, true);
        group.dataset.used = "true";
        const reply = messages[nextCustomerIndex(messages, index)];
        if (reply) markChosen(group, reply.text, message.buttons);
      }
    });
  }

  function nextCustomerIndex(messages, from) {
    for (let i = from + 1; i < messages.length; i += 1) {
      if (messages[i].sender === "customer") return i;
    }
    return -1;
  }

  function markChosen(group, customerText, buttons) {
    const index = (buttons || []).findIndex(
      (b) => b && (b.payload === customerText || b.title === customerText),
    );
    const button = group.querySelectorAll("button")[index];
    if (index >= 0 && button) button.classList.add("chosen");
  }

  async function loadHistory() {
    const token = ++historyToken;
    try {
      const { ok, status, body } = await fetchJson(
        `${API}/conversations/${encodeURIComponent(conversationId)}/messages`,
      );
      if (token !== historyToken) return;
      if (status === 404) return; // nothing said yet
      if (!ok || !body || !Array.isArray(body.messages)) {
        addSystemNote("Earlier messages could not be loaded.", { error: true });
        return;
      }
      renderHistory(onlyObjects(body.messages));
    } catch {
      if (token === historyToken) {
        addSystemNote("Earlier messages could not be loaded.", { error: true });
      }
    }
  }

  async function pollForAgentReplies() {
    if (busy || !hasMessages || document.visibilityState !== "visible") return;
    const token = historyToken;
    const query = pollCursor ? `?after=${encodeURIComponent(pollCursor)}` : "";
    try {
      const { ok, body } = await fetchJson(
        `${API}/conversations/${encodeURIComponent(conversationId)}/messages${query}`,
      );
      if (!ok || token !== historyToken || busy || !body || !Array.isArray(body.messages)) return;
      for (const message of onlyObjects(body.messages)) {
        if (message.created_at) pollCursor = message.created_at;
        if (message.sender === "bot") {
          // Replies to the customer's own messages are on screen already; anything else (the
          // assistant taking over again after a person) is new.
          const shown = shownBotTexts.indexOf(String(message.text || ""));
          if (shown >= 0) {
            shownBotTexts.splice(shown, 1);
          } else {
            addMessage({
              sender: "bot",
              text: message.text,
              buttons: message.buttons,
              createdAt: message.created_at,
            });
          }
          continue;
        }
        if (message.sender !== "agent") continue;
        const key = agentKey(message);
        if (seenAgentMessages.has(key)) continue;
        seenAgentMessages.add(key);
        addMessage({ sender: "agent", text: message.text, createdAt: message.created_at });
      }
    } catch {
      /* polling is best effort; the next tick tries again */
    }
  }

  // ---- Composer -----------------------------------------------------------------------------

  function autoGrow() {
    els.input.style.height = "auto";
    els.input.style.height = `${els.input.scrollHeight + 3}px`;
  }

  function onInputChanged() {
    const length = els.input.value.length;
    const near = length >= COUNTER_FROM;
    els.counter.hidden = !near;
    if (near) {
      const over = length > MAX_LENGTH;
      els.counter.textContent = `${numberFormat.format(length)} / ${numberFormat.format(MAX_LENGTH)}${over ? " · too long" : ""}`;
      els.counter.classList.toggle("over", over);
    } else {
      els.counter.textContent = "";
    }
    els.input.classList.remove("invalid");
    autoGrow();
  }

  function submitInput() {
    const text = els.input.value;
    if (busy || text.trim() === "") {
      els.input.focus();
      return;
    }
    send({ apiText: text, displayText: text, fromInput: true });
  }

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitInput();
  });

  els.input.addEventListener("keydown", (event) => {
    // isComposing: Enter confirms a Chinese/Japanese IME candidate; it must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitInput();
    }
  });

  els.input.addEventListener("input", onInputChanged);

  els.newConversation.addEventListener("click", (event) => {
    event.preventDefault();
    if (busy) return;
    conversationId = newUuid();
    storageSet(conversationId);
    identify();
    historyToken += 1;
    clearMessages();
    els.input.value = "";
    onInputChanged();
    els.input.focus();
  });

  // ---- Start --------------------------------------------------------------------------------

  onInputChanged();
  identify();
  loadHistory().finally(() => {
    updateWelcome();
    scrollToBottom();
  });
  els.input.focus();
  setInterval(pollForAgentReplies, AGENT_POLL_MS);
})();
