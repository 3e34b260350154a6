/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Notebooks 04 to 09 in a real JupyterLab with the extension, run with Run All Cells as a
 * teacher would: no cell shows an error, every code cell shows something, and each torch
 * flow and council chart is drawn by the extension (not left as its text fallback).
 * Notebooks 01-03 have their own, closer tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { NOTEBOOK_PRINTS, expectPrints } from '../helpers/notebook-prints';
import { openBrowser, openNotebook, runAllCells, screenshot, startLab, type BrowserSession, type Lab } from './lab-harness';

const notebooks = path.join(__dirname, '..', '..', 'notebooks');
jest.setTimeout(600_000);

/** What a reader sees after the run, per notebook. */
interface SeenNotebook {
  cells: number;
  /** Code cells with source but no output at all. */
  silentCells: number[];
  errors: string[];
  text: string;
  /** Torch flows drawn by the extension, each with its node count and whether it has an SVG diagram. */
  flows: Array<{ nodes: number; svg: boolean }>;
  /** Council charts drawn by the extension, each with the number of SVG marks in its world chart. */
  councils: Array<{ marks: number }>;
  /** Outputs left as plain text because no renderer took them. */
  fallbacks: number;
  /** The MIME type JupyterLab chose for each output, in order. */
  mimeTypes: string[];
  /** Table headers, action names, torch-table names and numbers the layout split inside a word ("agen t", "sentimen t"). */
  brokenHeaders: string[];
  /** Timeline sliders drawn (one per torch flow or council the extension drew). */
  timelines: number;
  /** Persona experiments as drawn: the chart's marks, its titles, and the variants in the table. */
  experiments: Array<{ marks: number; titles: string[]; variants: string[] }>;
}

async function seen(page: Page): Promise<SeenNotebook> {
  return page.evaluate(() => {
    const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')];
    const silentCells: number[] = [];
    cells.forEach((cell, index) => {
      if (!cell.classList.contains('jp-CodeCell')) return;
      const source = cell.querySelector('.jp-InputArea-editor')?.textContent?.trim() ?? '';
      if (source !== '' && !source.includes('// no output') && cell.querySelectorAll('.jp-OutputArea-output').length === 0) silentCells.push(index);
    });
    const errors = [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')].map((node) => (node.textContent ?? '').slice(0, 400));
    return {
      cells: cells.length,
      silentCells,
      errors,
      text: [...document.querySelectorAll('.jp-OutputArea-output')].map((node) => node.textContent ?? '').join('\n'),
      flows: [...document.querySelectorAll('.cf-torchflow')].map((flow) => ({ nodes: flow.querySelectorAll('.cf-node-name').length, svg: flow.querySelector('svg') !== null })),
      councils: [...document.querySelectorAll('.cf-simulation')].map((council) => ({ marks: council.querySelectorAll('.cf-chart-world svg path, .cf-chart-world svg circle, .cf-chart-world svg line').length })),
      timelines: document.querySelectorAll('.cf-timeline-slider').length,
      brokenHeaders: [...document.querySelectorAll('.jp-OutputArea-output th, .cf-turn-table td.cf-turn-kind, .cf-torch-table td:not(.cf-torch-claim)')]
        .filter((cell) => {
          // A break between words, or after a hyphen, slash or arrow, is a line break, not a split word.
          const words = (cell.textContent ?? '').trim().split(/\s+|(?<=[-/→])/).length;
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > words;
        })
        .map((cell) => cell.textContent ?? ''),
      mimeTypes: [...document.querySelectorAll('.jp-OutputArea-output')].map((node) => node.getAttribute('data-mime-type') ?? ''),
      experiments: [...document.querySelectorAll('.jp-OutputArea-output')]
        .filter((node) => /persona experiment/.test(node.textContent ?? '') && node.querySelector('svg'))
        .map((node) => ({
          marks: node.querySelectorAll('svg .role-mark path, svg .role-mark rect, svg .role-mark line, svg .role-mark circle').length,
          titles: [...node.querySelectorAll('svg .role-title-text')].map((title) => title.textContent ?? ''),
          variants: [...node.querySelectorAll('table tbody tr')].map((row) => row.querySelector('td')?.textContent ?? ''),
        })),
      fallbacks: [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="text/plain"]')].filter((node) => /^(PipelineRun|Simulation|PersonaExperiment) /.test(node.textContent ?? '')).length,
    };
  });
}

/** What each notebook must show in the browser beyond running clean. */
const expectations: Record<string, (view: SeenNotebook) => void> = {
  '04-persona-experiments.ipynb': (view) => {
    // One experiment: its charts drawn with marks, and a table row per variant.
    expect(view.experiments).toHaveLength(1);
    const [experiment] = view.experiments;
    expect(experiment?.marks).toBeGreaterThan(20);
    expect(experiment?.titles).toEqual(expect.arrayContaining(['Final world state: every run, min–max and median', 'Action mix per persona']));
    expect(experiment?.variants).toEqual(['villagers', 'villagers, lean year', 'settlers', 'peacemakers']);
    expect(view.text).toContain('Harvest council: spread over repeats per variant');
    expect(view.text).toContain('persona-policy (offline)');
  },
  '05-conventions.ipynb': (view) => {
    // ops.postTask.show(): the operation's arguments as a table, with the cf spelling of each.
    expect(view.mimeTypes).toContain('text/html');
    expect(view.text).toContain('title' + '--title' + 'string: a string, at most 200 bytes');
  },
  '07-seeds-and-your-own-world.ipynb': (view) => {
    expect(view.councils.length).toBeGreaterThan(0);
    for (const council of view.councils) expect(council.marks).toBeGreaterThan(0);
  },
  '08-fork-a-council.ipynb': (view) => {
    // The original, the branch shown to scrub, and the replayed branch: each a council with its timeline.
    expect(view.councils.length).toBeGreaterThanOrEqual(2);
    for (const council of view.councils) expect(council.marks).toBeGreaterThan(0);
    expect(view.timelines).toBeGreaterThanOrEqual(view.councils.length);
  },
  '09-runs-that-last.ipynb': (view) => {
    expect(view.flows).toEqual([{ nodes: 4, svg: true }, { nodes: 2, svg: true }]);
  },
};

const names = [...new Set([...Object.keys(expectations), ...Object.keys(NOTEBOOK_PRINTS)])].sort().filter((name) => fs.existsSync(path.join(notebooks, name)));

describe('notebooks 04-09 in JupyterLab with the extension', () => {
  let lab: Lab;
  let browser: BrowserSession;

  beforeAll(async () => {
    lab = await startLab({ withExtension: true, files: Object.fromEntries(names.map((name) => [name, path.join(notebooks, name)])) });
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it.each(names)('%s runs every cell clean and the extension draws its outputs', async (name) => {
    const { page } = browser;
    await openNotebook(page, lab, name);
    await runAllCells(page, 420_000);
    const view = await seen(page);
    await screenshot(page, `notebook-${name.slice(0, 2)}-after-run-all`);
    // And the first chart or flow a reader meets, brought into view.
    const chart = page.locator('.jp-OutputArea-output .campfires-experiment, .jp-OutputArea-output .cf-torchflow, .jp-OutputArea-output .cf-simulation, .jp-OutputArea-output table').first();
    if ((await chart.count()) > 0) {
      await chart.scrollIntoViewIfNeeded();
      await screenshot(page, `notebook-${name.slice(0, 2)}-first-chart`);
    }
    expect(view.errors).toEqual([]);
    expect(view.silentCells).toEqual([]);
    expect(view.fallbacks).toBe(0);
    expect(view.brokenHeaders).toEqual([]);
    expectPrints(name, view.text);
    expectations[name]?.(view);
    await page.keyboard.press('Control+s');
    await page.goto('about:blank');
  });
});
