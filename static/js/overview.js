/* Administrator overview charts, fed by json_script blocks rendered on the page. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0f6e6e", "#d97706", "#2563eb", "#b42318", "#7c3aed", "#15803d", "#db2777",
    "#475569", "#0891b2", "#a16207", "#4d7c0f", "#9333ea"];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var trend = data("demand-trend-data");
  var trendCanvas = document.getElementById("demand-trend-chart");
  if (trend && trendCanvas) {
    // The last month is the current one, counted only so far: its label says "partial", the
    // segment reaching it is dashed and its point hollow, so no line seems to dive to zero.
    var last = trend.labels.length - 1;
    var labels = trend.labels.slice();
    if (trend.partial_label && last >= 0) { labels[last] = trend.partial_label; }
    var partialSegment = function (ctx) {
      return ctx.p1DataIndex === last ? [5, 5] : undefined;
    };
    new Chart(trendCanvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: trend.series.map(function (s, i) {
          var colour = palette[i % palette.length];
          return { label: s.label, data: s.values, borderColor: colour,
            backgroundColor: colour, tension: 0.25,
            pointRadius: s.values.map(function (_, j) { return j === last ? 4 : 2; }),
            pointBackgroundColor: s.values.map(function (_, j) {
              return j === last ? "#ffffff" : colour;
            }),
            segment: { borderDash: partialSegment } };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: trend.y_label } } }
      }
    });
  }

  var byCommunity = data("community-requests-data");
  var barCanvas = document.getElementById("community-requests-chart");
  if (byCommunity && barCanvas) {
    new Chart(barCanvas, {
      type: "bar",
      data: {
        labels: byCommunity.labels,
        datasets: byCommunity.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: palette[i % palette.length] };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, indexAxis: "y",
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { beginAtZero: true, stacked: true }, y: { stacked: true } }
      }
    });
  }
})();
