/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The extension in a real JupyterLab: a notebook displays a saved torch flow and a
 * council run; with the extension they render as our diagram and charts, without it
 * as the fallbacks any JupyterLab shows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openBrowser, openNotebook, runAllCells, screenshot, startLab, type BrowserSession, type Lab } from './lab-harness';

const fixtures = path.join(__dirname, 'fixtures');
const files = {
  'render-payloads.ipynb': path.join(fixtures, 'render-payloads.ipynb'),
  'sample-torchflow.json': path.join(fixtures, 'sample-torchflow.json'),
  'sample-simulation.json': path.join(fixtures, 'sample-simulation.json'),
};
const flow = JSON.parse(fs.readFileSync(files['sample-torchflow.json'], 'utf8'));
const world = JSON.parse(fs.readFileSync(files['sample-simulation.json'], 'utf8'));

jest.setTimeout(240_000);

describe('JupyterLab with the campfires extension', () => {
  let lab: Lab;
  let browser: BrowserSession;

  beforeAll(async () => {
    lab = await startLab({ withExtension: true, files });
    browser = await openBrowser();
    await openNotebook(browser.page, lab, 'render-payloads.ipynb');
    await runAllCells(browser.page);
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it('draws the torch flow: one node per campfire and one edge per channel link', async () => {
    const { page } = browser;
    const output = page.locator('.jp-Cell').nth(2).locator('.cf-torchflow');
    await output.waitFor();
    expect(await output.locator('.cf-node .cf-node-name').allTextContents()).toEqual(flow.campfires.map((campfire: { name: string }) => campfire.name));
    const edges = await output.locator('.cf-edge').evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('data-from')}->${node.getAttribute('data-to')}`));
    expect(edges).toEqual(['collector->triage', 'triage->summarizer', 'triage->notifier']);
    expect(await output.locator('.cf-edge-label').allTextContents()).toEqual(['raw-posts (4)', 'alerts (4)', 'alerts (4)']);
    expect(await output.locator('tr.cf-torch').count()).toBe(flow.torches.length);
    await output.scrollIntoViewIfNeeded();
    await screenshot(page, 'extension-torch-flow');
  });

  it('shows a clicked torch as JSON with its Party Box link, and torch text as text', async () => {
    const { page } = browser;
    const output = page.locator('.jp-Cell').nth(2).locator('.cf-torchflow');
    await output.locator('tr.cf-torch[data-seq="2"] .cf-torch-claim').waitFor();
    expect(await output.locator('tr.cf-torch[data-seq="8"] .cf-torch-claim').textContent()).toBe('<b>not bold</b> & <script>alert(1)</script> stays text');
    expect(await output.locator('tr.cf-torch b, tr.cf-torch script').count()).toBe(0);
    await output.locator('tr.cf-torch[data-seq="3"]').click();
    const detail = output.locator('.cf-torch-detail');
    await detail.waitFor();
    expect(JSON.parse((await detail.locator('.cf-torch-json').textContent()) ?? '')).toEqual(flow.torches[2]);
    const link = detail.locator('a.cf-partybox-link');
    expect(await link.textContent()).toBe('party_box/digest-0.md');
    await page.waitForFunction(() => document.querySelector('.cf-torch-detail a.cf-partybox-link')?.getAttribute('href')?.includes('/files/'));
    expect(await link.getAttribute('href')).toContain('/files/party_box/digest-0.md');
    await detail.scrollIntoViewIfNeeded();
    await screenshot(page, 'extension-torch-detail');
  });

  it('draws the world chart and the agents\u2019 actions with vega-embed', async () => {
    const { page } = browser;
    const output = page.locator('.jp-Cell').nth(3).locator('.cf-simulation');
    await output.locator('.cf-chart-actions svg .mark-symbol.role-mark path').first().waitFor({ timeout: 30_000 });
    expect(await output.locator('.cf-title').textContent()).toBe(world.title);
    // One line per measure (resource_level, stability), one point per turn and measure.
    expect(await output.locator('.cf-chart-world svg .mark-line.role-mark path').count()).toBe(2);
    expect(await output.locator('.cf-chart-world svg .mark-symbol.role-mark path').count()).toBe(2 * world.turns.length);
    expect(await output.locator('.cf-chart-actions svg .mark-symbol.role-mark path').count()).toBe(world.actions.length);
    expect(await output.locator('.cf-chart-world svg.marks').textContent()).toContain('resource_level');
    // The actions chart says which colour is which action, and which shape is which outcome.
    expect(await output.locator('.cf-chart-actions svg .role-legend-title').allTextContents()).toEqual(['action', 'outcome']);
    const actionLegend = await output.locator('.cf-chart-actions svg .role-legend').first().textContent();
    for (const action of new Set(world.actions.map((entry) => entry.action))) expect(actionLegend).toContain(action);
    await output.scrollIntoViewIfNeeded();
    await screenshot(page, 'extension-simulation-charts');
  });

  it('pages a 1,000-torch run: 50 rows at a time, newest first, Previous and Next', async () => {
    const { page } = browser;
    const output = page.locator('.jp-Cell').nth(4).locator('.cf-torchflow');
    await output.waitFor();
    expect(await output.locator('.cf-pager-summary').textContent()).toBe('Torches 951–1000 of 1000 (page 20 of 20)');
    expect(await output.locator('tr.cf-torch').count()).toBe(50);
    // The redraw happens inside the click handler, so timing the click in the page times the redraw.
    const pagedMs = await output.locator('.cf-pager-previous').evaluate((button) => {
      const started = performance.now();
      (button as HTMLButtonElement).click();
      return performance.now() - started;
    });
    expect(await output.locator('.cf-pager-summary').textContent()).toBe('Torches 901–950 of 1000 (page 19 of 20)');
    expect(await output.locator('tr.cf-torch td').first().textContent()).toBe('901');
    console.log(`1,000-torch flow: a page turn took ${pagedMs.toFixed(0)} ms in Chromium (click handler including the redraw)`);
    await output.scrollIntoViewIfNeeded();
    await screenshot(page, 'extension-thousand-torches');
  });

  it('loads without errors from the page or our renderers', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe('JupyterLab without the campfires extension', () => {
  let lab: Lab;
  let browser: BrowserSession;

  beforeAll(async () => {
    lab = await startLab({ withExtension: false, files });
    browser = await openBrowser();
    await openNotebook(browser.page, lab, 'render-payloads.ipynb');
    await runAllCells(browser.page);
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it('shows the torch flow fallback: a diagram and the torch list, with no campfires renderer', async () => {
    const { page } = browser;
    const outputs = page.locator('.jp-Cell').nth(2).locator('.jp-OutputArea-output');
    await outputs.first().waitFor();
    expect(await page.locator('.cf-torchflow, .cf-simulation').count()).toBe(0);
    const text = (await outputs.allTextContents()).join('\n');
    expect(text).toContain('Torch flow: Sample alert flow');
    expect(await outputs.locator('svg, img').count()).toBeGreaterThan(0);
    expect(await outputs.locator('li').count()).toBe(flow.torches.length);
    expect(text).toContain('<script>alert(1)</script> stays text');
    await outputs.first().scrollIntoViewIfNeeded();
    await screenshot(page, 'fallback-torch-flow');
  });

  it('shows the simulation fallback chart', async () => {
    const { page } = browser;
    const output = page.locator('.jp-Cell').nth(3).locator('.jp-OutputArea-output');
    await output.first().waitFor();
    expect(await output.locator('svg, img, canvas').count()).toBeGreaterThan(0);
    await output.first().scrollIntoViewIfNeeded();
    await screenshot(page, 'fallback-simulation');
  });
});
