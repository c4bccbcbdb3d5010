/* Canned replies (templates/admin/claims/claim/_canned_picker.html): choosing a reply
   puts its text, already filled in for this claim, into the text box, where staff
   can still edit it. Without this script the server uses the reply chosen when the
   text box is posted empty. */
(function () {
  "use strict";
  function wire(select) {
    if (select.dataset.cannedWired) { return; }
    select.dataset.cannedWired = "1";
    select.addEventListener("change", function () {
      var target = document.getElementById(select.dataset.cannedTarget);
      var option = select.options[select.selectedIndex];
      if (!target || !option || !option.value) { return; }
      target.value = option.dataset.text || "";
      target.dispatchEvent(new Event("input", { bubbles: true }));
      var status = select.closest(".canned-picker").querySelector("[role=status]");
      if (status) { status.textContent = "“" + option.textContent + "” is in the text box; edit it as needed."; }
    });
  }
  function wireAll() { document.querySelectorAll("select[data-canned-target]").forEach(wire); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", wireAll); } else { wireAll(); }
})();
