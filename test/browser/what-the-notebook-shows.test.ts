/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What a notebook shows, with hostile text in every field, in a real JupyterLab: an emoji
 * the display clips still saves (through the Jupyter server) and exports (`nbconvert
 * --execute`), a Party Box path to another host never becomes a link, a 10 KB name keeps
 * the output as wide as the notebook, a right-to-left override stays inside its name, a
 * failing camper is shown, and a council's turns are counted without the start state.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { openBrowser, openNotebook, repoRoot, runAllCells, screenshot, startLab, type BrowserSession, type Lab } from './lab-harness';

jest.setTimeout(400_000);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const HOSTILE_PATHS = ['//evil.example/x', '/\\evil.example/x', 'javascript:alert(1)', 'https://evil.example/x', '\\\\evil.example\\x', '/\t/evil.example'];

/** The notebook a teacher would write: a real pipeline with an emoji claim and a failing camper, a hostile payload, a council. */
function hostileNotebook(): string {
  const code = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  const cells = [
    code(`import { Campfire, createPipeline, createToolCamper, displayBundle, simulationBundle, torchFlowBundle } from 'campfires';`),
    code(
      [
        `const storm = createToolCamper('storm', () => ({ claim: 'Storm update: ' + 'x'.repeat(74) + '🔥… ' + '👩‍👩‍👧‍👦🇬🇧é', confidence: 0.9 }));`,
        `const flaky = createToolCamper('flaky', () => { throw new Error('feed missing 🔥'); });`,
        `const steady = createToolCamper('steady', ({ inputs }) => ({ claim: 'seen: ' + (inputs[0]?.torch.claim ?? ''), confidence: 0.5 }));`,
        `const pipeline = createPipeline({ name: 'storm 🔥 watch', runLog: ':memory:', partyBox: null, campfires: [`,
        `  new Campfire({ name: 'news', campers: [storm], output: 'raw' }),`,
        `  new Campfire({ name: 'check', campers: [flaky, steady], inputs: ['raw'], output: null }),`,
        `] });`,
        `const run = await pipeline.run({ cycles: 2 });`,
        `await run.show();`,
      ].join('\n'),
    ),
    code(
      [
        `const long = 'n'.repeat(10_000);`,
        `const rlo = 'evil\\u202Eeman';`,
        `const paths = ${JSON.stringify([...HOSTILE_PATHS, 'party_box/ok.md'])};`,
        `const torches = paths.map((p, i) => ({ seq: i * 2 + 1, messageId: 'm' + i, cycle: 1, from: i === 0 ? long : rlo, torchbearer: long, channel: long, to: [rlo], claim: i === 0 ? long : 'claim ' + i, confidence: 0.5, path: p, error: false, ts: i, metadata: { note: long } }));`,
        `displayBundle(await torchFlowBundle({ version: 1, runId: 'hostile', title: rlo + ' ' + long, backend: rlo, status: 'completed',`,
        `  campfires: [{ name: long, campers: [long], inputs: [], output: long, status: 'idle' }, { name: rlo, campers: [], inputs: [long], output: null, status: 'idle' }],`,
        `  channels: [{ name: long, from: [long], to: [rlo] }, { name: 'second', from: [long], to: [rlo] }], torches }));`,
      ].join('\n'),
    ),
    code(
      [
        `const agent = 'Mara\\u202E the steward';`,
        `const turns = Array.from({ length: 13 }, (_, turn) => ({ turn, resource_level: 50 + turn, stability: 50 }));`,
        `const actions = Array.from({ length: 13 }, (_, i) => ({ turn: i + 1, agent, action: 'pass', target: null, reason: 'why 🔥', success: true, message: 'ok', fallback: false }));`,
        `displayBundle(await simulationBundle({ version: 1, runId: 'council', title: 'Harvest\\u202E council', backend: 'offline', status: 'interrupted', agents: [{ name: agent, description: 'keeps the granary', policy: 'conserve' }], turns, actions }));`,
      ].join('\n'),
    ),
  ];
  return JSON.stringify({ cells, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (tslab)', language: 'typescript' } }, nbformat: 4, nbformat_minor: 5 }, null, 1);
}

function cell(page: Page, index: number): Locator {
  return page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(index);
}

/** Saves through File > Save and returns the notebook the server wrote, failing on any save error dialog. */
async function saveThroughServer(page: Page, lab: Lab, name: string): Promise<string> {
  const file = path.join(lab.rootDir, name);
  const before = fs.statSync(file).mtimeMs;
  await page.click('.lm-MenuBar-itemLabel:text-is("File")');
  await page.click('.lm-Menu-itemLabel:text-is("Save Notebook")');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const dialog = page.locator('.jp-Dialog');
    if ((await dialog.count()) > 0) {
      const text = (await dialog.textContent()) ?? '';
      await screenshot(page, `save-dialog-${name}`);
      // A kernel or "trust" dialog is not ours to judge; a save error is.
      if (/save|error|surrogate/i.test(text)) throw new Error(`saving showed a dialog: ${text}`);
    }
    if (fs.statSync(file).mtimeMs > before) break;
    if (Date.now() > deadline) throw new Error('the notebook was not saved within 30 s');
    await page.waitForTimeout(250);
  }
  await page.waitForTimeout(500);
  return fs.readFileSync(file, 'utf8');
}

/** Boxes of elements, relative to the page. */
async function boxes(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }[]> {
  return locator.evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect()).map(({ x, y, width, height }) => ({ x, y, width, height })));
}

function overlap(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('hostile text in JupyterLab with the extension', () => {
  let lab: Lab;
  let browser: BrowserSession;
  const name = 'hostile-text.ipynb';

  beforeAll(async () => {
    fs.mkdirSync(path.join(repoRoot, '.jupyter-test'), { recursive: true });
    const source = path.join(repoRoot, '.jupyter-test', name);
    fs.writeFileSync(source, hostileNotebook());
    lab = await startLab({ withExtension: true, files: { [name]: source } });
    browser = await openBrowser();
    await openNotebook(browser.page, lab, name);
    await runAllCells(browser.page, 180_000);
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it('saves a notebook whose outputs clip emoji, joined emoji and flags, through the Jupyter server', async () => {
    const { page } = browser;
    // The live display during the run and run.show() after it: two torch flows.
    await cell(page, 1).locator('.cf-torchflow').last().waitFor();
    const saved = await saveThroughServer(page, lab, name);
    expect(LONE_SURROGATE.test(saved)).toBe(false);
    const notebook = JSON.parse(saved) as { cells: { outputs: { data?: Record<string, unknown> }[] }[] };
    const flow = notebook.cells[1]?.outputs.find((output) => output.data?.['text/plain'])?.data ?? {};
    expect(String(flow['text/plain'])).toContain('Storm update: xxxx');
    for (const key of ['text/plain', 'text/html', 'image/svg+xml', 'application/vnd.campfires.torchflow.v1+json']) {
      expect(LONE_SURROGATE.test(JSON.stringify(flow[key]))).toBe(false);
    }
    await cell(page, 1).scrollIntoViewIfNeeded();
    await screenshot(page, 'hostile-emoji-flow-saved');
  });

  it('shows the failing camper as an error row and marks its campfire failed; a result torch says (result)', async () => {
    const output = cell(browser.page, 1).locator('.cf-torchflow').last();
    expect(await output.locator('tr.cf-camper-error').count()).toBe(2);
    expect(await output.locator('tr.cf-camper-error').first().textContent()).toContain('failed: feed missing 🔥');
    expect(await output.locator('.cf-node[data-campfire="check"]').getAttribute('class')).toContain('cf-node-failed');
    expect(await output.locator('.cf-node[data-campfire="check"] .cf-node-detail').textContent()).toBe('2 campers · 2 failed');
    expect(await output.locator('tr.cf-torch .cf-torch-position').allTextContents()).toEqual(['1', '2', '3', '4']);
    const routes = await output.locator('tr.cf-torch .cf-torch-route').allTextContents();
    expect(routes.filter((route) => route.endsWith('(result)'))).toHaveLength(2);
    expect(routes.some((route) => route.includes('(no listener)'))).toBe(false);
  });

  it('keeps a 10 KB name from widening the output: every cell wraps or clips with a tooltip', async () => {
    const { page } = browser;
    const output = cell(page, 2).locator('.cf-torchflow');
    await output.waitFor();
    const area = (await boxes(cell(page, 2).locator('.jp-OutputArea-output').first()))[0]!;
    const table = (await boxes(output.locator('.cf-torch-table')))[0]!;
    expect(table.width).toBeLessThanOrEqual(area.width + 1);
    expect(await output.evaluate((node) => node.scrollWidth - node.clientWidth)).toBeLessThanOrEqual(1);
    // The names are cut with the whole name in the tooltip; the claim wraps.
    const bearer = output.locator('tr.cf-torch').first().locator('td').nth(4);
    expect((await bearer.textContent())?.length).toBeLessThanOrEqual(60);
    expect((await bearer.getAttribute('title'))?.startsWith('nnnn')).toBe(true);
    // Node names fit their box; edge labels overlap neither each other nor a node name.
    const labels = await boxes(output.locator('.cf-edge-label'));
    const names = await boxes(output.locator('.cf-node-name'));
    const nodeBoxes = await boxes(output.locator('.cf-node-box'));
    expect(labels).toHaveLength(2);
    for (const [i, a] of labels.entries()) for (const b of labels.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    for (const a of labels) for (const b of names) expect(overlap(a, b)).toBe(false);
    names.forEach((nameBox, index) => expect(nameBox.width).toBeLessThanOrEqual(nodeBoxes[index]!.width));
    console.log(`10 KB names: output ${Math.round(area.width)} px wide, table ${Math.round(table.width)} px`);
    await output.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'hostile-long-names-table');
  });

  it('links a Party Box path only when it stays on this Jupyter server', async () => {
    const { page } = browser;
    const output = cell(page, 2).locator('.cf-torchflow');
    const rows = output.locator('tr.cf-torch');
    for (let index = 0; index < HOSTILE_PATHS.length + 1; index += 1) {
      await rows.nth(index).click();
      const detail = output.locator('.cf-torch-detail');
      await detail.waitFor();
      await page.waitForTimeout(200);
      const hrefs = await detail.locator('a').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
      if (index < HOSTILE_PATHS.length) {
        expect(hrefs.filter((href) => href !== null)).toEqual([]);
        expect(await detail.locator('.cf-partybox').textContent()).toContain('shown as text');
      } else {
        await page.waitForFunction(() => document.querySelector('.cf-torch-detail a.cf-partybox-link')?.getAttribute('href')?.includes('/files/'));
        const href = (await detail.locator('a.cf-partybox-link').getAttribute('href')) ?? '';
        expect(new URL(href, page.url()).origin).toBe(new URL(page.url()).origin);
      }
      // The torch JSON wraps inside the output too.
      expect(await detail.locator('.cf-torch-json').evaluate((node) => node.scrollWidth - node.clientWidth)).toBeLessThanOrEqual(1);
      if (index === 0) {
        await detail.scrollIntoViewIfNeeded();
        await screenshot(page, 'hostile-partybox-detail');
      }
      await rows.nth(index).click();
    }
  });

  it('keeps a right-to-left override inside the name it is in', async () => {
    const output = cell(browser.page, 2).locator('.cf-torchflow');
    expect(await output.locator('.cf-title').getAttribute('dir')).toBe('auto');
    const meta = output.locator('.cf-meta');
    // The library's words after the backend name read left to right, in order.
    expect(await meta.textContent()).toMatch(/backend: evil\u202Eeman · run hostile$/);
    expect(await meta.locator('bdi').first().getAttribute('dir')).toBe('auto');
  });

  it('counts 12 turns for a 12-season council and draws no action without its world point', async () => {
    const { page } = browser;
    const output = cell(page, 3).locator('.cf-simulation');
    await output.locator('.cf-chart-actions svg .mark-symbol.role-mark path').first().waitFor({ timeout: 30_000 });
    const meta = (await output.locator('.cf-meta').textContent()) ?? '';
    expect(meta).toContain('12 turns');
    expect(meta).toContain('1 action of an unfinished turn not shown');
    expect(await output.locator('.cf-chart-actions svg .mark-symbol.role-mark path').count()).toBe(12);
    expect(await output.locator('.cf-chart-world svg .mark-symbol.role-mark path').count()).toBe(26);
    await output.scrollIntoViewIfNeeded();
    await screenshot(page, 'hostile-council-turns');
  });

  it('exports with nbconvert --execute to a non-empty notebook', () => {
    const root = lab.rootDir;
    const work = path.dirname(root);
    const env = { ...process.env, HOME: path.join(work, 'home'), JUPYTER_DATA_DIR: path.join(work, 'data'), JUPYTER_CONFIG_DIR: path.join(work, 'config'), JUPYTER_RUNTIME_DIR: path.join(work, 'runtime') };
    execFileSync('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=120', '--output', 'exported.ipynb', name], { cwd: root, env, stdio: 'pipe' });
    const exported = fs.readFileSync(path.join(root, 'exported.ipynb'), 'utf8');
    expect(exported.length).toBeGreaterThan(10_000);
    expect(LONE_SURROGATE.test(exported)).toBe(false);
    expect(exported).toContain('Storm update: xxxx');
  });

  it('reports no page errors', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe('hostile text in JupyterLab without the extension', () => {
  let lab: Lab;
  let browser: BrowserSession;
  const name = 'hostile-text.ipynb';

  beforeAll(async () => {
    const source = path.join(repoRoot, '.jupyter-test', name);
    fs.writeFileSync(source, hostileNotebook());
    lab = await startLab({ withExtension: false, files: { [name]: source } });
    browser = await openBrowser();
    await openNotebook(browser.page, lab, name);
    await runAllCells(browser.page, 180_000);
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it('the fallback saves, stays as wide as the notebook with 10 KB names, and links nothing', async () => {
    const { page } = browser;
    const output = cell(page, 2).locator('.jp-OutputArea-output').first();
    await output.waitFor();
    expect(await output.evaluate((node) => node.scrollWidth - node.clientWidth)).toBeLessThanOrEqual(1);
    expect(await cell(page, 2).locator('.jp-OutputArea a').count()).toBe(0);
    const text = (await cell(page, 1).locator('.jp-OutputArea').textContent()) ?? '';
    expect(text).toContain('error');
    expect(text).toContain('(result)');
    const saved = await saveThroughServer(page, lab, name);
    expect(LONE_SURROGATE.test(saved)).toBe(false);
    await cell(page, 2).scrollIntoViewIfNeeded();
    await screenshot(page, 'hostile-fallback-long-names');
    await cell(page, 1).scrollIntoViewIfNeeded();
    await screenshot(page, 'hostile-fallback-failed-camper');
  });
});
