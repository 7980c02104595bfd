// Charts of the risk pages: the trend of open risks by level (heat map page), and the
// loss-exceedance curve and loss histogram of a Monte Carlo run. The tables beside them hold
// the same numbers for readers without JavaScript.
(function () {
  "use strict";
  if (typeof echarts === "undefined") {
    return;
  }
  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function draw(id, option) {
    var holder = document.getElementById(id);
    if (!holder || holder.dataset.drawn) {
      return;
    }
    holder.dataset.drawn = "1";
    var chart = echarts.init(holder, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function render() {
  var trend = read("trend-data");
  if (trend) {
    draw("trend-chart", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 32 },
      xAxis: { type: "category", data: trend.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: trend.series.map(function (line) {
        return {
          name: line.name, type: "bar", stack: "open", data: line.values,
          itemStyle: { color: line.colour },
        };
      }),
    });
  }

  var run = read("montecarlo-data");
  if (run) {
    draw("lec-chart", {
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "log", name: run.labels.loss, nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "value", name: run.labels.probability, max: 1 },
      series: [{
        type: "line", showSymbol: false, data: run.lec,
        markLine: {
          symbol: "none",
          data: [
            { name: "VaR 95%", xAxis: run.var95 },
            { name: "VaR 99%", xAxis: run.var99 },
          ],
          label: { formatter: "{b}" },
        },
      }],
    });
    var edges = run.histogram.edges || [];
    var counts = run.histogram.counts || [];
    draw("histogram-chart", {
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 16, top: 16, bottom: 40 },
      xAxis: {
        type: "category",
        data: counts.map(function (_, i) { return Math.round(edges[i]); }),
        name: run.labels.loss, nameLocation: "middle", nameGap: 26,
      },
      yAxis: { type: "value", name: run.labels.years },
      series: [{ type: "bar", data: counts, itemStyle: { color: "#0d6efd" } }],
    });
  }
  }

  render();
  // A queued run's page refreshes itself through htmx until the figures arrive.
  document.body.addEventListener("htmx:afterSettle", render);
})();
