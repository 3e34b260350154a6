/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Notebook 03 (council simulation) in a real JupyterLab with the extension: run every
 * cell and check what a reader sees — the live world chart that grows in place to one
 * point per turn, the actions chart, the timeline, one stepped turn and the replay from
 * the run log drawing the same chart.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { Simulation, SqliteRunLog, type SimulationPayload } from 'campfires';
import { openBrowser, openNotebook, repoRoot, runAllCells, screenshot, startLab, type BrowserSession, type Lab } from './lab-harness';

jest.setTimeout(300_000);

/** Cell indices in the notebook (markdown cells count). */
const CELL = { run: 8, timeline: 10, replayTurn: 12, show: 13, fromRunLog: 17, resumed: 20 } as const;
const REPLAYED_TURN = 2;

/** The same offline council run outside the notebook: what the charts and tables must show. */
interface Expected {
  payload: SimulationPayload;
  timeline: string;
  replay: string;
  replayAgents: string[];
  summary: string;
  narrative: string[];
}

async function expectedRun(): Promise<Expected> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-nb03-'));
  const runLog = SqliteRunLog.open(path.join(dir, 'torch_log.db'));
  try {
    const narrative: string[] = [];
    const sim = await Simulation.fromConfig(path.join(repoRoot, 'fixtures', 'councils', 'harvest'), { runLog, narrate: (line) => narrative.push(line), live: false });
    await sim.run();
    const replay = sim.replay(REPLAYED_TURN);
    return {
      payload: sim.payload(),
      timeline: String(sim.timeline()),
      replay: String(replay),
      replayAgents: replay.actions.map((action) => action.agent),
      summary: String(sim).replace(/ · run \S+$/, ''),
      narrative,
    };
  } finally {
    runLog.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What a reader sees of one simulation output: header, chart marks and their positions. */
interface SeenSimulation {
  title: string;
  status: string;
  meta: string;
  worldLines: number;
  worldPoints: string[];
  worldText: string;
  actionPoints: number;
}

function cell(page: Page, index: number): Locator {
  return page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(index);
}

async function simulationIn(page: Page, index: number): Promise<SeenSimulation[]> {
  const outputs = cell(page, index).locator('.cf-simulation');
  await outputs.first().locator('.cf-chart-actions svg .mark-symbol.role-mark path').first().waitFor({ timeout: 30_000 });
  return outputs.evaluateAll((nodes) =>
    nodes.map((node) => ({
      title: node.querySelector('.cf-title')?.textContent ?? '',
      status: node.querySelector('.cf-status')?.textContent ?? '',
      meta: node.querySelector('.cf-meta')?.textContent ?? '',
      worldLines: node.querySelectorAll('.cf-chart-world svg .mark-line.role-mark path').length,
      worldPoints: [...node.querySelectorAll('.cf-chart-world svg .mark-symbol.role-mark path')].map((point) => point.getAttribute('transform') ?? ''),
      worldText: node.querySelector('.cf-chart-world svg.marks')?.textContent ?? '',
      actionPoints: node.querySelectorAll('.cf-chart-actions svg .mark-symbol.role-mark path').length,
    })),
  );
}

/** The live chart as it changed during the run: each header shown, with the most world points drawn under it. */
interface LiveState {
  meta: string;
  points: number;
  charts: number;
}

/** Watches the run cell's simulation outputs from before the run starts. */
async function watchLiveChart(page: Page, index: number): Promise<void> {
  await page.evaluate((cellIndex) => {
    const seen: LiveState[] = [];
    (window as unknown as { cfLiveStates: LiveState[] }).cfLiveStates = seen;
    const notebook = document.querySelector('.jp-NotebookPanel .jp-Notebook');
    if (!notebook) throw new Error('no notebook on the page');
    const record = (meta: string) => {
      const runCell = document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[cellIndex];
      const charts = runCell?.querySelectorAll('.cf-simulation') ?? [];
      const points = charts[0]?.querySelectorAll('.cf-chart-world svg .mark-symbol.role-mark path').length ?? 0;
      // One entry per header; vega redraws (resizes) briefly empty the chart, so keep the most points seen.
      const last = seen.at(-1);
      if (last && last.meta === meta) {
        last.points = Math.max(last.points, points);
        last.charts = Math.max(last.charts, charts.length);
      } else {
        seen.push({ meta, points, charts: charts.length });
      }
    };
    new MutationObserver((mutations) => {
      const runCell = document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[cellIndex];
      if (!runCell) return;
      // Every header the renderer puts in the run cell, even one replaced within the same task.
      for (const mutation of mutations) {
        for (const added of mutation.addedNodes) {
          if (!(added instanceof Element) || !runCell.contains(added)) continue;
          const metas = added.matches('.cf-meta') ? [added] : [...added.querySelectorAll('.cf-meta')];
          for (const meta of metas) record(meta.textContent ?? '');
        }
      }
      const current = runCell.querySelector('.cf-simulation .cf-meta');
      if (current) record(current.textContent ?? '');
    }).observe(notebook, { childList: true, subtree: true });
  }, index);
}

async function liveStates(page: Page): Promise<LiveState[]> {
  return page.evaluate(() => (window as unknown as { cfLiveStates: LiveState[] }).cfLiveStates);
}

async function outputText(page: Page, index: number): Promise<string> {
  return (await cell(page, index).locator('.jp-OutputArea').textContent()) ?? '';
}

async function showChart(page: Page, index: number, name: string): Promise<void> {
  await cell(page, index).locator('.cf-simulation').first().scrollIntoViewIfNeeded();
  await screenshot(page, name);
}

/** Scrolls the cell's first line to the top, so a long output is seen from its beginning. */
async function showOutput(page: Page, index: number, name: string): Promise<void> {
  await cell(page, index).evaluate((node) => node.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(300);
  await screenshot(page, name);
}

describe('notebook 03 (council simulation) in JupyterLab with the extension', () => {
  let lab: Lab;
  let browser: BrowserSession;
  let expected: Expected;
  let live: LiveState[];

  beforeAll(async () => {
    expected = await expectedRun();
    lab = await startLab({ withExtension: true, files: { '03-council-simulation.ipynb': path.join(repoRoot, 'notebooks', '03-council-simulation.ipynb') } });
    browser = await openBrowser();
    await openNotebook(browser.page, lab, '03-council-simulation.ipynb');
    await watchLiveChart(browser.page, CELL.run);
    await runAllCells(browser.page, 240_000);
    live = await liveStates(browser.page);
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it('the run draws one world chart with a point per turn and measure, and every action', async () => {
    const { page } = browser;
    const { payload } = expected;
    const [chart, ...others] = await simulationIn(page, CELL.run);
    expect(others).toHaveLength(0);
    expect(chart.title).toBe('Harvest council');
    expect(chart.status).toBe('completed');
    // Turn 0 is the start state: 12 seasons are 12 turns.
    expect(chart.meta).toContain(`4 agents · ${payload.turns.length - 1} turns · ${payload.actions.length} actions`);
    const last = payload.turns.at(-1)!;
    expect(chart.meta).toContain(`final resource_level ${last.resource_level}, stability ${last.stability}`);
    // One line each for resource_level and stability, one point per turn (0 to 12) and measure.
    expect(chart.worldLines).toBe(2);
    expect(chart.worldPoints).toHaveLength(2 * payload.turns.length);
    expect(payload.turns).toHaveLength(13);
    expect(chart.worldText).toContain('resource_level');
    expect(chart.worldText).toContain('stability');
    expect(chart.actionPoints).toBe(payload.actions.length);
    // The narrative (one line per action and the end) and the cell's value, under the chart.
    const text = await outputText(page, CELL.run);
    expect(expected.narrative).toHaveLength(payload.actions.length + 1);
    for (const line of expected.narrative) expect(text).toContain(line);
    expect(text).toContain(expected.summary);
    // The chart is the cell's first output: the narrative comes after it, not above it.
    const firstOutput = cell(page, CELL.run).locator('.jp-OutputArea-child').first();
    expect(await firstOutput.locator('.cf-simulation').count()).toBe(1);
    await showChart(page, CELL.run, 'notebook-03-world-chart');
  });

  it('the live chart was created once and grew in place during the run', () => {
    const turnsSeen = live.map((state) => Number(/(\d+) turns?/.exec(state.meta)?.[1]));
    const final = expected.payload.turns.length - 1;
    expect(turnsSeen.every((turns) => Number.isInteger(turns))).toBe(true);
    // Created before the first turn (turn 0 only), then redrawn until all turns are in.
    expect(turnsSeen[0]).toBeLessThan(final);
    expect(turnsSeen.at(-1)).toBe(final);
    expect(turnsSeen.every((turns, index) => index === 0 || turns > turnsSeen[index - 1])).toBe(true);
    // Never a second chart in the cell: updates replace the one output.
    expect(Math.max(...live.map((state) => state.charts))).toBe(1);
    expect(live.at(-1)?.points).toBe(2 * (final + 1));
    console.log(`live world chart in the run cell: ${live.map((state) => `${state.meta.split(' · ')[1]} / ${state.points} points`).join(' → ')}`);
  });

  it('the timeline lists every action with its outcome and the world after it', async () => {
    const { page } = browser;
    const text = await outputText(page, CELL.timeline);
    expect(text).toContain(`Harvest council (persona-policy (offline)): ${expected.payload.actions.length} actions`);
    expect(text).toContain(expected.timeline);
    expect(text.split('\n').filter((line) => /^ {2}turn \d+ /.test(line))).toHaveLength(expected.payload.actions.length);
    await showOutput(page, CELL.timeline, 'notebook-03-timeline');
  });

  it('stepping one turn shows the world before and after and that turn\u2019s actions', async () => {
    const { page } = browser;
    const text = await outputText(page, CELL.replayTurn);
    expect(text).toContain(expected.replay);
    expect(text.split('\n').filter((line) => line.startsWith(`  turn ${REPLAYED_TURN} `))).toHaveLength(expected.replayAgents.length);
    await showOutput(page, CELL.replayTurn, 'notebook-03-replay-turn');
  });

  it('show() draws the same chart as the live run, and the replay from the run log matches it', async () => {
    const { page } = browser;
    const [running] = await simulationIn(page, CELL.run);
    const [shown, ...others] = await simulationIn(page, CELL.show);
    expect(others).toHaveLength(0);
    expect(shown.meta).toBe(running.meta);
    expect(shown.worldPoints).toHaveLength(2 * expected.payload.turns.length);
    expect(shown.worldPoints).toEqual(running.worldPoints);
    expect(shown.actionPoints).toBe(running.actionPoints);
    await showChart(page, CELL.show, 'notebook-03-show-chart');
    // The rebuilt simulation names the same run and ends in the same world.
    const runId = / · run (run_\S+)/.exec(await outputText(page, CELL.run))?.[1];
    expect(runId).toBeDefined();
    const replayed = await outputText(page, CELL.fromRunLog);
    expect(replayed).toContain('same world chart as the live run: true');
    expect(replayed).toContain(`${expected.summary} · run ${runId}`);
    await showOutput(page, CELL.fromRunLog, 'notebook-03-replay-from-run-log');
  });

  it('a run cut short by a daily limit resumes to the same actions as an uninterrupted run', async () => {
    const text = await outputText(browser.page, CELL.resumed);
    expect(text).toContain('same actions: true');
    const resumed = /resumed: +(.*)/.exec(text)?.[1]?.replace(/ · run \S+$/, '');
    const uninterrupted = /uninterrupted: +(.*)/.exec(text)?.[1]?.replace(/ · run \S+$/, '');
    expect(resumed).toContain('completed');
    expect(resumed).toBe(uninterrupted);
  });

  it('reports no page errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
