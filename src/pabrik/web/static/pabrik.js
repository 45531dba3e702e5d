/* pabrik charts: draws the machine page's charts from the JSON API and refreshes them.
 * Served locally with the vendored ECharts; no network beyond this server. */
(function () {
  "use strict";

  var STATES = ["running", "idle", "changeover", "planned_stop", "unplanned_stop", "unknown"];

  function readConfig() {
    var node = document.getElementById("pabrik-chart-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  /* Plant wall-clock time as a UTC timestamp, so ECharts (useUTC) shows the plant's zone. */
  function makeShifter(zone) {
    var fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    });
    var cache = {};
    return function (iso) {
      var ms = typeof iso === "number" ? iso : Date.parse(iso);
      var hourKey = Math.floor(ms / 3600000);
      if (!(hourKey in cache)) {
        var base = hourKey * 3600000;
        var parts = {};
        fmt.formatToParts(new Date(base)).forEach(function (p) { parts[p.type] = p.value; });
        var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
        cache[hourKey] = wall - base;
      }
      return ms + cache[hourKey];
    };
  }

  function formatters(locale, spanMs, units) {
    var time = new Intl.DateTimeFormat(locale, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    var day = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short" });
    var full = new Intl.DateTimeFormat(locale, {
      timeZone: "UTC", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    });
    var pct = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1, minimumFractionDigits: 1 });
    var pctWhole = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
    var num = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    return {
      axis: function (v) {
        var d = new Date(v);
        if (spanMs > 36 * 3600000) {
          return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? day.format(d) : time.format(d);
        }
        return time.format(d);
      },
      full: function (v) { return full.format(new Date(v)); },
      pct: function (v) { return v === null || v === undefined ? "–" : pct.format(v / 100); },
      pctAxis: function (v) { return pctWhole.format(v / 100); },
      num: function (v) { return v === null || v === undefined ? "–" : num.format(v); },
      duration: function (ms) {
        var minutes = Math.round(ms / 60000);
        var h = Math.floor(minutes / 60), m = minutes % 60;
        if (!units) { return h + ":" + (m < 10 ? "0" : "") + m; }
        var text = h ? units.hours_minutes : units.minutes;
        return text.replace("%(h)s", String(h)).replace("%(m)s", h && m < 10 ? "0" + m : String(m));
      }
    };
  }

  function baseOption(ctx) {
    return {
      useUTC: true,
      animation: false,
      textStyle: { fontFamily: "system-ui, sans-serif", fontSize: 13 },
      grid: { left: 56, right: 20, top: 36, bottom: 40, containLabel: false },
      tooltip: { trigger: "axis", confine: true },
      xAxis: {
        type: "time", min: ctx.start, max: ctx.end,
        axisLabel: { formatter: ctx.f.axis, hideOverlap: true }
      }
    };
  }

  function timelineOption(data, ctx) {
    var colors = {};
    STATES.forEach(function (s) { colors[s] = cssVar("--state-" + s, "#555"); });
    var w = ctx.words;
    var items = data.timeline.map(function (span) {
      return {
        value: [ctx.shift(span.start), ctx.shift(span.end), span.state, span.reason || ""],
        itemStyle: { color: colors[span.state] || colors.unknown }
      };
    });
    var option = baseOption(ctx);
    option.grid = { left: 16, right: 20, top: 10, bottom: 40 };
    option.tooltip = {
      trigger: "item", confine: true,
      formatter: function (p) {
        var v = p.value;
        var lines = [
          "<strong>" + escapeHtml(w.states[v[2]] || v[2]) + "</strong>",
          v[3] ? escapeHtml(w.chart.reason + ": " + (ctx.reasons[v[3]] || v[3])) : "",
          escapeHtml(ctx.f.full(v[0]) + " – " + ctx.f.full(v[1])),
          escapeHtml(w.chart.duration + ": " + ctx.f.duration(v[1] - v[0]))
        ];
        return lines.filter(Boolean).join("<br>");
      }
    };
    option.yAxis = { type: "category", data: [w.chart.state], show: false };
    option.series = [{
      type: "custom",
      encode: { x: [0, 1], y: 2 },
      renderItem: function (params, api) {
        var start = api.coord([api.value(0), 0]);
        var end = api.coord([api.value(1), 0]);
        var height = api.size([0, 1])[1] * 0.7;
        var shape = echarts.graphic.clipRectByRect(
          { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 1), height: height },
          { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height }
        );
        return shape && { type: "rect", transition: [], shape: shape, style: api.style() };
      },
      data: items
    }];
    return option;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function pct(ratio) { return ratio.value === null ? null : ratio.value * 100; }

  function oeeOption(data, ctx) {
    var w = ctx.words.kpi;
    var option = baseOption(ctx);
    var first = data.shifts.length ? ctx.shift(data.shifts[0].start) : ctx.start;
    var last = data.shifts.length ? ctx.shift(data.shifts[data.shifts.length - 1].start) : ctx.end;
    option.xAxis.min = first;
    option.xAxis.max = last;
    option.xAxis.axisLabel.formatter = formatters(ctx.locale, last - first + 1, null).axis;
    option.legend = { top: 0 };
    option.yAxis = { type: "value", min: 0, max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); },
      axisLabel: { formatter: ctx.f.pctAxis } };
    option.tooltip.valueFormatter = ctx.f.pct;
    function series(name, key, width) {
      return {
        name: name, type: "line", showSymbol: true, symbolSize: 5, connectNulls: false,
        lineStyle: { width: width },
        data: data.shifts.map(function (s) { return [ctx.shift(s.start), pct(s.oee[key])]; })
      };
    }
    option.series = [
      series(w.oee, "oee", 3), series(w.availability, "availability", 1.5),
      series(w.performance, "performance", 1.5), series(w.quality, "quality", 1.5)
    ];
    option.color = ["#0b5cad", "#1a7f37", "#9a6700", "#8250df"];
    return option;
  }

  function countsOption(data, ctx) {
    var w = ctx.words.kpi;
    var option = baseOption(ctx);
    option.legend = { top: 0 };
    option.yAxis = { type: "value", name: ctx.words.chart.units, nameTextStyle: { align: "left" },
      axisLabel: { formatter: ctx.f.num } };
    option.tooltip.valueFormatter = ctx.f.num;
    option.series = [
      { name: w.good, type: "bar", stack: "units", color: cssVar("--good", "#1a7f37"),
        data: data.counts.map(function (c) { return [ctx.shift(c.ts), c.good]; }) },
      { name: w.scrap, type: "bar", stack: "units", color: cssVar("--bad", "#cf222e"),
        data: data.counts.map(function (c) { return [ctx.shift(c.ts), c.scrap]; }) }
    ];
    return option;
  }

  function signalOption(signal, ctx) {
    var words = ctx.words.chart;
    var option = baseOption(ctx);
    var limits = [];
    if (signal.low !== null) { limits.push({ yAxis: signal.low, name: words.low }); }
    if (signal.high !== null) { limits.push({ yAxis: signal.high, name: words.high }); }
    var values = signal.points.map(function (p) { return p.value; }).concat(limits.map(function (l) { return l.yAxis; }));
    var bounds = niceBounds(values);
    option.yAxis = {
      type: "value", scale: true, name: signal.unit, min: bounds[0], max: bounds[1],
      axisLabel: { formatter: ctx.f.num }
    };
    option.tooltip.valueFormatter = function (v) { return ctx.f.num(v) + (signal.unit ? " " + signal.unit : ""); };
    option.series = [{
      name: (signal.name[ctx.locale] || signal.name.id), type: "line", showSymbol: false,
      color: "#0b5cad", lineStyle: { width: 1.5 },
      data: signal.points.map(function (p) { return [ctx.shift(p.ts), p.value]; }),
      markLine: {
        symbol: "none", silent: true,
        lineStyle: { color: cssVar("--bad", "#cf222e"), type: "dashed", width: 1.5 },
        label: { formatter: function (p) { return p.name + ": " + ctx.f.num(p.value); }, position: "insideEndTop" },
        data: limits
      }
    }];
    return option;
  }

  /* Axis bounds on round numbers that include every value and both limit lines. */
  function niceBounds(values) {
    if (!values.length) { return [null, null]; }
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    if (lo === hi) { lo -= 1; hi += 1; }
    var rough = (hi - lo) / 5;
    var power = Math.pow(10, Math.floor(Math.log10(rough)));
    var f = rough / power;
    var step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
    return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
  }

  function noData(option, ctx, empty) {
    if (empty) {
      option.graphic = [{ type: "text", left: "center", top: "middle", silent: true,
        style: { text: ctx.words.chart.no_data, fill: "#59636e", fontSize: 14 } }];
    }
    return option;
  }

  function render(charts, data, ctx) {
    ctx.start = ctx.shift(data.window_start);
    ctx.end = ctx.shift(data.window_end);
    ctx.f = formatters(ctx.locale, ctx.end - ctx.start, ctx.words.units);
    charts.forEach(function (entry) {
      var kind = entry.el.getAttribute("data-chart");
      var option;
      if (kind === "timeline") {
        option = noData(timelineOption(data, ctx), ctx, !data.timeline.length);
      } else if (kind === "oee") {
        option = noData(oeeOption(data, ctx), ctx, !data.shifts.length);
      } else if (kind === "counts") {
        option = noData(countsOption(data, ctx), ctx, !data.counts.length);
      } else if (kind === "signal") {
        var id = entry.el.getAttribute("data-signal");
        var signal = data.signals.filter(function (s) { return s.id === id; })[0];
        if (!signal) { return; }
        option = noData(signalOption(signal, ctx), ctx, !signal.points.length);
      }
      if (option) { entry.chart.setOption(option, { notMerge: true }); }
    });
  }

  function start() {
    var config = readConfig();
    if (!config || typeof echarts === "undefined") { return; }
    var ctx = {
      locale: config.locale, words: config.words, reasons: config.reasons || {},
      shift: makeShifter(config.timezone)
    };
    var charts = Array.prototype.map.call(document.querySelectorAll("[data-chart]"), function (el) {
      return { el: el, chart: echarts.init(el, null, { renderer: "canvas" }) };
    });
    function refresh() {
      return fetch(config.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (data) {
          render(charts, data, ctx);
          document.documentElement.setAttribute("data-charts", "ready");
        })
        .catch(function (err) {
          document.documentElement.setAttribute("data-charts", "error");
          if (window.console) { console.warn("pabrik: chart refresh failed", err); }
        });
    }
    refresh();
    window.setInterval(refresh, Math.max(5, config.refresh_s || 15) * 1000);
    window.addEventListener("resize", function () {
      charts.forEach(function (entry) { entry.chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
