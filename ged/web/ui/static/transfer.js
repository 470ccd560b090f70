// Transfer page: while its package is built, move the progress bar; once the build is
// over (ready or failed), reload the page, which then offers the package or the error.
(function () {
  "use strict";
  var panel = document.querySelector("[data-transfer-url]");
  if (!panel || !window.fetch) {
    return;
  }
  var bar = panel.querySelector("progress");
  var text = panel.querySelector("[data-transfer-progress]");
  var POLL_MS = 2000;

  function show(done, total) {
    bar.max = total;
    bar.value = done;
    bar.textContent = done + " / " + total;
    text.textContent = panel.dataset.msgProgress
      .replace("{done}", String(done))
      .replace("{total}", String(total));
  }

  function poll() {
    fetch(panel.dataset.transferUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (transfer) {
        if (transfer.status !== "building") {
          window.location.reload();
          return;
        }
        if (transfer.progress_total) {
          show(transfer.progress_done, transfer.progress_total);
        }
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        window.setTimeout(poll, POLL_MS * 4);
      });
  }
  window.setTimeout(poll, POLL_MS);
})();
