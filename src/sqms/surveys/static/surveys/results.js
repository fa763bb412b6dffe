/* The survey results page (surveys/results.html): responses by day as a bar chart, from the page's
   json_script block "by-day-data" ({labels, values, label}); no inline script (strict CSP). */
(function () {
  var holder = document.getElementById("by-day-data");
  if (!holder || !window.Chart) return;
  var data = JSON.parse(holder.textContent);
  if (!data.labels.length) return;
  new Chart(document.getElementById("by-day"), {type: "bar", data: {labels: data.labels, datasets: [{label: data.label, data: data.values, backgroundColor: "#b91c1c"}]}, options: {animation: false, plugins: {legend: {display: false}},
    // counts of responses: bars from zero, whole-number ticks (not 0.1, 0.2, …)
    scales: {x: {ticks: {maxTicksLimit: 12}}, y: {beginAtZero: true, ticks: {precision: 0}}}}});
})();
