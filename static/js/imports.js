// Import progress: polls the job's status.json and reloads the page when the job is done.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) { return; }
  var url = bar.getAttribute("data-status-url");
  var label = document.getElementById("import-progress-label");
  // The percentage in the page's language (fa: Persian digits).
  var percent = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" });

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = percent.format(data.progress / 100);
        if (label) { label.textContent = data.status_label + " — " + percent.format(data.progress / 100); }
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
