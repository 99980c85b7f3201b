/* Small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Language switcher: submit as soon as a language is chosen.
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("[data-autosubmit-button]");
    if (button) { button.hidden = true; }
  });

  // Two-level category picker: the dimension narrows the services offered, and only the
  // chosen service's extra questions are shown (the others are disabled so they are not sent).
  var dimension = document.querySelector("[data-dimension-select]");
  var service = document.querySelector("[data-service-select]");
  function showExtraFields() {
    var chosen = service ? service.value : "";
    document.querySelectorAll("[data-extra-for]").forEach(function (box) {
      var on = box.getAttribute("data-extra-for") === chosen;
      box.hidden = !on;
      box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
  }
  function filterServices() {
    if (!dimension || !service) { return; }
    var dim = dimension.value;
    service.querySelectorAll("option[data-dimension]").forEach(function (option) {
      var on = !dim || option.getAttribute("data-dimension") === dim;
      option.hidden = !on;
      option.disabled = !on;
    });
    service.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([disabled])");
    });
    var current = service.options[service.selectedIndex];
    if (current && current.disabled) { service.value = ""; }
    showExtraFields();
  }
  if (dimension && service) {
    dimension.addEventListener("change", filterServices);
    service.addEventListener("change", function () {
      var option = service.options[service.selectedIndex];
      if (option && option.getAttribute("data-dimension")) {
        dimension.value = option.getAttribute("data-dimension");
      }
      showExtraFields();
    });
    filterServices();
  }

  // "Select all" on the worker queue.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    var name = box.getAttribute("data-select-all");
    box.addEventListener("change", function () {
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (row) {
        row.checked = box.checked;
      });
    });
  });

  // On a phone, tools the page marks data-fold-on-phone (the queue's further filters and its
  // bulk bar, when nothing in them is set) start folded, so the list starts near the top.
  // Without this script, and at a desktop, they stay open.
  if (window.matchMedia("(max-width: 40rem)").matches) {
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (box) {
      box.open = false;
    });
  }

  // A form shown again with errors: bring its summary (includes/form_errors.html) into view
  // and give it the focus, so a screen reader reads it and Tab leads to the fields named.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Ask before an action that cannot be taken back (core/confirmation.py): the question is
  // the form's data-confirm, or the pressed button's. Agreed, the form says so (confirmed=1)
  // and the server acts; without this script the server asks the same on a page of its own.
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-confirm]") && !form.hasAttribute("data-confirm")) { return; }
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      var asker = button && button.hasAttribute("data-confirm") ? button
        : (form.hasAttribute("data-confirm") ? form : null);
      if (!asker) { return; }
      if (!window.confirm(asker.getAttribute("data-confirm"))) {
        event.preventDefault();
        return;
      }
      var confirmed = form.querySelector('input[name="confirmed"]');
      if (!confirmed) {
        confirmed = document.createElement("input");
        confirmed.type = "hidden";
        confirmed.name = "confirmed";
        form.appendChild(confirmed);
      }
      confirmed.value = "1";
    });
  });
})();
