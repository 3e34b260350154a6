#!/usr/bin/env node
// Party Box put cost against the floor of doing the same work by hand with plain Node:
// a 10 MB put of new bytes vs SHA-256 + writeFile of the same bytes, and a repeated put
// of bytes already stored vs SHA-256 alone. Interleaved in one process (order alternating
// each round), medians of wall time and of CPU time (user + system). The heap is collected
// before each measured write: the 10 MB copies each round makes would otherwise be
// collected during whichever write happens to wait on the disk next.
const { createHash, randomBytes } = require('node:crypto');
const v8 = require('node:v8');
const vm = require('node:vm');
const { mkdtempSync, rmSync } = require('node:fs');
const { writeFile } = require('node:fs/promises');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { LocalDriver } = require('../kernel-lib/dist/src');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const SIZE = 10 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(work, { collectFirst = false } = {}) {
  if (collectFirst) {
    collect();
    // Let the collector's background sweeping finish before the clock starts.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - started) / 1e6, cpu: (used.user + used.system) / 1e3 };
}

(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'bench-box-'));
  try {
    const driver = new LocalDriver({ path: join(directory, 'party_box') });
    const floorDir = mkdtempSync(join(directory, 'floor-'));
    const data = randomBytes(SIZE);
    const samples = { floor: [], put: [], hash: [], repeat: [] };
    for (let round = -3; round < ROUNDS; round += 1) {
      const forFloor = Buffer.from(data);
      forFloor.writeInt32LE(round, 0);
      const forPut = Buffer.from(data);
      forPut.writeInt32LE(round + 1_000_000, 0);
      const floor = () => measure(async () => {
        const digest = createHash('sha256').update(forFloor).digest('hex').slice(0, 16);
        await writeFile(join(floorDir, `${digest}.bin`), forFloor);
      }, { collectFirst: true });
      const put = () => measure(() => driver.put(`asset-${round}.bin`, forPut), { collectFirst: true });
      const hash = () => measure(async () => createHash('sha256').update(forPut).digest('hex').slice(0, 16));
      const repeat = () => measure(() => driver.put(`asset-${round}-again.bin`, forPut));
      const order = round % 2 === 0 ? [['floor', floor], ['put', put], ['hash', hash], ['repeat', repeat]] : [['put', put], ['floor', floor], ['repeat', repeat], ['hash', hash]];
      for (const [name, run] of order) {
        const result = await run();
        if (round >= 0) samples[name].push(result);
      }
    }
    const pick = (name, key) => median(samples[name].map((sample) => sample[key]));
    const line = (key) => {
      const [floor, put, hash, repeat] = ['floor', 'put', 'hash', 'repeat'].map((name) => pick(name, key));
      const newRatio = put / floor;
      const repeatRatio = repeat / hash;
      console.log(`  ${key === 'wall' ? 'wall' : 'CPU '}: floor (sha256 + writeFile) ${floor.toFixed(1)} ms, put ${put.toFixed(1)} ms -> ${newRatio.toFixed(2)}x (target <= 1.3x) ${newRatio <= 1.3 ? 'OK' : 'ABOVE TARGET'}; ` +
        `sha256 ${hash.toFixed(1)} ms, repeated put ${repeat.toFixed(1)} ms -> ${repeatRatio.toFixed(2)}x (target <= 1.1x) ${repeatRatio <= 1.1 ? 'OK' : 'ABOVE TARGET'}`);
    };
    console.log(`party box: 10 MB assets, medians of ${ROUNDS} interleaved rounds`);
    line('wall');
    line('cpu');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
