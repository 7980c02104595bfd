// The registration form is sent once: Enter pressed twice (or a double click) at the counter
// used to register the same complaint twice. The look-up button is not a registration.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=registration-form]");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.name === "lookup") {
      return;
    }
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
  });
  // A page brought back with the Back button may register again.
  window.addEventListener("pageshow", function () {
    delete form.dataset.sending;
  });
})();
