// The quality pages' charts: the complaint heat map and the trend with control limits. The
// data comes from json_script blocks; the tables on the pages hold the same figures.
(function () {
  "use strict";
  if (typeof echarts === "undefined") {
    return;
  }
  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var charts = [];
  var heat = read("heat-chart-data");
  var heatHolder = document.getElementById("heat-chart");
  if (heat && heatHolder) {
    var max = 1;
    heat.data.forEach(function (cell) { max = Math.max(max, cell[2]); });
    var heatChart = echarts.init(heatHolder, null, { renderer: "svg" });
    heatChart.setOption({
      tooltip: { position: "top" },
      grid: { left: 140, right: 20, top: 10, bottom: 80 },
      xAxis: { type: "category", data: heat.units, axisLabel: { interval: 0, rotate: 25 } },
      yAxis: { type: "category", data: heat.categories },
      visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#fff5f0", "#fb6a4a", "#a50f15"] } },
      series: [{ type: "heatmap", data: heat.data, label: { show: true } }],
    });
    charts.push(heatChart);
  }
  var trend = read("trend-chart-data");
  var trendHolder = document.getElementById("trend-chart");
  if (trend && trendHolder) {
    var lines = [];
    function flat(value, name, colour) {
      if (value === null) { return; }
      lines.push({ name: name, type: "line", data: trend.labels.map(function () { return value; }), symbol: "none", lineStyle: { type: "dashed", color: colour }, itemStyle: { color: colour } });
    }
    flat(trend.mean, trend.mean_label, "#6c757d");
    flat(trend.ucl, trend.ucl_label, "#dc3545");
    flat(trend.lcl, trend.lcl_label, "#dc3545");
    flat(trend.target, trend.target_label, "#198754");
    var trendChart = echarts.init(trendHolder, null, { renderer: "svg" });
    trendChart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: trend.labels },
      yAxis: { type: "value" },
      series: [{ name: trend.name, type: "line", data: trend.values, connectNulls: false, itemStyle: { color: "#0d6efd" } }].concat(lines),
    });
    charts.push(trendChart);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
