/* Every page: the phone menu button, and the selects that apply on change (language, colour scheme). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var button = document.querySelector("[data-menu-button]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (button && menu) {
    button.hidden = false;
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  // An htmx request that gets no answer, or a server error (503 while the database restarts, say), swaps nothing
  // in: say so, so that a volunteer knows to send again; what they typed is still in the form.
  var failed = document.querySelector("[data-request-failed]");
  if (failed) {
    function showFailed(event) {
      var status = event.detail.xhr ? event.detail.xhr.status : 0;
      if (event.type === "htmx:responseError" && status < 500 && status !== 429) return;
      failed.hidden = false;
    }
    document.addEventListener("htmx:responseError", showFailed);
    document.addEventListener("htmx:sendError", showFailed);
    document.addEventListener("htmx:timeout", showFailed);
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) failed.hidden = true;
    });
  }

  // The form's own button stays for visitors without JavaScript.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-submit-on-change]");
    if (select && select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
  });
})();
