/* The receiving screen. A step's form is sent once: a double click would post it again
   (the server would refuse it, but the page should not flash an error for it). An empty
   scan field is not sent: a scanner's second Enter must not close the claim on screen. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-scan-form")) {
      var field = form.querySelector("input[name=code]");
      if (field && !field.value.trim()) { event.preventDefault(); }
      return;
    }
    if (!form.hasAttribute("data-submit-once")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.setAttribute("aria-busy", "true");
  });
})();
