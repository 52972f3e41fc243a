// Jifen 积分: the pages' charts (a teacher's monthly history; the admin pages' ranking bars, indicator radar and
// 12-month trend) read the JSON API with the session cookie; forms marked data-autosubmit submit on change and
// forms marked data-confirm ask first.
// No inline scripts: the pages' CSP forbids them.
(function () {
  "use strict";

  var BRAND = "#b3261e";
  var REGION = "#0b62a4";

  function note(element, text) {
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = text;
    element.replaceWith(p);
  }

  function load(element, draw) {
    if (typeof window.echarts === "undefined") {
      return; // the page already says how to install ECharts
    }
    fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var chart = window.echarts.init(element, null, { renderer: "canvas" });
        draw(chart, data, element);
        element.dataset.drawn = "true";
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function (error) { note(element, "图表数据暂时无法读取（" + error.message + "），请刷新页面重试。"); });
  }

  function ranking(chart, data, element) {
    var members = data.members.slice().reverse(); // the leader on top
    element.style.height = Math.max(240, 28 * members.length + 60) + "px";
    chart.resize();
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 48, top: 16, bottom: 24, containLabel: true },
      xAxis: { type: "value", name: "总分" },
      yAxis: { type: "category", data: members.map(function (m) { return m.rank + ". " + m.name; }) },
      series: [{ name: "总分", type: "bar", data: members.map(function (m) { return m.total; }),
                 itemStyle: { color: BRAND }, label: { show: true, position: "right" } }]
    });
    chart.on("click", function (params) {
      var member = members[params.dataIndex];
      if (element.dataset.link && member) {
        window.location.href = element.dataset.link.replace("{code}", encodeURIComponent(member.code));
      }
    });
  }

  function radar(chart, data, element) {
    var top = Math.max.apply(null, data.indicators.map(function (i) {
      return Math.max(i.max || 0, i.points, i.region_mean);
    }).concat([1]));
    chart.setOption({
      tooltip: {},
      legend: { data: [element.dataset.unit || "本单位", "全区平均"], bottom: 0 },
      radar: { radius: "62%", indicator: data.indicators.map(function (i) {
        return { name: i.name, max: i.max || top };
      }) },
      series: [{ type: "radar", data: [
        { name: element.dataset.unit || "本单位", value: data.indicators.map(function (i) { return i.points; }),
          itemStyle: { color: BRAND }, areaStyle: { opacity: 0.15 } },
        { name: "全区平均", value: data.indicators.map(function (i) { return i.region_mean; }),
          itemStyle: { color: REGION }, lineStyle: { type: "dashed" } }
      ] }]
    });
  }

  function trend(chart, data, element) {
    var months = data.months.map(function (m) { return m.month; });
    var totals = data.months.map(function (m) { return m.total; });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 24, top: 32, bottom: 56 },
      xAxis: { type: "category", data: months, axisLabel: { interval: 0, rotate: 40 } },
      yAxis: { type: "value", name: "总分" },
      series: [
        { name: "总分", type: "bar", barMaxWidth: 28, data: totals, itemStyle: { color: BRAND } },
        { name: "走势", type: "line", smooth: true, symbolSize: 7, showAllSymbol: true, connectNulls: false,
          data: totals, itemStyle: { color: REGION } }
      ]
    });
    chart.on("click", function (params) {
      if (element.dataset.link && params.name) {
        window.location.href = element.dataset.link + params.name;
      }
    });
  }

  function history(chart, data, element) {
    var months = data.months.map(function (m) { return m.month; });
    var points = data.months.map(function (m) { return m.points; });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["月度积分"], top: 0, right: 8 },
      grid: { left: 48, right: 24, top: 40, bottom: 32 },
      xAxis: { type: "category", data: months },
      yAxis: { type: "value", name: "积分" },
      series: [
        { name: "月度积分", type: "bar", data: points, itemStyle: { color: BRAND } },
        { name: "走势", type: "line", data: points, connectNulls: false, smooth: true, symbolSize: 6 }
      ]
    });
    chart.on("click", function (params) {
      if (element.dataset.explain && params.name) {
        window.location.href = element.dataset.explain + params.name;
      }
    });
  }

  var KINDS = { history: history, ranking: ranking, radar: radar, trend: trend };
  Object.keys(KINDS).forEach(function (kind) {
    document.querySelectorAll("[data-chart='" + kind + "']").forEach(function (element) {
      load(element, KINDS[kind]);
    });
  });

  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () { field.form.submit(); });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
