// The lineage viewer: draws GET /lineage with Cytoscape.js and a dagre layered layout.
// Everything shown is text from the API, inserted with textContent (never as HTML).
"use strict";

const state = { pipeline: null, region: null, account: null, view: "both", doc: null, global: false };
const GLOBAL = "__global__";
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

function elide(text, max) {
  // Keep both ends of a long name (its identifying tail above all), drop the middle.
  if (!text || text.length <= max) return text || "";
  const tail = Math.ceil(max * 0.6), head = max - tail - 1;
  return text.slice(0, head) + "…" + text.slice(text.length - tail);
}

function dataLabel(uri) {
  // Two lines: the identifying end of the key (last two segments), then the bucket.
  if (!uri) return "";
  const parts = uri.replace(/^[a-z0-9]+:\/\//i, "").replace(/\/$/, "").split("/");
  const bucket = parts[0], tail = parts.slice(1).slice(-2).join("/");
  return tail ? elide(tail, 30) + "\n" + elide(bucket, 30) : elide(bucket, 30);
}

function statusClass(run) {
  const status = (run && run.status) || "NotRun";
  if (status === "Succeeded") return "succeeded";
  if (status === "Failed" || status === "Stopped") return "failed";
  if (status === "Executing" || status === "Starting" || status === "Stopping") return "executing";
  return "notrun";
}

function elements(doc, view) {
  const nodes = [], edges = [];
  if (view !== "pipeline" && doc.graphData) {
    for (const n of doc.graphData.nodes) {
      const cls = [n.kind || "data"];
      if (n.kind === "process") cls.push(statusClass(n.run));
      if (n.pii && n.pii.length) cls.push("pii");
      if (n.placeholder) cls.push("placeholder");
      const label = n.kind === "data" ? dataLabel(n.uri) : elide(n.label, 30);
      nodes.push({ data: { id: n.id, label, full: n.label, ref: n }, classes: cls.join(" ") });
    }
    for (const e of doc.graphData.edges) {
      edges.push({ data: { id: e.id || e.source + "->" + e.target, source: e.source, target: e.target, ref: e }, classes: e.kind });
    }
  }
  if (view === "pipeline" && doc.graphPipeline) {
    for (const n of doc.graphPipeline.nodes) {
      nodes.push({ data: { id: "process:" + n.id, label: elide(n.label, 30), full: n.label, ref: n }, classes: "process " + statusClass(n.run) });
    }
    for (const e of doc.graphPipeline.edges) {
      edges.push({ data: { id: "dep:" + e.from + "->" + e.to + ":" + e.kind, source: "process:" + e.from, target: "process:" + e.to, ref: e }, classes: "dep" });
    }
  }
  if (view === "both" && doc.graphPipeline) {
    const ids = new Set(nodes.map((n) => n.data.id));
    const written = new Map(), read = new Map();
    for (const e of (doc.graphData || { edges: [] }).edges) {
      const [by, key, node] = e.kind === "write" ? [written, e.source, e.target] : [read, e.target, e.source];
      if (e.kind === "write" || e.kind === "read") by.set(key, (by.get(key) || new Set()).add(node));
    }
    const viaData = (source, target) => [...(written.get(source) || [])].some((d) => (read.get(target) || new Set()).has(d));
    for (const e of doc.graphPipeline.edges) {
      const source = "process:" + e.from, target = "process:" + e.to;
      // A dependency already drawn as data flowing between the steps is not drawn twice.
      if (ids.has(source) && ids.has(target) && e.kind !== "reference" && !viaData(source, target)) {
        edges.push({ data: { id: "dep:" + e.from + "->" + e.to + ":" + e.kind, source, target, ref: e }, classes: "dep" });
      }
    }
  }
  return nodes.concat(edges);
}

const GLOBAL_CLASSES = { data: "data", table: "table", step: "process", model_package: "model", feature_group: "data featuregroup" };

function globalElements(graph) {
  // Every pipeline, dataset, table and model at once; executions and their `ran` edges left out.
  const nodes = graph.nodes.filter((n) => n.kind !== "execution").map((n) => {
    const name = n.id.slice(n.id.indexOf(":") + 1);
    const label = n.kind === "data" ? dataLabel(name) : elide(n.kind === "step" ? name.split("/").slice(-2).join("/") : name, 30);
    const cls = [GLOBAL_CLASSES[n.kind] || "data"];
    if (n.pii && n.pii.length) cls.push("pii");
    return { data: { id: n.id, label, full: n.id, ref: n }, classes: cls.join(" ") };
  });
  const ids = new Set(nodes.map((n) => n.data.id));
  const edges = graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e, i) => ({
    data: { id: "g" + i, source: e.source, target: e.target, ref: e },
    classes: e.kind === "read" || e.kind === "write" || e.kind === "query" ? e.kind : "dep",
  }));
  return nodes.concat(edges);
}

const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 200, "text-valign": "center", "text-halign": "center", width: 210, height: 42, shape: "round-rectangle", "background-color": "#e3f2fd", "border-width": 2, "border-color": "#1565c0", color: "#1d2430" } },
  { selector: "node.process", style: { shape: "rectangle", "font-weight": "bold" } },
  { selector: "node.succeeded", style: { "background-color": "#c8e6c9", "border-color": "#2e7d32" } },
  { selector: "node.failed", style: { "background-color": "#ffcdd2", "border-color": "#c62828", "border-width": 4 } },
  { selector: "node.executing", style: { "background-color": "#fff3c4", "border-color": "#f9a825" } },
  { selector: "node.notrun", style: { "background-color": "#eceff1", "border-color": "#90a4ae", "border-style": "dashed" } },
  { selector: "node.pii", style: { "background-color": "#e9d5ff", "border-color": "#7b2cbf", "border-width": 4 } },
  { selector: "node.placeholder", style: { "border-style": "dotted" } },
  { selector: "node.table", style: { shape: "barrel", "background-color": "#fff8e1", "border-color": "#8d6e63" } },
  { selector: "node.model", style: { shape: "hexagon", "background-color": "#e0f2f1", "border-color": "#00695c" } },
  { selector: "edge", style: { width: 2, "curve-style": "bezier", "target-arrow-shape": "triangle", "line-color": "#1565c0", "target-arrow-color": "#1565c0" } },
  { selector: "edge.write, edge.registers", style: { "line-color": "#2e7d32", "target-arrow-color": "#2e7d32" } },
  { selector: "edge.dep", style: { "line-style": "dashed", "line-color": "#8a94a6", "target-arrow-color": "#8a94a6" } },
  { selector: "edge.within", style: { "line-style": "dotted", "line-color": "#7b2cbf", "target-arrow-color": "#7b2cbf" } },
  { selector: "edge.query", style: { "line-color": "#8d6e63", "target-arrow-color": "#8d6e63" } },
  { selector: ".faded", style: { opacity: 0.15 } },
  { selector: ".match", style: { "overlay-color": "#ffb300", "overlay-opacity": 0.35, "overlay-padding": 6 } },
  { selector: "node:selected", style: { "overlay-color": "#1d2430", "overlay-opacity": 0.2 } },
];

const MIN_READABLE_ZOOM = 0.6;
// A bounded zoom: fitting one node would otherwise zoom so far that drawing stalls for a minute.
const cy = cytoscape({ container: $("cy"), style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 2.5 });
window.cy = cy;

function draw() {
  const doc = state.doc;
  cy.elements().remove();
  if (!doc) return;
  cy.resize();  // the page around the graph may have changed size since the last draw
  cy.add(state.global ? globalElements(doc) : elements(doc, state.view));
  cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 18, rankSep: 70, animate: false }).run();
  cy.fit(undefined, 30);
  if (cy.zoom() < MIN_READABLE_ZOOM) {
    // Too wide to read whole: keep labels legible and start at the sources (left).
    const box = cy.elements().boundingBox();
    cy.zoom(MIN_READABLE_ZOOM);
    cy.pan({ x: 30 - box.x1 * MIN_READABLE_ZOOM, y: cy.height() / 2 - ((box.y1 + box.y2) / 2) * MIN_READABLE_ZOOM });
  }
  const s = doc.summary || {};
  const run = doc.execution ? ` · execution ${doc.execution.id || ""} (${doc.execution.status})` : " · current definition, not run";
  $("status").textContent = state.global
    ? `global graph · ${cy.nodes().length} nodes · ${cy.edges().length} edges${doc.truncated ? " (truncated)" : ""}`
    : `${s.overallStatus || ""}${run} · ${cy.nodes().length} nodes`;
  document.body.dataset.rendered = state.global ? "global" : state.view;
  applySearch();
}

async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || JSON.stringify(body.detail));
  return body;
}

async function load() {
  if (state.global) {
    $("status").textContent = "loading…";
    try { state.doc = await getJson("graph"); draw(); } catch (error) { $("status").textContent = String(error.message || error); }
    return;
  }
  if (!state.pipeline) return;
  const q = new URLSearchParams({ pipeline: state.pipeline, view: "both", includeLatestExec: $("latest").checked });
  if (state.region) q.set("region", state.region);
  if (state.account) q.set("account", state.account);  // one name may be in several accounts
  if (params.get("execution")) q.set("execution", params.get("execution"));
  $("status").textContent = "loading…";
  try {
    state.doc = await getJson("lineage?" + q);
    draw();
  } catch (error) {
    state.doc = null;
    cy.elements().remove();
    $("status").textContent = String(error.message || error);
  }
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function table(rows, headers) {
  const t = el("table");
  if (headers) {
    const tr = el("tr");
    headers.forEach((h) => tr.appendChild(el("th", h)));
    t.appendChild(tr);
  }
  for (const row of rows) {
    const tr = el("tr");
    row.forEach((cell) => {
      const td = el("td");
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell === null || cell === undefined ? "" : String(cell);
      tr.appendChild(td);
    });
    t.appendChild(tr);
  }
  return t;
}

function badges(list, cls) {
  const span = el("span");
  (list || []).forEach((item) => span.appendChild(el("span", item, "badge " + cls)));
  return span;
}

function section(panel, title, content) {
  panel.appendChild(el("h3", title));
  panel.appendChild(content);
}

function stepOf(id) {
  const nodes = (state.doc.graphPipeline || { nodes: [] }).nodes;
  return nodes.find((n) => n.id === id);
}

function showStep(panel, step) {
  const run = step.run || {};
  panel.appendChild(el("h2", step.label || step.id));
  panel.appendChild(badges([run.status || "NotRun"], run.status || ""));
  section(panel, "Run", table([
    ["type", step.type], ["start", run.startTime], ["end", run.endTime], ["elapsed (s)", run.elapsedSec],
    ["job", run.jobName], ["cache hit", run.cacheHit ? "yes: " + run.cacheSourceExecutionArn : "no"],
    ["failure", run.failureReason],
  ].filter((r) => r[1] !== undefined && r[1] !== null && r[1] !== "")));
  const metrics = Object.entries(run.metrics || {});
  if (metrics.length) section(panel, "Metrics", table(metrics));
  if (step.registry) section(panel, "Registered model", table([["package", step.registry.modelPackageArn], ["approval", step.registry.approval]]));
  if (step.sql) {
    const box = el("div", null, "sql");
    if (step.sql.query) box.appendChild(el("pre", step.sql.query));
    for (const source of step.sql.sources || []) {
      for (const where of source.definedIn || []) {
        box.appendChild(el("div", `${source.table} ← ${where.file}:${where.line ?? ""}:${(where.commit || "").slice(0, 12)}`, "sql-origin"));
      }
    }
    section(panel, "SQL", box);
  }
  const io = (step.inputs || []).map((i) => ["in: " + i.name, typeof i.uri === "string" ? i.uri : JSON.stringify(i.uri)])
    .concat((step.outputs || []).map((o) => ["out: " + o.name, typeof o.uri === "string" ? o.uri : JSON.stringify(o.uri)]));
  if (io.length) section(panel, "Inputs and outputs", table(io));
}

function showData(panel, node) {
  panel.appendChild(el("h2", node.uri || node.label));
  if (node.pii && node.pii.length) panel.appendChild(badges(node.pii, "pii"));
  if (node.featureGroup) panel.appendChild(el("div", "feature group offline store: " + node.featureGroup));
  if (node.placeholder) panel.appendChild(el("div", "placeholder: resolved only when the pipeline runs", "hint"));
  const schema = node.schema || { columns: [] };
  const rows = schema.columns.map((c) => [c.name, c.type, badges(c.pii, "pii")]);
  section(panel, `Columns${schema.version ? " (schema " + schema.version + ")" : ""}`,
    rows.length ? table(rows, ["column", "type", "PII"]) : el("p", "no sampled schema", "hint"));
  const s3 = (node.meta || {}).s3;
  if (s3) {
    const tags = Object.entries(s3.tags || {}).map(([k, v]) => k + "=" + v).join(", ");
    section(panel, "Bucket posture", table([["bucket", s3.bucket], ["region", s3.region], ["encryption", s3.encryption],
      ["versioning", s3.versioning], ["public access block", s3.publicAccess], ["tags", tags]]));
  }
}

function showOther(panel, node) {
  panel.appendChild(el("h2", node.label));
  if (node.kind === "model") section(panel, "Model package", table([["arn", node.modelPackageArn], ["approval", node.approval]]));
  if (node.kind === "table") {
    section(panel, "SQL", table((node.sql || []).map((w) => [`${w.file}:${w.line ?? ""}`, (w.commit || "").slice(0, 12)]), ["file:line", "commit"]));
  }
}

function showGlobal(panel, node) {
  const ref = node.data("ref");
  panel.appendChild(el("h2", ref.id));
  panel.appendChild(badges([ref.kind], ""));
  if (ref.pii && ref.pii.length) panel.appendChild(badges(ref.pii, "pii"));
  const up = node.predecessors("node").difference(node), down = node.successors("node").difference(node);
  section(panel, `Upstream (${up.length})`, table(up.map((n) => [n.id()])));
  section(panel, `Downstream (${down.length})`, table(down.map((n) => [n.id()])));
  if (ref.kind === "step") {
    const [account, region, pipeline] = ref.id.replace(/^step:/, "").split("/");
    const link = el("a", "open this pipeline");
    link.href = "?" + new URLSearchParams({ pipeline, region, account });
    panel.appendChild(link);
  }
}

function showNode(node) {
  const panel = $("panel");
  panel.replaceChildren();
  const ref = node.data("ref");
  if (state.global) showGlobal(panel, node);
  else if (node.hasClass("process")) showStep(panel, stepOf(ref.stepId || ref.id) || ref);
  else if (node.hasClass("data")) showData(panel, ref);
  else showOther(panel, ref);
  cy.elements().removeClass("faded");
  const related = node.predecessors().union(node.successors()).union(node);
  cy.elements().not(related).addClass("faded");
}

function edgeText(e) {
  const ref = e.data("ref");
  if (ref.kind === "read") return `read: ${ref.uri} → ${e.target().data("full")} (${(ref.channels || []).join(", ")})`;
  if (ref.kind === "write") return `write: ${e.source().data("full")} → ${ref.uri} (${(ref.channels || []).join(", ")})`;
  if (ref.kind === "within") return `written inside ${e.target().data("full")}, which is read as a whole`;
  if (ref.from) return `${ref.from} → ${ref.to} (${ref.via}${ref.label ? ": " + ref.label : ""})`;
  return `${ref.kind}: ${e.source().data("full")} → ${e.target().data("full")}`;
}

function applySearch() {
  const term = $("search").value.trim().toLowerCase();
  cy.elements().removeClass("match");
  if (!term) return;
  const hits = cy.nodes().filter((n) => String(n.data("full")).toLowerCase().includes(term) || n.id().toLowerCase().includes(term));
  hits.addClass("match");
  if (hits.length) {
    cy.fit(hits, 60);
    if (cy.zoom() > 1.2) cy.zoom({ level: 1.2, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }
}

cy.on("tap", "node", (event) => showNode(event.target));
window.addEventListener("resize", () => cy.resize());
cy.on("tap", (event) => { if (event.target === cy) cy.elements().removeClass("faded"); });
cy.on("mouseover", "edge", (event) => {
  const tip = $("tooltip");
  tip.textContent = edgeText(event.target);
  tip.hidden = false;
  tip.style.left = event.originalEvent.clientX + 12 + "px";
  tip.style.top = event.originalEvent.clientY + 12 + "px";
});
cy.on("mouseout", "edge", () => { $("tooltip").hidden = true; });

document.querySelectorAll("#views button").forEach((button) => button.addEventListener("click", () => {
  state.view = button.dataset.view;
  document.querySelectorAll("#views button").forEach((b) => b.classList.toggle("active", b === button));
  draw();
}));
$("search").addEventListener("input", applySearch);
$("fit").addEventListener("click", () => cy.fit(undefined, 30));
$("latest").addEventListener("change", load);
function choose(option) {
  // A menu entry names one pipeline by account (when the store has it), region and name.
  state.global = option.value === GLOBAL;
  state.account = option.dataset.account || null;
  state.region = option.dataset.region || null;
  state.pipeline = option.dataset.pipeline || null;
}

function pipelineOption(region, p) {
  const where = p.account ? `${region}, ${p.account}` : region;
  const option = el("option", `${p.name} (${where})`);
  option.value = [p.account, region, p.name].filter(Boolean).join("/");
  option.dataset.account = p.account || "";
  option.dataset.region = region;
  option.dataset.pipeline = p.name;
  return option;
}

$("pipeline").addEventListener("change", () => {
  choose($("pipeline").selectedOptions[0]);
  load();
});

(async function start() {
  try {
    const listing = await getJson("sagemaker/pipelines");
    const select = $("pipeline");
    for (const region of listing.regions) {
      for (const p of region.pipelines) select.appendChild(pipelineOption(region.region, p));
    }
    const everything = el("option", "all pipelines, SQL and datasets (global graph)");
    everything.value = GLOBAL;
    select.appendChild(everything);
    const wanted = { pipeline: params.get("pipeline"), region: params.get("region"), account: params.get("account") };
    const fits = (o) => o.dataset.pipeline === wanted.pipeline && (!wanted.region || o.dataset.region === wanted.region)
      && (!wanted.account || o.dataset.account === wanted.account);
    const choice = [...select.options].find(fits) || select.options[0];
    if (choice.value === GLOBAL) { $("status").textContent = "no pipelines crawled yet"; return; }
    select.value = choice.value;
    choose(choice);
    if (params.get("view")) {
      const button = document.querySelector(`#views button[data-view="${params.get("view")}"]`);
      if (button) { state.view = button.dataset.view; document.querySelectorAll("#views button").forEach((b) => b.classList.toggle("active", b === button)); }
    }
    await load();
  } catch (error) {
    $("status").textContent = String(error.message || error);
  }
})();
