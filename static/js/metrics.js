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

  // Numbers are written in the page's language (<html lang>), as the server writes them
  // (both follow CLDR: pl "12 400 USD", fa Persian digits); the chart data stays plain numbers.
  const pageLanguage = document.documentElement.lang || undefined;
  const rightToLeft = document.documentElement.dir === "rtl";

  function numberFormat(options) {
    try {
      return new Intl.NumberFormat(pageLanguage, options);
    } catch (error) {
      return new Intl.NumberFormat(undefined, options); // a browser without that locale
    }
  }

  function formatter(data) {
    const unit = data.unit;
    const plain = numberFormat({ maximumFractionDigits: 2 });
    const percent = numberFormat({ style: "percent", maximumFractionDigits: 1 });
    const money = (digits) =>
      numberFormat({
        style: "currency",
        currency: data.currency,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    const wholeMoney = money(0);
    const cents = money(2);
    const days = numberFormat({ style: "unit", unit: "day", unitDisplay: "long", maximumFractionDigits: 1 });
    const months = numberFormat({ style: "unit", unit: "month", unitDisplay: "long", maximumFractionDigits: 1 });
    // "{0} per day" in the reader's language, from the server (Intl has no money-per-day unit).
    const perDay = (data.words && data.words.per_day) || "{0}";
    const amount = (value) => (Math.abs(value) >= 1000 ? wholeMoney : cents).format(value);
    return function (value) {
      if (value === null || value === undefined) return "—";
      switch (unit) {
        case "ratio":
          return percent.format(value);
        case "money":
          return amount(value);
        case "money_per_day":
          return perDay.replace("{0}", amount(value));
        case "days":
          return days.format(value);
        case "months":
          return months.format(value);
        case "multiple":
          return plain.format(value) + "×";
        default:
          return plain.format(value);
      }
    };
  }

  // Legends and tooltips read right to left in fa; the axes keep time running left to right.
  function textOptions(format) {
    return {
      legend: { rtl: rightToLeft, textDirection: rightToLeft ? "rtl" : "ltr" },
      tooltip: {
        rtl: rightToLeft,
        textDirection: rightToLeft ? "rtl" : "ltr",
        callbacks: { label: (ctx) => ctx.dataset.label + ": " + format(ctx.parsed.y) },
      },
    };
  }

  function readData(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    return source ? JSON.parse(source.textContent) : null;
  }

  function movementsChart(canvas, data) {
    const format = formatter(data);
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
        plugins: textOptions(format),
      },
    });
  }

  function seriesChart(canvas, data) {
    const format = formatter(data);
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
        label: (data.words && data.words.target) || "Target",
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
        plugins: textOptions(format),
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

  const progressPercent = numberFormat({ style: "percent" });

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
          bar.textContent = progressPercent.format(run.progress / 100);
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
