// The console's only script, loaded from the console itself (no CDN). Three behaviours:
//  - [data-refresh-url][data-refresh-s]: re-fetch that HTML fragment every N seconds;
//  - [data-poll-url]: poll a batch's JSON progress, update the bar, reload when it is done;
//  - [data-confirm]: ask before submitting the form of that button.
(function () {
  "use strict";

  function refresh(el) {
    var seconds = parseInt(el.getAttribute("data-refresh-s"), 10) || 30;
    setInterval(function () {
      fetch(el.getAttribute("data-refresh-url"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (r) { if (r.redirected || !r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) { el.innerHTML = html; })
        .catch(function () { /* keep the last view; the next tick tries again */ });
    }, seconds * 1000);
  }

  function poll(el) {
    var bar = el.querySelector("progress");
    function tick() {
      fetch(el.getAttribute("data-poll-url"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (p) {
          ["phase", "done", "total"].forEach(function (k) {
            var f = el.querySelector('[data-field="' + k + '"]');
            if (f) { f.textContent = typeof p[k] === "number" ? p[k].toLocaleString("ja-JP") : p[k]; }
          });
          if (bar) { bar.max = p.total || 1; bar.value = p.done; }
          if (p.finished) { window.location.reload(); } else { setTimeout(tick, 500); }
        })
        .catch(function () { setTimeout(tick, 2000); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-url]").forEach(refresh);
    document.querySelectorAll("[data-poll-url]").forEach(poll);
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
