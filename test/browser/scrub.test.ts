/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Scrubbing a run in a saved notebook, in a real JupyterLab with no kernel behind the
 * outputs: the timeline of a torch flow (cycles) and of a council (turns) steps, plays,
 * answers the keyboard and says where it is; the diagram, the table, the torch detail,
 * the turn panel and the chart cursor follow it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import {
  COUNCIL_ACTIONS,
  Campfire,
  LLMCamper,
  Pipeline,
  ScriptedModel,
  Simulation,
  SqliteRunLog,
  createOllamaModel,
  createToolCamper,
  defineWorld,
  loadSimulationConfig,
  simulationBundle,
  simulationConfigFrom,
  torchFlowBundle,
  torchFlowPayloadSchema,
  type SimulationPayload,
  type TorchFlowPayload,
} from 'campfires';
import { startOllamaProtocolServer } from 'campfires/testing';
import { openBrowser, repoRoot, screenshot, startLab, type BrowserSession, type Lab } from './lab-harness';

jest.setTimeout(300_000);

const sample = torchFlowPayloadSchema.parse(JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'sample-torchflow.json'), 'utf8')));

/** The sample flow, one torch carrying the tool calls and metadata an MCP camper leaves. */
const flow: TorchFlowPayload = {
  ...sample,
  torches: sample.torches.map((torch) =>
    torch.seq === 5
      ? {
          ...torch,
          metadata: { ...torch.metadata, model: 'scripted:triage-bot', score: 0.91 },
          toolCalls: [
            { camper: torch.torchbearer, tool: 'lookup_post', server: 'node fixtures/mcp/tool-server.js', arguments: { id: 'p-42' }, status: 'ok' as const, result: 'flooding on the A40', ms: 12, round: 1 },
            { camper: torch.torchbearer, tool: 'geocode', server: 'node fixtures/mcp/tool-server.js', arguments: { place: 'A40' }, status: 'timeout' as const, result: '', ms: 5000, round: 2 },
          ],
        }
      : torch,
  ),
};

/** A 1,000-torch flow, three torches a cycle, so cycles span the table's pages. */
const big: TorchFlowPayload = {
  ...flow,
  runId: 'big-run',
  title: 'A thousand torches',
  torches: Array.from({ length: 1000 }, (_, index) => ({ ...(flow.torches[index % 3] as TorchFlowPayload['torches'][number]), seq: index + 1, messageId: `big-${index + 1}`, cycle: Math.floor(index / 3), toolCalls: undefined })),
};

/** Model text that tries to be markup and to reverse what follows it. */
const HOSTILE = '<img src=x onerror="window.hacked=1">\u202eevil';

/**
 * A pipeline run whose triage camper asks a model over Ollama's wire protocol (a local
 * server, offline): in cycle 1 it rambles (with a long unbroken word and hostile text), the
 * connection drops, then it answers; in cycle 2 it answers at once.
 */
async function modelAttemptsFlow(runLog: SqliteRunLog): Promise<TorchFlowPayload> {
  const ollama = await startOllamaProtocolServer();
  try {
    ollama.reply(
      { text: `Let me think. ${HOSTILE} ${'flood'.repeat(200)}` },
      { drop: true },
      { text: '{"claim":"Flooding on the A40, two lanes shut","confidence":0.8}' },
      { text: '{"claim":"Roads clear again","confidence":0.6}' },
    );
    const headlines = ['A40 under water', 'A40 reopened'];
    const pipeline = new Pipeline({
      name: 'Triage with a model',
      runLog,
      campfires: [
        new Campfire({ name: 'scrape', output: 'headlines', campers: [createToolCamper('reader', ({ cycle }) => headlines[cycle - 1] ?? null)] }),
        new Campfire({ name: 'triage', inputs: ['headlines'], output: null, campers: [new LLMCamper('triage-llm', { model: createOllamaModel({ host: ollama.url }) })] }),
      ],
    });
    const run = await pipeline.run({ cycles: 2, display: false });
    return run.torchFlow();
  } finally {
    await ollama.close();
  }
}

/** What the timeline of a flow says at position `index` of its cycles. */
function cycleText(payload: TorchFlowPayload, index: number): string {
  const cycles = [...new Set(payload.torches.map((torch) => torch.cycle))].sort((a, b) => a - b);
  return `cycle ${cycles[index]} (${index + 1} of ${cycles.length})`;
}

function cyclesOf(payload: TorchFlowPayload): number[] {
  return [...new Set(payload.torches.map((torch) => torch.cycle))].sort((a, b) => a - b);
}

/** A saved notebook: one markdown cell, then one code cell per output, already run. */
function savedNotebook(outputs: Array<{ source: string; bundle: Record<string, unknown> }>): string {
  return JSON.stringify({
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Scrubbing saved runs'] },
      ...outputs.map((output, index) => ({
        cell_type: 'code',
        execution_count: index + 1,
        metadata: {},
        source: [output.source],
        outputs: [{ output_type: 'display_data', data: output.bundle, metadata: {} }],
      })),
    ],
    metadata: { kernelspec: { display_name: 'TypeScript (tslab)', language: 'typescript', name: 'tslab' }, language_info: { name: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe('scrubbing saved runs in JupyterLab', () => {
  let lab: Lab;
  let browser: BrowserSession;
  let council: SimulationPayload;
  let festival: SimulationPayload;
  let triage: TorchFlowPayload;
  let workDir: string;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-scrub-'));
    const runLog = SqliteRunLog.open(path.join(workDir, 'torch_log.db'));
    const harvest = loadSimulationConfig(path.join(repoRoot, 'fixtures', 'councils', 'harvest'));
    // A council whose model thinks aloud: some answers pass the payload's cap.
    let call = 0;
    const model = new ScriptedModel(() => {
      call += 1;
      const thinking = call % 4 === 0 ? `${'Weighing the granary against the walls. '.repeat(130)}\n` : '';
      const action = ['increase_resource', 'pass', 'decrease_resource'][call % 3];
      return `${thinking}{"action": "${action}", "target": "world", "reason": "answer ${call}"}`;
    }, { modelId: 'thinking-bot' });
    const config = simulationConfigFrom({ scenario: { name: 'Thinking council' }, simulation: { ...harvest.simulation, max_turns: 4, log_level: 'silent', stop_when: [] } }, { personas: harvest.personas });
    const sim = await Simulation.fromSettings(config, { model, runLog, narrate: null, live: false, seed: 5 }).run();
    council = sim.payload();
    const festivalWorld = defineWorld({
      name: 'harvest festival',
      fields: { resource_level: 50, stability: 50, morale: 40 },
      actions: [...COUNCIL_ACTIONS, { type: 'hold_festival', effect: 'morale +10, resource_level -5', leaning: 'cooperation', apply: (state) => ({ morale: (state.morale as number) + 10, resource_level: (state.resource_level as number) - 5 }) }],
    });
    const festive = await Simulation.fromSettings({ ...harvest, simulation: { ...harvest.simulation, max_turns: 6, log_level: 'silent' } }, { world: festivalWorld, runLog, narrate: null, live: false, seed: 3 }).run();
    festival = festive.payload();
    triage = await modelAttemptsFlow(runLog);
    const notebook = path.join(workDir, 'scrub.ipynb');
    fs.writeFileSync(
      notebook,
      savedNotebook([
        { source: 'displayBundle(await torchFlowBundle(flow));', bundle: await torchFlowBundle(flow) },
        { source: 'displayBundle(await torchFlowBundle(big));', bundle: await torchFlowBundle(big) },
        { source: 'await thinking.show();', bundle: await simulationBundle(council) },
        { source: 'await festive.show();', bundle: await simulationBundle(festival) },
        { source: 'await triage.show();', bundle: await torchFlowBundle(triage) },
      ]),
    );
    runLog.close();
    const started = Date.now();
    lab = await startLab({ withExtension: true, files: { 'scrub.ipynb': notebook } });
    if (process.env.SCRUB_TRACE) console.log(`lab up after ${Date.now() - started} ms`);
    browser = await openBrowser();
    await browser.page.goto(`${lab.url}/lab/tree/scrub.ipynb?reset&token=${lab.token}`);
    await browser.page.waitForSelector('.jp-NotebookPanel .cf-torchflow .cf-timeline', { timeout: 90_000 });
    if (process.env.SCRUB_TRACE) console.log(`rendered after ${Date.now() - started} ms`);
    await chooseNoKernelIfAsked(browser.page);
    // Nothing here needs a kernel: shut down any the notebook started.
    const headers = { Authorization: `token ${lab.token}` };
    const kernels = (await (await fetch(`${lab.url}/api/kernels`, { headers })).json()) as Array<{ id: string }>;
    for (const kernel of kernels) await fetch(`${lab.url}/api/kernels/${kernel.id}`, { method: 'DELETE', headers });
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const output = (index: number): Locator => browser.page.locator('.jp-Cell.jp-CodeCell').nth(index).locator('.cf-torchflow, .cf-simulation').first();
  const liveText = (root: Locator): Promise<string | null> => root.locator('.cf-timeline-live').textContent();
  const shownText = (root: Locator): Promise<string | null> => root.locator('.cf-timeline-position').textContent();

  /** What the diagram and table show now: current rows, spoken and current campfires, carrying channels, labels. */
  async function flowView(root: Locator) {
    return root.evaluate((node) => ({
      currentRows: [...node.querySelectorAll('tr.cf-torch-current')].map((row) => Number(row.getAttribute('data-seq') ?? row.getAttribute('data-error-seq'))),
      spoken: [...node.querySelectorAll('.cf-node.cf-node-spoken')].map((group) => group.getAttribute('data-campfire')),
      current: [...node.querySelectorAll('.cf-node.cf-node-current')].map((group) => group.getAttribute('data-campfire')),
      carrying: [...new Set([...node.querySelectorAll('.cf-edge.cf-edge-carrying')].map((group) => group.getAttribute('data-channel')))],
      labels: [...node.querySelectorAll('.cf-edge-label')].map((label) => label.textContent),
      slider: (node.querySelector('.cf-timeline-slider') as HTMLInputElement).value,
    }));
  }

  /** What the flow should show at cycle position `index`, from the payload. */
  function expectedFlowView(payload: TorchFlowPayload, index: number) {
    const cycle = cyclesOf(payload)[index] as number;
    const upTo = payload.torches.filter((torch) => torch.cycle <= cycle);
    const now = payload.torches.filter((torch) => torch.cycle === cycle);
    const names = (list: typeof upTo) => payload.campfires.map((campfire) => campfire.name).filter((name) => list.some((torch) => torch.from === name));
    const edges = payload.channels.flatMap((channel) => channel.from.flatMap((from) => channel.to.map((to) => ({ channel: channel.name, from, to }))));
    return {
      spoken: names(upTo),
      current: names(now),
      carrying: [...new Set(edges.filter((edge) => now.some((torch) => torch.channel === edge.channel)).map((edge) => edge.channel))],
      labels: edges.map((edge) => `${edge.channel} (${upTo.filter((torch) => torch.channel === edge.channel).length})`),
      slider: String(index),
    };
  }

  it('opens a saved torch flow at its last cycle: the newest torches highlighted, every edge counted', async () => {
    const root = output(0);
    const last = cyclesOf(flow).length - 1;
    expect(await shownText(root)).toBe(cycleText(flow, last));
    const view = await flowView(root);
    expect(view).toMatchObject(expectedFlowView(flow, last));
    expect(view.currentRows).toEqual(flow.torches.filter((torch) => torch.cycle === cyclesOf(flow)[last]).map((torch) => torch.seq));
    // The same labels as before the timeline existed: every torch counted.
    expect(view.labels).toEqual(['raw-posts (4)', 'alerts (4)', 'alerts (4)']);
    for (const button of ['Step back one cycle', 'Play', 'Step forward one cycle']) expect(await root.getByRole('button', { name: button }).count()).toBe(1);
    expect(await root.getByRole('slider', { name: 'Cycle' }).getAttribute('aria-valuetext')).toBe(cycleText(flow, last));
    await root.scrollIntoViewIfNeeded();
    await screenshot(browser.page, 'scrub-flow-last-cycle');
  });

  it('steps back and forward with the buttons: diagram, table and live region follow', async () => {
    const root = output(0);
    const cycles = cyclesOf(flow);
    for (let index = cycles.length - 2; index >= 0; index -= 1) {
      await root.getByRole('button', { name: 'Step back one cycle' }).click();
      expect(await liveText(root)).toBe(cycleText(flow, index));
      const view = await flowView(root);
      expect(view).toMatchObject(expectedFlowView(flow, index));
      expect(view.currentRows).toEqual(flow.torches.filter((torch) => torch.cycle === cycles[index]).map((torch) => torch.seq));
    }
    await screenshot(browser.page, 'scrub-flow-first-cycle');
    await root.getByRole('button', { name: 'Step forward one cycle' }).click();
    expect(await liveText(root)).toBe(cycleText(flow, 1));
    expect(await flowView(root)).toMatchObject(expectedFlowView(flow, 1));
    await screenshot(browser.page, 'scrub-flow-second-cycle');
  });

  it('answers the keyboard: Home, End, arrows, and Space to play to the end', async () => {
    const root = output(0);
    const last = cyclesOf(flow).length - 1;
    await root.getByRole('slider', { name: 'Cycle' }).focus();
    await browser.page.keyboard.press('Home');
    expect(await liveText(root)).toBe(cycleText(flow, 0));
    expect(await flowView(root)).toMatchObject(expectedFlowView(flow, 0));
    await browser.page.keyboard.press('ArrowRight');
    expect(await liveText(root)).toBe(cycleText(flow, 1));
    await browser.page.keyboard.press('End');
    expect(await liveText(root)).toBe(cycleText(flow, last));
    await browser.page.keyboard.press('ArrowLeft');
    expect(await liveText(root)).toBe(cycleText(flow, last - 1));
    // The notebook kept its cell: no shortcut moved or changed cells.
    expect(await browser.page.locator('.jp-Cell.jp-CodeCell').count()).toBe(5);
    await browser.page.keyboard.press('Space');
    const play = root.locator('.cf-timeline-play');
    expect(await play.getAttribute('aria-pressed')).toBe('true');
    expect(await play.getAttribute('aria-label')).toBe('Pause');
    await screenshot(browser.page, 'scrub-flow-playing');
    await browser.page.waitForFunction((root) => root?.querySelector('.cf-timeline-play')?.getAttribute('aria-pressed') === 'false', await root.elementHandle(), { timeout: 10_000 });
    expect(await liveText(root)).toBe(cycleText(flow, last));
    expect(await flowView(root)).toMatchObject(expectedFlowView(flow, last));
    // Space on a focused button plays too, and pauses again.
    await root.getByRole('button', { name: 'Play' }).focus();
    await browser.page.keyboard.press('Space');
    expect(await liveText(root)).toBe(cycleText(flow, 0));
    await browser.page.keyboard.press('Space');
    expect(await play.getAttribute('aria-pressed')).toBe('false');
  });

  it('opens a torch: claim, metadata, Party Box link and the tool calls behind it', async () => {
    const root = output(0);
    const torch = flow.torches.find((entry) => entry.toolCalls) as TorchFlowPayload['torches'][number];
    await root.getByRole('slider', { name: 'Cycle' }).focus();
    await browser.page.keyboard.press('End');
    await root.locator(`tr.cf-torch[data-seq="${torch.seq}"]`).click();
    const detail = root.locator('.cf-torch-detail');
    await detail.waitFor();
    expect(await detail.locator('.cf-torch-detail-claim-text').textContent()).toBe(torch.claim);
    expect(await detail.locator('.cf-torch-metadata dt').allTextContents()).toEqual(Object.keys(torch.metadata));
    expect(await detail.locator('.cf-torch-metadata dd').allTextContents()).toEqual(Object.values(torch.metadata).map((value) => (typeof value === 'string' ? value : JSON.stringify(value))));
    const calls = detail.locator('.cf-tool-call');
    expect(await calls.count()).toBe(torch.toolCalls?.length);
    for (const [index, call] of (torch.toolCalls ?? []).entries()) {
      const head = await calls.nth(index).locator('.cf-tool-call-head').textContent();
      expect(head).toContain(call.tool);
      expect(head).toContain(call.status);
      expect(JSON.parse((await calls.nth(index).locator('.cf-tool-call-args').textContent()) ?? '')).toEqual(call.arguments);
      expect(await calls.nth(index).locator('.cf-tool-call-result').textContent()).toBe(call.result);
    }
    expect(JSON.parse((await detail.locator('.cf-torch-json').textContent()) ?? '')).toEqual(torch);
    if (torch.path) expect(await detail.locator('.cf-partybox-link').textContent()).toBe(torch.path);
    await detail.scrollIntoViewIfNeeded();
    await screenshot(browser.page, 'scrub-flow-torch-detail');
  });

  it('pages the table with the timeline on a 1,000-torch run', async () => {
    const root = output(1);
    await root.scrollIntoViewIfNeeded();
    expect(await root.locator('.cf-pager-summary').textContent()).toBe('Torches 951–1000 of 1000 (page 20 of 20)');
    await root.getByRole('slider', { name: 'Cycle' }).focus();
    await browser.page.keyboard.press('Home');
    expect(await liveText(root)).toBe(cycleText(big, 0));
    expect(await root.locator('.cf-pager-summary').textContent()).toBe('Torches 1–50 of 1000 (page 1 of 20)');
    expect((await flowView(root)).currentRows).toEqual([1, 2, 3]);
    // Cycle 20 holds torches 61–63: page 2.
    for (let step = 0; step < 20; step += 1) await browser.page.keyboard.press('ArrowRight');
    expect(await liveText(root)).toBe(cycleText(big, 20));
    expect(await root.locator('.cf-pager-summary').textContent()).toBe('Torches 51–100 of 1000 (page 2 of 20)');
    expect((await flowView(root)).currentRows).toEqual([61, 62, 63]);
    // The highlighted rows are scrolled into the table's own box.
    const visible = await root.evaluate((node) => {
      const box = (node.querySelector('.cf-torch-scroll') as HTMLElement).getBoundingClientRect();
      const row = (node.querySelector('tr.cf-torch-current') as HTMLElement).getBoundingClientRect();
      return row.top >= box.top && row.bottom <= box.bottom;
    });
    expect(visible).toBe(true);
    await screenshot(browser.page, 'scrub-big-flow-cycle-20');
  });

  /** What the turn panel shows: the turn, each agent's row, the measures. */
  async function turnView(root: Locator) {
    return root.locator('.cf-turn').evaluate((node) => ({
      turn: Number(node.getAttribute('data-turn')),
      agents: [...node.querySelectorAll('tr.cf-turn-action')].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
      measures: [...node.querySelectorAll('.cf-turn-measure')].map((item) => item.getAttribute('data-measure')),
    }));
  }

  function expectedAgents(payload: SimulationPayload, turn: number) {
    return payload.actions
      .filter((action) => action.turn === turn)
      .map((action) => [action.agent, action.action, action.target ?? '—', `${action.success ? 'succeeded' : 'failed'}: ${action.message}${action.fallback ? ' (policy fallback)' : ''}`, action.reason]);
  }

  /** The centre of the world chart's cursor and of the first and last points drawn (turn 0 and the last turn), in page pixels. */
  async function cursorX(root: Locator): Promise<{ x: number; first: number; last: number }> {
    const cursor = root.locator('.cf-chart-world .cf-chart-cursor');
    await cursor.waitFor({ state: 'visible', timeout: 30_000 });
    const box = await cursor.boundingBox();
    const points = await root.locator('.cf-chart-world svg .mark-symbol.role-mark path').evaluateAll((nodes) =>
      nodes.map((node) => {
        const rect = node.getBoundingClientRect();
        return rect.x + rect.width / 2;
      }),
    );
    expect(box).toBeTruthy();
    // The cursor spans the plot's height.
    expect(box!.height).toBeGreaterThan(100);
    return { x: box!.x + box!.width / 2, first: Math.min(...points), last: Math.max(...points) };
  }

  it('opens a saved council at its last turn and steps through turns: actions, world state, cursor', async () => {
    const root = output(2);
    // Off-screen cells may wait to be drawn: bring the output into view first.
    await root.scrollIntoViewIfNeeded();
    await root.locator('.cf-chart-world svg .mark-line.role-mark path').first().waitFor({ timeout: 30_000 });
    const played = council.turns.at(-1)?.turn as number;
    expect(await shownText(root)).toBe(`turn ${played} of ${played}`);
    expect(await turnView(root)).toEqual({ turn: played, agents: expectedAgents(council, played), measures: ['resource_level', 'stability'] });
    await screenshot(browser.page, 'scrub-council-last-turn');
    // The turn panel's headers and action names are whole words on one line ("agent", not "agen t").
    const broken = await root.locator('.cf-turn-table').evaluate((table) =>
      [...table.querySelectorAll('th, td.cf-turn-kind')]
        .filter((cell) => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > 1;
        })
        .map((cell) => cell.textContent),
    );
    expect(broken).toEqual([]);
    const xs = [await cursorX(root)];
    for (let turn = played - 1; turn >= 0; turn -= 1) {
      await root.getByRole('button', { name: 'Step back one turn' }).click();
      expect(await liveText(root)).toBe(turn === 0 ? `the start (turn 0 of ${played})` : `turn ${turn} of ${played}`);
      const view = await turnView(root);
      expect(view.turn).toBe(turn);
      expect(view.agents).toEqual(turn === 0 ? [] : expectedAgents(council, turn));
      await browser.page.waitForTimeout(100);
      xs.push(await cursorX(root));
    }
    // The cursor stood on the last turn, moved left one step at a time, and ended on turn 0.
    for (let index = 1; index < xs.length; index += 1) expect(xs[index]!.x).toBeLessThan(xs[index - 1]!.x);
    expect(Math.abs(xs[0]!.x - xs[0]!.last)).toBeLessThan(2.5);
    expect(Math.abs(xs.at(-1)!.x - xs.at(-1)!.first)).toBeLessThan(2.5);
    await screenshot(browser.page, 'scrub-council-start');
    await root.getByRole('slider', { name: 'Turn' }).focus();
    await browser.page.keyboard.press('ArrowRight');
    expect(await liveText(root)).toBe(`turn 1 of ${played}`);
    const state = await root.locator('.cf-turn-state').textContent();
    const after = council.turns.find((turn) => turn.turn === 1);
    expect(state).toContain(`resource_level: ${after?.resource_level}`);
    expect(state).toContain(`stability: ${after?.stability}`);
  });

  it("shows an agent's prompt and raw model answer, and says where they were cut", async () => {
    const root = output(2);
    expect(council.textCap).toBe(4000);
    const cutAction = council.actions.find((action) => action.answerLength !== undefined) as SimulationPayload['actions'][number];
    expect(cutAction).toBeDefined();
    await root.getByRole('slider', { name: 'Turn' }).focus();
    await browser.page.keyboard.press('Home');
    for (let turn = 0; turn < cutAction.turn; turn += 1) await browser.page.keyboard.press('ArrowRight');
    const rows = root.locator('.cf-turn tr.cf-turn-texts');
    const index = council.actions.filter((action) => action.turn === cutAction.turn).indexOf(cutAction);
    const details = rows.nth(index).locator('details');
    await details.locator('summary').click();
    const texts = details.locator('.cf-turn-text');
    expect(await texts.nth(0).textContent()).toBe(cutAction.prompt);
    expect(await texts.nth(1).textContent()).toBe(cutAction.answer);
    const notes = await details.locator('.cf-turn-cap').allTextContents();
    expect(notes).toContain(`answer cut at 4,000 characters (${new Intl.NumberFormat('en-US').format(cutAction.answerLength as number)} in all)`);
    expect(notes).toContain('Prompts and answers are kept up to 4,000 characters each.');
    await details.scrollIntoViewIfNeeded();
    await screenshot(browser.page, 'scrub-council-prompt-and-answer');
  });

  it("draws your own world's measures and shows them at each turn", async () => {
    const root = output(3);
    // Off-screen cells may wait to be drawn: bring the output into view first.
    await root.scrollIntoViewIfNeeded();
    await root.locator('.cf-chart-world svg .mark-line.role-mark path').first().waitFor({ timeout: 30_000 });
    expect(festival.measures).toEqual(['resource_level', 'stability', 'morale']);
    expect(await root.locator('.cf-chart-world svg .mark-line.role-mark path').count()).toBe(3);
    expect(await root.locator('.cf-chart-world svg .role-legend').textContent()).toContain('morale');
    expect((await turnView(root)).measures).toEqual(festival.measures);
    await root.getByRole('button', { name: 'Step back one turn' }).click();
    const turn = festival.turns.at(-2) as SimulationPayload['turns'][number];
    const state = await root.locator('.cf-turn-state').textContent();
    for (const measure of festival.measures ?? []) expect(state).toContain(`${measure}: ${turn[measure]}`);
    await screenshot(browser.page, 'scrub-council-own-world');
  });

  it("opens a torch an LLM camper sent: the model attempts behind it, hostile text kept as text", async () => {
    const root = output(4);
    await root.scrollIntoViewIfNeeded();
    const torch = triage.torches.find((entry) => entry.from === 'triage' && entry.cycle === 1) as TorchFlowPayload['torches'][number];
    const attempts = torch.modelAttempts ?? [];
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['invalid', 'error', 'ok']);
    await root.getByRole('slider', { name: 'Cycle' }).focus();
    await browser.page.keyboard.press('Home');
    await root.locator(`tr.cf-torch[data-seq="${torch.seq}"]`).click();
    const detail = root.locator('.cf-torch-detail');
    await detail.waitFor();
    expect(await detail.locator('.cf-model-attempts > .cf-detail-label').textContent()).toBe('Model attempts behind this torch (3)');
    const items = detail.getByRole('list', { name: 'Model attempts' }).locator('li.cf-model-attempt');
    expect(await items.count()).toBe(3);
    const heads = await items.locator('.cf-model-attempt-head').allTextContents();
    expect(heads[0]).toMatch(/^Attempt 1 of 3 · ollama:llama3\.1:8b · invalid answer · \d+ ms · by triage-llm$/);
    expect(heads[1]).toMatch(/^Attempt 2 of 3 · ollama:llama3\.1:8b · request failed · \d+ ms · by triage-llm$/);
    expect(heads[2]).toMatch(/^Attempt 3 of 3 · ollama:llama3\.1:8b · ok · \d+ ms · by triage-llm$/);
    expect(await items.nth(0).locator('.cf-model-attempt-reason-text').textContent()).toBe(attempts[0]?.reason);
    expect(await items.nth(1).locator('.cf-model-attempt-reason-text').textContent()).toBe(attempts[1]?.reason);
    // The raw answers, as the model wrote them: the ramble's markup is text, its override isolated.
    expect(await items.nth(0).locator('pre.cf-model-attempt-answer').textContent()).toBe(`Let me think. ${HOSTILE} ${'flood'.repeat(200)}`);
    expect(await items.nth(0).locator('pre.cf-model-attempt-answer').getAttribute('dir')).toBe('auto');
    expect(await items.nth(1).locator('pre.cf-model-attempt-answer').count()).toBe(0);
    expect(await items.nth(2).locator('pre.cf-model-attempt-answer').textContent()).toBe('{"claim":"Flooding on the A40, two lanes shut","confidence":0.8}');
    expect(await detail.locator('img').count()).toBe(0);
    expect(await browser.page.evaluate(() => (window as { hacked?: number }).hacked)).toBeUndefined();
    // The long unbroken word wraps inside the detail instead of widening it.
    expect(await items.nth(0).locator('pre.cf-model-attempt-answer').evaluate((node) => node.scrollWidth - node.clientWidth)).toBeLessThanOrEqual(1);
    expect(await detail.evaluate((node) => node.scrollWidth - node.clientWidth)).toBeLessThanOrEqual(1);
    await detail.locator('.cf-model-attempts').scrollIntoViewIfNeeded();
    await screenshot(browser.page, 'scrub-flow-model-attempts');
    // The torch of cycle 2 shows its one attempt.
    const second = triage.torches.find((entry) => entry.from === 'triage' && entry.cycle === 2) as TorchFlowPayload['torches'][number];
    await root.getByRole('slider', { name: 'Cycle' }).focus();
    await browser.page.keyboard.press('End');
    await root.locator(`tr.cf-torch[data-seq="${second.seq}"]`).click();
    await root.locator(`.cf-torch-detail[data-seq="${second.seq}"]`).waitFor();
    expect(await root.locator('.cf-torch-detail li.cf-model-attempt').count()).toBe(1);
  });

  it('reports no errors from the page or the renderers', () => {
    expect(browser.errors).toEqual([]);
  });
});

/** A saved notebook may ask which kernel to start; scrubbing needs none. */
async function chooseNoKernelIfAsked(page: Page): Promise<void> {
  await page.waitForTimeout(1500);
  const dialog = page.locator('.jp-Dialog:has-text("Select Kernel")');
  if ((await dialog.count()) === 0) return;
  await dialog.locator('button.jp-mod-reject').click();
}
