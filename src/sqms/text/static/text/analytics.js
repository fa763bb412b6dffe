// Text analytics page: the word-frequency bar chart. Data comes from the json_script elements
// #word-frequency-data ({labels, values}) and #word-frequency-label (the series name), so the page needs no
// inline script (strict CSP).
(function () {
  "use strict";
  function draw() {
    var dataEl = document.getElementById("word-frequency-data");
    var labelEl = document.getElementById("word-frequency-label");
    var el = document.getElementById("word-frequency");
    if (!window.Chart || !el || !dataEl) return;
    var data = JSON.parse(dataEl.textContent);
    if (!data.labels || !data.labels.length) return;
    new window.Chart(el, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{label: labelEl ? JSON.parse(labelEl.textContent) : "", data: data.values, backgroundColor: "#b91c1c"}]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {legend: {display: false}},
        scales: {x: {ticks: {autoSkip: false, maxRotation: 60}}, y: {beginAtZero: true, ticks: {precision: 0}}}
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
