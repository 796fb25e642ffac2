// SinGAN-Seg job dashboard: the job list at "/", one job at "/jobs/{id}".
// Every piece of server text goes in through textContent or attributes, never innerHTML.
"use strict";

const app = document.getElementById("app");
const live = document.getElementById("live");
const message = document.getElementById("message");
// Phase rules come from the server (GET /api/phases, Abstractions' Phases); filled before the first render.
const RUNNING = new Set();
const TERMINAL = new Set();
const FINISHED_JOB = new Set();
const phasesLoaded = fetch("/api/phases", { credentials: "same-origin", headers: { Accept: "application/json" } })
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`phases: HTTP ${r.status}`))))
  .then((p) => {
    p.activeImage.forEach((x) => RUNNING.add(x));
    p.terminalImage.forEach((x) => TERMINAL.add(x));
    p.finishedJob.forEach((x) => FINISHED_JOB.add(x));
  })
  .catch(() => {
    // Signed out or offline: the page's own error handling explains; keep the last known rules.
    ["Queued", "Training", "Generating", "Checking", "Styling", "Scoring"].forEach((x) => RUNNING.add(x));
    ["Done", "Failed", "Cancelled"].forEach((x) => TERMINAL.add(x));
    ["Completed", "CompletedWithErrors", "Cancelled"].forEach((x) => FINISHED_JOB.add(x));
  });

// ---- small helpers ---------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setText(node, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (node.textContent !== value) node.textContent = value;
}

function badge(phase) {
  return el("span", { class: `badge ${phase || "Unknown"}`, text: label(phase) });
}

function setBadge(node, phase) {
  const cls = `badge ${phase || "Unknown"}`;
  if (node.className !== cls) node.className = cls;
  setText(node, label(phase));
}

function label(phase) {
  if (!phase) return "unknown";
  if (phase === "CompletedWithErrors") return "Completed with errors";
  if (phase === "RetryScheduled") return "Retry scheduled";
  return phase;
}

function bar(fraction, big) {
  const fill = el("span");
  const node = el("div", { class: big ? "bar big" : "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 }, fill);
  setBar(node, fraction);
  return node;
}

function setBar(node, fraction) {
  const pct = Math.max(0, Math.min(100, Math.round((fraction || 0) * 1000) / 10));
  node.firstChild.style.width = pct + "%";
  node.setAttribute("aria-valuenow", pct);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds) || seconds <= 0) return "–";
  const s = Math.round(seconds);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + String(s % 60).padStart(2, "0") + " s";
  return Math.floor(s / 3600) + " h " + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + " min";
}

function time(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return isNaN(d) ? "–" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

function num(value, digits) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

function sifidText(raw, styled) {
  if (raw === null || raw === undefined) return "–";
  return styled === null || styled === undefined ? num(raw, 3) : `${num(raw, 3)} → ${num(styled, 3)}`;
}

function enc(part) {
  return encodeURIComponent(part);
}

function showMessage(text, kind, link) {
  message.replaceChildren(text);
  if (link) message.append(" ", el("a", { href: link.href, "data-testid": "message-link", text: link.text }));
  message.className = kind === "info" ? "message info" : "message";
  message.hidden = false;
  clearTimeout(showMessage.timer);
  // Notices fade; errors stay until the next action.
  if (kind === "info") showMessage.timer = setTimeout(clearMessage, 6000);
}

function clearMessage() {
  message.hidden = true;
  message.replaceChildren();
}

function setLive(mode, text) {
  live.dataset.mode = mode;
  setText(live, text);
}

class Unauthorized extends Error {}

function signIn() {
  setLive("offline", "signed out");
  const back = location.pathname + location.search;
  showMessage("You are not signed in, or your session has ended.", "error", { href: "/login?returnUrl=" + enc(back), text: "Sign in" });
}

// Same-origin fetch (cookies go along); a problem+json answer becomes an Error with its detail.
async function api(path, options) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json", "X-Requested-With": "singanseg" }, ...options });
  if (response.status === 401) {
    signIn();
    throw new Unauthorized("not signed in");
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch {
      // Not JSON: the status line says enough.
    }
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

// Server-Sent Events with a fallback: when the stream drops (a proxy that buffers, a restart),
// poll the plain endpoint every few seconds and try the stream again now and then.
function follow(streamUrl, pollUrl, onData) {
  let source = null;
  let pollTimer = null;
  let retryTimer = null;
  let stopped = false;

  const poll = async () => {
    try {
      onData(await api(pollUrl));
      setLive("polling", "polling");
    } catch (e) {
      if (e instanceof Unauthorized) return stop();
      if (e.status === 404) {
        showMessage(e.message);
        setLive("offline", "not found");
        return stop();
      }
      setLive("offline", "offline — retrying");
    }
  };

  const startPolling = () => {
    if (pollTimer || stopped) return;
    poll();
    pollTimer = setInterval(poll, 3000);
    retryTimer = setTimeout(() => {
      clearInterval(pollTimer);
      pollTimer = null;
      connect();
    }, 30000);
  };

  const connect = () => {
    if (stopped) return;
    if (!window.EventSource) return startPolling();
    source = new EventSource(streamUrl);
    let failures = 0;
    source.onopen = () => setLive("live", "live");
    source.onmessage = (event) => {
      failures = 0;
      setLive("live", "live");
      onData(JSON.parse(event.data));
    };
    source.onerror = () => {
      failures++;
      // EventSource reconnects by itself; after repeated failures, or once it gave up, poll.
      if (source.readyState === EventSource.CLOSED || failures >= 2) {
        source.close();
        source = null;
        startPolling();
      }
    };
  };

  const stop = () => {
    stopped = true;
    if (source) source.close();
    clearInterval(pollTimer);
    clearTimeout(retryTimer);
  };

  connect();
  return stop;
}

// ---- job list --------------------------------------------------------------------------------

function showList() {
  document.title = "SinGAN-Seg jobs";
  const tbody = el("tbody", { id: "jobs-body" });
  const empty = el("div", { class: "empty", "data-testid": "jobs-empty", hidden: true, text: "No jobs yet. Submit one with `singanseg submit` or POST /api/jobs." });
  app.replaceChildren(
    el("section", { class: "panel" },
      el("h2", { text: "Jobs" }),
      el("table", { id: "jobs-table", "data-testid": "jobs-table" },
        el("thead", {}, el("tr", {},
          el("th", { text: "Job" }), el("th", { text: "Phase" }), el("th", { text: "Progress" }),
          el("th", { class: "num", text: "Done" }), el("th", { class: "num", text: "Failed" }), el("th", { class: "num", text: "Images" }),
          el("th", { text: "Preset" }), el("th", { text: "Created" }), el("th", { text: "Finished" }))),
        tbody),
      empty));

  follow("/api/dashboard/jobs/events", "/api/dashboard/jobs", (jobs) => {
    empty.hidden = jobs.length > 0;
    tbody.replaceChildren(...jobs.map((job) => {
      const finished = job.done + job.failed;
      return el("tr", { class: "job-row", "data-testid": "job-row", "data-job-id": job.jobId },
        el("td", {}, el("a", { href: "/jobs/" + enc(job.jobId), "data-testid": "job-link", text: job.jobId })),
        el("td", { "data-testid": "job-row-phase" }, job.phase ? badge(job.phase) : el("span", { class: "error", text: job.error || "unavailable" })),
        el("td", {}, bar(job.total ? finished / job.total : 0)),
        el("td", { class: "num", "data-testid": "job-row-done", text: job.done }),
        el("td", { class: "num", "data-testid": "job-row-failed", text: job.failed }),
        el("td", { class: "num", "data-testid": "job-row-total", text: job.total }),
        el("td", { text: job.preset || "–" }),
        el("td", { text: time(job.createdAt) }),
        el("td", { text: time(job.finishedAt) }));
    }));
  });
}

// ---- one job ---------------------------------------------------------------------------------

// How far an image is, 0..1: scales weigh most; generating and later stages are the last stretch.
function imageFraction(image) {
  if (TERMINAL.has(image.phase)) return 1;
  if (!image.scaleCount) return 0;
  if (image.phase === "Training") {
    const within = image.iterations ? image.iteration / image.iterations : 0;
    return 0.9 * Math.min(1, (image.completedScales + within) / image.scaleCount);
  }
  if (image.phase === "Generating" || image.phase === "Styling" || image.phase === "Scoring") return 0.95;
  return 0.9 * image.completedScales / image.scaleCount;
}

// The job's gate counts (GateCounts on the server): the totals, then per gate the final draws it flagged
// and the draws regenerated at its request (a redraw that passed leaves no flag, so the flags alone hide
// what a regenerate gate did); no per-gate redraws when the server could not attribute them all.
function gateText(g, finished) {
  if (!g || !g.checked) return ["–", finished ? "no samples checked" : "nothing checked yet"];
  const flagged = g.flagged || {};
  const by = g.regeneratedBy || {};
  const perGate = Object.keys(flagged).map((name) =>
    `${name}: ${flagged[name]} flagged${g.redrawsAttributed ? `, ${by[name] || 0} regenerated` : ""}`);
  return [`${g.checked} checked · ${g.regenerated} regenerated · ${g.dropped} dropped`, perGate.join("; ")];
}

function showJob(jobId) {
  document.title = `${jobId} · SinGAN-Seg`;
  const ui = {
    phase: el("span", { class: "badge", "data-testid": "job-phase", text: "loading…" }),
    counts: el("span", { class: "muted", "data-testid": "job-counts" }),
    progress: bar(0, true),
    progressText: el("span", { class: "muted", "data-testid": "job-progress-text" }),
    eta: el("div", { class: "value", "data-testid": "job-eta" }),
    sifid: el("div", { class: "value", "data-testid": "job-sifid" }),
    sifidLabel: el("div", { class: "label", text: "Mean SIFID" }),
    preset: el("div", { class: "value", "data-testid": "job-preset" }),
    gates: el("div", { class: "value", "data-testid": "job-gates" }),
    gatesDetail: el("div", { class: "label", "data-testid": "job-gates-detail" }),
    created: el("div", { class: "value", "data-testid": "job-created" }),
    finished: el("div", { class: "value", "data-testid": "job-finished" }),
    links: el("div", { class: "links", "data-testid": "job-downloads" }),
    cancel: el("button", { class: "danger", id: "cancel-job", "data-testid": "cancel-job", disabled: true, text: "Cancel job" }),
    retry: el("button", { class: "primary", id: "retry-job", "data-testid": "retry-job", disabled: true, text: "Retry failed" }),
    evaluation: el("section", { class: "panel eval", "data-testid": "evaluation", hidden: true }),
    rows: el("tbody", { id: "images-body" }),
  };
  const stat = (labelText, value) => el("div", { class: "stat" }, typeof labelText === "string" ? el("div", { class: "label", text: labelText }) : labelText, value);
  app.replaceChildren(
    el("p", {}, el("a", { href: "/", "data-testid": "back-link", text: "← All jobs" })),
    el("section", { class: "panel" },
      el("div", { class: "job-header" },
        el("div", { class: "job-title" }, el("h1", { "data-testid": "job-id", text: jobId }), ui.phase, ui.counts),
        el("div", { class: "actions" }, ui.retry, ui.cancel)),
      el("div", { class: "progress-line" }, ui.progress, ui.progressText),
      el("div", { class: "stats" },
        stat("ETA", ui.eta), stat(ui.sifidLabel, ui.sifid), stat("Preset · samples/image", ui.preset),
        stat("Created", ui.created), stat("Finished", ui.finished)),
      // The gates' counts and per-gate detail are sentences, not figures: a tile of their own,
      // the panel's full width (in a grid column they wrapped to three lines).
      el("div", { class: "stat gates" }, el("div", { class: "label", text: "Gates (finished images)" }), ui.gates, ui.gatesDetail),
      el("div", { style: "margin-top:12px" }, ui.links)),
    ui.evaluation,
    el("section", { class: "panel" },
      el("h2", { text: "Images" }),
      el("p", { class: "muted", style: "margin-top:-4px", text: "Click an image to see its real pair and generated samples." }),
      el("table", { id: "images-table", "data-testid": "images-table" },
        el("thead", {}, el("tr", {},
          el("th", { text: "Image" }), el("th", { text: "State" }), el("th", { text: "Scale" }), el("th", { class: "num", text: "Iteration" }),
          el("th", { class: "num", text: "it/s" }), el("th", { class: "num", text: "ETA" }), el("th", { class: "num", text: "Attempt" }),
          el("th", { text: "Silo" }), el("th", { class: "num", text: "SIFID" }), el("th", { text: "Error" }))),
        ui.rows)));

  let status = null;
  const rows = new Map();
  const expanded = new Set();

  ui.cancel.addEventListener("click", () => act("cancel", `Cancel job ${jobId}? Running images stop; finished ones are kept.`));
  ui.retry.addEventListener("click", () => act("retry", `Run the failed images of ${jobId} again?`));

  async function act(action, question) {
    if (!window.confirm(question)) return;
    clearMessage();
    ui.cancel.disabled = ui.retry.disabled = true;
    try {
      render(await api(`/api/jobs/${enc(jobId)}/${action}`, { method: "POST" }));
      showMessage(action === "cancel" ? "Job cancelled." : "Failed images queued again.", "info");
    } catch (e) {
      if (!(e instanceof Unauthorized)) showMessage(`Could not ${action}: ${e.message}`);
      if (status) render(status);
    }
  }

  function render(s) {
    status = s;
    const images = s.images || [];
    const done = images.filter((i) => i.phase === "Done").length;
    const failed = images.filter((i) => i.phase === "Failed").length;
    const active = images.filter((i) => RUNNING.has(i.phase)).length;
    setBadge(ui.phase, s.phase);
    setText(ui.counts, `${done} done · ${failed} failed · ${active} active · ${images.length} images`);
    const fraction = images.length ? images.reduce((sum, i) => sum + imageFraction(i), 0) / images.length : 0;
    setBar(ui.progress, fraction);
    setText(ui.progressText, `${Math.round(fraction * 100)}%`);
    const open = images.filter((i) => !TERMINAL.has(i.phase));
    setText(ui.eta, FINISHED_JOB.has(s.phase) ? "finished" : duration(Math.max(0, ...open.map((i) => i.etaSeconds || 0))));
    const styled = s.meanSifidStyled !== null && s.meanSifidStyled !== undefined;
    setText(ui.sifidLabel, `Mean ${s.sifidMetric || "SIFID"}${styled ? " (raw → styled)" : ""}`);
    setText(ui.sifid, sifidText(s.meanSifid, s.meanSifidStyled));
    setText(ui.preset, `${s.preset || "–"} · ${s.samplesPerImage}`);
    const [gates, gatesDetail] = gateText(s.gates, FINISHED_JOB.has(s.phase));
    setText(ui.gates, gates);
    setText(ui.gatesDetail, gatesDetail);
    setText(ui.created, time(s.createdAt));
    setText(ui.finished, time(s.finishedAt));
    ui.cancel.disabled = FINISHED_JOB.has(s.phase);
    ui.retry.disabled = failed === 0 || s.phase === "Cancelled";
    const links = [];
    if (s.manifestKey) {
      links.push(el("a", { href: `/api/jobs/${enc(jobId)}/dataset`, "data-testid": "download-dataset", text: "Download dataset (zip)" }));
      links.push(el("a", { href: `/api/jobs/${enc(jobId)}/manifest`, "data-testid": "download-manifest", text: "Manifest (jsonl)" }));
    }
    ui.links.replaceChildren(...links);
    renderImages(images);
    renderEvaluation(s);
    // The plots (charts.js, loaded deferred beside this script) from the same status as the rest of the page.
    if (window.SinGanSegCharts) window.SinGanSegCharts.show(s);
  }

  function renderImages(images) {
    const names = new Set(images.map((i) => i.name));
    for (const [name, row] of rows) {
      if (!names.has(name)) {
        row.tr.remove();
        row.detail.remove();
        rows.delete(name);
      }
    }
    let previous = null;
    for (const image of images) {
      let row = rows.get(image.name);
      if (!row) {
        row = imageRow(image.name);
        rows.set(image.name, row);
      }
      updateRow(row, image);
      // Keep table order equal to status order (stable by name) without rebuilding rows.
      const anchor = previous ? previous.detail.nextSibling : ui.rows.firstChild;
      if (row.tr !== anchor) ui.rows.insertBefore(row.tr, anchor);
      if (row.detail !== row.tr.nextSibling) ui.rows.insertBefore(row.detail, row.tr.nextSibling);
      previous = row;
    }
  }

  function imageRow(name) {
    const cells = {
      state: el("span", { class: "badge", "data-testid": "image-state" }),
      scaleText: el("span", { "data-testid": "image-scale" }),
      scaleBar: bar(0),
      iteration: el("td", { class: "num", "data-testid": "image-iteration" }),
      speed: el("td", { class: "num", "data-testid": "image-speed" }),
      eta: el("td", { class: "num", "data-testid": "image-eta" }),
      attempts: el("td", { class: "num", "data-testid": "image-attempts" }),
      silo: el("td", { "data-testid": "image-silo" }),
      sifid: el("td", { class: "num", "data-testid": "image-sifid" }),
      error: el("td", { class: "error", "data-testid": "image-error" }),
    };
    const tr = el("tr", { class: "image-row", "data-testid": "image-row", "data-image": name, tabindex: 0, "aria-expanded": "false" },
      el("td", {}, el("code", { text: name })),
      el("td", {}, cells.state),
      el("td", {}, el("div", { class: "scale" }, cells.scaleBar, cells.scaleText)),
      cells.iteration, cells.speed, cells.eta, cells.attempts, cells.silo, cells.sifid, cells.error);
    const detailCell = el("td", { colspan: 10 });
    const detail = el("tr", { class: "detail", "data-testid": "image-detail", "data-image": name, hidden: true }, detailCell);
    const row = { name, tr, detail, detailCell, cells, image: null, samplesFor: null };
    const toggle = () => {
      if (expanded.has(name)) expanded.delete(name);
      else expanded.add(name);
      updateDetail(row);
    };
    tr.addEventListener("click", toggle);
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        toggle();
      }
    });
    return row;
  }

  function updateRow(row, image) {
    row.image = image;
    const c = row.cells;
    setBadge(c.state, image.phase);
    row.tr.dataset.phase = image.phase;
    setText(c.scaleText, image.scaleCount ? `${image.completedScales}/${image.scaleCount}` : "–");
    setBar(c.scaleBar, image.scaleCount ? image.completedScales / image.scaleCount : 0);
    setText(c.iteration, image.iterations && !TERMINAL.has(image.phase) ? `${image.iteration}/${image.iterations}` : "–");
    setText(c.speed, image.iterationsPerSecond && !TERMINAL.has(image.phase) ? num(image.iterationsPerSecond, 1) : "–");
    setText(c.eta, TERMINAL.has(image.phase) ? "–" : duration(image.etaSeconds));
    setText(c.attempts, image.attempts || "–");
    setText(c.silo, image.silo || "–");
    c.silo.title = image.silo || "";
    setText(c.sifid, sifidText(image.sifid, image.sifidStyled));
    setText(c.error, image.error || "");
    c.error.title = image.error || "";
    updateDetail(row);
  }

  function updateDetail(row) {
    const open = expanded.has(row.name);
    row.detail.hidden = !open;
    row.tr.classList.toggle("expanded", open);
    row.tr.setAttribute("aria-expanded", String(open));
    if (!open) return;
    // Build once per state that matters: samples appear when the image is Done.
    const key = row.image ? `${row.image.phase}/${row.image.attempts}` : "";
    if (row.samplesFor === key) return;
    row.samplesFor = key;
    loadDetail(row);
  }

  async function loadDetail(row) {
    const base = `/api/jobs/${enc(jobId)}`;
    const name = row.name;
    const real = pair("Real image and mask", "real",
      `${base}/images/${enc(name)}/thumbnail/image`, `${base}/images/${enc(name)}/thumbnail/mask`);
    const samples = el("div", { class: "thumbs", "data-testid": "samples" });
    row.detailCell.replaceChildren(el("div", { class: "thumbs" }, real, samples));
    if (!row.image || row.image.phase !== "Done") {
      samples.append(el("div", { class: "muted", text: "Generated samples appear here when the image is done." }));
      return;
    }
    try {
      const list = await api(`${base}/images/${enc(name)}/samples?take=4`);
      if (list.samples.length === 0) samples.append(el("div", { class: "muted", text: "No samples recorded." }));
      for (const s of list.samples) {
        const p = pair(`${s.name}${s.sifid !== null && s.sifid !== undefined ? ` · SIFID ${sifidText(s.sifid, s.sifidStyled)}` : ""}`, "sample",
          `${base}/samples/${enc(s.name)}/thumbnail/image`, `${base}/samples/${enc(s.name)}/thumbnail/mask`,
          s.styledName ? `${base}/samples/${enc(s.styledName)}/thumbnail/image` : null);
        samples.append(p);
      }
      if (list.count > list.samples.length) samples.append(el("div", { class: "muted", text: `and ${list.count - list.samples.length} more in the dataset` }));
      await loadFlagged(base, name, row.detailCell.firstChild);
    } catch (e) {
      if (!(e instanceof Unauthorized)) samples.append(el("div", { class: "error", text: `Samples unavailable: ${e.message}` }));
    }
  }

  // Samples the gates flagged, shown beside the real pair they came from.
  async function loadFlagged(base, name, container) {
    const list = await api(`${base}/images/${enc(name)}/flagged?take=4`);
    if (list.count === 0) return;
    const box = el("div", { class: "thumbs flagged", "data-testid": "flagged" },
      el("div", { class: "muted", text: `Flagged by the gates: ${list.count}` }));
    for (const f of list.samples) {
      // Each gate that flagged it: its reasons when it gives them, else its score.
      const flags = (f.gates || []).flatMap(g => g.reasons && g.reasons.length ? g.reasons : [`${g.gate} score ${num(g.score, 3)}`]);
      const why = [...flags, f.droppedBy ? `dropped by ${f.droppedBy}` : "kept"]
        .filter(Boolean).join(" · ");
      box.append(pair(`${f.name} · ${why}`, "flagged",
        `${base}/samples/${enc(f.name)}/thumbnail/image`, `${base}/samples/${enc(f.name)}/thumbnail/mask`));
    }
    container.append(box);
  }

  function pair(title, kind, imageUrl, maskUrl, styledUrl) {
    const figure = (src, caption, testid) => el("figure", {},
      el("img", { src, alt: `${caption}: ${title}`, loading: "lazy", "data-testid": testid, width: 128, height: 128 }),
      el("figcaption", { text: caption }));
    return el("div", { class: "pair", "data-testid": `pair-${kind}` },
      el("div", { class: "title", text: title }),
      el("div", { class: "imgs" },
        figure(imageUrl, kind === "real" ? "real image" : "generated", `thumb-${kind}-image`),
        figure(maskUrl, "mask", `thumb-${kind}-mask`),
        styledUrl ? figure(styledUrl, "styled", `thumb-${kind}-styled`) : null));
  }

  let evaluationShown = null;
  let evaluationLoading = false;

  async function renderEvaluation(s) {
    const panel = ui.evaluation;
    if (!s.evaluationId && !s.evaluationError) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    if (s.evaluationError) {
      panel.replaceChildren(el("h2", { text: "Evaluation" }), el("p", { class: "error", "data-testid": "evaluation-error", text: s.evaluationError }));
      return;
    }
    if (evaluationLoading || (evaluationShown && evaluationShown.finished)) return;
    evaluationLoading = true;
    try {
      const e = await api(`/api/evaluations/${enc(s.evaluationId)}`);
      const runsDone = e.runs.filter((r) => r.phase === "Done").length;
      const children = [
        el("h2", {}, "Evaluation (UNet++) ", badge(e.phase)),
        el("p", { class: "muted", "data-testid": "evaluation-runs", text: `${runsDone}/${e.runs.length} runs done` }),
      ];
      if (e.error) children.push(el("p", { class: "error", text: e.error }));
      if (e.summary && e.summary.length) {
        children.push(el("table", { "data-testid": "evaluation-summary" },
          el("thead", {}, el("tr", {}, ["Training set", "Dice", "IoU", "Precision", "Recall", "Folds"].map((h, i) => el("th", { class: i ? "num" : "", text: h })))),
          el("tbody", {}, e.summary.map((r) => el("tr", {},
            el("td", { text: r.set }),
            el("td", { class: "num", text: `${num(r.dice, 3)} ± ${num(r.diceStd, 3)}` }),
            el("td", { class: "num", text: `${num(r.iou, 3)} ± ${num(r.iouStd, 3)}` }),
            el("td", { class: "num", text: num(r.precision, 3) }),
            el("td", { class: "num", text: num(r.recall, 3) }),
            el("td", { class: "num", text: r.folds }))))));
      }
      if (e.reportPrefix) {
        const report = `/api/evaluations/${enc(e.evaluationId)}/report/`;
        children.push(el("p", { class: "links" },
          ["report.md", "report.json", "dice.svg"].map((f) => el("a", { href: report + f, target: "_blank", rel: "noopener", text: f }))));
      }
      panel.replaceChildren(...children);
      evaluationShown = { finished: e.phase === "Completed" || e.phase === "CompletedWithErrors" || e.phase === "Cancelled" };
    } catch (err) {
      if (!(err instanceof Unauthorized)) panel.replaceChildren(el("h2", { text: "Evaluation" }), el("p", { class: "error", text: err.message }));
    } finally {
      evaluationLoading = false;
    }
  }

  follow(`/api/jobs/${enc(jobId)}/events`, `/api/jobs/${enc(jobId)}`, render);
}

// ---- routing ---------------------------------------------------------------------------------

function route() {
  const match = location.pathname.match(/^\/jobs\/([^/]+)\/?$/);
  if (match) showJob(decodeURIComponent(match[1]));
  else showList();
}

phasesLoaded.then(route);
