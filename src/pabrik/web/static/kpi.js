/* pabrik KPI charts: the loss Pareto and the cost of losses, from the page's JSON config.
 * Served locally with the vendored ECharts; no network and no inline script. */
(function () {
  "use strict";

  function config() {
    var node = document.getElementById("pabrik-kpi-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function pareto(el, cfg) {
    var rows = cfg.pareto;
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 56, top: 30, bottom: 90 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.label; }),
        axisLabel: { rotate: 30, interval: 0 } },
      yAxis: [
        { type: "value", name: cfg.words.minutes },
        { type: "value", name: cfg.words.cumulative, min: 0, max: 100, axisLabel: { formatter: "{value} %" } }
      ],
      series: [
        { type: "bar", name: cfg.words.minutes, color: "#cf222e", data: rows.map(function (r) { return r.minutes; }) },
        { type: "line", name: cfg.words.cumulative, yAxisIndex: 1, color: "#0b5cad",
          data: rows.map(function (r) { return r.cumulative; }) }
      ]
    };
  }

  function costs(el, cfg) {
    var keys = [];
    cfg.costs.forEach(function (line) {
      line.items.forEach(function (i) { if (keys.indexOf(i.key) < 0) { keys.push(i.key); } });
    });
    var num = new Intl.NumberFormat(cfg.locale, { maximumFractionDigits: 0 });
    // On a phone the legend is one row that scrolls, and the axes take only the room they need.
    var narrow = el.clientWidth < 600;
    var short = narrow ? new Intl.NumberFormat(cfg.locale, { notation: "compact" }) : num;
    el.setAttribute("data-legend", narrow ? "scroll" : "plain");
    return {
      animation: false,
      legend: narrow ? { type: "scroll", top: 0, left: 0, right: 0 } : { top: 0 },
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return "Rp " + num.format(v || 0); } },
      grid: narrow ? { left: 4, right: 16, top: 40, bottom: 8, containLabel: true }
        : { left: 90, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return short.format(v); } } },
      yAxis: { type: "category", data: cfg.costs.map(function (l) { return l.line; }),
        axisLabel: narrow ? { width: 96, overflow: "truncate" } : {} },
      series: keys.map(function (key) {
        return { type: "bar", stack: "idr", name: key, data: cfg.costs.map(function (l) {
          var hit = l.items.filter(function (i) { return i.key === key; })[0];
          return hit ? hit.idr : 0;
        }) };
      })
    };
  }

  function start() {
    var cfg = config();
    if (!cfg || typeof echarts === "undefined") { return; }
    var charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-kpi-chart]"), function (el) {
      var kind = el.getAttribute("data-kpi-chart");
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(kind === "pareto" ? pareto(el, cfg) : costs(el, cfg));
      charts.push(chart);
    });
    document.documentElement.setAttribute("data-kpi-charts", "ready");
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
