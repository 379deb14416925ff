// The town's public notice: the listed people made public (screens, ringtone or map) and still listed on the day drawn,
// each with an abstract avatar, a made-up name, their last record and the neighbours
// who cut ties with them. Nothing here can be taken for a real person: the avatar is
// a symmetric pattern of squares (no face), and the name is two common words and the
// person's number in the run, not a personal name (docs/seeing.md).
"use strict";

// Adjectives and household objects, none a given name or a surname.
const WORDS_A = ["Brisk", "Cobalt", "Dusky", "Frosty", "Granite", "Lunar", "Minty", "Nimble", "Paper",
  "Quilted", "Russet", "Tidal", "Velvet", "Windy", "Woolen", "Zesty"];
const WORDS_B = ["Kettle", "Lantern", "Teapot", "Compass", "Ladder", "Thimble", "Acorn", "Pencil",
  "Saucer", "Bucket", "Candle", "Spindle", "Whistle", "Anchor", "Teaspoon", "Doormat"];
const SHOWN = 8;  // cards on the screen at once; the rest are counted

function mix(i, seed) {  // a 32-bit hash of a person's number and the run's seed
  let h = (Math.imul(i + 1, 2654435761) ^ Math.imul(seed + 7, 40503)) >>> 0;
  h ^= h >>> 15; h = Math.imul(h, 2246822519) >>> 0; h ^= h >>> 13;
  return h >>> 0;
}

function madeUpName(i, seed) {
  const h = mix(i, seed);
  return `${WORDS_A[h % WORDS_A.length]} ${WORDS_B[(h >>> 8) % WORDS_B.length]} #${i}`;
}

// A 5 x 5 pattern mirrored left to right (15 bits of the hash) in one colour.
function avatar(i, seed, side = 40) {
  const c = document.createElement("canvas");
  c.width = c.height = side;
  c.className = "avatar";
  c.setAttribute("aria-label", "an abstract pattern, not a face");
  const g = c.getContext("2d"), h = mix(i, seed), cell = side / 5;
  g.fillStyle = "#1b1b1b"; g.fillRect(0, 0, side, side);
  g.fillStyle = `hsl(${h % 360}, 65%, 60%)`;
  for (let k = 0; k < 15; k++) {
    if (!((h >>> (k + 9)) & 1) && k % 4 !== 0) continue;
    const row = k % 5, col = Math.floor(k / 5);
    g.fillRect(col * cell, row * cell, cell, cell);
    g.fillRect((4 - col) * cell, row * cell, cell, cell);
  }
  return c;
}

function words(name) { return name.replaceAll("_", " "); }

// The notice on frame d: everyone made public and still listed, those made public that day first.
function renderScreen(box, pic, data, d) {
  box.replaceChildren();
  const onScreen = [];
  for (let i = 0; i < pic.n; i++) if (pic.flags[d * pic.n + i] & PUBLIC) onScreen.push(i);
  const news = i => (pic.flags[d * pic.n + i] & MADE_PUBLIC) ? 0 : 1;
  onScreen.sort((a, b) => news(a) - news(b) || a - b);
  const head = document.createElement("div");
  head.className = "screen-head";
  head.textContent = onScreen.length
    ? `SIMULATED PUBLIC NOTICE · day ${d - 1} · ${onScreen.length} listed ${onScreen.length === 1 ? "person" : "people"} made public`
    : `SIMULATED PUBLIC NOTICE · ${d ? "day " + (d - 1) : "start"} · nobody made public`;
  box.append(head);
  const last = new Map();  // each person's latest time on the screen up to this day
  for (const s of data.screen) if (s.step <= d - 1) last.set(s.person, s);
  for (const i of onScreen.slice(0, SHOWN)) {
    const card = document.createElement("div");
    card.className = "screen-card";
    card.dataset.person = i;
    card.append(avatar(i, data.seed));
    const text = document.createElement("div");
    const s = last.get(i);
    const rec = s ? [...s.recorded.map(words), ...s.recorded_falsely.map(b => `${words(b)} (a false record)`)] : [];
    const cutters = pic.cutWith(i, d).map(j => madeUpName(j, data.seed));
    text.innerHTML = "";
    const line = (cls, t) => { const e = document.createElement("div"); e.className = cls; e.textContent = t; text.append(e); };
    line("screen-name", madeUpName(i, data.seed) + ((pic.flags[d * pic.n + i] & MADE_PUBLIC) ? " · new today" : ""));
    line("screen-what", s ? `made public on day ${s.step}; last record: ${rec.join(", ") || "none"}` : "made public");
    line("screen-ties", cutters.length ? `neighbours who cut ties: ${cutters.join(", ")}` : "no neighbour has cut ties yet");
    card.append(text);
    box.append(card);
  }
  if (onScreen.length > SHOWN) {
    const more = document.createElement("div");
    more.className = "screen-more";
    more.textContent = `and ${onScreen.length - SHOWN} more`;
    box.append(more);
  }
}
