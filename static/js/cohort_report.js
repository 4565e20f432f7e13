// Management > BKSB > Reports: draws each [data-chart] canvas from the page's json_script data
// (#cohort-chart-data) with Chart.js (static/vendor/chartjs). A click on a bar segment opens the
// learner list filtered to it; the tables beside the charts carry the same numbers and links.
(function () {
  "use strict";

  // Paint the canvas white first, so a downloaded PNG is not transparent.
  const whiteBackground = {
    id: "whiteBackground",
    beforeDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  function percentOf(value, values) {
    const total = values.reduce((sum, each) => sum + each, 0);
    return total ? ` (${((100 * value) / total).toFixed(1)}%)` : "";
  }

  function draw(canvas, spec) {
    return new window.Chart(canvas, {
      type: "bar",
      plugins: [whiteBackground],
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((set) => ({
          label: set.label,
          data: set.data,
          backgroundColor: set.color,
          borderColor: "#ffffff",
          borderWidth: 1,
          links: set.links,
        })),
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, title: { display: true, text: "Learners" }, ticks: { precision: 0 } },
          y: { stacked: true },
        },
        plugins: {
          title: { display: true, text: spec.title },
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label(item) {
                const column = item.chart.data.datasets.map((set) => set.data[item.dataIndex]);
                return `${item.dataset.label}: ${item.raw}${percentOf(item.raw, column)}`;
              },
              footer: (items) =>
                items.length && items[0].dataset.links[items[0].dataIndex] ? "Click to open these learners" : "",
            },
          },
        },
        onHover(event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick(event, elements, chart) {
          if (!elements.length) return;
          const { datasetIndex, index } = elements[0];
          const link = chart.data.datasets[datasetIndex].links[index];
          if (link) window.location.assign(link);
        },
      },
    });
  }

  function download(chart, name) {
    chart.canvas.toBlob((blob) => {
      if (!blob) return;
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }, "image/png");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("cohort-chart-data");
    if (!source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const charts = {};
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const spec = data.charts[canvas.dataset.chart];
      if (spec) charts[canvas.dataset.chart] = draw(canvas, spec);
    });
    document.querySelectorAll("[data-chart-download]").forEach((button) => {
      const key = button.dataset.chartDownload;
      if (!charts[key]) return;
      button.hidden = false;
      button.addEventListener("click", () => download(charts[key], `bksb-cohort-${key}.png`));
    });
  });
})();
