/* The survey analysis page (surveys/analysis.html): polls the background computation while the report is
   running, and draws the charts of a ready report. Data come from json_script blocks of the page (no
   inline script, so the back office can run under a strict Content-Security-Policy). */
(function () {
  var holder = document.getElementById("analysis-status-url");
  if (!holder) return;
  var url = JSON.parse(holder.textContent);
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.status === "ready") { window.location.reload(); return; }
      var pct = Math.round(100 * (s.done || 0));
      document.getElementById("analysis-progress").value = pct;
      document.getElementById("analysis-percent").textContent = pct;
      document.getElementById("analysis-step").textContent = s.label;
      if (s.status === "failed") { document.getElementById("analysis-step").textContent = s.label + ": " + s.error; return; }
      setTimeout(poll, 2000);
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();
(function () {
  var holder = document.getElementById("analysis-charts");
  if (!holder) return;
  var data = JSON.parse(holder.textContent);
  var L = data.labels;
  window.sqmsCharts = {};
  if (!window.Chart) return;
  function make(id, config) {
    var el = document.getElementById(id);
    if (el) window.sqmsCharts[id] = new Chart(el, config);
  }
  var base = {responsive: true, maintainAspectRatio: false, animation: false};
  if (data.scree) {
    make("chart-scree", {type: "line", data: {labels: data.scree.labels, datasets: [
      {label: L.eigenvalue, data: data.scree.values, borderColor: "#b91c1c", backgroundColor: "#b91c1c"},
      {label: "1", data: data.scree.labels.map(function () { return 1; }), borderColor: "#9ca3af", borderDash: [4, 4], pointRadius: 0}
    ]}, options: Object.assign({}, base, {plugins: {legend: {display: false}}, scales: {x: {title: {display: true, text: L.component}}, y: {title: {display: true, text: L.eigenvalue}}}})});
  }
  if (data.gap) {
    make("chart-gap", {type: "bar", data: {labels: data.gap.labels, datasets: [
      {label: L.gap, data: data.gap.gap, backgroundColor: data.gap.gap.map(function (v) { return v < 0 ? "#dc2626" : "#16a34a"; })}
    ]}, options: Object.assign({}, base, {plugins: {legend: {display: false}, tooltip: {callbacks: {afterLabel: function (c) {
      return L.perception + " " + data.gap.perception[c.dataIndex].toFixed(2) + " · " + L.expectation + " " + data.gap.expectation[c.dataIndex].toFixed(2);
    }}}}, scales: {y: {title: {display: true, text: L.gap}}}})});
  }
  if (data.ipa) {
    var pts = data.ipa.points, xs = pts.map(function (p) { return p.x; }), ys = pts.map(function (p) { return p.y; });
    var cx = data.ipa.cross[0], cy = data.ipa.cross[1];
    var x0 = Math.min.apply(null, xs.concat([cx])), x1 = Math.max.apply(null, xs.concat([cx]));
    var y0 = Math.min.apply(null, ys.concat([cy])), y1 = Math.max.apply(null, ys.concat([cy]));
    var dx = (x1 - x0) * 0.15 || 0.05, dy = (y1 - y0) * 0.15 || 0.05;
    var labelPlugin = {id: "ipaLabels", afterDatasetsDraw: function (chart) {
      var meta = chart.getDatasetMeta(0), ctx = chart.ctx;
      ctx.save(); ctx.font = "12px sans-serif"; ctx.fillStyle = "#374151";
      meta.data.forEach(function (el, i) { ctx.fillText(pts[i].label, el.x + 6, el.y - 6); });
      ctx.restore();
    }};
    make("chart-ipa", {type: "scatter", data: {datasets: [
      {label: "", data: pts, backgroundColor: "#b91c1c", pointRadius: 6},
      {data: [{x: cx, y: y0 - dy}, {x: cx, y: y1 + dy}], showLine: true, borderColor: "#9ca3af", borderDash: [4, 4], pointRadius: 0},
      {data: [{x: x0 - dx, y: cy}, {x: x1 + dx, y: cy}], showLine: true, borderColor: "#9ca3af", borderDash: [4, 4], pointRadius: 0}
    ]}, options: Object.assign({}, base, {plugins: {legend: {display: false}, tooltip: {filter: function (c) { return c.datasetIndex === 0; }, callbacks: {label: function (c) {
      return pts[c.dataIndex].label + ": (" + c.parsed.x.toFixed(3) + ", " + c.parsed.y.toFixed(2) + ")";
    }}}}, scales: {x: {min: x0 - dx, max: x1 + dx, title: {display: true, text: L.importance}}, y: {min: y0 - dy, max: y1 + dy, title: {display: true, text: L.performance}}}}), plugins: [labelPlugin]});
  }
  if (data.drivers) {
    make("chart-drivers", {type: "bar", data: {labels: data.drivers.labels, datasets: [
      {label: L.beta, data: data.drivers.values, backgroundColor: "#b91c1c"}
    ]}, options: Object.assign({}, base, {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {title: {display: true, text: L.beta}}}})});
  }
})();
