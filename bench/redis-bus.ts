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
 *
 * A third run, the floor, relays the same messages over bare Redis Streams with the same
 * processes: one XADD per handoff, one blocking XREADGROUP per process over its streams,
 * XACK in the next pipeline, JSON.parse and nothing else (no check, no dedupe, no claim
 * of a dead consumer's entries). It is what any bus on Redis Streams costs at least with
 * ioredis on this machine, so the bus is measured against it as well.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { MemoryChannelBus, RedisChannelBus, createMessage, createTorch, type ChannelBus, type Message } from '../kernel-lib/src';
import type { Redis as RedisClient } from 'ioredis';
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
/** What the bench uses of a bus. */
type Relay = Pick<ChannelBus, 'publish' | 'close'> & { subscribe(channel: string, subscriber: string, handler: (message: Message) => Promise<void> | void): Promise<unknown> };

async function relays(bus: Relay, settings: Settings, mine: number[], latencies: number[], onDone: () => void): Promise<void> {
  for (const index of mine) {
    await bus.subscribe(`c${index}`, `campfire-${index}`, async (message) => {
      const metadata = (message.payload as { metadata: { torch: number; left: number; sentAt: number } }).metadata;
      latencies.push(now() - metadata.sentAt);
      if (metadata.left > 1) await bus.publish(hop(`c${(index + 1) % settings.campfires}`, metadata.torch, metadata.left - 1));
      else onDone();
    });
  }
}

/** The least a channel bus on Redis Streams does (see the file's comment); only what the bench uses. */
class BareStreamRelay {
  private readonly writer: RedisClient;
  private readonly reader: RedisClient;
  private readonly handlers = new Map<string, { handler: (message: Message) => Promise<void> | void; queue: Message[]; running: boolean }>();
  private pending: [string, string][] = [];
  private acks: [string, string][] = [];
  private waiters: (() => void)[] = [];
  private scheduled = false;
  private closed = false;

  constructor(url: string) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Redis } = require('ioredis') as typeof import('ioredis');
    this.writer = new Redis(url);
    this.reader = new Redis(url);
  }

  publish(message: Message): Promise<void> {
    return new Promise((resolve) => {
      this.pending.push([`floor:${message.channel}`, JSON.stringify(message)]);
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  async subscribe(channel: string, _subscriber: string, handler: (message: Message) => Promise<void> | void): Promise<void> {
    await this.writer.xgroup('CREATE', `floor:${channel}`, 'g', '$', 'MKSTREAM').catch(() => undefined);
    const first = this.handlers.size === 0;
    this.handlers.set(`floor:${channel}`, { handler, queue: [], running: false });
    if (first) void this.read();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reader.disconnect();
    await this.writer.quit();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const pipeline = this.writer.pipeline();
      for (const [key, json] of this.pending) pipeline.xadd(key, '*', 'm', json);
      for (const [key, id] of this.acks) pipeline.xack(key, 'g', id);
      const waiters = this.waiters;
      this.pending = [];
      this.acks = [];
      this.waiters = [];
      void pipeline.exec().then(() => {
        for (const resolve of waiters) resolve();
      });
    });
  }

  private async read(): Promise<void> {
    while (!this.closed) {
      const keys = [...this.handlers.keys()];
      const reply = (await this.reader
        .call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 64, 'BLOCK', 1000, 'STREAMS', ...keys, ...keys.map(() => '>'))
        .catch(() => null)) as [string, [string, string[]][]][] | null;
      for (const [key, entries] of reply ?? []) {
        const slot = this.handlers.get(key);
        if (!slot) continue;
        for (const [id, fields] of entries) {
          slot.queue.push(JSON.parse(fields[1] as string) as Message);
          this.acks.push([key, id]);
        }
        if (!slot.running) void this.pump(slot);
      }
    }
  }

  private async pump(slot: { handler: (message: Message) => Promise<void> | void; queue: Message[]; running: boolean }): Promise<void> {
    slot.running = true;
    while (slot.queue.length > 0) await slot.handler(slot.queue.shift() as Message);
    slot.running = false;
    this.schedule();
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

function openRelay(floor: boolean, url: string, prefix: string, blockMs: number): Relay {
  return floor ? new BareStreamRelay(url) : new RedisChannelBus({ url, prefix, blockMs, batchSize: 64 });
}

async function worker(): Promise<void> {
  const settings: Settings = JSON.parse(process.env.CAMPFIRES_BENCH ?? '{}') as Settings;
  const index = argument('worker', 1) - 1;
  const bus = openRelay(process.env.CAMPFIRES_BENCH_KIND === 'floor', process.env.CAMPFIRES_BENCH_REDIS as string, process.env.CAMPFIRES_BENCH_PREFIX as string, 1000);
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

async function redisRun(settings: Settings, floor: boolean): Promise<{ lines: string[]; handoffsPerSecond: number; latencies: number[] }> {
  const redis = await startRedisServer();
  const prefix = `bench${Date.now()}`;
  const children = Array.from({ length: settings.processes }, (_, index) =>
    spawn(process.execPath, [...process.execArgv, __filename, '--worker', String(index + 1)], {
      env: { ...process.env, CAMPFIRES_BENCH: JSON.stringify(settings), CAMPFIRES_BENCH_REDIS: redis.url, CAMPFIRES_BENCH_PREFIX: prefix, CAMPFIRES_BENCH_KIND: floor ? 'floor' : 'bus' },
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
  const coordinator = openRelay(floor, redis.url, prefix, 200);
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
  const lines = [summary(`${floor ? 'bare Redis Streams (floor)' : 'RedisChannelBus'}, ${settings.processes} processes`, latencies.length, seconds, latencies, `${rss} MB per process`)];
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
  const redis = await redisRun(settings, false);
  const floor = await redisRun(settings, true);
  const memory = await memoryRun(settings);
  for (const line of redis.lines) console.log(line);
  for (const line of floor.lines) console.log(line);
  console.log(memory.line);
  const p99 = (latencies: number[]) => percentile(Float64Array.from(latencies).sort() as unknown as number[], 99);
  console.log(
    `Redis / memory handoffs per second: ${(redis.handoffsPerSecond / memory.handoffsPerSecond).toFixed(2)} ` +
      `(target >= 0.50); Redis handoff p99 ${p99(redis.latencies).toFixed(2)} ms (target <= 10 ms)`,
  );
  console.log(
    `Redis bus / bare Redis Streams: ${(redis.handoffsPerSecond / floor.handoffsPerSecond).toFixed(2)}; ` +
      `bare Redis Streams / memory: ${(floor.handoffsPerSecond / memory.handoffsPerSecond).toFixed(2)}, p99 ${p99(floor.latencies).toFixed(2)} ms`,
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
