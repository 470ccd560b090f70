// Upload page: each file goes to POST /api/v1/documents on its own, with a progress
// bar, then its pipeline status is followed until it is final. Files are sent one
// after the other: each is filed in one database transaction, so parallel sends
// would only wait for each other (SQLite has one writer) and split the bandwidth.
// Without this script the form still works: it posts every file in one request.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.fetch) {
    return;
  }
  var zone = document.getElementById("drop-zone");
  var input = document.getElementById("file");
  var list = document.getElementById("upload-list");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var text = form.dataset;
  var POLL_MS = 1500;
  var waiting = [];
  var sending = false;

  function urlFor(template, id) {
    return template.replace("/0", "/" + id);
  }

  function line(className, content) {
    var element = document.createElement("p");
    element.className = className;
    element.textContent = content;
    return element;
  }

  function finish(item, status, message, ok) {
    status.textContent = message;
    item.classList.add(ok ? "done" : "failed");
    item.dataset.final = "true";
  }

  function follow(id, item, status) {
    fetch(urlFor(text.statusTemplate, id), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (state) {
        item.dataset.status = state.status;
        var message = state.label + (state.error ? " — " + state.error : "");
        if (state.final) {
          finish(item, status, message, state.status === "done");
        } else {
          status.textContent = message;
          window.setTimeout(follow, POLL_MS, id, item, status);
        }
      })
      .catch(function () {
        // The server may be restarting: keep asking, less often.
        window.setTimeout(follow, POLL_MS * 4, id, item, status);
      });
  }

  function addFile(file) {
    var item = document.createElement("li");
    item.className = "upload-item";
    var name = line("upload-name", file.name);
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", text.msgProgress.replace("{name}", file.name));
    var status = line("upload-status", text.msgWaiting);
    item.append(name, bar, status);
    list.append(item);
    waiting.push({ file: file, item: item, name: name, bar: bar, status: status });
    sendNext();
  }

  function sendNext() {
    if (sending || !waiting.length) {
      return;
    }
    sending = true;
    var next = waiting.shift();
    send(next.file, next.item, next.name, next.bar, next.status);
  }

  function sent() {
    sending = false;
    sendNext();
  }

  function send(file, item, name, bar, status) {
    status.textContent = text.msgSending;
    var data = new FormData();
    data.append("file", file);
    ["unit", "document_type", "tags"].forEach(function (field) {
      var value = form.elements[field].value;
      if (value) {
        data.append(field, value);
      }
    });
    ["split", "drop_blank"].forEach(function (field) {
      if (form.elements[field].checked) {
        data.append(field, form.elements[field].value);
      }
    });
    var request = new XMLHttpRequest();
    request.open("POST", text.api);
    // The session cookie authenticates this call, so the API asks for the CSRF token.
    request.setRequestHeader("X-CSRFToken", token);
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "json";
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        bar.value = Math.round((event.loaded * 100) / event.total);
      }
    });
    request.addEventListener("loadend", sent);
    request.addEventListener("load", function () {
      var body = request.response || {};
      if (request.status === 202 && body.segments) {
        // A scanned batch: a worker splits it; its page follows the split.
        bar.value = 100;
        var batchLink = document.createElement("a");
        batchLink.href = urlFor(text.batchTemplate, body.id);
        batchLink.textContent = text.msgOpenBatch;
        name.append(" — ", batchLink);
        finish(item, status, text.msgBatch, true);
      } else if (request.status === 202) {
        bar.value = 100;
        var link = document.createElement("a");
        link.href = urlFor(text.documentTemplate, body.id);
        link.textContent = text.msgOpen;
        name.append(" — ", link);
        status.textContent = text.msgSent;
        follow(body.id, item, status);
      } else {
        finish(item, status, text.msgRefused + " " + (body.detail || request.statusText), false);
      }
    });
    request.addEventListener("error", function () {
      finish(item, status, text.msgNetwork, false);
    });
    request.send(data);
  }

  function sendAll(files) {
    Array.prototype.forEach.call(files, addFile);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendAll(input.files);
    input.value = "";
  });
  input.addEventListener("change", function () {
    sendAll(input.files);
    input.value = "";
  });
  zone.addEventListener("dragover", function (event) {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", function () {
    zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    sendAll(event.dataTransfer.files);
  });
})();
