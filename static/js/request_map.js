/* The request map: Leaflet with clustered, status-coloured markers, fed by a json_script
   block. Without a configured tile source no tile layer is added, so the page asks no other
   host for anything: communities and requests are drawn on a plain background. */
(function () {
  "use strict";
  var element = document.getElementById("request-map");
  var source = document.getElementById("request-map-data");
  if (!element || !source || typeof L === "undefined" || !window.localisedLeafletMap) { return; }
  var data = JSON.parse(source.textContent);
  var text = element.dataset;
  // Leaflet writes a string given to a tooltip as HTML; names are data (an administrator
  // writes a community's), so tooltips get an element holding them as text.
  function asText(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }

  // Without a tile layer the map has no zoom range of its own: give it one.
  var map = window.localisedLeafletMap(element, { minZoom: 3, maxZoom: 18 });
  if (data.tiles) {
    var options = { maxZoom: 18 };
    if (data.tiles.attribution) { options.attribution = data.tiles.attribution; }
    L.tileLayer(data.tiles.url, options).addTo(map);
  }

  // A map needs its view before vector layers are added to it.
  var bounds = data.communities.map(function (c) { return [c.lat, c.lon]; })
    .concat(data.points.map(function (p) { return [p.lat, p.lon]; }));
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  } else {
    map.setView([35.0, 105.0], 4);
  }

  // District outlines on the plain background (none with tiles, which draw their own):
  // shipped shapes solid, convex hulls of the communities dashed; both are approximate.
  (data.outlines || []).forEach(function (d) {
    var hull = d.source === "hull";
    var shape = L.polygon(d.rings, {
      color: "#64748b", weight: 1.2, opacity: 0.9, fill: true, fillColor: "#e2e8f0",
      fillOpacity: hull ? 0.15 : 0.35, dashArray: hull ? "4 4" : null,
      interactive: false, className: "map-district map-district--" + d.source
    });
    shape.addTo(map);
    L.tooltip({ permanent: true, direction: "center", className: "map-district-label" })
      .setLatLng(shape.getBounds().getCenter())
      .setContent(asText(d.name + (hull ? " (" + text.outlineApproximate + ")" : "")))
      .addTo(map);
  });

  data.communities.forEach(function (c) {
    var marker = L.circleMarker([c.lat, c.lon], {
      radius: 11, color: "#0f6e6e", weight: 2.5, fillOpacity: 0,
      className: "map-community"
    });
    marker.bindTooltip(asText(c.name + " · " + c.open + " " + text.communityOpen));
    marker.addTo(map);
  });

  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 40, disableClusteringAtZoom: 17
  });
  data.points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lon], {
      radius: 7, color: "#ffffff", weight: 1.5, fillColor: p.colour, fillOpacity: 0.95,
      className: "map-request map-request--" + p.status
    });
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = "#" + p.id + " " + p.category;
    popup.appendChild(link);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(document.createTextNode(p.status_label +
      (p.withheld ? " · " + text.popupWithheld : (p.at_community ? " · " + text.popupCommunity : ""))));
    marker.bindPopup(popup);
    clusters.addLayer(marker);
  });
  map.addLayer(clusters);
  element.dataset.ready = "true";
})();
