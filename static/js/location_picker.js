/* The request form's location picker: click the map (Leaflet; the configured tiles, or a
   plain background with the communities as landmarks) or ask the device (Geolocation) to
   fill the latitude and longitude fields, which also take typed values and are what the
   form sends. Points clicked on GCJ-02 tiles are sent with location_datum=gcj02 and
   converted to WGS-84 by the server; the device gives WGS-84. Without this file the fields
   are typed. */
(function () {
  "use strict";
  var element = document.getElementById("location-map");
  var source = document.getElementById("location-picker-data");
  if (!element || !source || typeof L === "undefined" || !window.localisedLeafletMap) { return; }
  var data = JSON.parse(source.textContent);
  var text = element.dataset;
  // Leaflet writes a string given to a tooltip as HTML; a community's name is data (an
  // administrator writes it), so the tooltip gets an element holding it as text.
  function asText(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }
  var form = element.closest("form");
  var lat = form.querySelector('[data-location="latitude"]');
  var lon = form.querySelector('[data-location="longitude"]');
  var datum = form.querySelector('[data-location="datum"]');
  var status = form.querySelector("[data-location-status]");
  var tools = form.querySelector("[data-location-tools]");
  var community = form.querySelector('select[name="community"]');
  var tileDatum = data.tiles && data.tiles.coordinates === "gcj02" ? "gcj02" : "wgs84";

  element.hidden = false;
  tools.hidden = false;
  var map = window.localisedLeafletMap(element, { minZoom: 3, maxZoom: 18 });
  if (data.tiles) {
    var options = { maxZoom: 18 };
    if (data.tiles.attribution) { options.attribution = data.tiles.attribution; }
    L.tileLayer(data.tiles.url, options).addTo(map);
  }
  var byId = {};
  data.communities.forEach(function (c) { byId[String(c.id)] = c; });

  function centre() {
    var chosen = community && byId[community.value];
    if (chosen) {
      map.setView([chosen.lat, chosen.lon], 15);
    } else if (data.communities.length) {
      map.fitBounds(data.communities.map(function (c) { return [c.lat, c.lon]; }),
        { padding: [24, 24], maxZoom: 15 });
    } else {
      map.setView([35.0, 105.0], 4);
    }
  }
  centre();
  data.communities.forEach(function (c) {
    L.circleMarker([c.lat, c.lon], {
      radius: 10, color: "#0f6e6e", weight: 2, fillOpacity: 0, interactive: false
    }).bindTooltip(asText(c.name), { permanent: !data.tiles, direction: "top", className: "map-community-label" })
      .addTo(map);
  });

  var marker = null;
  function show(latitude, longitude, how) {
    if (!marker) {
      marker = L.circleMarker([latitude, longitude], {
        radius: 8, color: "#ffffff", weight: 2, fillColor: "#b42318", fillOpacity: 1
      }).addTo(map);
    } else {
      marker.setLatLng([latitude, longitude]);
    }
    // The label and its colon as the page's language writes them ("Location set: …",
    // "已设置位置：…").
    status.textContent = text.picked.replace(
      "{point}", latitude.toFixed(6) + ", " + longitude.toFixed(6)
    ) + (how ? " (" + how + ")" : "");
  }
  function set(latitude, longitude, pointDatum) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    datum.value = pointDatum;
    show(latitude, longitude, "");
  }

  map.on("click", function (event) {
    set(event.latlng.lat, event.latlng.lng, tileDatum);
  });
  form.querySelector("[data-location-device]").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = text.unsupported; return; }
    status.textContent = text.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      set(position.coords.latitude, position.coords.longitude, "wgs84");
      map.setView([position.coords.latitude, position.coords.longitude], 16);
    }, function () {
      status.textContent = text.denied;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  form.querySelector("[data-location-clear]").addEventListener("click", function () {
    lat.value = "";
    lon.value = "";
    datum.value = "wgs84";
    if (marker) { map.removeLayer(marker); marker = null; }
    status.textContent = text.cleared;
  });
  // Typed values: WGS-84, shown as they are.
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      datum.value = "wgs84";
      var a = parseFloat(lat.value);
      var b = parseFloat(lon.value);
      if (!isNaN(a) && !isNaN(b)) { show(a, b, ""); }
    });
  });
  if (community) { community.addEventListener("change", centre); }
  // A form shown again after an error keeps its point.
  if (lat.value && lon.value) {
    show(parseFloat(lat.value), parseFloat(lon.value), "");
    map.setView([parseFloat(lat.value), parseFloat(lon.value)], 15);
  }
  element.dataset.ready = "true";
})();
