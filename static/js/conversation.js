/* Conversation pages: the report dialog opens when its form has been loaded into it. */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "report-dialog-body") return;
    var dialog = document.getElementById("report-dialog");
    if (!dialog.open) dialog.showModal();
    var first = dialog.querySelector("select, textarea, button");
    if (first) first.focus();
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog").close();
  });
})();
