// The emergency dashboard's two bar charts; the tables beside them hold the same numbers.
(function () {
  "use strict";
  var source = document.getElementById("emergency-chart-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = { "levels-chart": ["#dc3545", "#fd7e14", "#0dcaf0", "#6c757d"], "drills-chart": ["#198754", "#0d6efd"] };
  [["levels-chart", data.levels], ["drills-chart", data.drills]].forEach(function (pair) {
    var holder = document.getElementById(pair[0]);
    if (!holder) {
      return;
    }
    var chart = echarts.init(holder, null, { renderer: "svg" });
    var palette = colours[pair[0]];
    chart.setOption({
      grid: { left: 40, right: 16, top: 16, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: pair[1].labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        name: pair[1].title, type: "bar",
        data: pair[1].values.map(function (value, i) { return { value: value, itemStyle: { color: palette[i % palette.length] } }; }),
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
