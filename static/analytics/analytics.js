/* Analytics pages: the live progress bar of a run, and the charts (Chart.js, vendored).
   Every page works without this file: the figures are also in tables. */
(function () {
  "use strict";

  // Progress: poll the run's JSON endpoint every second; reload once it has finished, so the
  // page shows the result (or the error).
  var box = document.querySelector("[data-progress-url]");
  if (box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var message = box.querySelector("[data-progress-message]");
    var status = document.querySelector("[data-run-status]");
    var poll = function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
          if (text) { text.textContent = data.progress + "%"; }
          if (message) { message.textContent = data.progress_message || ""; }
          if (status) {
            status.textContent = data.status_display;
            status.className = "badge badge--" + data.status;
          }
          (data.parts || []).forEach(function (part) {
            var row = document.querySelector('[data-part="' + part.partition + '"]');
            if (!row) { return; }
            var bar = row.querySelector("progress");
            if (bar) { bar.value = part.progress; bar.textContent = part.progress + "%"; }
            var badge = row.querySelector("[data-part-status]");
            if (badge) {
              badge.textContent = part.status_display;
              badge.className = "badge badge--" + part.status;
            }
            var percent = row.querySelector("[data-part-progress]");
            if (percent) { percent.textContent = part.progress + "%"; }
            var note = row.querySelector("[data-part-message]");
            if (note) { note.textContent = part.progress_message || ""; }
          });
          if (data.finished) { window.location.reload(); return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 1000);
  }

  if (typeof Chart === "undefined") { return; }
  var palette = ["#0f6e6e", "#d97706", "#2563eb", "#b42318", "#7c3aed", "#15803d", "#db2777",
    "#475569", "#0891b2", "#a16207", "#4d7c0f", "#9333ea"];
  var base = { responsive: true, maintainAspectRatio: false, animation: false };

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function groupedBar(canvas, d) {
    var horizontal = canvas.getAttribute("data-horizontal") === "true";
    var valueAxis = { beginAtZero: true, title: { display: !!d.y_label, text: d.y_label } };
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: d.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: s.color || palette[i % palette.length] };
        })
      },
      options: Object.assign({}, base, {
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: horizontal ? { x: valueAxis, y: { ticks: { autoSkip: false, font: { size: 11 } } } }
          : { y: valueAxis }
      })
    });
  }

  function needs(canvas, d) {
    var color = canvas.getAttribute("data-color") || palette[0];
    new Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: d.label || "", data: d.values, backgroundColor: color }] },
      options: Object.assign({}, base, {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, title: { display: !!d.x_label, text: d.x_label } },
          y: { ticks: { autoSkip: false, font: { size: 11 } } } }
      })
    });
  }

  function forecast(canvas, d) {
    new Chart(canvas, {
      type: "line",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.names.lower, data: d.lower, borderColor: "rgba(217,119,6,0.4)",
            backgroundColor: "rgba(217,119,6,0.15)", pointRadius: 0, borderWidth: 1, fill: false },
          { label: d.names.upper, data: d.upper, borderColor: "rgba(217,119,6,0.4)",
            backgroundColor: "rgba(217,119,6,0.18)", pointRadius: 0, borderWidth: 1, fill: "-1" },
          { label: d.names.forecast, data: d.forecast, borderColor: "#d97706",
            backgroundColor: "#d97706", borderDash: [6, 4], pointRadius: 3, tension: 0.2 },
          { label: d.names.actual, data: d.actual, borderColor: "#0f6e6e",
            backgroundColor: "#0f6e6e", pointRadius: 2, tension: 0.2 }
        ]
      },
      options: Object.assign({}, base, {
        spanGaps: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: d.y_label } } }
      })
    });
  }

  function lines(canvas, d) {
    new Chart(canvas, {
      type: "line",
      data: {
        labels: d.labels,
        datasets: d.series.map(function (s, i) {
          return { label: s.label, data: s.values, borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length], tension: 0.25, pointRadius: 2 };
        })
      },
      options: Object.assign({}, base, {
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { y: { beginAtZero: !!d.begin_at_zero, title: { display: !!d.y_label, text: d.y_label } } }
      })
    });
  }

  // The price of fairness: requests covered (y) against the lowest community's coverage (x);
  // the efficient plans joined by a line, the recommended plan and the baseline marked.
  function frontier(canvas, d) {
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: d.series.map(function (s) {
          return { label: s.label, data: s.points, borderColor: s.color, backgroundColor: s.color,
            showLine: !!s.line, pointStyle: s.marker || "circle",
            pointRadius: s.marker ? 9 : 4, borderWidth: s.line ? 2 : 1 };
        })
      },
      options: Object.assign({}, base, {
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12, usePointStyle: true } } },
        scales: {
          x: { title: { display: true, text: d.x_label } },
          y: { title: { display: true, text: d.y_label } }
        }
      })
    });
  }

  // A chart's height computed on the server (its number of rows) arrives as a data attribute:
  // the Content-Security-Policy allows no style attributes in the markup.
  document.querySelectorAll(".chart-box[data-height-rem]").forEach(function (box) {
    var rem = parseFloat(box.getAttribute("data-height-rem"));
    if (rem > 0) { box.style.height = rem + "rem"; }
  });

  var renderers = { "grouped-bar": groupedBar, needs: needs, forecast: forecast, lines: lines,
    frontier: frontier };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var d = data(canvas.getAttribute("data-chart"));
    var render = renderers[canvas.getAttribute("data-chart-type")];
    if (d && render) { render(canvas, d); }
  });
})();
