#!/usr/bin/env node
// Torch handoff cost: the same four-node pipeline (scrape -> sentiment -> verify -> summary,
// no-op steps) as campfires with every event logged to SQLite, and as a LangGraph.js graph.
// Prints microseconds per handoff for both and the ratio.
//
// Each side runs in a fresh Node process of its own, the sides alternating within this run
// (three processes each, medians compared). Each process first runs its side for two seconds
// untimed, so both run optimised code with a settled heap, then times three rounds. In one shared process the side that runs second
// pays for the first: LangGraph turns on AsyncLocalStorage, which installs promise hooks for
// the whole process, and from then on every `await` anywhere costs about four times as much
// (about 50 ns before, 190-250 ns after, on this machine). The last line shows that figure too.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const CYCLES = Number(process.env.BENCH_CYCLES ?? 3000);
const GRAPH_RUNS = Number(process.env.BENCH_GRAPH_RUNS ?? 300);
const ROUNDS = 3;
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 2000);
const TIMED = 3;
const HANDOFFS_PER_CYCLE = 3;

function campfirePipeline(log) {
  const { Campfire, Pipeline, createToolCamper, createRelayCamper } = require('../kernel-lib/dist/src');
  return new Pipeline({
    name: 'bench-handoff',
    runLog: log,
    campfires: [
      new Campfire({ name: 'scrape', output: 'headlines', campers: [createToolCamper('noop', () => 'x')] }),
      new Campfire({ name: 'sentiment', inputs: ['headlines'], output: 'mood', campers: [createRelayCamper('noop')] }),
      new Campfire({ name: 'verify', inputs: ['mood'], output: 'verified', campers: [createRelayCamper('noop')] }),
      new Campfire({ name: 'summary', inputs: ['verified'], output: 'alerts', campers: [createRelayCamper('noop')] }),
    ],
  });
}

function langGraph(checkpointer) {
  const { StateGraph, Annotation, START, END } = require('@langchain/langgraph');
  const State = Annotation.Root({ claim: Annotation({ reducer: (_old, next) => next, default: () => '' }) });
  return new StateGraph(State)
    .addNode('scrape', () => ({ claim: 'x' }))
    .addNode('sentiment', (state) => ({ claim: state.claim }))
    .addNode('verify', (state) => ({ claim: state.claim }))
    .addNode('summary', (state) => ({ claim: state.claim }))
    .addEdge(START, 'scrape')
    .addEdge('scrape', 'sentiment')
    .addEdge('sentiment', 'verify')
    .addEdge('verify', 'summary')
    .addEdge('summary', END)
    .compile(checkpointer ? { checkpointer } : undefined);
}

async function timeCampfires(directory, cycles, label) {
  const { SqliteRunLog } = require('../kernel-lib/dist/src');
  const file = join(directory, `torch_log-${label}.db`);
  const log = SqliteRunLog.open(file);
  const pipeline = campfirePipeline(log);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const run = await pipeline.run({ cycles, display: false });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e3;
  const used = process.cpuUsage(cpu);
  if (run.handoffs !== cycles * HANDOFFS_PER_CYCLE) throw new Error(`expected ${cycles * HANDOFFS_PER_CYCLE} handoffs, got ${run.handoffs}`);
  // Every handoff must be in the log, read back the way a replay reads it.
  const { replayRun } = require('../kernel-lib/dist/src');
  const logged = replayRun(log, run.runId).handoffs().length;
  if (logged !== run.handoffs) throw new Error(`the run log holds ${logged} handoffs, expected ${run.handoffs}`);
  const events = log.events(run.runId).length;
  log.close();
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  return { perHandoff: elapsed / run.handoffs, cpuPerHandoff: (used.user + used.system) / run.handoffs, events };
}

async function timeGraph(graph, runs, threads) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let index = 0; index < runs; index += 1) await graph.invoke({ claim: '' }, threads ? { configurable: { thread_id: `bench-${index}` } } : undefined);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e3;
  const used = process.cpuUsage(cpu);
  return { perHandoff: elapsed / (runs * HANDOFFS_PER_CYCLE), cpuPerHandoff: (used.user + used.system) / (runs * HANDOFFS_PER_CYCLE) };
}

/** Runs `round` until `WARM_MS` have passed (so each side runs optimised code with a settled heap), then times `TIMED` rounds; the median round. */
async function warmThenTime(round) {
  const warmUntil = Date.now() + WARM_MS;
  while (Date.now() < warmUntil) await round();
  const timed = [];
  for (let index = 0; index < TIMED; index += 1) timed.push(await round());
  return timed.sort((a, b) => a.perHandoff - b.perHandoff)[Math.floor(TIMED / 2)];
}

/** One side, in this (child) process. */
async function side(name, directory) {
  if (name === 'campfires') {
    let round = 0;
    return warmThenTime(() => timeCampfires(directory, CYCLES, `${process.pid}-${(round += 1)}`));
  }
  if (name === 'langgraph') {
    const graph = langGraph();
    return warmThenTime(() => timeGraph(graph, GRAPH_RUNS));
  }
  const { MemorySaver } = require('@langchain/langgraph');
  // A fresh checkpointer per round: one kept across rounds holds every earlier checkpoint.
  return warmThenTime(() => timeGraph(langGraph(new MemorySaver()), GRAPH_RUNS, true));
}

/** Campfires measured in the same process right after LangGraph ran (for comparison only). */
async function campfiresAfterLangGraph(directory) {
  await side('langgraph', directory);
  return side('campfires', directory);
}

function inChild(name, directory) {
  const child = spawnSync(process.execPath, [__filename, '--side', name, directory], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`the ${name} side failed: ${child.stderr || child.stdout}`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

async function main() {
  const directory = mkdtempSync(join(tmpdir(), 'bench-handoff-'));
  try {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      rounds.push({ campfires: inChild('campfires', directory), graph: inChild('langgraph', directory), saved: inChild('langgraph-saved', directory) });
    }
    const shared = inChild('campfires-after-langgraph', directory);
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const pick = (sideName, field) => median(rounds.map((round) => round[sideName][field]));
    const campfires = pick('campfires', 'perHandoff');
    const campfiresCpu = pick('campfires', 'cpuPerHandoff');
    const graph = pick('graph', 'perHandoff');
    const graphCpu = pick('graph', 'cpuPerHandoff');
    const saved = pick('saved', 'perHandoff');
    const savedCpu = pick('saved', 'cpuPerHandoff');
    const ratio = graph / campfires;
    const cpuRatio = graphCpu / campfiresCpu;
    console.log(`handoff: 4-node pipeline (scrape -> sentiment -> verify -> summary), no-op steps; each side in a fresh process, warmed up for ${WARM_MS / 1000} s, then the median of ${TIMED} timed rounds; median of ${ROUNDS} such processes per side`);
    console.log(`  campfires (MemoryChannelBus, every handoff in the SQLite run log, ${rounds[0].campfires.events} rows per ${CYCLES} cycles): ${campfires.toFixed(1)} us wall, ${campfiresCpu.toFixed(1)} us CPU per handoff`);
    console.log(`  LangGraph.js StateGraph.invoke (${GRAPH_RUNS} runs): ${graph.toFixed(1)} us wall, ${graphCpu.toFixed(1)} us CPU per handoff`);
    console.log(`  LangGraph.js with a MemorySaver checkpointer (its own record of each step): ${saved.toFixed(1)} us wall, ${savedCpu.toFixed(1)} us CPU per handoff (${(saved / campfires).toFixed(1)}x wall, ${(savedCpu / campfiresCpu).toFixed(1)}x CPU)`);
    console.log(`  ratio (wall): campfires is ${ratio.toFixed(1)}x faster per handoff (target >= 75x) ${ratio >= 75 ? 'OK' : 'BELOW TARGET'}`);
    console.log(`  ratio (CPU time, fairer on a shared machine): ${cpuRatio.toFixed(1)}x ${cpuRatio >= 75 ? 'OK' : 'BELOW TARGET'}`);
    console.log(`  for comparison, campfires in the same process right after LangGraph ran (its promise hooks on): ${shared.perHandoff.toFixed(1)} us wall per handoff (${(graph / shared.perHandoff).toFixed(1)}x)`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--side') {
  const [name, directory] = process.argv.slice(3);
  const task = name === 'campfires-after-langgraph' ? campfiresAfterLangGraph(directory) : side(name, directory);
  task.then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
