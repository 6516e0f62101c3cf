// fuwu: the little script the pages use. Live queues, SLA countdowns, the
// signature pad, confirmation before destructive actions. No dependencies.
"use strict";
(function () {
  // Live refresh: an element with data-refresh="URL" is replaced by the URL's HTML every 15 s.
  document.querySelectorAll("[data-refresh]").forEach(function (el) {
    setInterval(function () {
      fetch(el.dataset.refresh, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) {
          // The session ended: show the login page instead of pasting it into the list.
          if (r.redirected || r.status === 401) { location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html !== null) { el.innerHTML = html; tick(); } })
        .catch(function () {});
    }, 15000);
  });
  // An open event page notices when someone else changed the event.
  document.querySelectorAll("[data-watch]").forEach(function (el) {
    var timer = setInterval(function () {
      fetch(el.dataset.watch, { credentials: "same-origin" })
        .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
        .then(function (v) { if (v !== null && v.trim() !== el.dataset.version) { el.hidden = false; clearInterval(timer); } })
        .catch(function () {});
    }, 20000);
  });
  // Countdowns: data-due="RFC 3339"; the text is the time left (or overdue).
  function fmt(ms) {
    var neg = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    var t = (d ? d + (zh ? "天 " : "d ") : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
    // Overdue reads as how late it is.
    return neg ? (zh ? "已超 " : "late ") + t : t;
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (!isNaN(due)) { el.textContent = fmt(due - Date.now()); }
    });
  }
  tick();
  setInterval(tick, 1000);
  // "/" jumps to the page's search box (the console, queues, records).
  document.addEventListener("keydown", function (e) {
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (e.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(tag)) {
      var q = document.querySelector("input[name=q]");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
    }
  });
  // Back links.
  document.querySelectorAll("[data-back]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); history.back(); });
  });
  // A copy button: data-copy="#id" copies that field's value.
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var f = document.querySelector(b.dataset.copy);
      if (!f) { return; }
      f.select();
      var done = function () { b.textContent = b.dataset.copied || b.textContent; };
      if (navigator.clipboard) { navigator.clipboard.writeText(f.value).then(done, function () {}); } else { done(); }
    });
  });
  // Confirm before submitting a form marked data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!confirm(f.dataset.confirm)) { e.preventDefault(); } });
  });
  // A form is sent once: its buttons rest until the next page (a double click on
  // "record" would otherwise record the call twice).
  // (Listeners on the form run first, so a cancelled submission is known here.)
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f || e.defaultPrevented || (f.method || "").toLowerCase() !== "post") { return; }
    // A resting button is not sent: the one pressed goes along as a hidden field.
    var s = e.submitter;
    if (s && s.name) {
      var h = document.createElement("input");
      h.type = "hidden"; h.name = s.name; h.value = s.value;
      f.appendChild(h);
    }
    var buttons = f.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    setTimeout(function () { buttons.forEach(function (b) { b.disabled = false; }); }, 8000);
  });
  // Signature pad: draw with a finger or mouse; the PNG goes into the hidden field.
  document.querySelectorAll("canvas.sigpad").forEach(function (c) {
    var ctx = c.getContext("2d"), drawing = false, drawn = false;
    function size() {
      var r = c.getBoundingClientRect();
      c.width = r.width * (window.devicePixelRatio || 1);
      c.height = r.height * (window.devicePixelRatio || 1);
      ctx.scale(window.devicePixelRatio || 1, window.devicePixelRatio || 1);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    }
    size();
    function pos(e) { var r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
    c.addEventListener("pointerdown", function (e) { drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); c.setPointerCapture(e.pointerId); });
    c.addEventListener("pointermove", function (e) { if (!drawing) { return; } var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; });
    c.addEventListener("pointerup", function () { drawing = false; });
    var form = c.closest("form"), out = form && form.querySelector("input[name=signature]");
    var clear = form && form.querySelector("[data-clear]");
    if (clear) { clear.addEventListener("click", function (e) { e.preventDefault(); ctx.clearRect(0, 0, c.width, c.height); drawn = false; }); }
    if (form && out) {
      form.addEventListener("submit", function (e) {
        if (!drawn) { e.preventDefault(); alert(c.dataset.empty || "Please sign"); return; }
        out.value = c.toDataURL("image/png");
      });
    }
  });
})();
// Type-ahead pickers. input[data-pick] holds one chosen value (a record's id, a
// division code) and gets a search box; textarea[data-picks] holds a list, one
// per line, shown as removable chips. Choices come from the URL in the
// attribute (the server applies the user's scope); data-scope names the form
// field that narrows them (the customer). Without the script the fields stay
// as they are: ids, or city names the server resolves.
(function () {
  var n = 0;
  function picker(holder, many) {
    var form = holder.form, url = holder.dataset.pick || holder.dataset.picks, free = holder.dataset.free === "1";
    var box = document.createElement("input"), list = document.createElement("ul"), wrap = document.createElement("div");
    var lid = "pick-list-" + (++n), items = [], active = -1, seq = 0, timer = null;
    box.type = "search"; box.autocomplete = "off"; box.id = holder.id; holder.id = holder.id + "-value";
    box.setAttribute("role", "combobox"); box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", lid); box.setAttribute("aria-expanded", "false");
    list.id = lid; list.className = "pick-list"; list.setAttribute("role", "listbox"); list.hidden = true;
    wrap.className = "pick"; wrap.appendChild(box); wrap.appendChild(list);
    var chips = many ? document.getElementById(box.id + "-chips") : null;
    var lab = form.querySelector("label[for='" + box.id + "']");
    if (lab) { holder.setAttribute("aria-label", lab.textContent); }
    if (many) { holder.hidden = true; } else { holder.type = "hidden"; box.value = holder.dataset.chosen || ""; }
    holder.parentNode.insertBefore(wrap, holder);
    var now = holder.parentNode.querySelector(".pick-now"); if (now) { now.hidden = true; }
    var hint = holder.parentNode.querySelector(".pick-hint"); if (hint) { box.placeholder = hint.textContent; hint.hidden = true; }
    function sync() {
      holder.value = [].map.call(chips.querySelectorAll("li"), function (li) { return li.dataset.id; }).join("\n");
    }
    function chip(li) {
      var x = document.createElement("button");
      x.type = "button"; x.textContent = "×"; x.setAttribute("aria-label", (form.dataset.remove || "Remove") + " " + li.textContent);
      x.addEventListener("click", function () { li.remove(); sync(); box.focus(); });
      li.appendChild(x);
    }
    if (chips) { chips.querySelectorAll("li").forEach(chip); }
    function close() { list.hidden = true; box.setAttribute("aria-expanded", "false"); active = -1; }
    function mark(i) {
      active = i;
      [].forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      if (i >= 0 && list.children[i]) { box.setAttribute("aria-activedescendant", list.children[i].id); list.children[i].scrollIntoView({ block: "nearest" }); }
    }
    function choose(it) {
      if (many) {
        if (!chips.querySelector("li[data-id='" + it.id + "']")) {
          var li = document.createElement("li"); li.dataset.id = it.id; li.textContent = it.text; chip(li); chips.appendChild(li); sync();
        }
        box.value = "";
      } else { holder.value = it.id; box.value = it.text; }
      holder.dispatchEvent(new Event("change", { bubbles: true }));
      close();
    }
    function show(found, q) {
      items = found; list.textContent = ""; list.dataset.q = q;
      found.forEach(function (it, i) {
        var li = document.createElement("li"), b = document.createElement("strong"), s = document.createElement("small");
        li.id = lid + "-" + i; li.setAttribute("role", "option"); b.textContent = it.name; s.textContent = it.context;
        li.appendChild(b); if (it.context) { li.appendChild(s); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(it); });
        list.appendChild(li);
      });
      if (!found.length) { var li = document.createElement("li"); li.className = "muted"; li.textContent = form.dataset.empty || "-"; list.appendChild(li); }
      list.hidden = false; box.setAttribute("aria-expanded", "true"); mark(found.length ? 0 : -1);
    }
    function search() {
      var typed = box.value.trim(), q = url + (url.indexOf("?") < 0 ? "?" : "&") + "limit=20&q=" + encodeURIComponent(typed);
      var scope = holder.dataset.scope && form.querySelector("[name=" + holder.dataset.scope + "]");
      if (scope && scope.value) { q += "&" + holder.dataset.scope + "=" + encodeURIComponent(scope.value); }
      var mine = ++seq;
      fetch(q, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (v) {
          if (mine !== seq || document.activeElement !== box) { return; }
          show((v.items || []).map(function (it) {
            return it.code ? { id: it.code, name: it.name, context: it.full_name, text: it.full_name }
                           : { id: String(it.id), name: it.name, context: it.context,
                               // Among one customer's records the customer goes without saying.
                               text: holder.dataset.scope ? it.label.replace(/^[^·]*· /, "") : it.label };
          }), typed);
        })
        .catch(function () {});
    }
    box.addEventListener("input", function () {
      if (!many) { holder.value = free ? box.value : ""; }
      clearTimeout(timer); timer = setTimeout(search, 150);
    });
    box.addEventListener("focus", search);
    box.addEventListener("blur", function () { setTimeout(function () { if (document.activeElement !== box) { close(); } }, 150); });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) { search(); return; }
        mark(Math.max(0, Math.min(items.length - 1, active + (e.key === "ArrowDown" ? 1 : -1))));
      } else if (e.key === "Enter" && !list.hidden && active >= 0 && items[active]) {
        e.preventDefault(); choose(items[active]);
      } else if (e.key === "Escape") { close(); }
    });
  }
  document.querySelectorAll("input[data-pick]").forEach(function (el) { picker(el, false); });
  document.querySelectorAll("textarea[data-picks]").forEach(function (el) { picker(el, true); });
})();
