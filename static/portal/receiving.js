/* The receiving screen: a form is sent once. A scanner's second Enter (or a double
   click) would post the same step again; the server would refuse it, but the page
   should not flash an error for it. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-submit-once")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.setAttribute("aria-busy", "true");
  });
})();
