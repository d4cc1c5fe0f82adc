// Metric pages: draw the Chart.js charts from json_script data, and follow a recompute run.
// Loaded as a static file with the page's CSP nonce; no inline code, no style attributes.
(function () {
  "use strict";

  const palette = {
    new_mrr: "#14804a",
    expansion_mrr: "#4fb37b",
    contraction_mrr: "#e0a030",
    churned_mrr: "#c0352b",
    series: "#2453d4",
    target: "#b7791f",
  };

  function formatter(unit, currency) {
    const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
    return function (value) {
      if (value === null || value === undefined) return "—";
      switch (unit) {
        case "ratio":
          return number.format(value * 100) + "%";
        case "money":
          return currency + " " + number.format(value);
        case "money_per_day":
          return currency + " " + number.format(value) + "/day";
        case "days":
          return number.format(value) + " days";
        case "months":
          return number.format(value) + " months";
        case "multiple":
          return number.format(value) + "×";
        default:
          return number.format(value);
      }
    };
  }

  function readData(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    return source ? JSON.parse(source.textContent) : null;
  }

  function movementsChart(canvas, data) {
    const format = formatter(data.unit, data.currency);
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map((set) => ({
          label: set.label,
          data: set.data,
          backgroundColor: palette[set.key] || palette.series,
          stack: "mrr",
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { stacked: true, ticks: { callback: format } }, x: { stacked: true } },
        plugins: {
          tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ": " + format(ctx.parsed.y) } },
        },
      },
    });
  }

  function seriesChart(canvas, data) {
    const format = formatter(data.unit, data.currency);
    const datasets = [
      {
        label: data.label,
        data: data.data,
        borderColor: palette.series,
        backgroundColor: palette.series,
        spanGaps: false,
        tension: 0.2,
        pointRadius: 3,
      },
    ];
    if (data.target !== null && data.target !== undefined) {
      datasets.push({
        label: "Target",
        data: data.labels.map(() => data.target),
        borderColor: palette.target,
        borderDash: [6, 4],
        pointRadius: 0,
        fill: false,
      });
    }
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { ticks: { callback: format } } },
        plugins: {
          tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ": " + format(ctx.parsed.y) } },
        },
      },
    });
  }

  function drawCharts() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const data = readData(canvas);
      if (!data) return;
      if (canvas.dataset.chartType === "movements") movementsChart(canvas, data);
      else seriesChart(canvas, data);
      canvas.dataset.drawn = "true";
    });
  }

  function followRun() {
    const box = document.getElementById("run-progress");
    if (!box) return;
    const url = box.dataset.statusUrl;
    const bar = box.querySelector("progress");
    const label = box.querySelector(".run-status");
    const hint = box.querySelector(".run-hint");
    let wasDone = null;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((run) => {
          bar.value = run.progress;
          bar.textContent = run.progress + "%";
          label.textContent = run.status_label;
          if (wasDone === null) wasDone = run.done;
          if (!run.done) {
            window.setTimeout(poll, 1500);
          } else if (!wasDone) {
            // It finished while we watched: show the new figures.
            hint.textContent = run.status === "succeeded" ? "Done: reloading…" : "The computation failed.";
            if (run.status === "succeeded") {
              const next = new URL(window.location.href);
              next.searchParams.delete("run");
              window.location.assign(next.toString());
            }
          }
        })
        .catch(() => {
          hint.textContent = "Couldn't read the run's progress; reload the page to try again.";
        });
    }
    poll();
  }

  function start() {
    drawCharts();
    followRun();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
