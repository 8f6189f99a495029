// The script of the HTML report (journeymine.views.report): the segment switcher, the detail
// control and the zoom of wide pictures. The report's Content-Security-Policy lets only this
// script run (by its SHA-256 hash); the report reads in full without it.
(function () {
  "use strict";
  var root = document.documentElement;
  var state = JSON.parse(document.getElementById("jm-data").textContent).initial;
  function pick(group, value) {
    var panels = document.querySelectorAll("[data-jm-" + group + "]");
    for (var i = 0; i < panels.length; i++) {
      var own = panels[i].getAttribute("data-jm-" + group);
      panels[i].classList.toggle("jm-off", value !== "all" && own !== value);
    }
    var buttons = document.querySelectorAll('button[data-jm-pick="' + group + '"]');
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute("aria-pressed", buttons[j].value === value ? "true" : "false");
    }
    var lists = document.querySelectorAll('select[data-jm-pick="' + group + '"]');
    for (var k = 0; k < lists.length; k++) { lists[k].value = value; }
    state[group] = value;
    root.setAttribute("data-jm-" + group + "-shown", value);
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    var button = event.target.closest("button[data-jm-pick]");
    if (button) { pick(button.getAttribute("data-jm-pick"), button.value); }
    var zoom = event.target.closest("button[data-jm-zoom]");
    if (zoom) {
      var actual = zoom.parentNode.classList.toggle("jm-actual");
      zoom.setAttribute("aria-pressed", actual ? "true" : "false");
      zoom.textContent = actual ? "Fit to width" : "Actual size";
    }
  });
  document.addEventListener("change", function (event) {
    var list = event.target;
    if (list.matches && list.matches("select[data-jm-pick]")) { pick(list.getAttribute("data-jm-pick"), list.value); }
  });
  document.addEventListener("keydown", function (event) {
    var button = event.target;
    if (!button.matches || !button.matches("button[data-jm-pick]")) { return; }
    var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (!step) { return; }
    var group = button.parentNode.querySelectorAll("button[data-jm-pick]");
    var index = Array.prototype.indexOf.call(group, button);
    var next = group[(index + step + group.length) % group.length];
    event.preventDefault();
    next.focus();
    pick(next.getAttribute("data-jm-pick"), next.value);
  });
  root.classList.add("js");
  Object.keys(state).sort().forEach(function (group) { pick(group, state[group]); });
})();
