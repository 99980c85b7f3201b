/* The community tree picker: above each <select data-community-tree> (communities in
   <optgroup>s, each option carrying its path in data-path), one labelled <select> per level
   (city, district, street) narrows the next; the original <select> stays the last level and
   is what the form submits. The level lists are built by picker_levels.js. Without these
   files the grouped <select> works on its own. */
(function () {
  "use strict";
  var levels = window.PickerLevels;

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
    var shown = labels.map(function (_label, index) { return index; }).filter(function (index) {
      var values = {};
      var empty = false;
      known.forEach(function (p) { values[p[index]] = true; if (!p[index]) { empty = true; } });
      return Object.keys(values).length > 1 && !empty;
    });
    if (!shown.length || !levels.claim(select)) { return; }

    var selects = levels.build(select, shown.map(function (level) {
      return { label: labels[level], suffix: "level-" + level };
    }));
    var pickers = shown.map(function (level, index) {
      return { level: level, select: selects[index] };
    });

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
      levels.fill(picker.select, "—", values);
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
