/* The level lists of the community pickers, shared by community_tree.js (city, district,
   street above a grouped <select>) and area_picker.js (area and community above a typed
   code): one labelled <select> per level, in a box put before the picker's own field, each
   saying which control it fills (aria-controls). The widgets' media list this file before
   either script, so it runs first. */
window.PickerLevels = (function () {
  "use strict";

  function option(label, value) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = label;
    return element;
  }

  /* One <select> per entry of levels ({label, suffix}: its id is the control's id and the
     suffix), returned in order, put before the control's field. */
  function build(control, levels) {
    var box = document.createElement("div");
    box.className = "tree-picker";
    var selects = levels.map(function (level) {
      var wrapper = document.createElement("div");
      wrapper.className = "field tree-picker__level";
      var label = document.createElement("label");
      var select = document.createElement("select");
      select.id = control.id + "-" + level.suffix;
      select.setAttribute("aria-controls", control.id);
      label.htmlFor = select.id;
      label.textContent = level.label;
      wrapper.appendChild(label);
      wrapper.appendChild(select);
      box.appendChild(wrapper);
      return select;
    });
    var field = control.closest(".field") || control;
    field.parentNode.insertBefore(box, field);
    return selects;
  }

  /* A level's options afresh: the "any" option first, then one per value (its own label). */
  function fill(select, anyLabel, values) {
    select.textContent = "";
    select.appendChild(option(anyLabel, ""));
    values.forEach(function (value) { select.appendChild(option(value, value)); });
  }

  /* Whether control is enhanced already (a page that listed a script twice). */
  function claim(control) {
    if (control.hasAttribute("data-picker-enhanced")) { return false; }
    control.setAttribute("data-picker-enhanced", "");
    return true;
  }

  return { option: option, build: build, fill: fill, claim: claim };
})();
