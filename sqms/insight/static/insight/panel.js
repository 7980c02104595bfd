// "Apply" buttons of the suggestion panel: copy a suggestion into the registration form.
// Nothing is applied without a click, and the agent can change it afterwards.
(function () {
  if (window.sqmsInsightPanel) return;
  window.sqmsInsightPanel = true;
  function check(name, value) {
    var input = document.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (input) { input.checked = true; input.dispatchEvent(new Event("change", { bubbles: true })); }
  }
  // Typing in the title or description asks the panel for fresh suggestions; the panel's
  // hx-trigger debounces ("insight-typed delay:400ms"), and unchanged text asks nothing.
  var lastText = null;
  function typed(event) {
    var target = event.target;
    if (!target || (target.id !== "id_title" && target.id !== "id_description")) return;
    var title = document.getElementById("id_title");
    var description = document.getElementById("id_description");
    var text = (title ? title.value : "") + "\n" + (description ? description.value : "");
    if (text === lastText) return;
    lastText = text;
    var panel = document.getElementById("insight-panel");
    if (panel) panel.dispatchEvent(new CustomEvent("insight-typed"));
  }
  document.addEventListener("input", typed);
  document.addEventListener("keyup", typed);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insight-category], [data-insight-impact]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.insightCategory) {
      var select = document.getElementById("id_category");
      if (select) { select.value = button.dataset.insightCategory; select.dispatchEvent(new Event("change", { bubbles: true })); }
    }
    if (button.dataset.insightImpact) {
      check("impact", button.dataset.insightImpact);
      check("urgency", button.dataset.insightUrgency);
    }
    button.classList.replace("btn-outline-primary", "btn-primary");
  });
})();
