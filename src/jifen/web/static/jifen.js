// Jifen 积分: charts read the JSON API with the session cookie. No inline scripts (the pages' CSP forbids them).
(function () {
  "use strict";

  function note(element, text) {
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = text;
    element.replaceWith(p);
  }

  function historyChart(element) {
    if (typeof window.echarts === "undefined") {
      return; // the page already says how to install ECharts
    }
    fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var months = data.months.map(function (m) { return m.month; });
        var points = data.months.map(function (m) { return m.points; });
        var chart = window.echarts.init(element, null, { renderer: "canvas" });
        chart.setOption({
          tooltip: { trigger: "axis" },
          legend: { data: ["月度积分"], top: 0, right: 8 },
          grid: { left: 48, right: 24, top: 40, bottom: 32 },
          xAxis: { type: "category", data: months },
          yAxis: { type: "value", name: "积分" },
          series: [
            { name: "月度积分", type: "bar", data: points, itemStyle: { color: "#b3261e" } },
            { name: "走势", type: "line", data: points, connectNulls: false, smooth: true, symbolSize: 6 }
          ]
        });
        chart.on("click", function (params) {
          if (element.dataset.explain && params.name) {
            window.location.href = element.dataset.explain + params.name;
          }
        });
        element.dataset.drawn = "true";
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function (error) { note(element, "月度积分走势暂时无法读取（" + error.message + "），请刷新页面重试。"); });
  }

  document.querySelectorAll("[data-chart='history']").forEach(historyChart);
})();
