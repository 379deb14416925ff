// The town's drawing: a canvas 2D picture of one day of a town from POST /api/town.
// No library and no WebGL (docs/seeing.md says why): ties in one path, people in one
// path per colour, marks in a path each, so a day of 5 000 people is a handful of
// strokes and fills.
"use strict";

const LISTED = 1, WRONGLY = 2, ON_SCREEN = 4, MADE_PUBLIC = 8, DENIED = 16;
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
  constructor(canvas, data) {
    this.canvas = canvas;
    this.n = data.people;
    this.days = data.days;
    this.x = unpack(data.x, Float32Array);
    this.y = unpack(data.y, Float32Array);
    this.tier = unpack(data.tier, Uint8Array);
    this.score = unpack(data.score, Int16Array);
    this.flags = unpack(data.flags, Uint8Array);
    this.ties = unpack(data.ties, Int32Array);
    this.cut = unpack(data.cut, Int16Array);
    this.tiers = data.tiers;
    this.colours = tierColours(data.tiers.length);
    let lo = Infinity, hi = -Infinity;
    for (const s of this.score) { if (s < lo) lo = s; if (s > hi) hi = s; }
    this.scoreRange = [lo, hi];
    this.frames = 0;  // frames drawn since the picture was made (the page's frame rate)
  }

  // Where a person is drawn, in CSS pixels of the canvas.
  at(i) {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight, m = 8;
    return [m + this.x[i] * (w - 2 * m), m + this.y[i] * (h - 2 * m)];
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
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#fff"; g.fillRect(0, 0, w, h);
    const r = Math.max(1.2, Math.min(4, 0.45 * Math.sqrt(w * h / this.n)));
    this.drawTies(g, d, chosen);
    const base = d * this.n;
    const paths = new Map();
    for (let i = 0; i < this.n; i++) {
      const colour = colourBy === "score" ? this.scoreOf(base + i) : this.colours[this.tier[base + i]];
      if (!paths.has(colour)) paths.set(colour, new Path2D());
      const [x, y] = this.at(i);
      const p = paths.get(colour);
      p.moveTo(x + r, y); p.arc(x, y, r, 0, 2 * Math.PI);
    }
    for (const [colour, p] of paths) { g.fillStyle = colour; g.fill(p); }
    this.mark(g, base, LISTED, WRONGLY, r + 1.2, "#111", 0);
    this.mark(g, base, WRONGLY, 0, r + 1.2, "#d01c8b", 0);
    this.mark(g, base, ON_SCREEN, 0, r + 3, "#e6ab02", 0);
    if (chosen >= 0) {
      const [x, y] = this.at(chosen);
      g.strokeStyle = "#000"; g.lineWidth = 2;
      g.beginPath(); g.arc(x, y, r + 6, 0, 2 * Math.PI); g.stroke();
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

  // Ties standing faintly; ties cut on this day in red; the chosen person's ties dark.
  drawTies(g, d, chosen) {
    const standing = new Path2D(), justCut = new Path2D(), mine = new Path2D();
    for (let e = 0; e < this.cut.length; e++) {
      const cut = this.cut[e];
      const u = this.ties[2 * e], v = this.ties[2 * e + 1];
      const [x1, y1] = this.at(u), [x2, y2] = this.at(v);
      let p = null;
      if (cut >= 0 && cut === d - 1) p = justCut;
      else if (cut < 0 || cut >= d) p = (u === chosen || v === chosen) ? mine : standing;
      if (p) { p.moveTo(x1, y1); p.lineTo(x2, y2); }
    }
    g.lineWidth = 0.5; g.strokeStyle = "rgba(0,0,0,0.06)"; g.stroke(standing);
    g.lineWidth = 1.2; g.strokeStyle = "rgba(0,0,0,0.7)"; g.stroke(mine);
    g.lineWidth = 2; g.strokeStyle = "#d7301f"; g.stroke(justCut);
  }

  // The ties cut on frame d, as [u, v] pairs (the screen's "neighbours who cut ties").
  cutOn(d) {
    const out = [];
    for (let e = 0; e < this.cut.length; e++) {
      if (this.cut[e] === d - 1) out.push([this.ties[2 * e], this.ties[2 * e + 1]]);
    }
    return out;
  }
}
