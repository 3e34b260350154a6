/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The repository's notebooks in a real JupyterLab with the extension: run every cell
 * of a fresh copy and check the torch flows a reader sees.
 */
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, openNotebook, runAllCells, screenshot, startLab, type BrowserSession, type Lab } from './lab-harness';

const notebooks = path.join(__dirname, '..', '..', 'notebooks');
jest.setTimeout(400_000);

/** What a reader sees of each torch flow in one cell's output. */
interface SeenFlow {
  meta: string;
  nodes: string[];
  edges: string[];
  torchCount: number;
}

async function flowsInCell(page: Page, index: number): Promise<SeenFlow[]> {
  return page
    .locator('.jp-Notebook .jp-Cell')
    .nth(index)
    .locator('.cf-torchflow')
    .evaluateAll((flows) =>
      flows.map((flow) => ({
        meta: flow.querySelector('.cf-meta')?.textContent ?? '',
        nodes: [...flow.querySelectorAll('.cf-node-name')].map((node) => node.textContent ?? ''),
        edges: [...flow.querySelectorAll('.cf-edge')].map((edge) => `${edge.getAttribute('data-from')}->${edge.getAttribute('data-to')}`),
        torchCount: Number(/(\d+) torches/.exec(flow.querySelector('.cf-meta')?.textContent ?? '')?.[1]),
      })),
    );
}

async function showCell(page: Page, index: number, name: string): Promise<void> {
  await page.locator('.jp-Notebook .jp-Cell').nth(index).scrollIntoViewIfNeeded();
  await screenshot(page, name);
}

describe('notebooks in JupyterLab with the extension', () => {
  let lab: Lab;
  let browser: BrowserSession;

  beforeAll(async () => {
    lab = await startLab({
      withExtension: true,
      files: {
        '01-quickstart.ipynb': path.join(notebooks, '01-quickstart.ipynb'),
        '02-live-alert.ipynb': path.join(notebooks, '02-live-alert.ipynb'),
      },
    });
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it('01-quickstart: the pipeline run and its replay draw the same two-campfire torch flow', async () => {
    const { page } = browser;
    await openNotebook(page, lab, '01-quickstart.ipynb');
    await runAllCells(page, 300_000);
    const [run] = await flowsInCell(page, 14);
    expect(run.nodes).toEqual(['weather', 'advice']);
    expect(run.edges).toEqual(['weather->advice']);
    expect(run.torchCount).toBeGreaterThan(0);
    await showCell(page, 14, 'notebook-01-pipeline-torch-flow');
    const [replay] = await flowsInCell(page, 20);
    expect(replay.nodes).toEqual(run.nodes);
    expect(replay.torchCount).toBe(run.torchCount);
    await showCell(page, 20, 'notebook-01-replay-torch-flow');
  });

  it('02-live-alert: the torch flow grows cell by cell, shows the failing camper, and replays', async () => {
    const { page } = browser;
    await openNotebook(page, lab, '02-live-alert.ipynb');
    await runAllCells(page, 300_000);
    const campfires = ['scrape', 'sentiment', 'verify', 'summary'];
    const chain = ['scrape->sentiment', 'sentiment->verify', 'verify->summary'];

    const [firstCycle] = await flowsInCell(page, 7);
    expect(firstCycle.nodes).toEqual(campfires);
    expect(firstCycle.edges).toEqual(chain);
    expect(firstCycle.torchCount).toBeGreaterThan(0);
    await showCell(page, 7, 'notebook-02-live-flow-first-cycle');

    const [threeCycles] = await flowsInCell(page, 11);
    expect(threeCycles.nodes).toEqual(campfires);
    expect(threeCycles.torchCount).toBeGreaterThan(firstCycle.torchCount);
    await showCell(page, 11, 'notebook-02-live-flow-more-cycles');

    // The broken traffic feed: its error is reported and the alert still goes out over the same four campfires.
    const [fragile] = await flowsInCell(page, 13);
    expect(fragile.nodes).toEqual(campfires);
    const fragileText = (await page.locator('.jp-Notebook .jp-Cell').nth(13).locator('.jp-OutputArea').textContent()) ?? '';
    expect(fragileText).toContain('camper-error in verify/traffic-check');
    expect(fragileText).toContain('traffic feed timed out after 30 s');
    expect(fragileText).toContain('the alert still went out:');
    await showCell(page, 13, 'notebook-02-failing-camper');

    const [replay] = await flowsInCell(page, 15);
    expect(replay.edges).toEqual(chain);
    expect(replay.torchCount).toBe(firstCycle.torchCount);
    await showCell(page, 15, 'notebook-02-replay');
  });

  it('reports no page errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
