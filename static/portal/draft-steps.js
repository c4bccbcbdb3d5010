/* The draft as steps (items → reason → questions → evidence → review). Without
   JavaScript the page is one long form with every step open. Here a step already done
   when the page opens folds to one line with "Change"; the current step stays open and
   ends with "Continue", which folds it and moves focus to the next step's heading. The
   step indicator follows: done steps, aria-current on the current one. An error
   summary link or a restored focus ("portal:reveal") opens the step it points into.
   A step not reached yet shows its heading only: the evidence until the answers show
   the claim can go ahead (the decision panel's data-eligible), the review with it; it
   opens by itself once reached and stays open. The products to exchange an item for
   show once "Exchange" is chosen for it (without JavaScript the page comes back so). */
(function () {
  "use strict";

  var FOLDABLE = ["questions", "evidence"];

  // claims/_outcome_choice.html: the exchange products of an item follow its outcome radios
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "radio" || !input.name) { return; }
    document.querySelectorAll("[data-exchange-for]").forEach(function (box) {
      if (box.dataset.exchangeFor === input.name) { box.hidden = input.value !== "exchange"; }
    });
  });

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

    // steps not reached yet: heading only (and a line saying when they open)
    var evidence = steps.find(function (s) { return s.dataset.step === "evidence"; });
    var questions = steps.find(function (s) { return s.dataset.step === "questions"; });
    var review = document.querySelector("[data-step=review]");
    var reached = {};

    // the evidence is reached once the claim can go ahead and the shopper has worked in the
    // step before it (answered, typed, chosen: now or on an earlier visit, data-started)
    var touched = Boolean(questions && questions.hasAttribute("data-started"));
    if (questions) {
      ["change", "input"].forEach(function (kind) { questions.addEventListener(kind, function () { touched = true; }); });
    }

    function reachedNow(code) {
      if (reached[code]) { return true; }
      if (code === "review") { return !evidence || reachedNow("evidence"); }
      return Boolean(document.querySelector("[data-testid=decision][data-eligible]")) && touched ||
        !questions || !visible(questions) || done(questions) ||
        Boolean(evidence.querySelector(".evidence-file")) || fromTheDraft ||
        Boolean(document.querySelector("[data-error-summary]"));
    }

    function showReached(step, code) {
      if (!step) { return; }
      var isLater = !reachedNow(code);
      if (!isLater) { reached[code] = true; }
      var body = step.querySelector(".step-body, .review-body");
      var wasLater = step.classList.contains("not-reached");
      if (isLater === wasLater) { return; }
      step.classList.toggle("not-reached", isLater);
      var note = step.querySelector(".step-later");
      if (note) { note.hidden = !isLater; }
      if (isLater) {
        body.hidden = true;
        var summary = step.querySelector(".step-summary");
        if (summary) { summary.hidden = true; }
      } else if (!(step.dataset.folded === "true")) {
        body.hidden = false;
      } else {
        step.querySelector(".step-summary").hidden = false;
      }
    }

    function reach(step) {
      if (!step) { return; }
      reached[step.dataset.step] = true;
      if (step.dataset.step === "evidence") { reached.review = true; }
      showReached(evidence, "evidence");
      showReached(review, "review");
    }

    function fold(step, fold) {
      if (!fold) { reach(step); }
      step.querySelector(".step-body").hidden = fold;
      step.querySelector(".step-summary").hidden = !fold;
      step.classList.toggle("folded", fold);
      // the answers folded: the decision they led to keeps its one-line verdict (portal.css)
      if (step.dataset.step === "questions") { document.body.classList.toggle("questions-folded", fold); }
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
      showReached(evidence, "evidence");
      showReached(review, "review");
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
        reach(following);
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
      if (step && (step.classList.contains("not-reached") || steps.indexOf(step) !== -1 && folded(step))) {
        if (steps.indexOf(step) !== -1) { fold(step, false); } else { reach(step); }
        refresh();
      }
    });
    nav.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#step-']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      if (steps.indexOf(target) !== -1) { fold(target, false); } else { reach(target); }
      refresh();
      var title = target.querySelector("h2");
      title.focus({ preventScroll: true });
      title.scrollIntoView({ block: "start" });
    });
    document.addEventListener("change", refresh);
    document.addEventListener("input", refresh);
    document.addEventListener("evidence:slot-changed", refresh);
    document.addEventListener("decision:updated", refresh);  // live-decision.js: a new decision panel
    refresh();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
