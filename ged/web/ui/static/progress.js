// A page following a job (a transfer's package, a bulk change): while the job's status is
// one of data-progress-while, move the progress bar from the JSON at data-progress-url
// (its fields data-progress-done and data-progress-total); once it is over, reload the
// page, which then shows the result. Without JavaScript, the page says to reload it.
(function () {
  "use strict";
  var panel = document.querySelector("[data-progress-url]");
  if (!panel || !window.fetch) {
    return;
  }
  var bar = panel.querySelector("progress");
  var text = panel.querySelector("[data-progress-text]");
  var running = panel.dataset.progressWhile.split(" ");
  var doneKey = panel.dataset.progressDone;
  var totalKey = panel.dataset.progressTotal;
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
    fetch(panel.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (job) {
        if (running.indexOf(job.status) === -1) {
          window.location.reload();
          return;
        }
        if (job[totalKey]) {
          show(job[doneKey], job[totalKey]);
        }
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        window.setTimeout(poll, POLL_MS * 4);
      });
  }
  window.setTimeout(poll, POLL_MS);
})();
