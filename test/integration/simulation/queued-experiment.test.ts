/**
 * A persona experiment spread over `cf worker` processes through BullMQ on a real
 * redis-server: results equal a single-process run with the same seeds, a worker killed
 * with SIGKILL mid-run loses nothing (another resumes the run from its record), and
 * OpenRouter's per-minute cap holds across all workers together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { SqliteRunLog, runPersonaExperiment, type ExperimentOutcome, type ExperimentVariant } from 'campfires';
import { ScriptedModel, startOllamaProtocolServer, startOpenAIProtocolServer, type OllamaProtocolServer, type RecordedRequest } from 'campfires/testing';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

jest.setTimeout(240_000);

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cfBin = path.join(repoRoot, 'node_modules', '.bin', 'cf');
const HARVEST = path.join(repoRoot, 'fixtures', 'councils', 'harvest');
const ACTIONS = ['increase_resource', 'decrease_resource', 'pass'];

/** A model that answers from the request alone, so any process asking the same gets the same. */
function deterministicAnswer(request: RecordedRequest): string {
  const digest = createHash('sha256').update(JSON.stringify(request.body?.messages ?? [])).digest();
  const action = ACTIONS[(digest[0] as number) % ACTIONS.length] as string;
  return JSON.stringify({ action, target: 'world', reason: `hash ${digest[1]}` });
}

interface WorkerProcess {
  child: ChildProcess;
  output: string[];
}

function startWorker(queue: string, env: Record<string, string>, extra: string[] = []): Promise<WorkerProcess> {
  const child = spawn(cfBin, ['worker', '--queue', queue, '--stalled-after', '2s', ...extra], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      if (output.some((line) => line.includes('waiting for council runs'))) resolve({ child, output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`cf worker exited with ${code}: ${output.join('\n')}`)));
  });
}

async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGTERM');
  await exited;
}

/** What must be equal between two runs of the same repeat. */
function comparable(outcome: ExperimentOutcome) {
  return { variant: outcome.variant, repeat: outcome.repeat, seed: outcome.seed, status: outcome.status, end: outcome.end, actionMix: outcome.actionMix, error: outcome.error };
}

describe('a persona experiment queued on Redis and run by cf worker processes', () => {
  let redis: RedisServer;
  let ollama: OllamaProtocolServer;
  let temp: string;
  const workers: WorkerProcess[] = [];
  const savedHost = process.env.OLLAMA_HOST;

  beforeAll(async () => {
    redis = await startRedisServer();
    ollama = await startOllamaProtocolServer({ script: (request) => ({ text: deterministicAnswer(request), delayMs: 40 }) });
    process.env.OLLAMA_HOST = ollama.url;
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-queue-'));
  });

  afterAll(async () => {
    await Promise.all(workers.map(stopWorker));
    if (savedHost === undefined) delete process.env.OLLAMA_HOST;
    else process.env.OLLAMA_HOST = savedHost;
    await ollama?.close();
    await redis?.stop();
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  const variants: ExperimentVariant[] = [
    { label: 'villagers', model: 'ollama', repeats: 2 },
    { label: 'lean year', model: 'ollama', world: { initial_resource_level: 20 }, repeats: 2 },
    { label: 'frontier', model: 'ollama', personas: path.join(repoRoot, 'fixtures', 'councils', 'frontier', 'personas.yaml'), repeats: 2 },
  ];

  it('gives the same outcomes as one process, every run once, though a worker is killed mid-run', async () => {
    const single = await runPersonaExperiment({ scenario: HARVEST, variants, seed: 7, concurrency: 2, runLog: SqliteRunLog.open(path.join(temp, 'single.db')) });
    expect(single.outcomes).toHaveLength(6);
    expect(single.outcomes.every((outcome) => outcome.error === null)).toBe(true);

    for (let index = 0; index < 3; index += 1) workers.push(await startWorker(redis.url, { OLLAMA_HOST: ollama.url }));
    const client = new Redis(redis.url);
    let killed: string | null = null;
    // Kill -9 the worker running a job once that job has recorded a dozen rows.
    const killer = setInterval(() => {
      if (killed) return;
      void client.keys('campfires:experiment-run:*:events').then(async (keys) => {
        for (const key of keys) {
          if (killed || (await client.llen(key)) < 12) continue;
          const jobId = key.split(':')[2] as string;
          const victim = workers.find((worker) => worker.child.exitCode === null && worker.output.some((line) => line.startsWith(`${jobId}: `) && line.includes('starting')) && !worker.output.some((line) => line.startsWith(`${jobId}: `) && /: (completed|interrupted)/.test(line)));
          if (!victim) continue;
          killed = jobId;
          victim.child.kill('SIGKILL');
        }
      });
    }, 50);
    const logPath = path.join(temp, 'queued.db');
    const runLog = SqliteRunLog.open(logPath);
    let queued;
    try {
      queued = await runPersonaExperiment({ scenario: HARVEST, variants, seed: 7, runLog, queue: redis.url });
    } finally {
      clearInterval(killer);
    }
    expect(killed).not.toBeNull();
    // Another worker took the killed job over and went on from its record, not from scratch.
    const resumed = workers.flatMap((worker) => worker.output).filter((line) => line.startsWith(`${killed}: resuming`));
    expect(resumed).toHaveLength(1);
    expect(Number(/after (\d+) recorded actions/.exec(resumed[0] as string)?.[1])).toBeGreaterThan(0);

    expect(queued.outcomes.map(comparable)).toEqual(single.outcomes.map(comparable));
    // Every run is in the coordinator's log once, complete, with each action once.
    const runs = runLog.runs({ kind: 'simulation' });
    expect(runs).toHaveLength(6);
    expect(new Set(runs.map((run) => run.id)).size).toBe(6);
    for (const outcome of queued.outcomes) {
      const run = runs.find((entry) => entry.id === outcome.runId);
      expect(run?.status).toBe('completed');
      const applied = runLog.events(outcome.runId as string, { kinds: ['action-applied'] }).length;
      const mixed = Object.values(outcome.actionMix).reduce((sum, mix) => sum + Object.values(mix).reduce((a, b) => a + b, 0), 0);
      expect(applied).toBe(mixed);
    }
    runLog.close();
    const db = new Database(logPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    // Nothing is left behind in Redis once the experiment has gathered its runs.
    expect(await client.keys('campfires:experiment-run:*')).toEqual([]);
    client.disconnect();
  });

  it('runs from the command line: cf sim experiment --queue prints every run once, as JSON', async () => {
    const variantsFile = path.join(temp, 'variants.yaml');
    fs.writeFileSync(variantsFile, 'variants:\n  - label: calm\n    repeats: 2\n  - label: lean\n    world: { initial_resource_level: 20 }\n    repeats: 2\n');
    const logPath = path.join(temp, 'cli.db');
    const child = spawn(cfBin, ['sim', 'experiment', HARVEST, '--variants', variantsFile, '--seed', '5', '--queue', redis.url, '--log', logPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const outcomes = JSON.parse(stdout.slice(stdout.indexOf('['))) as ExperimentOutcome[];
    expect(outcomes.map((outcome) => `${outcome.variant}#${outcome.repeat}:${outcome.status}`)).toEqual(['calm#1:completed', 'calm#2:completed', 'lean#1:completed', 'lean#2:completed']);
    const local = await runPersonaExperiment({ scenario: HARVEST, variants: [{ label: 'calm', repeats: 2 }, { label: 'lean', world: { initial_resource_level: 20 }, repeats: 2 }], seed: 5, runLog: SqliteRunLog.open(':memory:') });
    expect(outcomes.map((outcome) => outcome.end)).toEqual(local.outcomes.map((outcome) => outcome.end));
    const log = SqliteRunLog.open(logPath);
    expect(log.runs({ kind: 'simulation' }).map((run) => run.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    log.close();
  });

  it('refuses a model object and a URL that is not Redis, naming the field', async () => {
    await expect(runPersonaExperiment({ scenario: HARVEST, variants: [{ label: 'scripted', model: new ScriptedModel([]) }], queue: redis.url, runLog: SqliteRunLog.open(':memory:') })).rejects.toThrow(/variants\[0\]\.model|a model object cannot travel/);
    await expect(runPersonaExperiment({ scenario: HARVEST, variants: [{ label: 'a' }], queue: 'http://localhost:6379', runLog: SqliteRunLog.open(':memory:') })).rejects.toThrow(/queue "http:\/\/localhost:6379" is not a Redis URL/);
  });
});

describe('OpenRouter limits shared by every worker through Redis', () => {
  it('four workers together never send more than the per-minute cap', async () => {
    const redis = await startRedisServer();
    const server = await startOpenAIProtocolServer({ script: (request) => ({ text: deterministicAnswer(request) }) });
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-queue-cap-'));
    const env = { OPENROUTER_API_KEY: 'sk-test', OPENROUTER_BASE_URL: `${server.url}/v1` };
    const started: WorkerProcess[] = [];
    try {
      for (let index = 0; index < 4; index += 1) started.push(await startWorker(redis.url, env, ['--model', 'openrouter']));
      const experiment = await runPersonaExperiment({
        scenario: HARVEST,
        variants: [{ label: 'open', repeats: 4 }],
        queue: redis.url,
        runLog: SqliteRunLog.open(path.join(temp, 'cap.db')),
      });
      const calls = server.requests.filter((request) => request.path.endsWith('/chat/completions'));
      // Four runs of 4 members × 12 turns want 192 answers; the free tier allows 20 a minute.
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.length).toBeLessThanOrEqual(20);
      expect(experiment.outcomes.some((outcome) => /limit of 20 requests per minute/.test(outcome.error ?? ''))).toBe(true);
    } finally {
      await Promise.all(started.map(stopWorker));
      await server.close();
      await redis.stop();
      fs.rmSync(temp, { recursive: true, force: true });
    }
  });
});
