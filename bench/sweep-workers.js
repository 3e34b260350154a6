#!/usr/bin/env node
// A persona sweep spread over `cf worker` processes through BullMQ on Debian's redis-server:
// 200 persona-policy runs (12 turns, 4 members) on 1, 2 and 4 worker processes, against the
// same sweep run in this process with no queue (the baseline, measured in the same run).
// Printed: runs per second, the queue's overhead against the baseline, and the scaling ratio
// against 1 worker. With persona-policy agents a run costs a few milliseconds, so on a 2-core
// machine these figures say more about the queue's overhead per run (a job, its run log rows
// mirrored to Redis and copied into the coordinator's log) than about speed-up: with a real
// model, a run takes minutes and the ratio tends to the number of model hosts.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir, cpus } = require('node:os');
const { join } = require('node:path');
const { SqliteRunLog, runPersonaExperiment } = require('../kernel-lib/dist/src');

const RUNS = Number(process.env.BENCH_SWEEP_RUNS ?? 200);
const WORKER_COUNTS = (process.env.BENCH_SWEEP_WORKERS ?? "1,2,4").split(",").map(Number);
const repoRoot = join(__dirname, '..');
const cf = join(repoRoot, 'kernel-lib', 'bin', 'cf.js');
const scenario = join(repoRoot, 'fixtures', 'councils', 'harvest');
const variants = [
  { label: 'villagers', repeats: RUNS / 2 },
  { label: 'lean year', world: { initial_resource_level: 20 }, repeats: RUNS / 2 },
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      if (/Ready to accept connections/.test(chunk.toString())) resolve();
    });
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

function startWorker(queue) {
  const child = spawn(process.execPath, [cf, 'worker', '--queue', queue, '--model', 'offline'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cf worker exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      if (/waiting for council runs/.test(chunk.toString())) resolve(child);
    });
  });
}

async function sweep(dir, name, queue) {
  const runLog = SqliteRunLog.open(join(dir, `${name}.db`));
  const started = process.hrtime.bigint();
  const experiment = await runPersonaExperiment({ scenario, variants, seed: 11, runLog, concurrency: 1, ...(queue ? { queue } : {}) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  runLog.close();
  const failed = experiment.outcomes.filter((outcome) => outcome.error !== null).length;
  if (experiment.outcomes.length !== RUNS || failed > 0) throw new Error(`${name}: ${experiment.outcomes.length} outcomes, ${failed} failed`);
  return { seconds, ends: JSON.stringify(experiment.outcomes.map((outcome) => outcome.end)) };
}

async function main() {
  // The live display prints progress lines; this benchmark prints its own.
  const write = process.stdout.write.bind(process.stdout);
  const quiet = () => {
    process.stdout.write = () => true;
    return () => (process.stdout.write = write);
  };
  const dir = mkdtempSync(join(tmpdir(), 'campfires-sweep-bench-'));
  const redis = await startRedis(dir);
  try {
    console.log(`${RUNS} persona-policy council runs (harvest, 12 turns, 4 members); ${cpus().length} cores`);
    let restore = quiet();
    const baseline = await sweep(dir, 'in-process', null);
    restore();
    console.log(`  in this process, no queue: ${baseline.seconds.toFixed(2)} s, ${(RUNS / baseline.seconds).toFixed(1)} runs/s (baseline)`);
    let one = null;
    for (const count of WORKER_COUNTS) {
      const workers = [];
      for (let index = 0; index < count; index += 1) workers.push(await startWorker(redis.url));
      restore = quiet();
      const result = await sweep(dir, `workers-${count}`, redis.url);
      restore();
      await Promise.all(workers.map((child) => new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', resolve);
        child.kill('SIGTERM');
      })));
      one ??= result.seconds;
      const same = result.ends === baseline.ends ? 'same outcomes as the baseline' : 'OUTCOMES DIFFER from the baseline';
      console.log(
        `  ${count} worker process${count > 1 ? 'es' : ''}: ${result.seconds.toFixed(2)} s, ${(RUNS / result.seconds).toFixed(1)} runs/s; ` +
          `${(result.seconds / baseline.seconds).toFixed(2)}x the baseline's time, speed-up over 1 worker ${(one / result.seconds).toFixed(2)}x; ${same}`,
      );
    }
  } finally {
    redis.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
