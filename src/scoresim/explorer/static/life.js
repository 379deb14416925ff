// A followed person's days in words, shared by the town and the story.
"use strict";

// A run of consecutive days on which only the score moved is one line, as
// scoresim.results.life.life words it (a test holds the two to the same lines).
const QUIET_DAY = /^day (\d+): ([+-]\d+) points \(score (-?\d+)\)$/;
function merged(days) {
  const out = [];
  let run = [];
  const close = () => {
    if (run.length === 1) out.push(`day ${run[0][0]}: ${run[0][1] >= 0 ? "+" : ""}${run[0][1]} points (score ${run[0][2]})`);
    else if (run.length) {
      const total = run.reduce((n, r) => n + r[1], 0);
      out.push(`days ${run[0][0]} to ${run[run.length - 1][0]}: ${total >= 0 ? "+" : ""}${total} points over ${run.length} days (score ${run[run.length - 1][2]})`);
    }
    run = [];
  };
  for (const [s, line] of days) {
    const m = QUIET_DAY.exec(line);
    if (!m || (run.length && s !== run[run.length - 1][0] + 1)) close();
    if (!m) out.push(line);
    else run.push([s, Number(m[2]), Number(m[3])]);
  }
  close();
  return out;
}
