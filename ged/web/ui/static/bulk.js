// Search results' bulk form: show only the fields of the action chosen (without
// JavaScript, all of them show, and the ones of other actions are ignored).
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) {
    return;
  }
  var action = form.querySelector("#bulk-action");
  var fields = form.querySelectorAll("[data-bulk-action]");
  var hint = form.querySelector("#bulk-hint");

  function show() {
    fields.forEach(function (field) {
      field.hidden = field.dataset.bulkAction.split(" ").indexOf(action.value) === -1;
    });
    hint.hidden = true;
  }
  action.addEventListener("change", show);
  show();
})();
