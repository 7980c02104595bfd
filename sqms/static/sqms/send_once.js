// Forms marked data-send-once are sent once: Enter pressed twice or a double click used to
// register the same complaint twice, or add the same comment twice, while the first request
// ran. A button marked data-send-again (the registration's customer look-up) is exempt.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-send-once")) {
      return;
    }
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-send-again")) {
      return;
    }
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
  });
  // A page brought back with the Back button may send again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
    });
  });
})();
