#!/usr/bin/env node
// Scenario loading grows with the file, not with its square: a settings file of n
// unknown keys, then 2n, 4n and 8n (all under the size cap), each loaded a few times.
// Prints milliseconds per load and the ratio of each size's time to the previous one;
// a linear loader shows ratios near 2, a quadratic one near 4.
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { loadSimulationConfig } = require('../kernel-lib/dist/src');

const BASE = Number(process.env.BENCH_KEYS ?? 2000);
const RUNS = 5;
const dir = mkdtempSync(join(tmpdir(), 'bench-config-'));
writeFileSync(join(dir, 'personas.yaml'), `personas:\n${['Ada', 'Bo', 'Cy'].map((name) => `  - name: ${name}\n    description: d\n    goals: [g]\n    behavior_biases: [b]`).join('\n')}\n`);

function timeLoad(count) {
  let text = 'simulation:\n';
  for (let index = 0; index < count; index += 1) text += `  k${index}: ${index}\n`;
  writeFileSync(join(dir, 'settings.yaml'), text);
  const times = [];
  for (let run = 0; run < RUNS; run += 1) {
    const start = process.hrtime.bigint();
    try {
      loadSimulationConfig(dir);
    } catch {
      // 'unknown key(s) ...' is the expected outcome; the time to reach it is measured.
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

try {
  let previous;
  for (const count of [BASE, BASE * 2, BASE * 4, BASE * 8]) {
    const ms = timeLoad(count);
    console.log(`${String(count).padStart(6)} keys: ${ms.toFixed(1).padStart(7)} ms${previous ? `  (x${(ms / previous).toFixed(2)} for twice the keys)` : ''}`);
    previous = ms;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
