/* The error summary (templates/claims/_error_summary.html), as GOV.UK does it: focused
   when the page comes back with problems, each problem a link that opens its step (if
   folded away) and moves focus to the field or evidence slot. A problem leaves the list
   once fixed, without a reload: an answer given, a text filled in, or the evidence slot's
   count reaching zero (evidence-upload.js says so with "evidence:slot-changed", the same
   count the slot shows). When nothing is left the red box goes and says so. */
(function () {
  "use strict";

  function focusTarget(target) {
    // a folded step opens first (draft-steps.js listens)
    target.dispatchEvent(new CustomEvent("portal:reveal", { bubbles: true }));
    var fieldset = target.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    (legend || target).scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }

  function allFixed(summary) {
    var done = document.createElement("p");
    done.className = "alert alert-success";
    done.setAttribute("role", "status");
    done.id = summary.id;
    done.dataset.testid = "problems-fixed";
    done.textContent = summary.dataset.allFixed;
    summary.replaceWith(done);
  }

  function drop(item) {
    var summary = item.closest("[data-error-summary]");
    item.remove();
    if (summary && !summary.querySelector("li")) { allFixed(summary); }
  }

  function each(selector, callback) {
    document.querySelectorAll("[data-error-summary] " + selector).forEach(callback);
  }

  function fieldFixed(name, value) {
    if (!name || !String(value || "").trim()) { return; }
    each("li[data-field]", function (item) { if (item.dataset.field === name) { drop(item); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summaries = document.querySelectorAll("[data-error-summary]");
    if (!summaries.length) { return; }
    summaries.forEach(function (summary) {
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var target = link && document.getElementById(link.getAttribute("href").slice(1));
        if (!target) { return; }
        event.preventDefault();
        focusTarget(target);
      });
    });
    summaries[0].focus();

    document.addEventListener("evidence:slot-changed", function (event) {
      var detail = event.detail || {};
      each("li[data-slot]", function (item) {
        if (item.dataset.slot !== detail.slot) { return; }
        if (!detail.missing) { drop(item); return; }
        var text = (item.dataset.needed || "").replace("{n}", String(detail.missing));
        var link = item.querySelector("a") || item;
        if (text) { link.textContent = text; }
      });
    });
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target && (target.type === "radio" || target.type === "checkbox" || target.tagName === "SELECT")) {
        fieldFixed(target.name, target.type === "checkbox" && !target.checked ? "" : target.value);
      }
    });
    document.addEventListener("input", function (event) {
      var target = event.target;
      if (target && (target.tagName === "TEXTAREA" || target.type === "text")) { fieldFixed(target.name, target.value); }
    });
  });
})();
