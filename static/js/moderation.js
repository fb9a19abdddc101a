/* The flag queue's keys: j / k move to the next / previous item, d dismisses it, h hides it.
   After an action the queue is answered again; the item now at the same place (the next one) becomes current. */
(function () {
  "use strict";
  var current = 0;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("#flag-queue-results .queue-item"));
  }

  function select(index, scroll) {
    var all = items();
    if (!all.length) {
      return;
    }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (item, i) {
      item.classList.toggle("is-current-item", i === current);
      item.setAttribute("aria-current", i === current ? "true" : "false");
    });
    if (scroll) {
      all[current].focus({ preventScroll: true });
      all[current].scrollIntoView({ block: "nearest" });
    }
  }

  function press(action) {
    var item = items()[current];
    var button = item && item.querySelector('.queue-actions [data-action="' + action + '"]');
    if (button) {
      button.click();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("flag-queue-results")) {
      return;
    }
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || (target && target.closest("input, textarea, select"))) {
      return;
    }
    var keys = {
      j: function () { select(current + 1, true); },
      k: function () { select(current - 1, true); },
      d: function () { press("dismiss"); },
      h: function () { press("hide"); },
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  });

  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest(".queue-item");
    if (item) {
      current = items().indexOf(item);
      select(current, false);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "flag-queue-results") {
      select(current, true);
    }
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.detail.elt && event.detail.elt.id === "flag-queue-results") {
      select(current, false);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    select(0, false);
  });
})();
