/* The draft as steps (items → reason → questions → evidence → review). Without
   JavaScript the page is one long form with every step open. Here a step already done
   when the page opens folds to one line with "Change"; the current step stays open and
   ends with "Continue", which folds it and moves focus to the next step's heading. The
   step indicator follows: done steps, aria-current on the current one. An error
   summary link or a restored focus ("portal:reveal") opens the step it points into. */
(function () {
  "use strict";

  var FOLDABLE = ["questions", "evidence"];

  function init() {
    var nav = document.querySelector("[data-testid=draft-steps]");
    var steps = Array.prototype.filter.call(document.querySelectorAll("[data-step]"), function (step) {
      return FOLDABLE.indexOf(step.dataset.step) !== -1 && step.querySelector(".step-body");
    });
    if (!nav || !steps.length) { return; }

    function visible(step) {
      return !step.hidden && !step.closest("[hidden]:not(.step-body)");
    }

    // what keeps the shopper in the step: a question without an answer, an item's
    // outcome not chosen, an evidence slot short of files (null: nothing)
    function blocking(step) {
      if (step.dataset.step === "questions") {
        var open = Array.prototype.find.call(step.querySelectorAll("fieldset[data-question]"), function (set) {
          return !set.querySelector("input:checked");
        });
        if (open) { return open.querySelector("input"); }
        // an item's outcome not chosen yet (claims/_outcome_choice.html: a radio group per item)
        var choice = step.querySelector("[data-testid=outcome-choice]");
        if (!choice || choice.closest("[data-rule-part]").hidden) { return null; }
        var unchosen = Array.prototype.find.call(choice.querySelectorAll("fieldset"), function (set) {
          return set.querySelector("input[type=radio]") && !set.querySelector("input[type=radio]:checked");
        });
        return unchosen ? unchosen.querySelector("input[type=radio]") : null;
      }
      var short = Array.prototype.find.call(step.querySelectorAll(".slot-needed"), function (slot) { return !slot.classList.contains("text-success-emphasis"); });
      return short ? short.closest(".evidence-slot").querySelector("h3") : null;
    }

    function done(step) {
      if (step.dataset.step === "questions") {
        // the texts too (an empty box stays in view), though Continue doesn't insist on them
        var empty = Array.prototype.some.call(step.querySelectorAll("textarea"), function (box) {
          return !box.closest("[hidden]") && !box.value.trim();
        });
        return !blocking(step) && !empty;
      }
      // nothing missing, nothing on its way, and something given (a step of optional
      // slots is not "done" before the shopper has added anything)
      var needed = step.querySelectorAll(".slot-needed");
      var waiting = step.querySelectorAll(".evidence-file:not([data-status]), .evidence-file[data-status=processing]").length;
      var given = step.querySelectorAll(".evidence-file[data-status=ready]").length;
      return !waiting && given > 0 && Array.prototype.every.call(needed, function (slot) { return slot.classList.contains("text-success-emphasis"); });
    }

    function folded(step) {
      return step.querySelector(".step-body").hidden;
    }

    var here = window.location.pathname;
    var KEY = "draft-steps:" + here;
    // this page is the draft's own answer (Update, Remove a file, a reload): nothing folds
    // by itself then. The referrer can't tell (the portal sends none); a form of this page
    // leaves a mark as it goes.
    var MARK = "draft-steps:sent-from";
    var fromTheDraft = false;
    try {
      var mark = JSON.parse(window.sessionStorage.getItem(MARK) || "null");
      window.sessionStorage.removeItem(MARK);
      fromTheDraft = Boolean(mark && mark.path === here && Date.now() - mark.at < 10 * 60 * 1000);
    } catch (e) { /* storage off */ }
    var navigation = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if (navigation && navigation.type === "reload") { fromTheDraft = true; }
    document.addEventListener("submit", function () {
      try { window.sessionStorage.setItem(MARK, JSON.stringify({ path: here, at: Date.now() })); } catch (e) { /* storage off */ }
    }, true);

    function remembered() {
      try { return JSON.parse(window.sessionStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
    }

    function remember(code, folded) {
      var codes = remembered().filter(function (c) { return c !== code; });
      if (folded) { codes.push(code); }
      try { window.sessionStorage.setItem(KEY, JSON.stringify(codes)); } catch (e) { /* storage off: folds only for this page */ }
    }

    function fold(step, fold) {
      step.querySelector(".step-body").hidden = fold;
      step.querySelector(".step-summary").hidden = !fold;
      step.classList.toggle("folded", fold);
      step.dataset.folded = fold ? "true" : "false";
      remember(step.dataset.step, fold);
    }

    function heading(step) {
      return step.querySelector("h2");
    }

    function open(step, focus) {
      fold(step, false);
      refresh();
      if (focus) {
        heading(step).focus({ preventScroll: true });
        heading(step).scrollIntoView({ block: "start" });
      }
    }

    function currentCode() {
      var current = steps.filter(visible).find(function (step) { return !done(step); });
      return current ? current.dataset.step : "review";
    }

    function refresh() {
      var current = currentCode();
      nav.querySelectorAll("li[data-step-link]").forEach(function (item) {
        var code = item.dataset.stepLink;
        var step = steps.find(function (s) { return s.dataset.step === code; });
        var isDone = step ? visible(step) && done(step) : item.classList.contains("done");
        if (step && !visible(step)) { isDone = false; }
        item.classList.toggle("done", isDone);
        var state = item.querySelector(".step-state");
        if (state) { state.textContent = isDone ? " (" + nav.dataset.doneWord + ")" : ""; }
        if (code === current) { item.setAttribute("aria-current", "step"); } else { item.removeAttribute("aria-current"); }
      });
    }

    function next(step) {
      var order = Array.prototype.slice.call(document.querySelectorAll("[data-step]")).filter(function (s) { return !s.hidden; });
      var at = order.indexOf(step);
      return order[at + 1] || null;
    }

    steps.forEach(function (step) {
      var body = step.querySelector(".step-body");
      var go = document.createElement("button");
      go.type = "button";
      go.className = "btn btn-outline-dark step-continue";
      var following = next(step);
      var label = following && nav.querySelector("li[data-step-link=" + following.dataset.step + "]");
      go.textContent = nav.dataset.continueWord + (label ? ": " + label.dataset.label : "");
      body.appendChild(go);
      go.addEventListener("click", function () {
        var first = blocking(step);
        if (first) {  // what still needs doing here
          first.focus();
          first.scrollIntoView({ block: "center" });
          return;
        }
        fold(step, true);
        var following = next(step);
        if (following && FOLDABLE.indexOf(following.dataset.step) !== -1) { open(following, true); return; }
        refresh();
        if (following) {
          var title = following.querySelector("h2");
          title.focus({ preventScroll: true });
          title.scrollIntoView({ block: "start" });
        }
      });
      step.querySelector(".step-change").addEventListener("click", function () { open(step, true); });
      // done when the shopper comes to the draft (or folded by them before): one line,
      // unless a problem on the page points into it. Not when the page is the draft's own
      // answer (Update, Remove a file): the step being worked on stays as it was.
      var keep = remembered().indexOf(step.dataset.step) !== -1;
      if (done(step) && (keep || !fromTheDraft) && !document.querySelector("[data-error-summary]")) { fold(step, true); }
    });

    document.addEventListener("portal:reveal", function (event) {
      var step = event.target.closest && event.target.closest("[data-step]");
      if (step && steps.indexOf(step) !== -1 && folded(step)) { fold(step, false); refresh(); }
    });
    nav.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#step-']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      if (steps.indexOf(target) !== -1) { fold(target, false); }
      refresh();
      var title = target.querySelector("h2");
      title.focus({ preventScroll: true });
      title.scrollIntoView({ block: "start" });
    });
    document.addEventListener("change", refresh);
    document.addEventListener("input", refresh);
    document.addEventListener("evidence:slot-changed", refresh);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
