/* The area picker (residents/community_picker.py): where a person answers for too many
   communities to list, a filter form has an area <select data-area-picker> and a community
   <select data-community-picker>. Without this file the form narrows step by step on each
   submit. With it, choosing an area asks the server for the areas inside it (added below
   the chosen one) and, when it holds few enough, its communities (filling the community
   list), without a page load. An entry form's community is a code typed in
   <input data-community-lookup>; this file puts an area list and a community list before it
   that fill it in (built by picker_levels.js, as the tree picker's level lists are). */
(function () {
  "use strict";
  var levels = window.PickerLevels;
  var option = levels.option;

  function enhance(areaSelect, community, onCommunities) {
    var url = areaSelect.getAttribute("data-url");
    var allMine = community && community.options.length ? community.options[0].textContent : "";

    function fillCommunities(code, data) {
      if (!community) { return; }
      community.textContent = "";
      community.appendChild(option(code ? areaSelect.getAttribute("data-all-label") : allMine, ""));
      if (!data.listed) {
        var hint = option(areaSelect.getAttribute("data-choose-smaller"), "");
        hint.disabled = true;
        community.appendChild(hint);
        return;
      }
      var groups = {};
      data.communities.forEach(function (item) {
        var group = groups[item.group];
        if (!group) {
          group = document.createElement("optgroup");
          group.label = item.group;
          groups[item.group] = group;
          community.appendChild(group);
        }
        group.appendChild(option(item.name, String(item.id)));
      });
      community.value = "";
    }

    function addAreas(data) {
      var index = areaSelect.selectedIndex;
      var known = {};
      Array.prototype.forEach.call(areaSelect.options, function (o) { known[o.value] = true; });
      data.areas.forEach(function (area) {
        if (known[area.code]) { return; }
        index += 1;
        areaSelect.add(option(area.label, area.code), index);
      });
    }

    areaSelect.addEventListener("change", function () {
      var code = areaSelect.value;
      var query = code ? "?area=" + encodeURIComponent(code) : "";
      fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          addAreas(data);
          fillCommunities(code, data);
          if (onCommunities) { onCommunities(data); }
        })
        .catch(function () { /* the form still narrows on submit */ });
    });
  }

  function lookup(input) {
    if (!levels.claim(input)) { return; }
    var selects = levels.build(input, [
      { label: input.getAttribute("data-area-label"), suffix: "area" },
      { label: input.getAttribute("data-community-label"), suffix: "pick" }
    ]);
    var areaSelect = selects[0];
    var community = selects[1];
    areaSelect.setAttribute("data-url", input.getAttribute("data-url"));
    areaSelect.setAttribute("data-all-label", input.getAttribute("data-choose-label"));
    areaSelect.setAttribute("data-choose-smaller", input.getAttribute("data-choose-smaller"));
    areaSelect.appendChild(option(input.getAttribute("data-all-label"), ""));
    community.appendChild(option(input.getAttribute("data-choose-label"), ""));
    var codes = {};
    var url = input.getAttribute("data-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.areas.forEach(function (area) { areaSelect.appendChild(option(area.label, area.code)); });
      })
      .catch(function () { /* the code is typed instead */ });
    // The community list's options carry ids; the field sends the community's code.
    enhance(areaSelect, community, function (data) {
      data.communities.forEach(function (item) { codes[String(item.id)] = item.code; });
    });
    community.addEventListener("change", function () {
      input.value = codes[community.value] || "";
      input.dispatchEvent(new Event("change"));
    });
  }

  document.querySelectorAll("select[data-area-picker]").forEach(function (select) {
    if (!levels.claim(select)) { return; }
    enhance(select, select.form && select.form.querySelector("select[data-community-picker]"));
  });
  document.querySelectorAll("input[data-community-lookup]").forEach(lookup);
})();
