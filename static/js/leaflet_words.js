/* A Leaflet map whose own words read in the page's language: the zoom buttons' titles (also
   their accessible names) and the title of Leaflet's attribution link. The map's element
   carries them, translated, in data-zoom-in, data-zoom-out and data-leaflet-title; a word it
   lacks stays Leaflet's English. Loaded before the scripts that draw maps. */
(function () {
  "use strict";
  window.localisedLeafletMap = function (element, options) {
    var text = element.dataset;
    var map = L.map(element, Object.assign({}, options, { zoomControl: false }));
    var zoom = {};
    if (text.zoomIn) { zoom.zoomInTitle = text.zoomIn; }
    if (text.zoomOut) { zoom.zoomOutTitle = text.zoomOut; }
    L.control.zoom(zoom).addTo(map);
    // Only the link's title changes: Leaflet's prefix (its link and mark) stays as it is.
    var prefix = map.attributionControl.options.prefix;
    if (text.leafletTitle && typeof prefix === "string") {
      var holder = document.createElement("div");
      holder.innerHTML = prefix;
      var link = holder.querySelector("a");
      if (link) {
        link.title = text.leafletTitle;
        map.attributionControl.setPrefix(holder.innerHTML);
      }
    }
    return map;
  };
})();
