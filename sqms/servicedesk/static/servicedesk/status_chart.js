// The manager's bar chart of open tickets by status; the table beside it holds the same numbers
// for readers without JavaScript or charts.
(function () {
  "use strict";
  var holder = document.getElementById("status-chart");
  var source = document.getElementById("status-chart-data");
  if (!holder || !source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 40, right: 16, top: 16, bottom: 60 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: data.title, type: "bar", data: data.values, itemStyle: { color: "#0d6efd" } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
