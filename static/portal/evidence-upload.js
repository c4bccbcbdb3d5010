/* Evidence uploads with progress bars, previews and drag and drop. Without
   JavaScript the same forms post normally (claims:claim_upload). */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // Ask every second for half a minute, then every 5 s for half an hour: a file whose
  // check is late (a busy or restarting worker) is queued again by the server, and the
  // page shows its result whenever it comes.
  var SLOW_AFTER = 30;
  var GIVE_UP_AFTER = SLOW_AFTER + 360;
  var SLOW_TEXT = "Still checking… This can take a few minutes. The file is saved: you can leave this page and come back.";

  function poll(item, id, statusUrlBase, done) {
    var tries = 0;
    function again(delay) {
      if (tries === SLOW_AFTER) {
        var state = item.querySelector(".evidence-state");
        if (state) { state.textContent = SLOW_TEXT; }
      }
      if (tries < GIVE_UP_AFTER) { setTimeout(check, tries < SLOW_AFTER ? delay : 5000); }
    }
    function check() {
      tries += 1;
      fetch(statusUrlBase.replace("0", id), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.status === "processing") { again(1000); return; }
          done(data);
        })
        .catch(function () { again(2000); });
    }
    check();
  }

  // Other scripts (live-decision.js) must not leave the page while a file is on its way:
  // <body data-uploads-running> counts them, "evidence:uploads-idle" says they are done.
  var running = 0;
  function uploadsChanged(delta) {
    running += delta;
    document.body.dataset.uploadsRunning = String(running);
    if (running === 0) { document.dispatchEvent(new CustomEvent("evidence:uploads-idle")); }
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The same "Remove" form the server renders (claims:evidence_remove)
  function removeForm(id, name) {
    var form = el("form", { method: "post", action: "/evidence/" + id + "/remove/", "class": "d-inline" });
    form.appendChild(el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken() }));
    var button = el("button", { type: "submit", "class": "btn btn-link btn-sm p-0" }, "Remove");
    button.appendChild(el("span", { "class": "visually-hidden" }, " " + name));
    form.appendChild(button);
    return form;
  }

  // The picture made in the browser before the upload goes once the file is refused (or
  // cannot be shown at all): what stays is the reason, never a broken or garbled image
  // of a file the portal did not keep.
  function dropPreview(item) {
    var preview = item.querySelector("img.evidence-preview");
    if (!preview) { return; }
    URL.revokeObjectURL(preview.src);
    preview.remove();
  }

  // A checked file: its thumbnail and "Ready", or the reason it was refused; then Remove
  function showResult(item, result, name, state) {
    if (result.status === "ready") {
      state.textContent = "Ready";
      state.className = "d-block text-success-emphasis";
      var thumb = item.querySelector("img");
      if (!thumb) { thumb = el("img", { alt: name, width: "96", height: "96", "class": "object-fit-cover rounded d-block mb-1" }); item.insertBefore(thumb, item.firstChild); }
      if (thumb.classList.contains("evidence-preview")) { URL.revokeObjectURL(thumb.src); thumb.classList.remove("evidence-preview"); }
      thumb.src = "/evidence/" + result.id + "/thumb/";  // what was kept: upright, without metadata
    } else {
      dropPreview(item);
      state.textContent = result.reason || "This file was not accepted.";
      state.className = "d-block text-danger-emphasis";
    }
    item.dataset.status = result.status;
    item.appendChild(removeForm(result.id, name));
    updateNeeded(item.closest(".evidence-slot"));
  }

  // "2 more needed" / "✓ Complete" follows the files checked so far
  function updateNeeded(box) {
    var needed = box && box.querySelector(".slot-needed");
    if (!needed) { return; }
    // a slot staff asked about counts only files added since they asked (data-earlier: before)
    var counted = needed.dataset.counts === "new" ? ".evidence-file[data-status=ready]:not([data-earlier])" : ".evidence-file[data-status=ready]";
    var ready = box.querySelectorAll(counted).length;
    var missing = Math.max(Number(needed.dataset.min || 0) - ready, 0);
    needed.textContent = missing ? needed.dataset.needed.replace("%(n)s", String(missing)) : needed.dataset.complete;
    needed.classList.toggle("text-success-emphasis", missing === 0);
    // the error summary and the steps follow the same count (static/portal/error-summary.js)
    document.dispatchEvent(new CustomEvent("evidence:slot-changed", { detail: { slot: box.dataset.slot, missing: missing } }));
  }

  function uploadOne(form, file, list) {
    var slot = form.querySelector("input[name=slot]").value;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var box = form.closest(".evidence-slot");
    var item = el("li", { "class": "evidence-file border rounded p-2 small" });
    if (file.type.indexOf("image/") === 0) {
      var preview = el("img", { alt: file.name, width: "96", height: "96", "class": "evidence-preview object-fit-cover rounded d-block mb-1" });
      preview.addEventListener("error", function () { dropPreview(item); });  // e.g. a PDF named .jpg
      preview.src = URL.createObjectURL(file);
      item.appendChild(preview);
    }
    var label = el("span", {}, file.name);
    var bar = el("div", { "class": "progress mt-1", role: "progressbar", "aria-label": "Uploading " + file.name, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" });
    var fill = el("div", { "class": "progress-bar", style: "width: 0%" });
    bar.appendChild(fill);
    var state = el("span", { "class": "d-block evidence-state" }, "Uploading…");
    item.appendChild(label); item.appendChild(bar); item.appendChild(state);
    list.appendChild(item);

    var data = new FormData();
    data.append("slot", slot);
    data.append("file", file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", box.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round((event.loaded / event.total) * 100);
      fill.style.width = percent + "%";
      bar.setAttribute("aria-valuenow", String(percent));
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      bar.remove();
      if (xhr.status !== 201) {
        dropPreview(item);
        var message = body.error || (body.errors && body.errors[0] && body.errors[0].error) || "The upload failed; please try again.";
        state.textContent = message;
        state.className = "d-block text-danger-emphasis";
        return;
      }
      var created = body.files[0];
      item.dataset.evidence = created.id;
      state.textContent = "Checking…";
      poll(item, created.id, "/evidence/0/status/", function (result) { showResult(item, result, file.name, state); });
    });
    xhr.addEventListener("error", function () {
      bar.remove();
      dropPreview(item);
      state.textContent = "The connection was interrupted; please try again.";
      state.className = "d-block text-danger-emphasis";
    });
    xhr.addEventListener("loadend", function () { uploadsChanged(-1); });
    uploadsChanged(1);
    xhr.send(data);
  }

  function enhance(form) {
    var inputs = form.querySelectorAll("input[type=file]");  // "Add files", and the camera on phones
    var list = form.closest(".evidence-slot").querySelector(".evidence-files");
    var drop = form.querySelector(".upload-drop");
    var fallback = form.querySelector(".upload-fallback");
    if (fallback) { fallback.hidden = true; }
    // on the draft page the pickers belong to the answers form for the page without
    // JavaScript; here each file goes on its own, and the answers' saves carry no files
    Array.prototype.forEach.call(inputs, function (input) { input.removeAttribute("form"); });
    function send(files, input) {
      Array.prototype.forEach.call(files, function (file) { uploadOne(form, file, list); });
      if (input) { input.value = ""; }
    }
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () { send(input.files, input); });
    });
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("border-primary"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("border-primary"); });
    });
    drop.addEventListener("drop", function (event) { event.preventDefault(); send(event.dataTransfer.files, null); });
    // files picked while the page was still loading: their change event came before us,
    // and the Upload button is hidden now
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.files && input.files.length) { send(input.files, input); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".upload-form").forEach(enhance);
    // files still being checked when the page loaded: update them when ready
    // (in place: the page may be the answer to a POST, which a reload would send again)
    document.querySelectorAll(".evidence-file[data-status=processing]").forEach(function (item) {
      poll(item, item.dataset.evidence, "/evidence/0/status/", function (result) {
        var name = item.dataset.name || result.name || "";
        item.textContent = "";
        var state = el("span", { "class": "d-block evidence-state" });
        item.appendChild(el("span", {}, name));
        item.appendChild(state);
        showResult(item, result, name, state);
      });
    });
  });
})();
