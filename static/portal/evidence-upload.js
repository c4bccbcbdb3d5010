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

  function poll(item, id, statusUrlBase, done) {
    var tries = 0;
    function check() {
      tries += 1;
      fetch(statusUrlBase.replace("0", id), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.status === "processing" && tries < 120) { setTimeout(check, 1000); return; }
          done(data);
        })
        .catch(function () { if (tries < 120) { setTimeout(check, 2000); } });
    }
    check();
  }

  function uploadOne(form, file, list) {
    var slot = form.querySelector("input[name=slot]").value;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var box = form.closest(".evidence-slot");
    var item = el("li", { "class": "evidence-file border rounded p-2 small" });
    if (file.type.indexOf("image/") === 0) {
      var preview = el("img", { alt: file.name, width: "96", height: "96", "class": "object-fit-cover rounded d-block mb-1" });
      preview.src = URL.createObjectURL(file);
      item.appendChild(preview);
    }
    var label = el("span", {}, file.name);
    var bar = el("div", { "class": "progress mt-1", role: "progressbar", "aria-label": "Uploading " + file.name, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" });
    var fill = el("div", { "class": "progress-bar", style: "width: 0%" });
    bar.appendChild(fill);
    var state = el("span", { "class": "d-block" }, "Uploading…");
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
        var message = body.error || (body.errors && body.errors[0] && body.errors[0].error) || "The upload failed; please try again.";
        state.textContent = message;
        state.className = "d-block text-danger-emphasis";
        return;
      }
      var created = body.files[0];
      item.dataset.evidence = created.id;
      state.textContent = "Checking…";
      poll(item, created.id, "/evidence/0/status/", function (result) {
        if (result.status === "ready") {
          state.textContent = "Ready";
          state.className = "d-block text-success-emphasis";
          var thumb = item.querySelector("img");
          if (!thumb) { thumb = el("img", { alt: file.name, width: "96", height: "96", "class": "object-fit-cover rounded d-block mb-1" }); item.insertBefore(thumb, label); }
          thumb.src = "/evidence/" + created.id + "/thumb/";
        } else {
          state.textContent = result.reason || "This file was not accepted.";
          state.className = "d-block text-danger-emphasis";
        }
      });
    });
    xhr.addEventListener("error", function () {
      bar.remove();
      state.textContent = "The connection was interrupted; please try again.";
      state.className = "d-block text-danger-emphasis";
    });
    xhr.send(data);
  }

  function enhance(form) {
    var input = form.querySelector("input[type=file]");
    var list = form.closest(".evidence-slot").querySelector(".evidence-files");
    var drop = form.querySelector(".upload-drop");
    var fallback = form.querySelector(".upload-fallback");
    if (fallback) { fallback.hidden = true; }
    function send(files) { Array.prototype.forEach.call(files, function (file) { uploadOne(form, file, list); }); input.value = ""; }
    input.addEventListener("change", function () { send(input.files); });
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("border-primary"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("border-primary"); });
    });
    drop.addEventListener("drop", function (event) { event.preventDefault(); send(event.dataTransfer.files); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".upload-form").forEach(enhance);
    // files still being checked when the page loaded: update them when ready
    document.querySelectorAll(".evidence-file[data-status=processing]").forEach(function (item) {
      poll(item, item.dataset.evidence, "/evidence/0/status/", function () { window.location.reload(); });
    });
  });
})();
