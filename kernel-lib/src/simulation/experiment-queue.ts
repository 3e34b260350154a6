/**
 * A persona experiment spread over machines: every repeat is a BullMQ job on Redis, run by
 * `cf worker` processes, each with its own model host. A worker mirrors its run's log rows
 * to Redis as it writes them, so a job whose worker died is resumed by the next worker from
 * the last completed action, and the coordinator copies the finished run into its own log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ValidationError, escapeHtml as escape, newId } from '../core';
import { RedisCounterStore } from '../counters';
import { createOllamaModel, createOpenRouterModel, type LanguageModel } from '../llm';
import type { MimeBundle } from '../display';
import { SqliteRunLog, type RunEvent, type RunInfo, type RunLog } from '../runlog';
import { Simulation, type ModelBackendName } from './simulation';
import { outcomeOf, type CouncilRepeat, type ExperimentOutcome } from './experiment-run';
import type { SimulationConfig } from './simulation-config';
import { councilWorld } from './world';

/** The BullMQ queue every coordinator and worker of one Redis share. */
export const EXPERIMENT_QUEUE_NAME = 'campfires-council-runs';

/** How one job travels: the repeat's spec as plain data. */
interface CouncilJobData {
  experimentId: string;
  index: number;
  variant: string;
  variantIndex: number;
  repeat: number;
  seed: number;
  config: SimulationConfig;
  /** A backend the worker builds with its own host, or null: the worker's own `--model`. */
  model: ModelBackendName | null;
  temperature?: number;
}

/** What a finished job returns to the coordinator. */
interface CouncilJobResult {
  outcome: ExperimentOutcome;
  /** The run was continued from a dead worker's record after this many actions (0: started here). */
  resumedAfterActions: number;
  worker: string;
}

/** Where one job's run record lives in Redis while it runs. */
function recordKeys(jobId: string): { run: string; events: string } {
  return { run: `campfires:experiment-run:${jobId}:run`, events: `campfires:experiment-run:${jobId}:events` };
}

function redisUrlOf(url: string, field: string): { host: string; port: number; username?: string; password?: string; db?: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError({ code: 'queue_url_invalid', message: `${field} "${url}" is not a Redis URL; use redis://host:port`, issues: [{ field, message: 'not a URL', given: url, allowed: 'redis://host:port[/db]' }] });
  }
  if (parsed.protocol !== 'redis:') {
    throw new ValidationError({ code: 'queue_url_invalid', message: `${field} "${url}" is not a Redis URL; use redis://host:port`, issues: [{ field, message: `protocol ${parsed.protocol}`, given: url, allowed: 'redis://host:port[/db]' }] });
  }
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
  };
}

function bullmq(): typeof import('bullmq') {
  // Loaded on first use: notebooks that never queue do not pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('bullmq') as typeof import('bullmq');
}

function redisClient(url: string): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: Client } = require('ioredis') as typeof import('ioredis');
  return new Client({ ...redisUrlOf(url, 'queue'), maxRetriesPerRequest: null });
}

/**
 * The run log a worker writes: every row goes to its local SQLite file and, in the same
 * order, to the job's record in Redis, which outlives the worker.
 */
function mirroredRunLog(local: RunLog, redis: Redis, keys: { run: string; events: string }, pending: Promise<unknown>[]): RunLog {
  const push = (events: RunEvent[]): void => {
    if (events.length > 0) pending.push(redis.rpush(keys.events, ...events.map((event) => JSON.stringify(event))));
  };
  const saveRun = (info: RunInfo): void => {
    pending.push(redis.set(keys.run, JSON.stringify(info)));
  };
  const overrides: Partial<RunLog> = {
    startRun: (init) => {
      const info = local.startRun(init);
      saveRun(info);
      return info;
    },
    endRun: (runId, status, ts) => {
      const info = local.endRun(runId, status, ts);
      saveRun(info);
      return info;
    },
    append: (runId, event) => {
      const written = local.append(runId, event);
      push([written]);
      return written;
    },
    appendMany: (runId, events) => {
      const written = local.appendMany(runId, events);
      push(written);
      return written;
    },
  };
  return new Proxy(local, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof RunLog];
      const value = Reflect.get(target, property, receiver === undefined ? target : target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function holds(log: RunLog, runId: string): boolean {
  try {
    log.run(runId);
    return true;
  } catch {
    return false;
  }
}

/** Copies a run recorded in Redis into `log` (skipped when `log` already holds it). */
async function copyRecord(redis: Redis, keys: { run: string; events: string }, log: RunLog): Promise<RunInfo | null> {
  const saved = await redis.get(keys.run);
  if (!saved) return null;
  const info = JSON.parse(saved) as RunInfo;
  if (holds(log, info.id)) return info;
  const events = (await redis.lrange(keys.events, 0, -1)).map((line) => JSON.parse(line) as RunEvent);
  log.startRun({ kind: info.kind, name: info.name, meta: info.meta, id: info.id, ts: info.startedAt });
  log.appendMany(
    info.id,
    events.map((event) => ({ kind: event.kind, ts: event.ts, campfire: event.campfire, camper: event.camper, channel: event.channel, messageId: event.messageId, data: event.data })),
  );
  if (info.status !== 'running') log.endRun(info.id, info.status, info.endedAt ?? undefined);
  return info;
}

/** What the live display shows while a queued experiment runs. */
export interface QueueProgress {
  total: number;
  waiting: number;
  running: number;
  done: number;
  failed: number;
}

/** Runs the repeats as jobs on the queue at `queue` and gathers their outcomes, copying each run into `runLog`. */
export async function runQueuedRepeats(
  repeats: readonly CouncilRepeat[],
  options: { queue: string; runLog: RunLog; onProgress?: (progress: QueueProgress, done: ExperimentOutcome[]) => void },
): Promise<ExperimentOutcome[]> {
  const connection = redisUrlOf(options.queue, 'queue');
  repeats.forEach((spec) => {
    if (spec.model !== null && typeof spec.model !== 'string') {
      throw new ValidationError({
        code: 'experiment_queue_model',
        message: `variants[${spec.variantIndex}].model: variant "${spec.variant}" gives a model object, which cannot travel to a worker; a queued run names its backend ('ollama' or 'openrouter', built by the worker with its own host) or leaves model out to use the worker's --model`,
        issues: [{ field: `variants[${spec.variantIndex}].model`, message: 'a model object cannot travel to a worker', given: `${spec.model.provider}:${spec.model.modelId}`, allowed: "'ollama', 'openrouter', or left out" }],
      });
    }
  });
  const { Queue: QueueClass, QueueEvents: EventsClass } = bullmq();
  const queue: Queue = new QueueClass(EXPERIMENT_QUEUE_NAME, { connection });
  const events: QueueEvents = new EventsClass(EXPERIMENT_QUEUE_NAME, { connection });
  const redis = redisClient(options.queue);
  const experimentId = newId('experiment');
  const outcomes: (ExperimentOutcome | undefined)[] = Array.from({ length: repeats.length }, () => undefined);
  const states = new Map<string, 'waiting' | 'running' | 'done' | 'failed'>();
  const progress = (): QueueProgress => {
    const count = (state: string) => [...states.values()].filter((value) => value === state).length;
    return { total: repeats.length, waiting: count('waiting'), running: count('running'), done: count('done'), failed: count('failed') };
  };
  const report = () => options.onProgress?.(progress(), outcomes.filter((outcome): outcome is ExperimentOutcome => outcome !== undefined));
  try {
    await events.waitUntilReady();
    const jobs = repeats.map((spec, index) => {
      const data: CouncilJobData = { experimentId, index, variant: spec.variant, variantIndex: spec.variantIndex, repeat: spec.repeat, seed: spec.seed, config: spec.config, model: spec.model as ModelBackendName | null, ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}) };
      const jobId = `${experimentId}-${index}`;
      states.set(jobId, 'waiting');
      return { name: 'council-run', data, opts: { jobId, attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: true } };
    });
    const finished = new Promise<void>((resolve) => {
      const settle = async (jobId: string, result: CouncilJobResult | null, failure: string | null): Promise<void> => {
        const index = Number(jobId.slice(experimentId.length + 1));
        const spec = repeats[index] as CouncilRepeat;
        const keys = recordKeys(jobId);
        await copyRecord(redis, keys, options.runLog);
        await redis.del(keys.run, keys.events);
        outcomes[index] = result?.outcome ?? { variant: spec.variant, repeat: spec.repeat, seed: spec.seed, backend: 'queue', runId: null, status: 'failed', end: null, actionMix: {}, error: failure };
        states.set(jobId, result ? 'done' : 'failed');
        report();
        if (outcomes.every((outcome) => outcome !== undefined)) resolve();
      };
      const ours = (jobId: string) => states.has(jobId) && states.get(jobId) !== 'done' && states.get(jobId) !== 'failed';
      events.on('active', ({ jobId }) => {
        if (!ours(jobId)) return;
        states.set(jobId, 'running');
        report();
      });
      events.on('completed', ({ jobId, returnvalue }) => {
        if (!ours(jobId)) return;
        const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as CouncilJobResult;
        void settle(jobId, result, null);
      });
      events.on('failed', ({ jobId, failedReason }) => {
        if (!ours(jobId)) return;
        // A failed attempt that will be retried is not the end of the job.
        void queue.getJob(jobId).then((job) => {
          if (job && job.attemptsMade < (job.opts.attempts ?? 1)) return;
          void settle(jobId, null, failedReason);
        });
      });
    });
    await queue.addBulk(jobs);
    report();
    await finished;
    return outcomes as ExperimentOutcome[];
  } finally {
    await events.close();
    await queue.close();
    redis.disconnect();
  }
}

/** The live view of a queued experiment: a progress bar above the chart of the runs done so far. */
export async function progressBundle(experiment: { toMimeBundle(): Promise<MimeBundle>; outcomes: readonly ExperimentOutcome[]; scenario: string }, progress: QueueProgress): Promise<MimeBundle> {
  const line = `${experiment.scenario}: ${progress.done + progress.failed} of ${progress.total} runs finished · ${progress.waiting} waiting · ${progress.running} running · ${progress.done} done · ${progress.failed} failed`;
  const bar = `<div class="campfires-progress"><div>${escape(line)}</div><progress max="${progress.total}" value="${progress.done + progress.failed}" aria-label="runs finished"></progress></div>`;
  if (experiment.outcomes.length === 0) return { 'text/html': bar, 'text/plain': line };
  const bundle = await experiment.toMimeBundle();
  return { ...bundle, 'text/html': bar + String(bundle['text/html'] ?? ''), 'text/plain': `${line}\n${String(bundle['text/plain'] ?? '')}` };
}

/** How a worker is started (the library form of `cf worker`). */
export interface ExperimentWorkerOptions {
  /** The Redis URL of the queue (`redis://host:port`). */
  queue: string;
  /** The backend of runs that name none: `offline` (persona-policy agents), `ollama` or `openrouter`. Default `offline`. */
  model?: 'offline' | ModelBackendName;
  /** Runs at once (default 1). */
  concurrency?: number;
  /** A job whose worker stopped answering for this long goes to another worker (default 30 s). */
  stalledAfterMs?: number;
  /** Model request timeout. */
  timeoutMs?: number;
  /** A line per job started, resumed and finished (default: none). */
  log?: (line: string) => void;
}

/** A running worker: how many jobs it finished, and how to stop it. */
export interface ExperimentWorker {
  readonly name: string;
  readonly finished: number;
  close(): Promise<void>;
}

/**
 * Starts a worker that runs queued council runs on this machine: persona-policy agents, or
 * the model this machine's Ollama / OpenRouter key gives. OpenRouter's limits are counted in
 * the queue's Redis, so every worker together stays under them.
 * @example const worker = await startExperimentWorker({ queue: 'redis://127.0.0.1:6379', model: 'ollama' });
 */
export async function startExperimentWorker(options: ExperimentWorkerOptions): Promise<ExperimentWorker> {
  const connection = redisUrlOf(options.queue, 'queue');
  const fallback = options.model ?? 'offline';
  if (!['offline', 'ollama', 'openrouter'].includes(fallback)) {
    throw new ValidationError({ code: 'worker_model_invalid', message: `model "${fallback}" is not a backend; use offline, ollama or openrouter`, issues: [{ field: 'model', message: 'unknown backend', given: fallback, allowed: 'offline, ollama, openrouter' }] });
  }
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ValidationError({ code: 'worker_concurrency_invalid', message: `concurrency ${String(concurrency)} is not a whole number from 1 to 64`, issues: [{ field: 'concurrency', message: 'out of range', given: concurrency, allowed: '1-64' }] });
  }
  const name = `${os.hostname()}:${process.pid}`;
  const redis = redisClient(options.queue);
  const counters = new RedisCounterStore({ url: options.queue });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-worker-'));
  // This worker's own run log: its runs are mirrored to Redis as they are written.
  const local = SqliteRunLog.open(path.join(scratch, 'runs.db'));
  const modelFor = (backend: ModelBackendName | 'offline', config: SimulationConfig): LanguageModel | null => {
    if (backend === 'offline') return null;
    const modelName = backend === 'ollama' ? (process.env.CAMPFIRES_OLLAMA_MODEL ?? config.simulation.model_name) : undefined;
    return backend === 'ollama' ? createOllamaModel({ model: modelName, timeoutMs: options.timeoutMs }) : createOpenRouterModel({ counters, timeoutMs: options.timeoutMs });
  };
  let finished = 0;
  const process_ = async (job: Job<CouncilJobData>): Promise<CouncilJobResult> => {
    const data = job.data;
    const jobId = String(job.id);
    const keys = recordKeys(jobId);
    const pending: Promise<unknown>[] = [];
    const log = mirroredRunLog(local, redis, keys, pending);
    const spec: CouncilRepeat = { ...data, model: data.model };
    const model = modelFor(data.model ?? fallback, data.config);
    try {
      const recorded = await copyRecord(redis, keys, local);
      let sim: Simulation;
      let error: string | null = null;
      let resumedAfterActions = 0;
      if (recorded) {
        resumedAfterActions = local.events(recorded.id, { kinds: ['action-applied'] }).length;
        options.log?.(`${jobId}: resuming run ${recorded.id} after ${resumedAfterActions} recorded actions`);
        try {
          sim = await Simulation.resume(log, recorded.id, { model, narrate: null, live: false });
        } catch (failure) {
          sim = Simulation.fromRunLog(local, recorded.id);
          error = (failure as Error).message;
        }
      } else {
        options.log?.(`${jobId}: ${data.variant} #${data.repeat} (seed ${data.seed}) starting`);
        sim = Simulation.fromSettings(data.config, { model, temperature: data.temperature, runLog: log, narrate: null, live: false, seed: data.seed });
        try {
          await sim.run();
        } catch (failure) {
          error = (failure as Error).message;
        }
      }
      await Promise.all(pending);
      finished += 1;
      options.log?.(`${jobId}: ${sim.status}${error ? ` (${error})` : ''}`);
      return { outcome: outcomeOf(spec, sim, councilWorld, error), resumedAfterActions, worker: name };
    } finally {
      await Promise.allSettled(pending);
    }
  };
  const { Worker: WorkerClass } = bullmq();
  const stalledAfterMs = options.stalledAfterMs ?? 30_000;
  const worker: Worker<CouncilJobData, CouncilJobResult> = new WorkerClass(EXPERIMENT_QUEUE_NAME, process_, {
    connection,
    concurrency,
    lockDuration: stalledAfterMs,
    stalledInterval: Math.max(500, Math.floor(stalledAfterMs / 2)),
    maxStalledCount: 5,
  });
  worker.on('error', (error) => options.log?.(`worker error: ${error.message}`));
  await worker.waitUntilReady();
  return {
    name,
    get finished() {
      return finished;
    },
    async close() {
      await worker.close();
      await counters.close?.();
      redis.disconnect();
      local.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}
