/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Handouts: every notebook executed and exported with `jupyter nbconvert --to html`, then
 * opened in Chromium with the network cut off, as a student opens a mailed file. Every torch
 * flow and every council chart must be there as a drawing (the SVG/HTML fallbacks), since no
 * extension and no kernel is present.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBrowser, repoRoot, screenshotDir, type BrowserSession } from './lab-harness';

jest.setTimeout(900_000);

const notebooksDir = path.join(repoRoot, 'notebooks');
const RICH = ['application/vnd.campfires.torchflow.v1+json', 'application/vnd.campfires.simulation.v1+json', 'image/svg+xml'];
const notebooks = fs.readdirSync(notebooksDir).filter((file) => file.endsWith('.ipynb')).sort();

function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stderr}`)) : resolve(),
    );
  });
}

/** What the reader of one exported output sees. */
interface SeenOutput {
  drawings: Array<{ width: number; height: number; shapes: number }>;
  text: string;
}

describe('an executed notebook exported to HTML and opened offline (a handout)', () => {
  let temp: string;
  let env: NodeJS.ProcessEnv;
  let browser: BrowserSession;
  const blocked: string[] = [];
  const richPerNotebook = new Map<string, number>();
  const failed: string[] = [];

  beforeAll(async () => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-handout-'));
    env = {
      ...process.env,
      JUPYTER_DATA_DIR: path.join(temp, 'data'),
      JUPYTER_RUNTIME_DIR: path.join(temp, 'runtime'),
      JUPYTER_CONFIG_DIR: path.join(temp, 'config'),
      JUPYTER_PLATFORM_DIRS: '1',
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
    };
    await run(process.execPath, [path.join(repoRoot, 'kernel-lib', 'scripts', 'install-kernelspec.js')], env, repoRoot);
    browser = await openBrowser();
    // Debian's nbconvert template points at its own packaged require.js and MathJax under
    // /usr/share/javascript; where those packages are absent the page logs a missing file.
    browser.page.on('requestfailed', (request) => {
      if (!request.url().startsWith('file:///usr/share/javascript/')) failed.push(request.url());
    });
    await browser.page.route('**/*', (route) => {
      if (route.request().url().startsWith('file:')) return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  it.each(notebooks)('%s shows every torch flow and chart with no network and no extension', async (name) => {
    const executed = path.join(temp, name);
    // nbconvert --execute writes the executed notebook; a second nbconvert makes the handout,
    // so the test knows from the notebook itself how many rich outputs the page must draw.
    await run('/usr/bin/jupyter-nbconvert', ['--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=tslab', '--ExecutePreprocessor.timeout=300', '--output-dir', temp, name], env, notebooksDir);
    expect(fs.statSync(executed).size).toBeGreaterThan(1000);
    const saved = JSON.parse(fs.readFileSync(executed, 'utf8')) as { cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> };
    const richOutputs = saved.cells.flatMap((cell) => cell.outputs ?? []).filter((output) => RICH.some((type) => output.data?.[type] !== undefined)).length;

    await run('/usr/bin/jupyter-nbconvert', ['--to', 'html', '--output-dir', temp, executed], env, temp);
    const handout = executed.replace(/\.ipynb$/, '.html');
    await browser.page.goto(`file://${handout}`);
    await browser.page.waitForLoadState('load');
    const seen: SeenOutput[] = await browser.page.evaluate(() =>
      [...document.querySelectorAll('.jp-OutputArea-output')].map((output) => {
        const drawings = [...output.querySelectorAll('svg')]
          .map((svg) => ({ box: svg.getBoundingClientRect(), shapes: svg.querySelectorAll('rect, path, circle, line, text').length }))
          .filter(({ box }) => box.width > 0 && box.height > 0)
          .map(({ box, shapes }) => ({ width: Math.round(box.width), height: Math.round(box.height), shapes }));
        return { drawings, text: (output as HTMLElement).innerText.slice(0, 120) };
      }),
    );
    fs.mkdirSync(screenshotDir, { recursive: true });
    await browser.page.screenshot({ path: path.join(screenshotDir, `handout-${name.replace(/\.ipynb$/, '')}.png`), fullPage: true });

    const drawn = seen.filter((output) => output.drawings.some((drawing) => drawing.width >= 150 && drawing.height >= 60 && drawing.shapes >= 3));
    richPerNotebook.set(name, richOutputs);
    // Every torch flow and council chart in the notebook is drawn in the handout.
    expect({ name, drawn: drawn.length }).toEqual({ name, drawn: Math.max(drawn.length, richOutputs) });
    expect(blocked).toEqual([]);
    expect(failed).toEqual([]);
    expect(browser.errors.filter((error) => !error.startsWith('console: Failed to load resource'))).toEqual([]);
  });

  it('the notebooks that teach pipelines and councils carry torch flows and charts at all', () => {
    expect([...richPerNotebook.values()].filter((count) => count > 0).length).toBeGreaterThanOrEqual(4);
  });
});
