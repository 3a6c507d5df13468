/* lcm-opt report: sortable and filterable tables, and the charts (Chart.js, embedded). */
(function () {
  "use strict";

  function cellValue(cell) {
    var raw = cell.getAttribute("data-v");
    if (raw === null || raw === "") return null;
    var n = Number(raw);
    return isNaN(n) ? raw.toLowerCase() : n;
  }

  function compare(a, b, dir) {
    if (a === b) return 0;
    if (a === null) return 1; /* blanks last, either way */
    if (b === null) return -1;
    if (typeof a !== typeof b) { a = String(a); b = String(b); }
    return (a < b ? -1 : 1) * dir;
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    rows.sort(function (r, s) {
      return compare(cellValue(r.cells[index]), cellValue(s.cells[index]), dir);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
  }

  function filter(table, query, counter) {
    var q = query.trim().toLowerCase();
    var rows = table.tBodies[0].rows;
    var shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var hit = q === "" || row.textContent.toLowerCase().indexOf(q) >= 0;
      row.hidden = !hit;
      if (hit) shown += 1;
    });
    counter.textContent = shown + " of " + rows.length + " rows";
  }

  function setUpTable(block) {
    var table = block.querySelector("table.data");
    var input = block.querySelector("input.filter");
    var counter = block.querySelector(".count");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      th.addEventListener("click", function () { sortBy(table, index, th); });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, index, th);
        }
      });
    });
    input.addEventListener("input", function () { filter(table, input.value, counter); });
  }

  function chartConfig(spec) {
    var valueAxis = { stacked: spec.stacked, beginAtZero: true,
                      title: { display: true, text: spec.unit } };
    var labelAxis = { stacked: spec.stacked, ticks: { autoSkip: false } };
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          var set = { label: d.label, data: d.data, backgroundColor: d.color };
          if (d.stack) set.stack = d.stack;
          return set;
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: { legend: { position: "bottom" } }
      }
    };
  }

  function drawCharts() {
    var data = document.getElementById("lcm-charts");
    if (!data || typeof window.Chart === "undefined") return;
    var specs = JSON.parse(data.textContent);
    Object.keys(specs).forEach(function (id) {
      var canvas = document.getElementById(id);
      if (canvas) new window.Chart(canvas, chartConfig(specs[id]));
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".table-block"), setUpTable);
  drawCharts();
  document.documentElement.setAttribute("data-ready", "true");
})();
