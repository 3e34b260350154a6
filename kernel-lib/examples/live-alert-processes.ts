/**
 * The live-alert demo across processes: each of the four campfires runs in its own Node
 * process, all sharing one channel bus (Redis), one run log file and one Party Box.
 * The coordinator starts the run, starts the workers, waits for the alert and stops them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import {
  CampfireWorker,
  MemoryChannelBus,
  PartyBox,
  SqliteRunLog,
  createBoxDriver,
  createChannelBus,
  liveAlertCampfires,
  liveAlertToolCampers,
  loadLiveAlertData,
  startSharedRun,
  torchSchema,
  type Torch,
} from '../src';
import { parseJson, validate } from '../src/core';

/** The environment variable that carries a worker's settings (JSON) from the coordinator. */
export const LIVE_ALERT_WORKER_ENV = 'CAMPFIRES_LIVE_ALERT_WORKER';

const workerSettingsSchema = z.object({
  campfire: z.enum(['scrape', 'sentiment', 'verify', 'summary']),
  runId: z.string().min(1),
  bus: z.string().min(1),
  log: z.string().min(1),
  partyBox: z.string().min(1),
  fixtures: z.string().optional(),
  cycles: z.number().int().min(1),
  paceMs: z.number().int().min(0).default(0),
});
/** What one worker process is told. */
export type LiveAlertWorkerSettings = z.input<typeof workerSettingsSchema>;

/** Settings of a run across processes. */
export interface LiveAlertProcessesOptions {
  /** A bus URL that spans processes, e.g. `redis://127.0.0.1:6379`. */
  bus: string;
  log: string;
  partyBox: string;
  fixtures?: string;
  cycles: number;
  /** Each campfire waits this long before answering a torch (to watch it, or to stop a process mid-torch). */
  paceMs?: number;
  /** The command that starts a worker (default: this Node running this script). */
  workerCommand?: string[];
  /** Gets every line a worker prints. */
  onLine?: (campfire: string, line: string) => void;
}

/** What a run across processes produced. */
export interface LiveAlertProcessesResult {
  runId: string;
  alert: Torch | null;
}

/** Runs one live-alert campfire in this process until SIGTERM (or, for the source, until its cycles are done). */
export async function runLiveAlertWorker(input: LiveAlertWorkerSettings): Promise<void> {
  const settings = validate(workerSettingsSchema, input, { what: 'live-alert worker settings', code: 'worker_settings_invalid' });
  const data = await loadLiveAlertData(settings.fixtures);
  const box = new PartyBox(createBoxDriver(settings.partyBox));
  const campfire = liveAlertCampfires(liveAlertToolCampers(data), box).find((candidate) => candidate.name === settings.campfire);
  if (!campfire) throw new Error(`no campfire "${settings.campfire}" in the live-alert pipeline`);
  const bus = createChannelBus(settings.bus);
  const runLog = SqliteRunLog.open(settings.log);
  const worker = await new CampfireWorker({ campfire, bus, runLog, runId: settings.runId, paceMs: settings.paceMs }).start();
  console.log(`ready ${campfire.name} pid ${process.pid}`);
  if (campfire.isSource) {
    // One cycle at a time, each carried through every process before the next, as Pipeline.run does.
    for (let cycle = 1; cycle <= settings.cycles; cycle += 1) {
      await worker.light();
      await bus.drain();
    }
  } else {
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
  }
  await worker.stop();
  await bus.close();
  await box.driver.close?.();
  runLog.close();
  console.log(`stopped ${campfire.name}: ${worker.stats.handled} torches handled, ${worker.stats.recovered} finished for a process that died`);
}

/** Runs the worker described by the environment, when this process was started as one; false otherwise. */
export function runLiveAlertWorkerFromEnv(): boolean {
  const text = process.env[LIVE_ALERT_WORKER_ENV];
  if (!text) return false;
  runLiveAlertWorker(parseJson(text, LIVE_ALERT_WORKER_ENV) as LiveAlertWorkerSettings).catch((error: unknown) => {
    console.error(`live-alert worker: ${(error as Error)?.stack ?? error}`);
    process.exit(1);
  });
  return true;
}

/** The coordinator: starts the run and the workers, can kill and restart one, and collects the alert. */
export class LiveAlertProcesses {
  runId = '';
  private readonly workers = new Map<string, { child: ChildProcess; exited: Promise<number | null> }>();
  private lit: Promise<number | null> | null = null;

  constructor(private readonly options: LiveAlertProcessesOptions) {}

  /** Starts the run in the shared log and the three listening campfires; resolves once all listen. */
  async start(): Promise<void> {
    const probe = createChannelBus(this.options.bus); // names a bad URL here rather than in four processes
    await probe.drain();
    await probe.close();
    if (probe instanceof MemoryChannelBus) throw new Error('campfires in separate processes need a bus that spans processes, such as redis://127.0.0.1:6379');
    const data = await loadLiveAlertData(this.options.fixtures);
    const runLog = SqliteRunLog.open(this.options.log);
    try {
      this.runId = startSharedRun(runLog, 'live-alert', liveAlertCampfires(liveAlertToolCampers(data))).id;
    } finally {
      runLog.close();
    }
    await Promise.all(['summary', 'verify', 'sentiment'].map((name) => this.spawn(name)));
  }

  /** Starts the source campfire, which lights its cycles and exits. */
  async light(): Promise<void> {
    await this.spawn('scrape');
    this.lit = this.workers.get('scrape')?.exited ?? null;
  }

  /** Kills a campfire's process with SIGKILL (no clean-up at all). */
  async kill(name: string): Promise<void> {
    const worker = this.workers.get(name);
    if (!worker) throw new Error(`no worker "${name}"`);
    worker.child.kill('SIGKILL');
    await worker.exited;
  }

  /** Starts a campfire's process again; resolves once it listens. */
  restart(name: string): Promise<void> {
    return this.spawn(name);
  }

  /** Waits for the source to finish and the bus to be idle, stops the workers and returns the alert. */
  async finish(): Promise<LiveAlertProcessesResult> {
    const code = await this.lit;
    if (code !== 0) throw new Error(`the scrape process exited with code ${code}`);
    const bus = createChannelBus(this.options.bus);
    await bus.drain();
    await bus.close();
    await this.stop();
    const runLog = SqliteRunLog.open(this.options.log);
    try {
      const sent = runLog.events(this.runId, { campfire: 'summary', kinds: ['torch-sent'] });
      const last = sent[sent.length - 1];
      const alert = last ? torchSchema.parse((last.data as { torch: unknown }).torch) : null;
      runLog.endRun(this.runId, 'completed');
      return { runId: this.runId, alert };
    } finally {
      runLog.close();
    }
  }

  /** Stops every worker still running (SIGTERM, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.workers.values()].map(async ({ child, exited }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private spawn(name: string): Promise<void> {
    const settings: LiveAlertWorkerSettings = {
      campfire: name as LiveAlertWorkerSettings['campfire'],
      runId: this.runId,
      bus: this.options.bus,
      log: this.options.log,
      partyBox: this.options.partyBox,
      fixtures: this.options.fixtures,
      cycles: this.options.cycles,
      paceMs: this.options.paceMs ?? 0,
    };
    const [command, ...args] = this.options.workerCommand ?? [process.execPath, ...process.execArgv, process.argv[1] as string];
    const child = spawn(command as string, args, {
      env: { ...process.env, [LIVE_ALERT_WORKER_ENV]: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.workers.set(name, { child, exited });
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let errors = '';
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (!ready && line.startsWith(`ready ${name}`)) {
          ready = true;
          resolve();
        }
        this.options.onLine?.(name, line);
      });
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
        errors += `${line}\n`;
        this.options.onLine?.(name, line);
      });
      void exited.then((code) => {
        if (!ready) reject(new Error(`the ${name} process exited (code ${code}) before it was ready: ${errors.trim()}`));
      });
    });
  }
}

/** Runs the live-alert demo with each campfire in its own process and returns the alert. */
export async function runLiveAlertAcrossProcesses(options: LiveAlertProcessesOptions): Promise<LiveAlertProcessesResult> {
  const processes = new LiveAlertProcesses(options);
  try {
    await processes.start();
    await processes.light();
    return await processes.finish();
  } catch (error) {
    if (processes.runId) {
      const runLog = SqliteRunLog.open(options.log);
      runLog.endRun(processes.runId, 'failed');
      runLog.close();
    }
    throw error;
  } finally {
    await processes.stop();
  }
}
