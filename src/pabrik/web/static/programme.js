/* The programme heat map (sector x pillar) from the page's JSON config; the table beside it
   carries the same numbers for people without scripts. */
(function () {
  "use strict";
  function config() {
    var node = document.getElementById("programme-config");
    return node ? JSON.parse(node.textContent) : null;
  }
  function draw() {
    var cfg = config();
    var el = document.getElementById("programme-heat-map");
    if (!cfg || !el || typeof echarts === "undefined" || !cfg.rows.length) { return; }
    el.style.height = Math.max(220, 48 * cfg.rows.length + 90) + "px";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { position: "top" },
      grid: { left: 180, right: 20, top: 10, bottom: 70 },
      xAxis: { type: "category", data: cfg.columns, axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: "category", data: cfg.rows },
      visualMap: { min: 0, max: cfg.max, calculable: false, orient: "horizontal",
                   left: "center", bottom: 0, inRange: { color: ["#fde2e1", "#f6c343", "#2e8b57"] } },
      series: [{ type: "heatmap", data: cfg.cells.filter(function (c) { return c[2] !== null; }),
                 label: { show: true } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
