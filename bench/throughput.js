#!/usr/bin/env node
// 100 campfires passing 100k torches in one process: 20 chains of 5 campfires (a source and
// four relays), 1000 cycles, every event in a SQLite run log. Prints throughput and peak memory.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Campfire, Pipeline, SqliteRunLog, createToolCamper, createRelayCamper } = require('../kernel-lib/dist/src');

const CHAINS = Number(process.env.BENCH_CHAINS ?? 20);
const LENGTH = Number(process.env.BENCH_CHAIN_LENGTH ?? 5);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 1000);

(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'bench-throughput-'));
  try {
    const log = SqliteRunLog.open(join(directory, 'torch_log.db'));
    const campfires = [];
    for (let chain = 0; chain < CHAINS; chain += 1) {
      let counter = 0;
      campfires.push(new Campfire({ name: `source-${chain}`, output: `c${chain}-0`, campers: [createToolCamper('tick', () => `chain ${chain} torch ${++counter}`)] }));
      for (let step = 1; step < LENGTH; step += 1) {
        campfires.push(new Campfire({ name: `relay-${chain}-${step}`, inputs: [`c${chain}-${step - 1}`], output: `c${chain}-${step}`, campers: [createRelayCamper('relay')] }));
      }
    }
    const pipeline = new Pipeline({ name: 'bench-throughput', campfires, runLog: log });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 25);
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const run = await pipeline.run({ cycles: CYCLES, display: false });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const events = log.events(run.runId, { kinds: ['torch-sent'] }).length;
    log.close();
    const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);
    console.log(`throughput: ${campfires.length} campfires (${CHAINS} chains of ${LENGTH}), ${CYCLES} cycles, SQLite run log`);
    console.log(`  ${run.torchesSent} torches (${events} torch-sent rows in the log), ${run.handoffs} handoffs in ${seconds.toFixed(1)} s wall (${((used.user + used.system) / 1e6).toFixed(1)} s CPU)`);
    console.log(`  ${Math.round(run.torchesSent / seconds)} torches/s wall, ${Math.round(run.torchesSent / ((used.user + used.system) / 1e6))} torches per CPU second`);
    console.log(`  peak RSS ${mib(peak)} MiB (${mib(baseline)} MiB before the run)`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
