/* The claim's review workspace in the admin (templates/admin/claims/claim/change_form.html):
   the evidence viewer (select, zoom, ←/→), the decision panels' "what the shopper will
   receive" preview, and the keyboard: j/k next/previous claim of the queue, a/r/i/m open
   the approve / reject / request information / message panels, ? the help. Nothing
   happens while the reviewer types in a field. Without JavaScript the page still works:
   the first file is shown, the panels open by their summary and post as plain forms. */
(function () {
  "use strict";

  var root = document.querySelector(".claim-workspace");
  if (!root) return;

  // --- the evidence viewer ------------------------------------------------------------
  var items = Array.prototype.slice.call(root.querySelectorAll(".ws-item"));
  var strip = Array.prototype.slice.call(root.querySelectorAll("[data-viewer-show]"));
  var level = root.querySelector(".ws-zoom-level");
  var current = 0;
  var zoom = 1;
  var ZOOMS = [1, 1.5, 2, 3, 4];

  function pauseVideos() {
    items.forEach(function (item) {
      var video = item.querySelector("video");
      if (video && !video.paused) video.pause();
    });
  }

  function applyZoom() {
    var photo = items[current] && items[current].querySelector(".ws-photo");
    if (photo) {
      photo.style.width = zoom * 100 + "%";
      photo.style.maxWidth = zoom === 1 ? "100%" : "none";
      photo.classList.toggle("ws-zoomed", zoom > 1);
    }
    if (level) level.textContent = Math.round(zoom * 100) + " %";
  }

  function show(index) {
    if (!items.length) return;
    current = (index + items.length) % items.length;
    pauseVideos();
    items.forEach(function (item, i) { item.hidden = i !== current; });
    strip.forEach(function (button, i) {
      if (i === current) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    });
    zoom = 1;
    applyZoom();
  }

  function zoomBy(step) {
    var at = ZOOMS.indexOf(zoom);
    zoom = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (at < 0 ? 0 : at) + step))];
    applyZoom();
  }

  root.addEventListener("click", function (event) {
    var target = event.target;
    var show_ = target.closest("[data-viewer-show]");
    if (show_) { show(parseInt(show_.getAttribute("data-viewer-show"), 10)); return; }
    var control = target.closest("[data-viewer]");
    if (control) {
      var what = control.getAttribute("data-viewer");
      if (what === "previous") show(current - 1);
      else if (what === "next") show(current + 1);
      else if (what === "zoom-in") zoomBy(1);
      else if (what === "zoom-out") zoomBy(-1);
      else { zoom = 1; applyZoom(); }
      return;
    }
    if (target.classList.contains("ws-photo")) {
      // a click on the photo zooms in to 2×, a second click fits it again
      zoom = zoom > 1 ? 1 : 2;
      applyZoom();
    }
  });

  // --- what the shopper will receive ----------------------------------------------------
  function fieldText(field) {
    if (!field) return "";
    if (field.tagName === "SELECT") return field.value ? field.options[field.selectedIndex].text : "…";
    return field.value;
  }

  function updatePreview(panel) {
    var form = panel.querySelector("form");
    if (!form) return;
    // approve: the e-mail asks for a return when any item's chosen outcome sends it back
    var preview = panel.querySelector("[data-return-outcomes]");
    if (preview) {
      var returned = preview.getAttribute("data-return-outcomes").split(" ");
      var needed = Array.prototype.some.call(form.querySelectorAll("input[name^=outcome_]:checked"), function (choice) {
        return returned.indexOf(choice.value) !== -1;
      });
      panel.querySelectorAll("[data-preview-outcome]").forEach(function (block) {
        block.hidden = block.getAttribute("data-preview-outcome") !== (needed ? "return" : "no_return");
      });
    }
    panel.querySelectorAll("[data-preview-template]").forEach(function (span) {
      var reason = fieldText(form.elements.namedItem("reason")) || "…";
      span.textContent = span.getAttribute("data-preview-template").replace("{reason}", reason);
    });
    panel.querySelectorAll("[data-preview-note]").forEach(function (quote) {
      var field = document.getElementById(quote.getAttribute("data-preview-note"));
      quote.textContent = (field && field.value.trim()) || "…";
    });
    panel.querySelectorAll("[data-preview-slots]").forEach(function (list) {
      var needed = list.getAttribute("data-needed");
      list.textContent = "";
      form.querySelectorAll("input[name=" + list.getAttribute("data-preview-slots") + "]:checked").forEach(function (box) {
        var label = form.querySelector("label[for='" + box.id + "']");
        var li = document.createElement("li");
        li.textContent = needed.replace("%s", label ? label.textContent.trim() : box.value);
        list.appendChild(li);
      });
    });
  }

  var panels = Array.prototype.slice.call(root.querySelectorAll(".ws-panel"));
  panels.forEach(function (panel) {
    panel.addEventListener("input", function () { updatePreview(panel); });
    panel.addEventListener("change", function () { updatePreview(panel); });
    updatePreview(panel);
  });

  function openPanel(panel) {
    panels.forEach(function (other) { if (other !== panel) other.open = false; });
    panel.open = true;
    // approve: the reviewer confirms what the page proposes (the shopper's preference),
    // so Enter saves and opens the next claim; the others start with their first field
    // of their own (the canned-reply list is a shortcut to the text, not the first step)
    var target = panel.getAttribute("data-shortcut") === "a"
      ? panel.querySelector("input[name=_next]")
      : panel.querySelector("form select:not([data-canned-target]), form textarea, form input:not([type=hidden])");
    if (target) target.focus();
    panel.scrollIntoView({ block: "nearest" });
  }

  // --- the keyboard -----------------------------------------------------------------------
  var help = document.getElementById("ws-help");
  var helpOpener = root.querySelector(".ws-help-open");
  if (helpOpener && help) helpOpener.addEventListener("click", function () { help.showModal(); });

  function typing(element) {
    if (!element) return false;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable) return true;
    if (tag !== "INPUT") return false;
    return !/^(button|submit|reset|checkbox|radio|image|file|range|color)$/i.test(element.type);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || (help && help.open)) return;
    var onMedia = event.target.tagName === "VIDEO";
    var key = event.key;
    if (key === "?") { if (help) help.showModal(); event.preventDefault(); return; }
    if (key === "j" || key === "k") {
      var url = root.getAttribute(key === "j" ? "data-next-url" : "data-previous-url");
      if (url) window.location.assign(url);
      event.preventDefault();
      return;
    }
    var panel = panels.filter(function (p) { return p.getAttribute("data-shortcut") === key; })[0];
    if (panel) { openPanel(panel); event.preventDefault(); return; }
    // arrows move between radio buttons and in lists: only for the viewer when no control has them
    if (!items.length || onMedia || event.target.closest("form, select, [role=listbox]")) return;
    if (key === "ArrowRight") { show(current + 1); event.preventDefault(); }
    else if (key === "ArrowLeft") { show(current - 1); event.preventDefault(); }
    else if (key === "+" || key === "=") { zoomBy(1); event.preventDefault(); }
    else if (key === "-") { zoomBy(-1); event.preventDefault(); }
    else if (key === "0") { zoom = 1; applyZoom(); event.preventDefault(); }
  });
  root.setAttribute("data-keyboard", "ready");
})();
