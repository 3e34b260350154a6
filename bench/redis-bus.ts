/**
 * Benchmark: campfires passing torches over the Redis channel bus across processes,
 * beside the in-memory bus in one process, in the same run.
 *
 *   node -r ./test/helpers/register-ts.js bench/redis-bus.ts [--campfires 100] [--processes 4] [--torches 100000] [--in-flight 100]
 *
 * Each campfire is a relay subscribed to its own channel (one consumer group per
 * campfire, so every handoff goes through the same read / dedupe / acknowledge path a
 * real campfire uses); a torch hops from campfire i to campfire i+1 until the run has
 * made `--torches` handoffs. Campfire i lives in process i mod `--processes`, so most
 * hops cross processes. Latency is publish-to-handler time of each handoff.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { MemoryChannelBus, RedisChannelBus, createMessage, createTorch, type ChannelBus, type Message } from '../kernel-lib/src';
import { startRedisServer } from '../test/helpers/redis-server';

interface Settings {
  campfires: number;
  processes: number;
  torches: number;
  inFlight: number;
}

interface WorkerReport {
  index: number;
  handled: number;
  latenciesMs: number[];
  peakRssMb: number;
  /** CPU seconds (user + system) this worker spent from the start of the run. */
  cpuSeconds: number;
  /** Of which in the kernel (system calls, waking up). */
  systemSeconds: number;
  /** Times the worker went to sleep waiting for I/O during the run. */
  wakeups: number;
}

const now = () => performance.timeOrigin + performance.now();

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of 1 or more (got ${process.argv[at + 1]})`);
  return value;
}

function hop(channel: string, torchId: number, hopsLeft: number): Message {
  const torch = createTorch({ claim: `torch ${torchId}`, confidence: 1, metadata: { torch: torchId, left: hopsLeft, sentAt: now() } });
  return createMessage({ channel, sender: 'bench', tags: ['torch'], payload: torch });
}

/** Subscribes the campfires `mine` to their channels; each passes the torch on to the next campfire. */
async function relays(bus: ChannelBus, settings: Settings, mine: number[], latencies: number[], onDone: () => void): Promise<void> {
  for (const index of mine) {
    await bus.subscribe(`c${index}`, `campfire-${index}`, async (message) => {
      const metadata = (message.payload as { metadata: { torch: number; left: number; sentAt: number } }).metadata;
      latencies.push(now() - metadata.sentAt);
      if (metadata.left > 1) await bus.publish(hop(`c${(index + 1) % settings.campfires}`, metadata.torch, metadata.left - 1));
      else onDone();
    });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function summary(name: string, handoffs: number, seconds: number, latencies: number[], rss: string): string {
  const sorted = Float64Array.from(latencies).sort();
  const p50 = percentile(Array.from(sorted), 50);
  const p99 = percentile(Array.from(sorted), 99);
  return `${name.padEnd(34)} ${String(handoffs).padStart(7)} handoffs in ${seconds.toFixed(2).padStart(6)} s = ${String(Math.round(handoffs / seconds)).padStart(7)}/s; handoff p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; peak RSS ${rss}`;
}

/** Torches start at campfires spread round the ring; each makes `torches / inFlight` hops. */
function injections(settings: Settings): { channel: string; torch: number; hops: number }[] {
  const hops = Math.ceil(settings.torches / settings.inFlight);
  return Array.from({ length: settings.inFlight }, (_, torch) => ({ channel: `c${(torch * Math.floor(settings.campfires / settings.inFlight || 1)) % settings.campfires}`, torch, hops }));
}

async function memoryRun(settings: Settings): Promise<{ line: string; handoffsPerSecond: number; latencies: number[] }> {
  const bus = new MemoryChannelBus();
  const latencies: number[] = [];
  const all = Array.from({ length: settings.campfires }, (_, index) => index);
  await relays(bus, settings, all, latencies, () => undefined);
  const started = now();
  for (const start of injections(settings)) await bus.publish(hop(start.channel, start.torch, start.hops));
  await bus.drain();
  const seconds = (now() - started) / 1000;
  await bus.close();
  const line = summary(`MemoryChannelBus, 1 process`, latencies.length, seconds, latencies, `${Math.round(process.resourceUsage().maxRSS / 1024)} MB (this process)`);
  return { line, handoffsPerSecond: latencies.length / seconds, latencies };
}

async function worker(): Promise<void> {
  const settings: Settings = JSON.parse(process.env.CAMPFIRES_BENCH ?? '{}') as Settings;
  const index = argument('worker', 1) - 1;
  const bus = new RedisChannelBus({ url: process.env.CAMPFIRES_BENCH_REDIS, prefix: process.env.CAMPFIRES_BENCH_PREFIX, blockMs: 1000, batchSize: 64 });
  const latencies: number[] = [];
  const mine = Array.from({ length: settings.campfires }, (_, campfire) => campfire).filter((campfire) => campfire % settings.processes === index);
  await relays(bus, settings, mine, latencies, () => void bus.publish(createMessage({ channel: 'finished', sender: 'bench', payload: null })));
  console.log('ready');
  const cpuAtReady = process.cpuUsage();
  const switchesAtReady = process.resourceUsage().voluntaryContextSwitches;
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  const cpu = process.cpuUsage(cpuAtReady);
  const wakeups = process.resourceUsage().voluntaryContextSwitches - switchesAtReady;
  const report: WorkerReport = {
    index,
    handled: latencies.length,
    latenciesMs: latencies,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    systemSeconds: cpu.system / 1e6,
    wakeups,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

/** CPU seconds redis-server has used, from `INFO cpu`. */
function redisCpuSeconds(info: string): number {
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
}

/** Calls per command since the last CONFIG RESETSTAT, from `INFO commandstats` (commands run inside scripts count too). */
function commandCounts(info: string): Map<string, { calls: number; usec: number }> {
  const counts = new Map<string, { calls: number; usec: number }>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    if (!/^(config|info)/.test(match[1] as string)) counts.set(match[1] as string, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return counts;
}

async function redisRun(settings: Settings): Promise<{ lines: string[]; handoffsPerSecond: number; latencies: number[] }> {
  const redis = await startRedisServer();
  const prefix = `bench${Date.now()}`;
  const children = Array.from({ length: settings.processes }, (_, index) =>
    spawn(process.execPath, [...process.execArgv, __filename, '--worker', String(index + 1)], {
      env: { ...process.env, CAMPFIRES_BENCH: JSON.stringify(settings), CAMPFIRES_BENCH_REDIS: redis.url, CAMPFIRES_BENCH_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const reports: WorkerReport[] = [];
  const ready = children.map(
    (child) =>
      new Promise<void>((resolve) => {
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
          if (line === 'ready') resolve();
          else if (line.startsWith('{')) reports.push(JSON.parse(line) as WorkerReport);
        });
      }),
  );
  await Promise.all(ready);
  const coordinator = new RedisChannelBus({ url: redis.url, prefix, blockMs: 200 });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const stats = new Redis(redis.url);
  const starts = injections(settings);
  let finished = 0;
  const allFinished = new Promise<void>((resolve) => {
    void coordinator.subscribe('finished', 'coordinator', () => {
      finished += 1;
      if (finished === starts.length) resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the coordinator's group exist before the first torch finishes
  await stats.config('RESETSTAT');
  const redisCpuBefore = redisCpuSeconds(await stats.info('cpu'));
  const started = now();
  for (const start of starts) await coordinator.publish(hop(start.channel, start.torch, start.hops));
  await allFinished;
  const seconds = (now() - started) / 1000;
  const commands = commandCounts(await stats.info('commandstats'));
  const redisCpu = redisCpuSeconds(await stats.info('cpu')) - redisCpuBefore;
  const roundTrips = Number(/total_reads_processed:(\d+)/.exec(await stats.info('stats'))?.[1] ?? 0);
  stats.disconnect();
  await coordinator.close();
  const exits = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(exits);
  await redis.stop();
  const latencies = reports.flatMap((report) => report.latenciesMs);
  const rss = reports
    .sort((a, b) => a.index - b.index)
    .map((report) => `${report.peakRssMb}`)
    .join(' / ');
  const lines = [summary(`RedisChannelBus, ${settings.processes} processes`, latencies.length, seconds, latencies, `${rss} MB per process`)];
  lines.push(`  handoffs per process: ${reports.map((report) => report.handled).join(' / ')}`);
  const perHandoff = (calls: number) => (calls / Math.max(1, latencies.length)).toFixed(2);
  const top = [...commands.entries()].filter(([, stat]) => stat.calls >= latencies.length / 100).sort((a, b) => b[1].calls - a[1].calls);
  const total = top.reduce((sum, [, stat]) => sum + stat.calls, 0);
  lines.push(`  Redis commands per handoff: ${perHandoff(total)} (${top.map(([name, stat]) => `${name} ${perHandoff(stat.calls)}`).join(', ')}; commands inside scripts count)`);
  lines.push(`  Redis µs per handoff by command: ${top.map(([name, stat]) => `${name} ${perHandoff(stat.usec)}`).join(', ')} (a script's time includes the commands it runs)`);
  lines.push(`  socket reads by redis-server per handoff (a pipeline read at once counts one): ${perHandoff(roundTrips)}`);
  const workerCpu = reports.reduce((sum, report) => sum + report.cpuSeconds, 0);
  const workerSystem = reports.reduce((sum, report) => sum + report.systemSeconds, 0);
  const wakeups = reports.reduce((sum, report) => sum + report.wakeups, 0);
  lines.push(`  CPU: redis-server ${redisCpu.toFixed(1)} s, worker processes ${workerCpu.toFixed(1)} s, ${workerSystem.toFixed(1)} s of it in the kernel, ${perHandoff(wakeups)} worker wake-ups per handoff (${((1e6 * (redisCpu + workerCpu)) / Math.max(1, latencies.length)).toFixed(0)} µs per handoff) in ${seconds.toFixed(1)} s on ${cpus().length} cores`);
  return { lines, handoffsPerSecond: latencies.length / seconds, latencies };
}

async function main(): Promise<void> {
  const settings: Settings = {
    campfires: argument('campfires', 100),
    processes: argument('processes', 4),
    torches: argument('torches', 100_000),
    inFlight: argument('in-flight', 100),
  };
  console.log(`${settings.campfires} campfires in a ring, ${settings.torches} handoffs (${settings.inFlight} torches in flight), Node ${process.version}, redis-server from Debian`);
  const redis = await redisRun(settings);
  const memory = await memoryRun(settings);
  for (const line of redis.lines) console.log(line);
  console.log(memory.line);
  const p99 = (latencies: number[]) => percentile(Float64Array.from(latencies).sort() as unknown as number[], 99);
  console.log(
    `Redis / memory handoffs per second: ${(redis.handoffsPerSecond / memory.handoffsPerSecond).toFixed(2)} ` +
      `(target >= 0.50); Redis handoff p99 ${p99(redis.latencies).toFixed(2)} ms (target <= 10 ms)`,
  );
}

if (process.argv.includes('--worker')) {
  worker().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
