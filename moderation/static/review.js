"use strict";
// The review page: load a thread, show scores, flags and highlighted words, and record a
// moderator's decisions. Plain JS, no build step; comment text only ever goes into the page
// as text nodes (never as HTML).

const LABEL_KEYS = {h: "hostile", c: "conspiratorial"};
const BINS = 20;
// The server takes request bodies up to 5 MB; a file travels base64-encoded (4 bytes per 3).
const MAX_FILE_BYTES = Math.floor((5 * 1024 * 1024 * 3) / 4) - 4096;

const state = {
  thread: null,      // the server's answer: model, thresholds, labels, comments
  decisions: {},     // comment index -> {label: 0/1}, the moderator's current choice
  saved: {},         // comment index -> true once confirmed and stored
  order: [],         // comment indexes shown, in order
  current: -1,       // position in state.order of the selected comment
  savedCount: 0,
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  return node;
}

function setStatus(text) {
  $("status").textContent = text;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  });
  if (response.status === 401) {
    window.location.reload();  // signed out (or the token changed): the sign-in form
    throw new Error("not signed in");
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = (answer.error && answer.error.message) || `HTTP ${response.status}`;
    throw new Error(message);
  }
  return answer;
}

// ------------------------------------------------------------------- loading
async function loadThread(body, what) {
  setStatus(`Scoring ${what} …`);
  const started = performance.now();
  try {
    const thread = await api("/review/api/thread", body);
    showThread(thread);
    const ms = Math.round(performance.now() - started);
    document.body.dataset.loadMs = String(ms);
    setStatus(`${thread.comments.length} comment(s) from ${what}, scored by ${thread.model} in ${ms} ms.`);
  } catch (err) {
    setStatus(`Could not load ${what}: ${err.message}`);
  }
}

function bytesToBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

$("paste-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("paste").value;
  if (!text.trim()) {
    setStatus("Paste some comments first.");
    return;
  }
  loadThread({text}, "the pasted text");
});

$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) {
    setStatus(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB; the server takes files up to ` +
      `${(MAX_FILE_BYTES / 1048576).toFixed(1)} MB. Split the thread, or score it with \`moderation score\`.`);
    return;
  }
  const buffer = await file.arrayBuffer();
  loadThread({file_base64: bytesToBase64(buffer), filename: file.name}, file.name);
});

$("signout").addEventListener("click", async () => {
  await fetch("/review/api/signout", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
  window.location.reload();
});

// ------------------------------------------------------------------- showing
function showThread(thread) {
  state.thread = thread;
  state.decisions = {};
  state.saved = {};
  thread.comments.forEach((comment, i) => {
    state.decisions[i] = {};
    for (const label of thread.labels) state.decisions[i][label] = comment.flags[label] ? 1 : 0;
  });
  $("model").textContent = `model ${thread.model}`;
  const warnings = $("warnings");
  warnings.replaceChildren(...thread.warnings.map((w) => el("li", null, w)));
  $("overview").hidden = false;
  drawHistograms();
  render();
  // the keys act on the thread now, not on the file chooser or the form that loaded it
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
}

function visibleIndexes() {
  const {comments} = state.thread;
  const filter = $("filter").value;
  const sort = $("sort").value;
  let indexes = comments.map((_, i) => i);
  indexes = indexes.filter((i) => {
    const c = comments[i];
    if (filter === "flagged") return Object.values(c.flags).some(Boolean);
    if (filter.startsWith("flag:")) return c.flags[filter.slice(5)];
    if (filter === "unsure") return c.unsure.length > 0;
    if (filter === "undecided") return !state.saved[i];
    return true;
  });
  if (sort === "unsure") {
    const u = (i) => (comments[i].uncertainty === null ? Infinity : comments[i].uncertainty);
    indexes.sort((a, b) => u(a) - u(b) || a - b);
  } else if (sort.startsWith("score:")) {
    const label = sort.slice(6);
    const s = (i) => (comments[i].scores[label] === null ? -1 : comments[i].scores[label]);
    indexes.sort((a, b) => s(b) - s(a) || a - b);
  }
  return indexes;
}

function render() {
  const keep = state.order[state.current];
  state.order = visibleIndexes();
  const threaded = $("sort").value === "thread";
  const nodes = state.order.map((i) => commentNode(i, threaded));
  $("thread").replaceChildren(...nodes);
  $("shown").textContent = `${state.order.length} of ${state.thread.comments.length} shown`;
  const position = state.order.indexOf(keep);
  select(position >= 0 ? position : (state.order.length ? 0 : -1), false);
}

function commentNode(i, threaded) {
  const c = state.thread.comments[i];
  const node = el("article", "comment");
  node.dataset.index = String(i);
  node.dataset.id = c.id;
  node.tabIndex = -1;
  if (threaded && c.depth) {
    node.style.marginLeft = `${Math.min(c.depth, 8) * 1.6}rem`;
    node.classList.add("reply");
  }
  for (const label of state.thread.labels) {
    if (c.flags[label]) node.classList.add(`flagged-${label}`);
  }
  const head = el("div", "head");
  head.append(el("span", "author", c.author || "(no name)"));
  if (c.parent_id) head.append(el("span", "muted", "reply"));
  for (const label of state.thread.labels) {
    if (c.flags[label]) head.append(el("span", `flag flag-${label}`, `flagged ${label}`));
  }
  if (c.unsure.length) head.append(el("span", "flag flag-unsure", `unsure: ${c.unsure.join(", ")}`));
  if (c.scores[state.thread.labels[0]] === null) head.append(el("span", "muted", `not scored (language ${c.language})`));
  node.append(head);
  node.append(scoreBars(c));
  node.append(highlightedText(c));
  node.append(decisionRow(i));
  node.addEventListener("click", (event) => {
    if (event.target.closest("button")) return;
    select(state.order.indexOf(i), false);
  });
  return node;
}

function scoreBars(c) {
  const bars = el("div", "bars");
  for (const label of state.thread.labels) {
    const score = c.scores[label];
    const threshold = state.thread.thresholds[label];
    const bar = el("div", `bar bar-${label}`);
    bar.title = `${label} ${score === null ? "not scored" : score.toFixed(3)} (threshold ${threshold.toFixed(3)})`;
    const fill = el("span", "fill");
    fill.style.width = `${Math.round((score || 0) * 100)}%`;
    if (score !== null && score >= threshold) fill.classList.add("over");
    const mark = el("span", "threshold");
    mark.style.left = `${threshold * 100}%`;
    bar.append(fill, mark);
    const row = el("div", "bar-row");
    row.append(el("span", "bar-label", label), bar, el("span", "bar-value", score === null ? "–" : score.toFixed(2)));
    bars.append(row);
  }
  return bars;
}

function highlightedText(c) {
  // Cut the text at every highlight boundary; each piece is marked with the labels covering it.
  const text = c.text;
  const cuts = new Set([0, text.length]);
  const spans = [];
  for (const [label, items] of Object.entries(c.highlights || {})) {
    for (const [start, end, weight] of items) {
      if (start >= 0 && end <= text.length && start < end) {
        spans.push({label, start, end, weight});
        cuts.add(start);
        cuts.add(end);
      }
    }
  }
  const points = [...cuts].sort((a, b) => a - b);
  const body = el("p", "text");
  for (let k = 0; k + 1 < points.length; k++) {
    const [from, to] = [points[k], points[k + 1]];
    const piece = text.slice(from, to);
    const over = spans.filter((s) => s.start <= from && s.end >= to);
    if (!over.length) {
      body.append(document.createTextNode(piece));
      continue;
    }
    const labels = [...new Set(over.map((s) => s.label))];
    const mark = el("mark", `hl ${labels.length > 1 ? "hl-both" : `hl-${labels[0]}`}`, piece);
    mark.dataset.labels = labels.join(" ");
    mark.title = over.map((s) => `${s.label} +${s.weight}`).join(", ");
    body.append(mark);
  }
  return body;
}

function decisionRow(i) {
  const row = el("div", "decision");
  for (const label of state.thread.labels) {
    const button = el("button", "toggle");
    button.type = "button";
    button.dataset.label = label;
    button.addEventListener("click", () => {
      button.blur();  // Enter confirms, it must not press this button again
      select(state.order.indexOf(i), false);
      toggle(i, label);
    });
    row.append(button);
  }
  const confirm = el("button", "confirm", "Confirm");
  confirm.type = "button";
  confirm.addEventListener("click", () => {
    confirm.blur();
    select(state.order.indexOf(i), false);
    confirmCurrent();
  });
  row.append(confirm, el("span", "saved muted"));
  paintDecision(i, row);
  return row;
}

function paintDecision(i, row) {
  const decided = state.decisions[i];
  const flags = state.thread.comments[i].flags;
  for (const button of row.querySelectorAll("button.toggle")) {
    const label = button.dataset.label;
    const yes = decided[label] === 1;
    button.textContent = `${label}: ${yes ? "yes" : "no"}`;
    button.classList.toggle("yes", yes);
    button.classList.toggle("changed", yes !== flags[label]);
    button.setAttribute("aria-pressed", yes ? "true" : "false");
  }
  row.querySelector(".saved").textContent = state.saved[i] ? "saved" : "";
  row.closest("article")?.classList.toggle("is-saved", Boolean(state.saved[i]));
}

function nodeOf(i) {
  return $("thread").querySelector(`article[data-index="${i}"]`);
}

function select(position, scroll = true) {
  const old = $("thread").querySelector("article.current");
  if (old) old.classList.remove("current");
  state.current = position;
  if (position < 0 || position >= state.order.length) return;
  const node = nodeOf(state.order[position]);
  node.classList.add("current");
  if (scroll) node.scrollIntoView({block: "nearest"});
}

function toggle(i, label) {
  state.decisions[i][label] = state.decisions[i][label] ? 0 : 1;
  state.saved[i] = false;
  const node = nodeOf(i);
  if (node) paintDecision(i, node.querySelector(".decision"));
}

async function confirmCurrent() {
  if (state.current < 0) return;
  const i = state.order[state.current];
  const c = state.thread.comments[i];
  try {
    const answer = await api("/review/api/decisions", {
      model: state.thread.model,
      decisions: [{text: c.text, id: c.id, labels: {...state.decisions[i]}}],
    });
    state.saved[i] = true;
    state.savedCount = answer.total;
    $("saved-count").textContent = `${answer.total} decision(s) stored`;
    const node = nodeOf(i);
    if (node) paintDecision(i, node.querySelector(".decision"));
    if (state.current + 1 < state.order.length) select(state.current + 1);
  } catch (err) {
    setStatus(`Not saved: ${err.message}`);
  }
}

// ----------------------------------------------------------------- histograms
function drawHistograms() {
  const box = $("histograms");
  box.replaceChildren();
  const width = 220, height = 56;
  for (const label of state.thread.labels) {
    const counts = new Array(BINS).fill(0);
    for (const c of state.thread.comments) {
      const s = c.scores[label];
      if (s !== null) counts[Math.min(BINS - 1, Math.floor(s * BINS))] += 1;
    }
    const top = Math.max(1, ...counts);
    const figure = el("figure", "histogram");
    const chart = svg("svg", {width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `${label} scores`});
    counts.forEach((n, b) => {
      const h = Math.round((n / top) * (height - 4));
      const rect = svg("rect", {x: b * (width / BINS) + 1, y: height - h, width: width / BINS - 2, height: h,
        class: `hist-${label}`});
      const tip = svg("title");
      tip.textContent = `${(b / BINS).toFixed(2)}–${((b + 1) / BINS).toFixed(2)}: ${n}`;
      rect.append(tip);
      chart.append(rect);
    });
    const x = state.thread.thresholds[label] * width;
    chart.append(svg("line", {x1: x, x2: x, y1: 0, y2: height, class: "hist-threshold"}));
    const flagged = state.thread.comments.filter((c) => c.flags[label]).length;
    figure.append(chart, el("figcaption", null,
      `${label}: ${flagged} flagged, threshold ${state.thread.thresholds[label].toFixed(2)}`));
    box.append(figure);
  }
}

// ------------------------------------------------------------------ keyboard
document.addEventListener("keydown", (event) => {
  if (!state.thread || event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("textarea, input, select")) return;
  const key = event.key;
  if (key === "j" || key === "k") {
    const next = state.current + (key === "j" ? 1 : -1);
    if (next >= 0 && next < state.order.length) select(next);
  } else if (LABEL_KEYS[key] && state.current >= 0) {
    toggle(state.order[state.current], LABEL_KEYS[key]);
  } else if (key === "Enter" && state.current >= 0 && !(target instanceof HTMLButtonElement)) {
    confirmCurrent();
  } else {
    return;
  }
  event.preventDefault();
});

for (const id of ["filter", "sort"]) {
  $(id).addEventListener("change", (event) => {
    event.target.blur();  // the keys act on the thread again at once
    render();
  });
}
