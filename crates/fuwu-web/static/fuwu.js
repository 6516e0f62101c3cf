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
    var t = (d ? d + "d " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
    return (neg ? "-" : "") + t;
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
