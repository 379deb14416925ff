// The town page: build a town (POST /api/town), play its days, follow a person
// (POST /api/town/person). Everything the page shows is in its URL (docs/seeing.md):
// ?scenario=&people=&days=&seed=&day=&colour=&person= and o.<field path>=<value> for
// each knob moved from the regime's own value.
"use strict";

const $ = id => document.getElementById(id);
const page = window.townPage = {scenarios: {}, picture: null, body: null, day: 0, playing: null, person: -1, lines: []};

function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "note error" : "note";
}

// What the page changed in a URL's state (a value out of range, a day left out): said
// with the town's status once it is built, so that it is not lost.
function note(text) {
  page.notes = [...(page.notes || []), text];
  say(text, true);
}

function fmt(v, k) {
  if (k.integer) return String(Math.round(v));
  return Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(1) : String(+v.toFixed(3));
}

// The regime's knobs as sliders: the range is the server's (GET /api/scenarios), so a
// slider cannot leave it; a value read from a URL is clamped into it and said so.
function renderKnobs(given = {}) {
  const sc = page.scenarios[$("scenario").value];
  $("desc").textContent = sc.description;
  const box = $("knobs");
  box.replaceChildren();
  for (const k of sc.knobs) {
    const row = el("div", {class: "knob"});
    const id = `knob-${k.key}`;
    if (k.kind === "switch") {
      const input = el("input", {type: "checkbox", id});
      input.checked = given[k.paths[0]] === undefined ? true : given[k.paths[0]] !== null;
      const label = el("label", {for: id});
      label.append(input, " " + k.label);
      row.append(label);
    } else {
      const raw = given[k.paths[0]] === undefined ? k.value : Number(given[k.paths[0]]);
      const v = Number.isFinite(raw) ? Math.min(k.max, Math.max(k.min, raw)) : k.value;
      if (v !== raw) note(`${k.label}: ${raw} is outside ${k.min} to ${k.max}; set to ${v}`);
      const input = el("input", {type: "range", id, min: k.min, max: k.max, step: k.step, value: v});
      // A slider snaps to its step; a value from a URL between steps is kept as given.
      if (Number(input.value) !== v) { input.step = "any"; input.value = v; }
      const shown = el("output", {for: id}, fmt(v, k));
      input.addEventListener("input", () => { shown.textContent = fmt(Number(input.value), k); });
      row.append(el("label", {for: id}, `${k.label}: `), shown,
                 el("span", {class: "unit"}, ` ${k.unit || ""} (${fmt(k.min, k)} to ${fmt(k.max, k)})`), input);
    }
    box.append(row);
  }
}

function overrides() {
  const sc = page.scenarios[$("scenario").value];
  const out = {};
  for (const k of sc.knobs) {
    const input = $(`knob-${k.key}`);
    if (k.kind === "switch") { if (!input.checked) out[k.paths[0]] = null; continue; }
    const v = Number(input.value);
    if (v !== k.value) for (const p of k.paths) out[p] = v;
  }
  return out;
}

function whole(id) {
  const input = $(id), v = Number(input.value);
  const lo = Number(input.min), hi = input.max === "" ? Infinity : Number(input.max);
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new Error(`${id}: ${input.value} is not allowed; use a whole number from ${lo}${hi < Infinity ? " to " + hi : " up"}`);
  }
  return v;
}

function writeUrl() {
  const q = new URLSearchParams();
  const b = page.body;
  if (!b) return;
  for (const key of ["scenario", "people", "days", "seed"]) q.set(key, b[key]);
  q.set("day", page.day);
  q.set("colour", $("colour").value);
  if (page.person >= 0) q.set("person", page.person);
  for (const [p, v] of Object.entries(b.overrides)) q.set("o." + p, v === null ? "off" : v);
  history.replaceState(null, "", "?" + q.toString());
}

async function post(path, body) {
  const res = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = await res.json();
  if (!res.ok) {
    const d = data.detail;
    throw new Error(Array.isArray(d) ? d.map(e => `${e.loc.slice(1).join(".")}: ${e.msg}`).join("; ") : d);
  }
  return data;
}

async function build(day = 0, person = -1) {
  stop();
  let body;
  try {
    body = {scenario: $("scenario").value, people: whole("people"), days: whole("days"),
            seed: whole("seed"), overrides: overrides()};
  } catch (e) { say(e.message, true); return; }
  say("building the town…");
  document.body.dataset.state = "building";
  try {
    const data = await post("/api/town", body);
    page.body = body;
    page.picture = new TownPicture($("town"), data);
    page.data = data;
    page.person = -1; page.lines = [];
    $("scrub").max = data.days; $("scrub").disabled = false;
    for (const b of ["play", "step", "reset"]) $(b).disabled = false;
    legend(data);
    const notes = page.notes || [];
    page.notes = [];
    say(`${data.people.toLocaleString()} synthetic people, ${data.days} days, seed ${data.seed}.` + (notes.length ? " " + notes.join("; ") + "." : ""), notes.length > 0);
    show(Math.min(day, data.days));
    if (person >= 0 && person < data.people) await choose(person);
    document.body.dataset.built = String(Number(document.body.dataset.built || 0) + 1);
    document.body.dataset.state = "ready";
  } catch (e) {
    say(e.message, true);
    document.body.dataset.state = "ready";
  }
}

function legend(data) {
  const box = $("legend");
  box.replaceChildren();
  const add = (cls, style, text, title = "") => {
    const item = el("span", {title});
    item.append(el("span", {class: cls, style}), text);
    box.append(item);
  };
  if ($("colour").value === "tier") {
    page.picture.colours.forEach((c, i) => add("swatch", `background:${c}`, `tier '${data.tiers[i].replaceAll("_", " ")}'`,
      "the score band the person is in (lowest first)"));
  } else {
    const [lo, hi] = page.picture.scoreRange;
    add("swatch", `background:${scoreColour(0)}`, `score ${lo}`);
    add("swatch", `background:${scoreColour(1)}`, `score ${hi}`);
  }
  add("swatch ring", "border-color:#111", "on the list", "blacklisted: a listing with its own rules, not the same as the lowest tier");
  add("swatch ring", "border-color:#d01c8b", "on the list wrongly", "listed, and would not be without false records");
  add("swatch ring", "border-color:#e6ab02", "made public", "listed and made public (screens, ringtone or map), still listed this day");
  add("swatch", "background:#d7301f;border-radius:0;height:0.2rem", "tie cut this day");
}

function show(d) {
  const pic = page.picture;
  if (!pic) return;
  page.day = d;
  $("scrub").value = d;
  $("day-label").textContent = d === 0 ? "start (before day 0)" : `day ${d - 1} of ${pic.days}`;
  pic.draw(d, $("colour").value, page.person);
  // Counted by the server, per frame, from the same flags and ties (POST /api/town).
  const m = page.data.metrics;
  $("n-listed").textContent = m.listed[d];
  $("n-screen").textContent = m.public[d];
  $("n-cut").textContent = m.ties_cut[d];
  renderLife();
  renderScreen($("screen"), pic, page.data, d);
  writeUrl();
  document.dispatchEvent(new CustomEvent("town-day", {detail: d}));
}

function play() {
  if (page.playing) { stop(); return; }
  if (page.day >= page.picture.days) show(0);  // at the end, play again from the start
  $("play").textContent = "Pause";
  let last = performance.now(), owed = 0;
  const tick = now => {
    owed += (now - last) / 1000 * Number($("speed").value);
    last = now;
    const steps = Math.floor(owed);
    if (steps > 0) {
      owed -= steps;
      const d = Math.min(page.day + steps, page.picture.days);
      show(d);
      if (d >= page.picture.days) { stop(); return; }
    }
    page.playing = requestAnimationFrame(tick);
  };
  page.playing = requestAnimationFrame(tick);
}

function stop() {
  if (page.playing) cancelAnimationFrame(page.playing);
  page.playing = null;
  $("play").textContent = "Play";
}

async function choose(i) {
  page.person = i;
  const p = page.picture.person(i, page.day);
  $("who").textContent = `Person ${i} (synthetic): tier '${p.tier.replaceAll("_", " ")}', score ${p.score}. Loading their days…`;
  page.lines = [];
  page.failed = false;
  try {
    const life = await post("/api/town/person", {...page.body, person: i});
    if (page.person !== i) return;
    page.lines = life.lines;
    $("who").textContent = `Person ${i}, ${life.group} (synthetic). What happened to them, day by day:`;
  } catch (e) {
    if (page.person !== i) return;
    page.failed = true;
    $("who").textContent = `Person ${i}: their days could not be fetched (${e.message}); click again.`;
  }
  show(page.day);
}

// The chosen person's days up to the one shown; later days stay hidden.
function renderLife() {
  const list = $("life");
  list.replaceChildren();
  const lines = merged(page.lines.filter(([s]) => s <= page.day - 1));
  for (const text of lines) list.append(el("li", {}, text));
  if (page.person >= 0 && !page.failed && !lines.length) list.append(el("li", {class: "later"}, "nothing has happened to them yet"));
  list.scrollTop = list.scrollHeight;
}

async function init() {
  const list = await (await fetch("/api/scenarios")).json();
  for (const sc of list) {
    page.scenarios[sc.name] = sc;
    $("scenario").append(el("option", {value: sc.name}, sc.name));
  }
  const q = new URLSearchParams(location.search);
  const unknown = q.has("scenario") && !page.scenarios[q.get("scenario")];
  if (q.has("scenario") && !unknown) $("scenario").value = q.get("scenario");
  else if (page.scenarios.seed) $("scenario").value = "seed";
  for (const key of ["people", "days", "seed"]) if (q.has(key)) $(key).value = q.get(key);
  if (unknown) { note("scenario: not a regime on offer; pick one from the list"); document.body.dataset.state = "ready"; renderKnobs(); return; }
  if (q.has("colour")) $("colour").value = q.get("colour") === "score" ? "score" : "tier";
  const given = {};
  for (const [k, v] of q) if (k.startsWith("o.")) given[k.slice(2)] = v === "off" ? null : v;
  renderKnobs(given);
  $("scenario").addEventListener("change", () => renderKnobs());
  $("build").addEventListener("click", () => build());
  $("play").addEventListener("click", play);
  $("step").addEventListener("click", () => { stop(); show(Math.min(page.day + 1, page.picture.days)); });
  $("reset").addEventListener("click", () => { stop(); show(0); });
  $("scrub").addEventListener("input", () => { stop(); show(Number($("scrub").value)); });
  $("colour").addEventListener("change", () => { if (page.picture) { legend({tiers: page.picture.tiers}); show(page.day); } });
  $("town").addEventListener("click", ev => {
    if (!page.picture) return;
    const r = $("town").getBoundingClientRect();
    const i = page.picture.hit(ev.clientX - r.left, ev.clientY - r.top);
    if (i >= 0) choose(i);
  });
  window.addEventListener("resize", () => show(page.day));
  // A day or person that is not a whole number in range is left out, and said.
  const urlWhole = (key, hi) => {
    if (!q.has(key)) return -1;
    const v = Number(q.get(key));
    if (Number.isInteger(v) && v >= 0 && v <= hi) return v;
    note(`${key}: ${q.get(key)} is not a whole number from 0 to ${hi}; left out`);
    return -1;
  };
  if (q.has("scenario")) {
    const days = Number($("days").value), people = Number($("people").value);
    const day = urlWhole("day", Number.isInteger(days) ? days : 0), person = urlWhole("person", Number.isInteger(people) ? people - 1 : -1);
    await build(Math.max(day, 0), person);
  }
  document.body.dataset.state = "ready";
}

init().catch(e => say(`the page could not start: ${e.message}`, true));
