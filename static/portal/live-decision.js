/* The claim draft's decision follows the shopper's answers. A change to a condition
   question or the preferred outcome saves the whole answers form (what was typed
   included) and swaps the decision panel in place. Without JavaScript, or when a save
   fails, the "Update what I can claim" button does the same with a normal POST.

   The evidence list and the text fields belong to the rule the page was built for
   (data-rule on the form). An answer that closes every rule hides them until an answer
   reopens that rule; an answer that opens a different rule reloads the page, once no
   upload is on its way.

   Typed text saves itself the same way a moment after the shopper stops typing, and
   before another form on the page (e.g. removing a file) leaves the page. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var TYPING_MS = 1000;
  var FOCUS_KEY = "live-decision:focus";

  function remember(id) {
    try { window.sessionStorage.setItem(FOCUS_KEY, id); } catch (e) { /* storage off: focus starts at the top */ }
  }

  function recall() {
    try {
      var id = window.sessionStorage.getItem(FOCUS_KEY);
      window.sessionStorage.removeItem(FOCUS_KEY);
      return id;
    } catch (e) { return null; }
  }

  function init() {
    var form = document.getElementById("answers-form");
    var status = document.getElementById("decision-status");
    if (!form || !window.fetch || !window.FormData || !document.querySelector("[data-testid=decision]")) { return; }

    var pageRule = form.dataset.rule || "";
    var timer = null;
    var inFlight = false;
    var dirty = false;
    var seq = 0;
    var reloadWanted = false;
    var leaveTo = null;  // where to go instead of reloading the draft (the claim was submitted)
    var leaving = false;
    var lastChanged = null;
    var answerChanged = false;  // announce the new decision only after an answer, not after typing
    var afterSave = [];  // callbacks waiting for everything typed to be saved

    function say(text, failed) {
      if (!status) { return; }
      status.classList.toggle("text-danger-emphasis", Boolean(failed));
      // a live region announces changes: clear first so the same words are read again
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function uploadsRunning() {
      return Number(document.body.dataset.uploadsRunning || 0) > 0;
    }

    function showRuleParts(open) {
      document.querySelectorAll("[data-rule-part]").forEach(function (part) { part.hidden = !open; });
      document.querySelectorAll("[data-no-rule-part]").forEach(function (part) { part.hidden = open; });
    }

    function swapPanel(html) {
      var template = document.createElement("template");
      template.innerHTML = html.trim();
      var fresh = template.content.querySelector("[data-testid=decision]");
      var current = document.querySelector("[data-testid=decision]");
      if (!fresh || !current) { throw new Error("no decision panel"); }
      current.replaceWith(fresh);
      document.dispatchEvent(new CustomEvent("decision:updated"));  // draft-steps.js: a step may be reached now
    }

    function leaveWhenSafe() {
      if (leaving || !reloadWanted || inFlight || dirty) { return; }  // the next answer decides again
      if (uploadsRunning()) { say(form.dataset.waiting); return; }  // evidence:uploads-idle calls again
      leaving = true;
      if (lastChanged && !leaveTo) { remember(lastChanged); }
      // a GET of the draft (not reload(): the page may be the answer to a POST)
      window.location.replace(leaveTo || form.action.split("#")[0]);
    }

    function apply(body, announce) {
      swapPanel(body.html);
      var rule = body.rule || "";
      if (rule === pageRule || rule === "") {
        reloadWanted = false;
        showRuleParts(rule !== "");
        if (announce) { say(form.dataset.updated + " " + (body.summary || "")); }
        return;
      }
      reloadWanted = true;
      say(form.dataset.reloading);
      leaveWhenSafe();
    }

    function fail() {
      say(form.dataset.failed, true);
    }

    function send() {
      window.clearTimeout(timer);
      timer = null;
      if (inFlight) { return; }  // sent again when the current save answers
      dirty = false;
      inFlight = true;
      seq += 1;
      var mine = seq;
      var announce = answerChanged;
      answerChanged = false;
      var data = new FormData(form);
      data.append("save", "1");
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
      })
        .then(function (response) {
          if (response.status === 409) {
            return response.json().then(function (body) {
              if (body.redirect) { leaveTo = body.redirect; reloadWanted = true; }
              throw new Error("not a draft any more");
            });
          }
          if (!response.ok) { throw new Error("save failed: " + response.status); }
          return response.json();
        })
        .then(function (body) {
          // an answer changed while this one travelled: its panel is already out of date
          if (mine === seq && !dirty) { apply(body, announce); }
        })
        .catch(function () {
          if (mine === seq && !reloadWanted) { fail(); }
        })
        .then(function () {
          inFlight = false;
          if (dirty) { send(); return; }
          var waiting = afterSave;
          afterSave = [];
          waiting.forEach(function (callback) { callback(); });
          leaveWhenSafe();
        });
    }

    function schedule(delay) {
      dirty = true;
      window.clearTimeout(timer);
      timer = window.setTimeout(send, delay || DEBOUNCE_MS);
    }

    // run `callback` once what was typed is saved (at once when nothing is pending)
    function whenSaved(callback) {
      if (!dirty && !inFlight) { callback(); return; }
      afterSave.push(callback);
      if (dirty && !inFlight) { send(); }
    }

    function changed(event) {
      var target = event.target;
      if (!target || target.type !== "radio" || target.form !== form) { return; }
      lastChanged = target.id;
      answerChanged = true;
      schedule();
    }

    form.addEventListener("change", changed);
    form.addEventListener("input", function (event) {
      var target = event.target;
      if (!target || target.form !== form || target.type === "radio") { return; }
      schedule(TYPING_MS);
    });
    // another form leaving the page (remove a file…): save what was typed first
    document.addEventListener("submit", function (event) {
      var other = event.target;
      if (other === form || other.dataset.afterSave === "sent" || (!dirty && !inFlight)) { return; }
      event.preventDefault();
      other.dataset.afterSave = "sent";
      whenSaved(function () { other.submit(); });
    });
    // the draft itself is sent (submitted, or a step's button): the request carries
    // everything typed, so a save still waiting, or the answer of one in flight, must not
    // send the page elsewhere meanwhile (a 409 "not a draft any more" would have replaced
    // the submitted claim's confirmation). Registered on window: it runs after every
    // other listener, and a submit they stopped (a check that failed) changes nothing.
    window.addEventListener("submit", function (event) {
      if (event.target !== form || event.defaultPrevented) { return; }
      window.clearTimeout(timer);
      timer = null;
      dirty = false;
      leaving = true;
    });
    form.dataset.live = "on";  // answers save themselves from here on
    // an answer given while the page was still loading (its change event came before us)
    var answered = Array.prototype.some.call(form.querySelectorAll("input[type=radio]"), function (radio) {
      return radio.checked !== radio.defaultChecked;
    });
    if (answered) { answerChanged = true; schedule(); }
    document.addEventListener("evidence:uploads-idle", function () { leaveWhenSafe(); });

    // back after a reload this script asked for: where the shopper was answering
    var focusId = recall();
    var focus = focusId && document.getElementById(focusId);
    if (focus) {
      focus.dispatchEvent(new CustomEvent("portal:reveal", { bubbles: true }));  // a folded step opens (draft-steps.js)
      focus.focus();
      focus.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
