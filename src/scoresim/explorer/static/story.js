// The guided story: POST /api/story gives a town and its scenes (words computed on the
// server from the run); each scene gets a small live picture centred on its person,
// which plays the scene's days, and their days in words as they come.
"use strict";

const $ = id => document.getElementById(id);
const story = window.storyPage = {scenes: [], pictures: []};

function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function request() {
  const q = new URLSearchParams(location.search);
  const num = (k, d) => (q.has(k) ? Number(q.get(k)) : d);
  const overrides = {};
  for (const [k, v] of q) if (k.startsWith("o.")) overrides[k.slice(2)] = v === "off" ? null : Number.isNaN(Number(v)) ? v : Number(v);
  return {scenario: q.get("scenario") || "seed", people: num("people", 2000), days: num("days", 365), seed: num("seed", 7), overrides};
}

// Frame d is the evening of step d - 1: a scene of steps a to b plays frames a + 1 to b + 1.
function playScene(k) {
  const s = story.scenes[k], pic = story.pictures[k];
  const box = $(`scene-${s.key}`);
  const list = box.querySelector("ul"), label = box.querySelector(".day");
  let d = s.start + 1;
  const shown = () => {
    pic.draw(d, "tier", s.person);
    label.textContent = `day ${d - 1}`;
    list.replaceChildren(...merged(s.lines.filter(([step]) => step <= d - 1)).map(t => el("li", {}, t)));
    list.scrollTop = list.scrollHeight;
  };
  clearInterval(story.timer);
  shown();
  story.timer = setInterval(() => {
    if (d >= s.end + 1) { clearInterval(story.timer); box.dataset.played = "yes"; return; }
    d += 1; shown();
  }, 120);
}

function bars(scene, polls) {
  const box = el("div", {class: "bars"});
  const [direct, listed] = scene.polls.map(n => polls.find(p => p.name === n));
  const rows = [["asked directly", direct.estimate, direct.low, direct.high, "#d62728"],
                ["by the list experiment", listed.estimate, listed.low, listed.high, "#1f77b4"],
                ["privately (the truth)", direct.truth, null, null, "#555"]];
  for (const [label, v, lo, hi, colour] of rows) {
    const track = el("div", {class: "track"});
    track.append(el("div", {class: "fill", style: `width:${(100 * v).toFixed(1)}%;background:${colour}`}));
    if (lo !== null) track.append(el("div", {class: "whisker", style: `left:${(100 * lo).toFixed(1)}%;width:${(100 * (hi - lo)).toFixed(1)}%`}));
    const row = el("div", {class: "bar"});
    row.append(el("span", {}, label), track, el("span", {}, `${Math.round(100 * v)}%`));
    box.append(row);
  }
  box.append(el("p", {class: "note"}, "Bars run from 0 to 100% of those asked; the black line is the 95% interval."));
  return box;
}

async function init() {
  const body = request();
  const res = await fetch("/api/story", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = await res.json();
  if (!res.ok) {
    const d = data.detail;
    throw new Error(Array.isArray(d) ? d.map(e => `${e.loc.slice(1).join(".")}: ${e.msg}`).join("; ") : d);
  }
  story.scenes = data.scenes;
  $("status").textContent = `${data.town.people.toLocaleString()} synthetic people, ${data.town.days} days, regime '${body.scenario}', seed ${data.town.seed}.`;
  data.scenes.forEach((s, k) => {
    const box = el("section", {class: "scene", id: `scene-${s.key}`});
    box.append(el("h2", {}, s.title), el("p", {class: "text"}, s.text));
    if (s.person !== null) {
      const canvas = el("canvas", {"aria-label": `person ${s.person} and the people around them`});
      const row = el("div", {class: "row"});
      const button = el("button", {}, "Play these days");
      button.addEventListener("click", () => playScene(k));
      row.append(button, el("span", {class: "day"}, `day ${s.start}`));
      box.append(canvas, row, el("ul"));
      $("scenes").append(box);
      story.pictures[k] = new TownPicture(canvas, data.town, {person: s.person, span: 0.3});
      story.pictures[k].draw(s.start + 1, "tier", s.person);
    } else {
      if (s.polls) box.append(bars(s, data.polls));
      $("scenes").append(box);
    }
  });
  const q = new URLSearchParams(location.search);
  q.set("scenario", body.scenario); q.set("people", body.people); q.set("days", body.days); q.set("seed", body.seed);
  q.set("day", body.days);
  const end = $("end");
  end.append(el("h2", {}, "Now explore the same town"));
  const link = el("a", {href: `/town?${q.toString()}`, id: "to-town"}, "Open this town in the explorer: every person, every day, your own knobs");
  end.append(link);
  document.body.dataset.state = "ready";
}

init().catch(e => { $("status").textContent = `The story could not be told: ${e.message}`; $("status").className = "note error"; document.body.dataset.state = "ready"; });
