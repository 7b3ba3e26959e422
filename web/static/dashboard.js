// Enhances the analytics dashboard, which works without it: the chart's
// points show their figures in a tooltip under the pointer and, once the
// chart has the keyboard focus, with the arrow keys, Home and End; the
// realtime figure refreshes every minute.
(function () {
  "use strict";
  var svg = document.getElementById("analytics-chart");
  var tip = document.querySelector(".chart-tip");
  var points = svg ? [].slice.call(svg.querySelectorAll(".chart-points circle")) : [];
  var current = -1;

  function hide() {
    if (current >= 0) points[current].classList.remove("is-active");
    tip.hidden = true;
  }

  function show(i) {
    hide();
    current = Math.max(0, Math.min(points.length - 1, i));
    var p = points[current];
    var box = p.getBoundingClientRect();
    var frame = tip.parentNode.getBoundingClientRect();
    p.classList.add("is-active");
    tip.textContent = p.getAttribute("data-tip");
    // The figure scrolls sideways on narrow screens; the tip moves with
    // its content.
    tip.style.left = box.left + box.width / 2 - frame.left + tip.parentNode.scrollLeft + "px";
    tip.style.top = box.top - frame.top + "px";
    tip.hidden = false;
  }

  if (tip && points.length) {
    // The script's tooltip replaces the browser's own.
    points.forEach(function (p) {
      var title = p.querySelector("title");
      if (title) p.removeChild(title);
    });
    svg.setAttribute("tabindex", "0");
    svg.setAttribute("aria-keyshortcuts", "ArrowLeft ArrowRight Home End");
    svg.addEventListener("focus", function () {
      show(current < 0 ? points.length - 1 : current);
    });
    svg.addEventListener("blur", hide);
    svg.addEventListener("keydown", function (e) {
      var to = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: points.length - 1 }[e.key];
      if (e.key === "Escape") hide();
      if (to === undefined) return;
      e.preventDefault();
      show(to);
    });
    svg.addEventListener("mousemove", function (e) {
      var best = 0, gap = Infinity;
      points.forEach(function (p, i) {
        var b = p.getBoundingClientRect();
        var d = Math.abs(b.left + b.width / 2 - e.clientX);
        if (d < gap) { gap = d; best = i; }
      });
      show(best);
    });
    svg.addEventListener("mouseleave", function () {
      if (document.activeElement !== svg) hide();
    });
  }

  var live = document.querySelector("[data-realtime]");
  if (live && window.fetch) {
    setInterval(function () {
      fetch(live.getAttribute("data-realtime"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { if (j) live.textContent = j.text; })
        .catch(function () {});
    }, 60000);
  }
})();
