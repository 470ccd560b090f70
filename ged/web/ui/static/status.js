// Document page: while the pipeline runs, show its progress in words; once it is
// over, offer to reload the page (not automatically: an edit may be under way).
(function () {
  "use strict";
  var panel = document.querySelector("[data-status-url]");
  if (!panel || !window.fetch) {
    return;
  }
  var label = panel.querySelector("[data-status-label]");
  var errorLine = panel.querySelector("[data-status-error]");
  var errorText = panel.querySelector("[data-status-error-text]");
  var POLL_MS = 3000;

  function poll() {
    fetch(panel.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (state) {
        label.textContent = state.label;
        errorLine.hidden = !state.error;
        errorText.textContent = state.error || "";
        if (state.final) {
          var link = document.createElement("a");
          link.href = window.location.pathname;
          link.textContent = panel.dataset.msgReload;
          var line = document.createElement("p");
          line.append(link);
          panel.append(line);
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(poll, POLL_MS * 4);
      });
  }
  window.setTimeout(poll, POLL_MS);
})();
