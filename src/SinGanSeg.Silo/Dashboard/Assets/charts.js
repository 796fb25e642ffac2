// Job page plots, kept apart from app.js: progress over time (images done against time, with the
// ETA at the current pace) and a SIFID histogram (raw vs styled). Drawn as inline SVG with axis
// titles, tick values and a legend; drawn from each status the page's live stream brings (show),
// the progress plot redrawn every few seconds between statuses so its ETA line follows the clock.
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";
  // T leaves a row between the title and the plot for the legend, so it never covers a bar or the line.
  // R leaves room for half the last x tick's label ("17 min" was cut at the edge).
  const W = 520, H = 270, L = 56, R = 30, T = 46, B = 48;
  const PW = W - L - R, PH = H - T - B;

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function frame(title, xTitle, yTitle, testId) {
    const root = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, "data-testid": testId, role: "img", "aria-label": title, "font-family": "sans-serif", "font-size": "11" });
    root.append(svg("text", { x: L + PW / 2, y: 16, "text-anchor": "middle", "font-weight": "bold", "font-size": "13" }, title));
    root.append(svg("text", { x: L + PW / 2, y: H - 6, "text-anchor": "middle", class: "axis-title" }, xTitle));
    root.append(svg("text", { transform: `translate(14,${T + PH / 2}) rotate(-90)`, "text-anchor": "middle", class: "axis-title" }, yTitle));
    root.append(svg("line", { x1: L, y1: T + PH, x2: L + PW, y2: T + PH, stroke: "#333" }));
    root.append(svg("line", { x1: L, y1: T, x2: L, y2: T + PH, stroke: "#333" }));
    return root;
  }

  // Ticks from 0 to the first one at or past max. An integer axis (images) steps by whole numbers:
  // 0, 0.5, 1 printed as integers read "0, 1, 1".
  function ticks(max, count, integer) {
    const step = integer ? Math.max(1, niceStep(max / count)) : niceStep(max / count);
    const out = [];
    // Written so a max that is not a finite number (a status without createdAt) ends the loop at 0.
    for (let v = 0; ; v += step) {
      out.push(Number(v.toFixed(6)));
      if (!(v < max - step * 1e-9) || !Number.isFinite(max)) return out;
    }
  }

  function niceStep(raw) {
    if (!(raw > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  // The y axis up to its last tick, so the top of the plot is labelled (with 5 images the ticks are
  // 0, 2, 4, 6 and the axis ends at 6, not at 5 with "6" drawn above the plot). Returns that top.
  function yAxis(root, max, integer) {
    const values = ticks(max, 4, integer);
    const top = values[values.length - 1];
    for (const v of values) {
      const y = T + PH - (v / top) * PH;
      root.append(svg("line", { x1: L, y1: y, x2: L + PW, y2: y, stroke: "#e3e3e3" }));
      root.append(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end", class: "tick" }, integer ? String(Math.round(v)) : v.toFixed(2)));
    }
    return top;
  }

  function legend(root, entries) {
    let x = L + 8;
    for (const [name, colour, dashed] of entries) {
      const g = svg("g", { class: "legend-entry" });
      g.append(svg("line", { x1: x, y1: T - 14, x2: x + 18, y2: T - 14, stroke: colour, "stroke-width": 3, "stroke-dasharray": dashed ? "4 3" : "" }));
      g.append(svg("text", { x: x + 22, y: T - 10, class: "legend" }, name));
      root.append(g);
      x += 30 + name.length * 6.2;
    }
  }

  function minutes(seconds) {
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  }

  // Images done against time since the job was created; the ETA extends the current pace to the total.
  function progress(status, now) {
    const start = Date.parse(status.createdAt);
    const done = status.images.filter((i) => i.phase === "Done" && i.updatedAt).map((i) => (Date.parse(i.updatedAt) - start) / 1000).sort((a, b) => a - b);
    const total = status.images.length;
    const elapsed = Math.max(1, ((status.finishedAt ? Date.parse(status.finishedAt) : now) - start) / 1000);
    const rate = done.length / elapsed;
    const remaining = total - done.length - status.images.filter((i) => i.phase === "Failed" || i.phase === "Cancelled").length;
    const eta = !status.finishedAt && rate > 0 && remaining > 0 ? remaining / rate : null;
    const span = Math.max(elapsed + (eta || 0), 1);
    const root = frame("Progress over time", `time since submission (${eta ? "ETA " + minutes(eta) : status.finishedAt ? "finished" : "no ETA yet"})`, "images done", "chart-progress");
    root.setAttribute("data-eta-seconds", eta === null ? "" : String(Math.round(eta)));
    const top = yAxis(root, Math.max(total, 1), true);
    const X = (s) => L + (s / span) * PW, Y = (n) => T + PH - (n / top) * PH;
    for (const s of ticks(span, 4)) {
      if (s > span) continue;
      root.append(svg("text", { x: X(s), y: T + PH + 16, "text-anchor": "middle", class: "tick" }, minutes(s)));
    }
    const points = [[0, 0]];
    done.forEach((s, i) => { points.push([s, i]); points.push([s, i + 1]); });
    points.push([elapsed, done.length]);
    root.append(svg("polyline", { points: points.map(([s, n]) => `${X(s).toFixed(1)},${Y(n).toFixed(1)}`).join(" "), fill: "none", stroke: "#1f77b4", "stroke-width": 2.5, "data-series": "done" }));
    if (eta) root.append(svg("line", { x1: X(elapsed), y1: Y(done.length), x2: X(elapsed + eta), y2: Y(done.length + remaining), stroke: "#ff7f0e", "stroke-width": 2, "stroke-dasharray": "4 3", "data-series": "eta" }));
    // The ETA's entry only beside its line (none before the first image is done, or once the job ended).
    legend(root, [["images done", "#1f77b4", false], ...(eta ? [["at the current pace (ETA)", "#ff7f0e", true]] : [])]);
    return root;
  }

  // Per-image mean SIFID before and after style transfer, in shared bins.
  function sifid(status) {
    const raw = status.images.map((i) => i.sifid).filter((v) => typeof v === "number");
    const styled = status.images.map((i) => i.sifidStyled).filter((v) => typeof v === "number");
    const metric = status.sifidMetric || "SIFID";
    const root = frame(`${metric} per image: raw vs styled`, `${metric} (lower is closer to the real image)`, "images", "chart-sifid");
    const all = raw.concat(styled);
    if (all.length === 0) {
      root.append(svg("text", { x: L + PW / 2, y: T + PH / 2, "text-anchor": "middle", class: "tick" }, "no SIFID scores yet"));
      return root;
    }
    const bins = Math.min(10, Math.max(3, Math.ceil(Math.sqrt(all.length))));
    const lo = Math.min(...all), hi = Math.max(...all);
    const width = (hi - lo) / bins || 1;
    const count = (values) => { const c = new Array(bins).fill(0); for (const v of values) c[Math.min(bins - 1, Math.floor((v - lo) / width))]++; return c; };
    const series = [["raw", "#1f77b4", count(raw)], ["styled", "#2ca02c", count(styled)]].filter(([, , c]) => c.some((n) => n > 0));
    const top = yAxis(root, Math.max(1, ...series.flatMap(([, , c]) => c)), true);
    const slot = PW / bins, barWidth = (slot * 0.8) / series.length;
    for (let b = 0; b <= bins; b++) {
      if (b % Math.ceil(bins / 5) !== 0 && b !== bins) continue;
      root.append(svg("text", { x: L + b * slot, y: T + PH + 16, "text-anchor": "middle", class: "tick" }, (lo + b * width).toFixed(2)));
    }
    series.forEach(([name, colour, c], k) => c.forEach((n, b) => {
      if (n === 0) return;
      const h = (n / top) * PH;
      const rect = svg("rect", { x: L + b * slot + slot * 0.1 + k * barWidth, y: T + PH - h, width: barWidth, height: h, fill: colour, "data-series": name });
      rect.append(svg("title", {}, `${name}: ${n} image(s) in ${(lo + b * width).toFixed(3)}–${(lo + (b + 1) * width).toFixed(3)}`));
      root.append(rect);
    }));
    legend(root, series.map(([name, colour]) => [`${name} (${name === "raw" ? raw.length : styled.length})`, colour, false]));
    return root;
  }

  function render(container, status, now) {
    container.replaceChildren(progress(status, now || Date.now()), sifid(status));
  }

  // The job page's section after the page's own content.
  function section() {
    let node = document.getElementById("job-charts");
    if (!node) {
      node = document.createElement("section");
      node.id = "job-charts";
      node.className = "job-charts";
      node.setAttribute("data-testid", "job-charts");
      (document.getElementById("app") || document.body).after(node);
    }
    return node;
  }

  // What the plots show of a status: a status that changes none of it is not drawn again (a redraw
  // every second would also close any bar's tooltip under the pointer).
  const drawn = (status) => JSON.stringify([status.createdAt, status.finishedAt, status.sifidMetric,
    status.images.map((i) => [i.phase, i.updatedAt, i.sifid, i.sifidStyled])]);
  let last = null, lastDrawn = "";

  // show: the page passes each status its live stream brings, so the plots agree with the rest of it.
  function show(status) {
    last = status;
    const key = drawn(status);
    if (key === lastDrawn) return;
    lastDrawn = key;
    render(section(), status);
  }

  window.SinGanSegCharts = { render, show };

  // On a job page: the last status's progress plot again every 5 s (its ETA line and time axis follow
  // the clock); the API is asked only until the page has passed a status (a page without the stream).
  const match = location.pathname.match(/^\/jobs\/([^/]+)\/?$/);
  if (!match) return;
  const jobId = decodeURIComponent(match[1]);
  async function refresh() {
    if (last) {
      const plots = section();
      const old = plots.querySelector("[data-testid=chart-progress]");
      if (old) old.replaceWith(progress(last, Date.now()));
      return;
    }
    try {
      const response = await fetch(`/api/jobs/${encodeURIComponent(jobId)}`, { credentials: "same-origin" });
      if (response.ok && !last) show(await response.json());
    } catch (e) {
      // The page's own stream shows connection problems; the plots simply wait for the next refresh.
    }
  }
  refresh();
  setInterval(refresh, 5000);
})();
