#!/usr/bin/env node
// Torch handoff cost: the same four-node pipeline (scrape -> sentiment -> verify -> summary,
// no-op steps) as campfires with every event logged to SQLite, and as a LangGraph.js graph,
// measured in the same process. Prints microseconds per handoff for both and the ratio.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Campfire, Pipeline, SqliteRunLog, createToolCamper, createRelayCamper } = require('../kernel-lib/dist/src');
const { StateGraph, Annotation, START, END, MemorySaver } = require('@langchain/langgraph');

const CYCLES = Number(process.env.BENCH_CYCLES ?? 3000);
const GRAPH_RUNS = Number(process.env.BENCH_GRAPH_RUNS ?? 300);
const HANDOFFS_PER_CYCLE = 3;

function campfirePipeline(log) {
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

async function timeCampfires(directory, cycles) {
  const log = SqliteRunLog.open(join(directory, `torch_log-${cycles}.db`));
  const pipeline = campfirePipeline(log);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const run = await pipeline.run({ cycles, display: false });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e3;
  const used = process.cpuUsage(cpu);
  if (run.handoffs !== cycles * HANDOFFS_PER_CYCLE) throw new Error(`expected ${cycles * HANDOFFS_PER_CYCLE} handoffs, got ${run.handoffs}`);
  const events = log.events(run.runId).length;
  log.close();
  return { perHandoff: elapsed / run.handoffs, cpuPerHandoff: (used.user + used.system) / run.handoffs, events };
}

async function timeGraph(graph, runs, config) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let index = 0; index < runs; index += 1) await graph.invoke({ claim: '' }, config ? { configurable: { thread_id: `bench-${index}` } } : undefined);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e3;
  const used = process.cpuUsage(cpu);
  return { perHandoff: elapsed / (runs * HANDOFFS_PER_CYCLE), cpuPerHandoff: (used.user + used.system) / (runs * HANDOFFS_PER_CYCLE) };
}

(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'bench-handoff-'));
  try {
    const graph = langGraph();
    await timeCampfires(directory, 200);
    await timeGraph(graph, 30);
    await timeGraph(langGraph(new MemorySaver()), 30, true);
    const rounds = [];
    for (let round = 0; round < 3; round += 1) {
      const campfires = await timeCampfires(directory, CYCLES);
      const graphRun = await timeGraph(graph, GRAPH_RUNS);
      // A fresh checkpointer each round: one kept across rounds holds every earlier
      // checkpoint, and that heap would slow whichever side runs after it.
      const savedRun = await timeGraph(langGraph(new MemorySaver()), GRAPH_RUNS, true);
      rounds.push({ saved: savedRun.perHandoff, savedCpu: savedRun.cpuPerHandoff, campfires: campfires.perHandoff, graph: graphRun.perHandoff, campfiresCpu: campfires.cpuPerHandoff, graphCpu: graphRun.cpuPerHandoff, events: campfires.events });
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const campfires = median(rounds.map((round) => round.campfires));
    const graphMedian = median(rounds.map((round) => round.graph));
    const campfiresCpu = median(rounds.map((round) => round.campfiresCpu));
    const graphCpu = median(rounds.map((round) => round.graphCpu));
    const ratio = graphMedian / campfires;
    const cpuRatio = graphCpu / campfiresCpu;
    console.log('handoff: 4-node pipeline (scrape -> sentiment -> verify -> summary), no-op steps, median of 3 rounds');
    console.log(`  campfires (MemoryChannelBus, every event in SQLite, ${rounds[0].events} events per ${CYCLES} cycles): ${campfires.toFixed(1)} us wall, ${campfiresCpu.toFixed(1)} us CPU per handoff`);
    console.log(`  LangGraph.js StateGraph.invoke (${GRAPH_RUNS} runs): ${graphMedian.toFixed(1)} us wall, ${graphCpu.toFixed(1)} us CPU per handoff`);
    const saved = median(rounds.map((round) => round.saved));
    const savedCpu = median(rounds.map((round) => round.savedCpu));
    console.log(`  LangGraph.js with a MemorySaver checkpointer (its own record of each step): ${saved.toFixed(1)} us wall, ${savedCpu.toFixed(1)} us CPU per handoff (${(saved / campfires).toFixed(1)}x wall, ${(savedCpu / campfiresCpu).toFixed(1)}x CPU)`);
    console.log(`  ratio (wall): campfires is ${ratio.toFixed(1)}x faster per handoff (target >= 75x) ${ratio >= 75 ? 'OK' : 'BELOW TARGET'}`);
    console.log(`  ratio (CPU time, fairer on a shared machine): ${cpuRatio.toFixed(1)}x ${cpuRatio >= 75 ? 'OK' : 'BELOW TARGET'}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
