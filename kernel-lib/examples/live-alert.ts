#!/usr/bin/env node
/**
 * The live-alert demo: four campfires turn static r/worldnews- and r/london-style data,
 * weather and traffic feeds into one alert, offline, and leave a run log that replays.
 *   npm run demo
 *   npm run demo -- --cycles 3 --log /tmp/torch_log.db
 *   npm run demo -- --replay latest
 *   npm run demo -- --resume latest   (continue a run whose process was killed)
 *   npm run demo -- --model ollama --timeout 2m
 *   npm run demo -- --bus redis://127.0.0.1:6379   (each campfire in its own process)
 */
import { Command, InvalidArgumentError } from 'commander';
import { Replay, SqliteRunLog, comparableHandoffs, loggedHandoffs, createLiveAlertPipeline, isErrorTorch, loadLiveAlertData, replayRun, torchSchema, type RunEvent, type Torch } from '../src';
import { parseDuration } from '../src/core';
import { checkLiveAlertModels, describeLiveAlertModels, liveAlertLlmCampers, liveAlertModels } from './live-alert-llm';
import { runLiveAlertAcrossProcesses, runLiveAlertWorkerFromEnv } from './live-alert-processes';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`"${value}" is not a whole number of 1 or more`);
  return parsed;
}

function torchLine(event: RunEvent): string | null {
  if (event.kind !== 'torch-sent') return null;
  const torch = torchSchema.safeParse((event.data as { torch?: unknown })?.torch);
  if (!torch.success) return null;
  const mark = isErrorTorch(torch.data) ? ' ERROR' : '';
  const where = torch.data.path ? `\n${' '.repeat(14)}path ${torch.data.path}` : '';
  return `  ${String(event.campfire).padEnd(9)} -> ${String(event.channel).padEnd(9)} ${event.camper}: "${torch.data.claim}" (${torch.data.confidence})${mark}${where}`;
}

/** A camper that failed in a run, as its error torch tells it. */
interface CamperFailure {
  campfire: string;
  camper: string;
  code: string;
  message: string;
}

function failureOfTorch(torch: Torch, campfire: string): CamperFailure | null {
  if (!isErrorTorch(torch)) return null;
  const camper = String(torch.metadata.camper ?? 'a camper');
  return { campfire, camper, code: String(torch.metadata.errorCode ?? 'camper_failed'), message: torch.claim.replace(`${camper} failed: `, '') };
}

function failureOf(event: RunEvent): CamperFailure | null {
  if (event.kind !== 'torch-sent') return null;
  const torch = torchSchema.safeParse((event.data as { torch?: unknown })?.torch);
  return torch.success ? failureOfTorch(torch.data, String(event.campfire)) : null;
}

/** What a user can do about a failed camper, by its error code. */
function fixFor(failure: CamperFailure, model: string | undefined): string {
  if (/unreachable|connect|timeout|timed_out/i.test(failure.code)) return model === 'ollama' ? 'start Ollama (`ollama serve`) or set OLLAMA_HOST, then run again' : 'check the network and the service, then run again';
  if (/not_found|model_missing|pull/i.test(failure.code)) return 'pull the model first (`ollama pull llama3.1:8b`) or choose another with --model';
  if (/auth|key|401|403/i.test(failure.code)) return 'check OPENROUTER_API_KEY';
  if (/rate|limit|cap/i.test(failure.code)) return 'wait for the rate limit to pass, or run offline';
  return 'see the message above; the run log keeps every attempt';
}

/**
 * Prints the outcome of a run: the alert, or why there is none. A failed summary camper
 * is a failure (exit code 1), never an alert.
 */
function reportOutcome(alert: Torch | undefined, failures: readonly CamperFailure[], options: { model?: string; detail?: string }): number {
  const summaryFailure = alert && isErrorTorch(alert) ? failures.find((failure) => failure.campfire === 'summary') ?? failureOfTorch(alert, 'summary') : null;
  if (summaryFailure) {
    console.log(`FAILED: no alert. The summary campfire's camper "${summaryFailure.camper}" failed (${summaryFailure.code}):`);
    console.log(`        ${summaryFailure.message}`);
    console.log(`   Fix: ${fixFor(summaryFailure, options.model)}${options.model ? '; or run offline: npm run demo' : ''}.`);
  } else if (alert) {
    console.log(`ALERT: ${alert.claim}`);
    if (options.detail) console.log(`       ${options.detail}`);
  } else {
    console.log('No alert: the headlines held no crisis this time.');
  }
  const others = failures.filter((failure) => failure !== summaryFailure && !(summaryFailure && failure.campfire === 'summary'));
  for (const failure of others) console.log(`  also failed: ${failure.campfire}/${failure.camper} (${failure.code}): ${failure.message}`);
  return summaryFailure ? 1 : 0;
}

async function runDemo(options: { fixtures?: string; log: string; partyBox: string; cycles: number; model?: string; cassette?: string; timeout?: number; resume?: string }): Promise<void> {
  let llm: Parameters<typeof createLiveAlertPipeline>[0] = {};
  if (options.model) {
    const runLog = SqliteRunLog.open(options.log);
    const models = liveAlertModels(options.model, runLog, options.cassette, options.timeout);
    await checkLiveAlertModels(models);
    const data = await loadLiveAlertData(options.fixtures);
    console.log(`live-alert: LLM mode, ${describeLiveAlertModels(models)}; leave out --model to run offline.`);
    llm = { data, runLog, campers: (defaults) => liveAlertLlmCampers(defaults, { data, models }) };
  } else {
    console.log('live-alert: running offline with deterministic tool campers (no model is called).');
    console.log('            Any campfire\'s campers can be swapped for LLM campers; see createLiveAlertPipeline({ campers }), or run with --model ollama|openrouter.');
  }
  const pipeline = await createLiveAlertPipeline({ fixtures: options.fixtures, runLog: options.log, partyBox: options.partyBox, ...llm });
  const failures: CamperFailure[] = [];
  pipeline.onEvent((event) => {
    const line = torchLine(event);
    if (line) console.log(line);
    const failure = failureOf(event);
    if (failure) failures.push(failure);
  });
  if (options.resume) {
    const replay = replayRun(pipeline.runLog as SqliteRunLog, options.resume);
    const end = replay.recordEnd();
    console.log(`Resuming ${replay.run.id} (${replay.run.status}) from ${options.log}${end ? `: ${end.replace(/^The record of \S+ /, 'its record ')}` : ''}`);
    console.log(`            Rounds 1-${replay.complete.round} are taken from the log (no camper is called for them); the rest run now.`);
  }
  const run = options.resume ? await pipeline.resume(options.resume, { display: false }) : await pipeline.run({ cycles: options.cycles, display: false });
  if (options.resume) console.log(`Resumed as run ${run.runId}; ${run.run.meta.resumeOf} stays interrupted.`);
  const alert = run.finals.summary;
  console.log('');
  const detail = alert ? `confidence ${alert.confidence}${alert.path ? `; ${options.model ? 'camera still' : 'comment summary'} in the Party Box at ${alert.path}` : ''}` : undefined;
  process.exitCode = reportOutcome(alert, failures, { model: options.model, detail });
  console.log('');
  console.log(`${run.cycles} cycle(s), ${run.torchesSent} torches, ${run.handoffs} handoffs, ${run.camperErrors} camper errors in ${run.durationMs} ms.`);
  console.log(`Run ${run.runId} written to ${options.log}; replay it with: npm run demo -- --log ${options.log} --replay ${run.runId}`);
  pipeline.runLog?.close();
}

async function processesDemo(options: { fixtures?: string; log: string; partyBox: string; cycles: number; bus: string }): Promise<void> {
  console.log(`live-alert: each campfire in its own process, over the bus at ${options.bus.replace(/\/\/[^@/]*@/, '//')} (offline tool campers).`);
  const started = Date.now();
  const result = await runLiveAlertAcrossProcesses(options);
  const log = SqliteRunLog.open(options.log);
  const events = log.events(result.runId);
  log.close();
  const failures: CamperFailure[] = [];
  for (const event of events) {
    const line = torchLine(event);
    if (line) console.log(line);
    const failure = failureOf(event);
    if (failure) failures.push(failure);
  }
  console.log('');
  process.exitCode = reportOutcome(result.alert ?? undefined, failures, {});
  console.log('');
  const sent = events.filter((event) => event.kind === 'torch-sent').length;
  const handoffs = loggedHandoffs(events).length;
  console.log(`${options.cycles} cycle(s), ${sent} torches, ${handoffs} handoffs across 4 processes in ${Date.now() - started} ms.`);
  console.log(`Run ${result.runId} written to ${options.log}; replay it with: npm run demo -- --log ${options.log} --replay ${result.runId}`);
}

async function replayDemo(options: { log: string; replay: string }): Promise<void> {
  const log = SqliteRunLog.open(options.log);
  const replay = replayRun(log, options.replay);
  console.log(`Replaying ${replay.run.id} (${replay.run.name}, ${replay.run.status}) from ${options.log}: recorded handoffs in order`);
  for (const line of replay.lines()) console.log(`  ${line}`);
  const end = replay.recordEnd();
  if (end) console.log(`${end}\nOnly its complete rounds are re-driven; continue it with: npm run demo -- --log ${options.log} --resume ${replay.run.id}`);
  const driven = await replay.drive({ runLog: null });
  const again = new Replay(driven.run, driven.events()).handoffs();
  const same = JSON.stringify(comparableHandoffs(replay.handoffs())) === JSON.stringify(comparableHandoffs(again));
  const what = end ? 'the complete rounds of the recorded run' : 'the recorded run';
  console.log(`Re-driven from the log without calling any camper: ${again.length} handoffs, ${same ? 'identical to' : 'DIFFERENT from'} ${what}.`);
  const final = Object.values(driven.finals)[0];
  if (final) console.log(`Final torch: "${final.claim}"`);
  log.close();
  if (!same) process.exitCode = 1;
}

/** `--timeout 30s`: a duration in s, m or h. */
function modelTimeout(value: string): number {
  try {
    return parseDuration(value, '--timeout');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const program = new Command()
  .name('live-alert')
  .description('Four campfires (scrape -> sentiment -> verify -> summary) turn static news, comments, weather and traffic data into one alert, offline.')
  .option('--fixtures <dir>', 'directory with worldnews.json, london.json, weather.json, traffic.json (default: the repository\'s fixtures/live-alert)')
  .option('--log <path>', 'run log file', 'torch_log.db')
  .option('--party-box <dir>', 'Party Box directory', './party_box')
  .option('--cycles <n>', 'how many headlines to work through', positiveInteger, 1)
  .option('--replay <runId>', 'print the handoffs of a recorded run (or "latest") and re-drive it without calling campers')
  .option('--resume <runId>', 'continue a run (or "latest") whose process was killed, from its last complete round; --cycles is the run\'s own')
  .option('--bus <url>', 'channel bus: memory: (one process) or redis://host:port (each campfire in its own process)', 'memory:')
  .option('--model <backend>', 'ollama or openrouter: LLM campers for Sentiment and Summary, and Verify looks at a traffic-camera still (default: offline tool campers)')
  .option('--cassette <file>', 'with --model: replay model answers from this JSONL file, recording the ones it lacks')
  .option('--timeout <duration>', 'with --model: how long one model request may take (30s, 2m...; default 30s); each answer has 3 attempts', modelTimeout)
  .action(async (options: { fixtures?: string; log: string; partyBox: string; cycles: number; replay?: string; resume?: string; bus: string; model?: string; cassette?: string; timeout?: number }) => {
    if (options.resume && options.replay) throw new InvalidArgumentError('--resume and --replay do different things; give one');
    if (options.resume && options.bus !== 'memory:') throw new InvalidArgumentError('--resume continues a one-process run; leave out --bus');
    if (options.model && options.bus !== 'memory:') throw new InvalidArgumentError('--model runs the campfires in one process; leave out --bus');
    if (options.timeout !== undefined && !options.model) throw new InvalidArgumentError('--timeout is the model\'s; it needs --model ollama|openrouter');
    if (options.replay) await replayDemo({ log: options.log, replay: options.replay });
    else if (options.bus !== 'memory:') await processesDemo(options);
    else await runDemo(options);
  });

// The same script is each campfire's process when the demo runs across processes.
if (!runLiveAlertWorkerFromEnv()) {
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(`live-alert: ${(error as Error)?.message ?? error}`);
    process.exitCode = 1;
  });
}
