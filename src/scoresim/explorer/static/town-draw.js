// The town's drawing: a canvas 2D picture of one day of a town from POST /api/town.
// No library and no WebGL (docs/seeing.md says why): ties in one path, people in one
// path per colour, marks in a path each, so a day of 5 000 people is a handful of
// strokes and fills.
"use strict";

const LISTED = 1, WRONGLY = 2, PUBLIC = 4, MADE_PUBLIC = 8, DENIED = 16;
// Lowest tier first; a regime's tiers take evenly spaced colours from this ramp.
const RAMP = ["#b2182b", "#ef8a62", "#bdbdbd", "#67a9cf", "#2166ac"];

function unpack(b64, Type) {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  return new Type(bytes.buffer);
}

function tierColours(n) {
  if (n <= 1) return [RAMP[2]];
  return Array.from({length: n}, (_, i) => RAMP[Math.round(i * (RAMP.length - 1) / (n - 1))]);
}

function scoreColour(t) {  // t in [0, 1]: red (low) through grey to blue (high)
  const stops = [[178, 24, 43], [189, 189, 189], [33, 102, 172]];
  const [a, b, u] = t < 0.5 ? [stops[0], stops[1], t * 2] : [stops[1], stops[2], (t - 0.5) * 2];
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * u));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

class TownPicture {
  // view: null for the whole town, or {person, span} to centre a person with `span`
  // of the town's width across the canvas (the story's small scenes).
  constructor(canvas, data, view = null) {
    this.canvas = canvas;
    this.view = view;
    this.n = data.people;
    this.days = data.days;
    this.x = unpack(data.x, Float32Array);
    this.y = unpack(data.y, Float32Array);
    this.tier = unpack(data.tier, Uint8Array);
    this.score = unpack(data.score, Int16Array);
    this.flags = unpack(data.flags, Uint8Array);
    this.ties = unpack(data.ties, Int32Array);
    this.cut = unpack(data.cut, Int16Array);
    this.loser = unpack(data.loser, Int32Array);
    this.tiers = data.tiers;
    this.colours = tierColours(data.tiers.length);
    let lo = Infinity, hi = -Infinity;
    for (const s of this.score) { if (s < lo) lo = s; if (s > hi) hi = s; }
    this.scoreRange = [lo, hi];
    this.frames = 0;  // frames drawn since the picture was made (the page's frame rate)
  }

  // Where a person is drawn, in CSS pixels of the canvas.
  at(i) {
    return [this.px[i], this.py[i]];
  }

  // Positions, the dot's radius, the dots as sprites and the ties never cut, drawn
  // once per canvas size: a day then costs a copy, a sprite per person and a few ties.
  layout(w, h, dpr) {
    const key = `${w}x${h}x${dpr}`;
    if (this.size === key) return;
    this.size = key;
    const m = 8;
    this.px = new Float32Array(this.n); this.py = new Float32Array(this.n);
    const v = this.view;
    for (let i = 0; i < this.n; i++) {
      if (v) {
        const scale = w / v.span;
        this.px[i] = w / 2 + (this.x[i] - this.x[v.person]) * scale;
        this.py[i] = h / 2 + (this.y[i] - this.y[v.person]) * scale;
      } else {
        this.px[i] = m + this.x[i] * (w - 2 * m); this.py[i] = m + this.y[i] * (h - 2 * m);
      }
    }
    this.r = v ? 5 : Math.max(1.2, Math.min(4, 0.45 * Math.sqrt(w * h / this.n)));
    this.sprites = new Map();
    this.dpr = dpr;
    const back = document.createElement("canvas");
    back.width = Math.round(w * dpr); back.height = Math.round(h * dpr);
    const g = back.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#fff"; g.fillRect(0, 0, w, h);
    const never = new Path2D();
    for (let e = 0; e < this.cut.length; e++) {
      if (this.cut[e] >= 0) continue;
      const u = this.ties[2 * e], v = this.ties[2 * e + 1];
      never.moveTo(this.px[u], this.py[u]); never.lineTo(this.px[v], this.py[v]);
    }
    g.lineWidth = 0.5; g.strokeStyle = "rgba(0,0,0,0.06)"; g.stroke(never);
    this.background = back;
    this.everCut = [];
    for (let e = 0; e < this.cut.length; e++) if (this.cut[e] >= 0) this.everCut.push(e);
  }

  // A dot of `colour`, rendered once at the device's resolution.
  sprite(colour) {
    let s = this.sprites.get(colour);
    if (s) return s;
    const r = this.r, side = Math.ceil((2 * r + 2) * this.dpr);
    s = document.createElement("canvas");
    s.width = s.height = side;
    const g = s.getContext("2d");
    g.fillStyle = colour;
    g.beginPath(); g.arc(side / 2, side / 2, r * this.dpr, 0, 2 * Math.PI); g.fill();
    this.sprites.set(colour, s);
    return s;
  }

  // The person nearest to (px, py) within a few pixels, or -1.
  hit(px, py) {
    let best = -1, bestD = 64;
    for (let i = 0; i < this.n; i++) {
      const [x, y] = this.at(i);
      const d = (x - px) ** 2 + (y - py) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }

  // What person i is on frame d (0: as set up; d: the evening of step d - 1).
  person(i, d) {
    const k = d * this.n + i;
    return {tier: this.tiers[this.tier[k]], score: this.score[k], flags: this.flags[k]};
  }

  draw(d, colourBy, chosen) {
    const c = this.canvas, dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    }
    this.layout(w, h, dpr);
    const g = c.getContext("2d");
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.drawImage(this.background, 0, 0);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawTies(g, d, chosen);
    const base = d * this.n, r = this.r, half = (2 * r + 2) / 2;
    for (let i = 0; i < this.n; i++) {
      const colour = colourBy === "score" ? this.scoreOf(base + i) : this.colours[this.tier[base + i]];
      g.drawImage(this.sprite(colour), this.px[i] - half, this.py[i] - half, 2 * half, 2 * half);
    }
    this.mark(g, base, LISTED, WRONGLY, r + 1.2, "#111");
    this.mark(g, base, WRONGLY, 0, r + 1.2, "#d01c8b");
    this.mark(g, base, PUBLIC, 0, r + 3, "#e6ab02");
    if (chosen >= 0) {
      g.strokeStyle = "#000"; g.lineWidth = 2;
      g.beginPath(); g.arc(this.px[chosen], this.py[chosen], r + 6, 0, 2 * Math.PI); g.stroke();
    }
    this.frames += 1;
  }

  scoreOf(k) {
    const [lo, hi] = this.scoreRange;
    const t = hi > lo ? (this.score[k] - lo) / (hi - lo) : 0.5;
    return scoreColour(Math.round(t * 20) / 20);  // 21 shades: one path each
  }

  // A ring around everyone whose flags have `bit` and not `unless`.
  mark(g, base, bit, unless, radius, colour) {
    const p = new Path2D();
    let any = false;
    for (let i = 0; i < this.n; i++) {
      const f = this.flags[base + i];
      if (!(f & bit) || (f & unless)) continue;
      const [x, y] = this.at(i);
      p.moveTo(x + radius, y); p.arc(x, y, radius, 0, 2 * Math.PI);
      any = true;
    }
    if (any) { g.strokeStyle = colour; g.lineWidth = 1.3; g.stroke(p); }
  }

  // Ties that are cut some day: faint while they stand, red on the day they are cut;
  // the chosen person's standing ties dark (the ties never cut are the background).
  drawTies(g, d, chosen) {
    const standing = new Path2D(), justCut = new Path2D(), mine = new Path2D();
    for (const e of this.everCut) {
      const cut = this.cut[e], u = this.ties[2 * e], v = this.ties[2 * e + 1];
      const p = cut === d - 1 ? justCut : cut >= d ? standing : null;
      if (p) { p.moveTo(this.px[u], this.py[u]); p.lineTo(this.px[v], this.py[v]); }
    }
    if (chosen >= 0) {
      for (let e = 0; e < this.cut.length; e++) {
        const u = this.ties[2 * e], v = this.ties[2 * e + 1], cut = this.cut[e];
        if ((u === chosen || v === chosen) && (cut < 0 || cut >= d)) {
          mine.moveTo(this.px[u], this.py[u]); mine.lineTo(this.px[v], this.py[v]);
        }
      }
    }
    g.lineWidth = 0.5; g.strokeStyle = "rgba(0,0,0,0.06)"; g.stroke(standing);
    g.lineWidth = 1.2; g.strokeStyle = "rgba(0,0,0,0.7)"; g.stroke(mine);
    g.lineWidth = 2; g.strokeStyle = "#d7301f"; g.stroke(justCut);
  }

  // The neighbours who cut a tie with person i by frame d (ties cut on i in steps 0
  // to d - 1; a tie i cut on someone else is not theirs).
  cutWith(i, d) {
    const out = [];
    for (let e = 0; e < this.cut.length; e++) {
      const c = this.cut[e], u = this.ties[2 * e], v = this.ties[2 * e + 1];
      if (c >= 0 && c < d && this.loser[e] === i) out.push(u === i ? v : u);
    }
    return out;
  }
}
