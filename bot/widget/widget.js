/* Power Balance Guide chat widget: one dependency-free file.
 *
 * Embed: <script src=".../widget.js" data-server="https://bot.example.org"
 *          data-region="GB" data-exit-url="https://www.bbc.co.uk/weather"></script>
 *
 * Safety by design, because people in danger may use it on a phone their partner checks:
 * - nothing is stored: no cookies, localStorage, sessionStorage or IndexedDB; the sender id
 *   is random per page load, so a reload starts a fresh, unlinkable conversation;
 * - Quick exit (button, or Esc twice within 1 s) wipes the chat from the DOM and uses
 *   location.replace so the Back button does not come back here;
 * - message text never reaches innerHTML: a tiny markdown subset is built with DOM APIs,
 *   so any HTML (the bot's or the user's) shows as plain text.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var cfg = script.dataset;
  var SERVER = (cfg.server || "").replace(/\/+$/, "");
  var EXIT_URL = cfg.exitUrl || "https://www.bbc.com/weather";
  // The fallback lives next to widget.js, because the bot server may be the thing that is down.
  var FALLBACK_URL = new URL("crisis-fallback.json", script.src).href;
  var REGIONS = [["US", "United States"], ["GB", "United Kingdom"], ["IE", "Ireland"],
                 ["CA", "Canada"], ["AU", "Australia"], ["INTL", "Other"]];
  var SLOW_MS = 5000, TIMEOUT_MS = 30000, RETRY_FIRST_MS = 2000, RETRY_MAX_MS = 15000;

  // Random id per page load; crypto where available, never persisted.
  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var sender = "web-" + randomId();

  // ---- styles (AA contrast: #1b3a5c on white is 11:1, white on #1b3a5c likewise; #b00020 on white 7:1)
  var css = [
    ".pbg-launch{position:fixed;right:16px;bottom:16px;z-index:2147483000;background:#1b3a5c;color:#fff;border:0;border-radius:24px;padding:12px 18px;font:600 16px/1.2 system-ui,sans-serif;cursor:pointer}",
    ".pbg-panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;width:380px;max-width:calc(100vw - 32px);height:600px;max-height:calc(100vh - 32px);display:flex;flex-direction:column;background:#fff;color:#1a1a1a;border:1px solid #555;border-radius:10px;box-shadow:0 4px 24px rgba(0,0,0,.25);font:15px/1.45 system-ui,sans-serif}",
    ".pbg-panel,.pbg-panel *{box-sizing:border-box}", // host pages may not set it; keeps 100vw exact
    ".pbg-panel[hidden],.pbg-launch[hidden]{display:none}",
    ".pbg-head{display:flex;align-items:center;gap:8px;padding:8px 10px;background:#1b3a5c;color:#fff;border-radius:10px 10px 0 0}",
    ".pbg-head h2{flex:1;margin:0;font-size:16px}",
    ".pbg-exit{background:#b00020;color:#fff;border:2px solid #fff;border-radius:6px;padding:6px 10px;font:700 15px system-ui,sans-serif;cursor:pointer}",
    ".pbg-close{background:transparent;color:#fff;border:1px solid #fff;border-radius:6px;padding:4px 10px;font-size:16px;cursor:pointer}",
    ".pbg-note{margin:0;padding:6px 10px;background:#f3f3f3;color:#333;font-size:13px}",
    ".pbg-note label{margin-left:4px}",
    ".pbg-log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:8px}",
    ".pbg-msg{max-width:85%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".pbg-bot{align-self:flex-start;background:#eef2f6;color:#1a1a1a}",
    ".pbg-user{align-self:flex-end;background:#1b3a5c;color:#fff}",
    ".pbg-msg a{color:#0b4f8a;font-weight:600}",
    ".pbg-btns{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start}",
    ".pbg-btns button{background:#fff;color:#1b3a5c;border:1px solid #1b3a5c;border-radius:14px;padding:6px 10px;font-size:14px;cursor:pointer}",
    ".pbg-status{margin:0;padding:4px 10px;min-height:1.2em;font-size:13px;color:#333}",
    ".pbg-status button{margin-left:6px;font-size:13px}",
    ".pbg-form{display:flex;gap:6px;padding:8px 10px;border-top:1px solid #ccc}",
    ".pbg-form input{flex:1;min-width:0;font-size:16px;padding:8px;border:1px solid #555;border-radius:6px}", // 16px: stops iOS zooming in
    ".pbg-form button{background:#1b3a5c;color:#fff;border:0;border-radius:6px;padding:8px 12px;font-size:16px;cursor:pointer}",
    ".pbg-panel :focus-visible,.pbg-launch:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".pbg-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    // Small screens: the panel takes the whole viewport so the input stays usable at 360px.
    "@media (max-width:480px){.pbg-panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border:0;border-radius:0}.pbg-head{border-radius:0}}"
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") node.className = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  // ---- build the UI
  var style = el("style", {}, css);
  document.head.appendChild(style);

  var launcher = el("button", { type: "button", className: "pbg-launch", "aria-haspopup": "dialog",
                                "aria-expanded": "false" }, "Chat with the guide");
  var panel = el("div", { className: "pbg-panel", role: "dialog", "aria-label": "Power Balance Guide chat" });
  panel.hidden = true;

  var head = el("div", { className: "pbg-head" });
  var title = el("h2", {}, "Power Balance Guide");
  var exitBtn = el("button", { type: "button", className: "pbg-exit",
                               "aria-label": "Quick exit: leave this site now (or press Esc twice)" }, "Quick exit");
  var closeBtn = el("button", { type: "button", className: "pbg-close", "aria-label": "Minimise chat" }, "\u2013");
  head.append(title, exitBtn, closeBtn);

  var note = el("p", { className: "pbg-note" }, "Nothing is saved: closing or reloading this page clears the chat. ");
  var regionId = "pbg-region-" + sender.slice(-6);
  var regionLabel = el("label", { "for": regionId }, "Region:");
  var regionSel = el("select", { id: regionId });
  REGIONS.forEach(function (r) { regionSel.appendChild(el("option", { value: r[0] }, r[1])); });
  var initial = (cfg.region || "").toUpperCase();
  regionSel.value = REGIONS.some(function (r) { return r[0] === initial; }) ? initial : "INTL";
  note.append(regionLabel, " ", regionSel);

  var log = el("div", { className: "pbg-log", role: "log", "aria-live": "polite", "aria-label": "Conversation",
                        tabindex: "0" });
  var status = el("p", { className: "pbg-status", role: "status" });

  var form = el("form", { className: "pbg-form" });
  var inputId = "pbg-input-" + sender.slice(-6);
  var inputLabel = el("label", { "for": inputId, className: "pbg-sr" }, "Your message");
  var input = el("input", { id: inputId, type: "text", autocomplete: "off", autocapitalize: "sentences",
                            placeholder: "Type your message" });
  var sendBtn = el("button", { type: "submit" }, "Send");
  form.append(inputLabel, input, sendBtn);

  panel.append(head, note, log, status, form);
  document.body.append(launcher, panel);

  // ---- tiny markdown: **bold**, _italic_, [label](url) with safe schemes only. DOM APIs only.
  var TOKEN = /\*\*([^*]+)\*\*|(^|[^\w])_([^_]+)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/g;
  var SAFE_LINK = /^(tel:|sms:|mailto:|https:)/i;
  function renderInline(parent, text) {
    var last = 0, m, re = new RegExp(TOKEN.source, "g"); // own regex: we recurse
    while ((m = re.exec(text))) {
      var start = m.index;
      if (m[1] != null) {
        parent.append(text.slice(last, start));
        renderInline(parent.appendChild(el("strong")), m[1]); // may hold a link: **[999](tel:999)**
      } else if (m[3] != null) {
        start += m[2].length; // keep the character before the underscore
        parent.append(text.slice(last, start));
        renderInline(parent.appendChild(el("em")), m[3]);
      } else {
        parent.append(text.slice(last, start));
        if (SAFE_LINK.test(m[5])) {
          var a = el("a", { href: m[5] }, m[4]);
          if (/^https:/i.test(m[5])) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
          parent.appendChild(a);
        } else {
          parent.append(m[4]); // unsafe scheme (javascript:, data:, ...): label only
        }
      }
      last = re.lastIndex;
    }
    parent.append(text.slice(last));
  }

  function addMessage(who, text) {
    var bubble = el("div", { className: "pbg-msg " + (who === "user" ? "pbg-user" : "pbg-bot") });
    if (who === "user") bubble.textContent = text; // user text: never interpreted at all
    else renderInline(bubble, text);
    log.appendChild(bubble);
    log.scrollTop = log.scrollHeight;
    return bubble;
  }

  function addButtons(buttons) {
    var group = el("div", { className: "pbg-btns", role: "group", "aria-label": "Suggested replies" });
    buttons.forEach(function (b) {
      var btn = el("button", { type: "button" }, b.title || b.payload);
      // Buttons stay usable: people scroll back and pick another branch.
      btn.addEventListener("click", function () { send(b.payload, b.title || b.payload); });
      group.appendChild(btn);
    });
    log.appendChild(group);
    log.scrollTop = log.scrollHeight;
  }

  function setStatus(text, retryNow) {
    status.textContent = text;
    if (retryNow) {
      var again = el("button", { type: "button" }, "Retry");
      again.addEventListener("click", retryNow);
      status.appendChild(again);
    }
  }

  // ---- the crisis fallback, shown when the assistant cannot be reached
  var fallbackShown = false;
  function showFallback() {
    if (fallbackShown) return;
    fallbackShown = true;
    fetch(FALLBACK_URL, { credentials: "omit", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var entry = data[regionSel.value] || data.INTL;
        if (!entry || !entry.text) throw new Error("no entry");
        addMessage("bot", entry.text);
      })
      .catch(function () { addMessage("bot", "In an emergency call your local emergency number."); });
  }

  // ---- talking to the REST channel
  // Messages wait in an outbox (in memory only) and go one at a time, in order. When the
  // server cannot be reached (restarting, network gone) the first one is retried with
  // growing pauses, so nothing typed is lost and the chat carries on once it is back.
  var outbox = [], sending = false, retryTimer = null, retryDelay = RETRY_FIRST_MS;

  function send(message, shownAs) {
    if (shownAs) addMessage("user", shownAs);
    outbox.push(message);
    flush();
  }

  function flush() {
    if (sending || !outbox.length) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    sending = true;
    post(outbox[0])
      .then(function (replies) {
        outbox.shift();
        retryDelay = RETRY_FIRST_MS;
        setStatus("");
        showReplies(replies);
      }, function (err) {
        if (err.replies && !err.retryAfterMs) {  // a clear refusal: show it, move on
          outbox.shift();
          setStatus("");
          showReplies(err.replies);
          return;
        }
        if (err.retryAfterMs) {                  // too many messages: say so, send it later
          showReplies(err.replies);
          setStatus("Waiting a moment before sending\u2026");
          retryTimer = setTimeout(flush, err.retryAfterMs);
          return;
        }
        setStatus("Couldn't reach the assistant. Trying again in " +
                  Math.round(retryDelay / 1000) + " s. ", flush);
        showFallback();
        retryTimer = setTimeout(flush, retryDelay);
        retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
      })
      .then(function () {
        sending = false;
        if (!retryTimer) flush();
      });
  }

  function showReplies(replies) {
    (replies || []).forEach(function (reply) {
      if (reply.text) addMessage("bot", reply.text);
      if (reply.buttons && reply.buttons.length) addButtons(reply.buttons);
    });
  }

  // Resolves with the bot's replies. Rejects with err.replies set when the server refused
  // the message with a readable reason (4xx other than 408: retrying would not help), plus
  // err.retryAfterMs for 429 (too many messages: sent again after Retry-After), and with
  // neither when the server could not be reached (retried with growing pauses).
  function post(message) {
    setStatus("Connecting\u2026");
    var slow = setTimeout(function () { setStatus("Slow connection\u2026"); }, SLOW_MS);
    var ctrl = window.AbortController ? new AbortController() : null;
    var hard = setTimeout(function () { if (ctrl) ctrl.abort(); }, TIMEOUT_MS);
    return fetch(SERVER + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "omit", // no cookies either way
      cache: "no-store",
      signal: ctrl ? ctrl.signal : undefined,
      body: JSON.stringify({ sender: sender, message: message, metadata: { region: regionSel.value } })
    })
      .then(function (r) {
        if (r.ok) return r.json();
        var final = r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429;
        return r.json().catch(function () { return null; }).then(function (body) {
          var err = new Error("HTTP " + r.status);
          if (final || r.status === 429) err.replies = refusalReplies(body);
          if (r.status === 429) {
            var seconds = parseInt(r.headers.get("Retry-After"), 10);
            err.retryAfterMs = (seconds > 0 ? Math.min(seconds, 60) : 5) * 1000;
          }
          throw err;
        });
      })
      .finally(function () { clearTimeout(slow); clearTimeout(hard); });
  }

  function refusalReplies(body) {
    if (Array.isArray(body)) return body;
    var text = body && (body.text || body.message || body.reason);
    return [{ text: typeof text === "string" ? text : "Sorry, I couldn't take that message. Please try rephrasing it." }];
  }

  // ---- opening, closing, quick exit
  var greeted = false;
  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
    if (!greeted) { greeted = true; send("/greet", null); }
  }
  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  function quickExit() {
    // Wipe what is on screen first, in case the navigation is slow.
    while (log.firstChild) log.removeChild(log.firstChild);
    input.value = "";
    panel.hidden = true;
    // replace(): this page leaves the history, so Back does not return to it.
    window.location.replace(EXIT_URL);
  }

  launcher.addEventListener("click", open);
  closeBtn.addEventListener("click", close);
  exitBtn.addEventListener("click", quickExit);
  var lastEsc = 0;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEsc < 1000) { quickExit(); return; }
    lastEsc = now;
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });
})();
