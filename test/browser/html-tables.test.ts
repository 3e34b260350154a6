/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HTML fallbacks' tables as a reader sees them in Chromium, at a notebook output's width:
 * headers and numbers never break inside a word ("ru ns"), user text wraps anywhere so even a
 * 10 KB name keeps the table inside the output, and names stay readable (not squeezed to a
 * letter a line). Covers the persona experiment, the council timeline and the run comparison.
 */
import * as path from 'node:path';
import { compareRuns, runPersonaExperiment, Simulation, type Persona } from 'campfires';
import { openBrowser, screenshot, type BrowserSession } from './lab-harness';

jest.setTimeout(180_000);

const harvest = path.join(__dirname, '..', '..', 'fixtures', 'councils', 'harvest');
const longName = 'n'.repeat(10_000);

interface TableView {
  /** Words outside user-text cells that the layout split over two lines. */
  brokenWords: string[];
  /** How far the output scrolls sideways. */
  overflow: number;
  /** The narrowest user-text cell with text in it, in pixels. */
  narrowestUserCell: number;
  headers: string[];
}

let browser: BrowserSession;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Shows `html` in a box as wide as a notebook output and reads how its tables were laid out. */
async function view(html: string, width: number, shot: string): Promise<TableView> {
  const { page } = browser;
  await page.setContent(`<div id="out" style="width:${width}px;font:13px sans-serif">${html}</div>`);
  const seen = await page.evaluate(() => {
    const out = document.getElementById('out') as HTMLElement;
    const brokenWords: string[] = [];
    let narrowestUserCell = Infinity;
    for (const cell of out.querySelectorAll<HTMLElement>('table th, table td')) {
      if ((cell.getAttribute('style') ?? '').includes('anywhere')) {
        if ((cell.textContent ?? '').trim() !== '') narrowestUserCell = Math.min(narrowestUserCell, cell.getBoundingClientRect().width);
        continue;
      }
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const match of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index ?? 0);
          range.setEnd(node, (match.index ?? 0) + match[0].length);
          const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
          if (lines.size > 1) brokenWords.push(match[0]);
        }
      }
    }
    return {
      brokenWords,
      overflow: out.scrollWidth - out.clientWidth,
      narrowestUserCell,
      headers: [...out.querySelectorAll('table th')].map((header) => header.textContent ?? ''),
    };
  });
  await screenshot(page, shot);
  return seen;
}

describe('tables in the HTML fallbacks', () => {
  let experimentHtml: string;
  let timelineHtml: string;
  let comparisonHtml: string;

  beforeAll(async () => {
    const experiment = await runPersonaExperiment({
      scenario: harvest,
      variants: [{ label: 'villagers' }, { label: 'villagers, lean year', world: { initial_resource_level: 20 } }, { label: longName }, { label: 'a label of many words '.repeat(12) }],
    });
    experimentHtml = String((await experiment.toMimeBundle())['text/html']);
    const sim = await Simulation.fromConfig(harvest, { seed: 3, narrate: null });
    await sim.run();
    timelineHtml = String(sim.timeline().toMimeBundle()['text/html']);
    const stranger: Persona = { name: 'n'.repeat(40), description: 'x', goals: ['y'], behavior_biases: ['greedy'] };
    const fork = await sim.fork(4, { personas: { Mara: stranger }, narrate: null });
    comparisonHtml = String((await compareRuns([sim, fork], { labels: ['as it was', 'n'.repeat(80)] }).toMimeBundle())['text/html']);
  });

  it.each([700, 1000])('the persona experiment table at %i px: whole headers and numbers, user text wrapped', async (width) => {
    const seen = await view(experimentHtml, width, `html-table-experiment-${width}`);
    expect(seen.headers).toEqual(expect.arrayContaining(['variant', 'runs', 'seeds', 'turns', 'final resource_level']));
    expect(seen.brokenWords).toEqual([]);
    expect(seen.overflow).toBeLessThanOrEqual(1);
    // "villagers" and the backend stay readable: a cell is never squeezed below a short word.
    expect(seen.narrowestUserCell).toBeGreaterThanOrEqual(60);
  });

  it.each([700, 1000])('the council timeline table at %i px', async (width) => {
    const seen = await view(timelineHtml, width, `html-table-timeline-${width}`);
    expect(seen.headers).toEqual(['turn', 'agent', 'action', 'target', 'outcome', 'resources', 'stability', 'reason']);
    expect(seen.brokenWords).toEqual([]);
    expect(seen.overflow).toBeLessThanOrEqual(1);
  });

  it.each([700, 1000])('the run comparison at %i px, with the longest labels allowed', async (width) => {
    const seen = await view(comparisonHtml, width, `html-table-comparison-${width}`);
    expect(seen.headers[0]).toBe('turn');
    expect(seen.brokenWords).toEqual([]);
    expect(seen.overflow).toBeLessThanOrEqual(1);
  });
});
