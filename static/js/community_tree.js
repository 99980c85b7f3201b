/* The community tree picker: above each <select data-community-tree> (communities in
   <optgroup>s, each option carrying its path in data-path), one labelled <select> per level
   (city, district, street) narrows the next; the original <select> stays the last level and
   is what the form submits. Without this file the grouped <select> works on its own. */
(function () {
  "use strict";

  function paths(select) {
    return Array.prototype.map.call(select.options, function (option) {
      var raw = option.getAttribute("data-path");
      return raw ? JSON.parse(raw) : null;
    });
  }

  function enhance(select) {
    var labels = JSON.parse(select.getAttribute("data-levels") || "[]");
    var optionPaths = paths(select);
    var known = optionPaths.filter(function (p) { return p; });
    // Only the levels that tell communities apart: more than one value, none empty.
    var levels = labels.map(function (_label, index) { return index; }).filter(function (index) {
      var values = {};
      var empty = false;
      known.forEach(function (p) { values[p[index]] = true; if (!p[index]) { empty = true; } });
      return Object.keys(values).length > 1 && !empty;
    });
    if (!levels.length) { return; }

    var box = document.createElement("div");
    box.className = "tree-picker";
    var pickers = levels.map(function (level) {
      var wrapper = document.createElement("div");
      wrapper.className = "field tree-picker__level";
      var label = document.createElement("label");
      var picker = document.createElement("select");
      picker.id = select.id + "-level-" + level;
      picker.setAttribute("aria-controls", select.id);
      label.htmlFor = picker.id;
      label.textContent = labels[level];
      wrapper.appendChild(label);
      wrapper.appendChild(picker);
      box.appendChild(wrapper);
      return { level: level, select: picker };
    });
    var field = select.closest(".field") || select;
    field.parentNode.insertBefore(box, field);

    function chosen(upTo) {
      return pickers.slice(0, upTo).map(function (p) { return { level: p.level, value: p.select.value }; });
    }
    function matches(path, conditions) {
      return conditions.every(function (c) { return !c.value || path[c.level] === c.value; });
    }
    function fill(index, keep) {
      var picker = pickers[index];
      var conditions = chosen(index);
      var values = [];
      known.forEach(function (p) {
        if (matches(p, conditions) && values.indexOf(p[picker.level]) < 0) { values.push(p[picker.level]); }
      });
      values.sort();
      picker.select.textContent = "";
      var any = document.createElement("option");
      any.value = "";
      any.textContent = "—";
      picker.select.appendChild(any);
      values.forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value;
        picker.select.appendChild(option);
      });
      picker.select.value = values.indexOf(keep) >= 0 ? keep : (values.length === 1 ? values[0] : "");
    }
    function narrow() {
      var conditions = chosen(pickers.length);
      Array.prototype.forEach.call(select.options, function (option, i) {
        var p = optionPaths[i];
        if (!p) { return; }
        var on = matches(p, conditions);
        option.hidden = !on;
        option.disabled = !on;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([disabled])");
      });
      var current = select.options[select.selectedIndex];
      if (current && current.disabled) {
        select.value = "";
        select.dispatchEvent(new Event("change"));
      }
    }
    function refill(from, path) {
      for (var i = from; i < pickers.length; i += 1) { fill(i, path ? path[pickers[i].level] : ""); }
      narrow();
    }
    pickers.forEach(function (picker, index) {
      picker.select.addEventListener("change", function () { refill(index + 1, null); });
    });
    select.addEventListener("change", function () {
      var p = optionPaths[select.selectedIndex];
      if (p) { refill(0, p); }
    });
    refill(0, optionPaths[select.selectedIndex]);
  }

  document.querySelectorAll("select[data-community-tree]").forEach(enhance);
})();
