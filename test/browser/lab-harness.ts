/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Starts the repository's JupyterLab (jupyterlab-extension/lab) on a free loopback port
 * with isolated Jupyter directories, and drives it with Debian's Chromium.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '../..');
export const screenshotDir = path.join(repoRoot, 'test-artifacts', 'screenshots');
const labDir = path.join(repoRoot, 'jupyterlab-extension', 'lab');
const chromiumPath = '/usr/bin/chromium';

/** A running lab server and where its files live. */
export interface Lab {
  url: string;
  token: string;
  rootDir: string;
  logFile: string;
  stop(): Promise<void>;
}

/** Free TCP port on loopback, found by binding port 0. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Says what is missing before a browser test starts, instead of timing out later. */
export function assertLabBuilt(): void {
  const needed = [
    path.join(labDir, 'build', 'templates', 'index.html'),
    path.join(repoRoot, 'jupyterlab-extension', 'labextension', 'package.json'),
    path.join(repoRoot, 'kernel-lib', 'dist', 'src', 'index.js'),
  ];
  const missing = needed.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    throw new Error(`browser tests need the built lab, extension and kernel-lib; run \`npm test\` (or bash jupyterlab-extension/scripts/setup-lab.sh). Missing: ${missing.join(', ')}`);
  }
}

/**
 * Starts a fresh server: its own data/config/runtime/home directories, the tslab
 * kernelspec, the prebuilt extension when `withExtension`, and `files` copied into the
 * notebook root (inside the repository so notebooks resolve `campfires`).
 */
export async function startLab(options: { withExtension: boolean; files: Record<string, string> }): Promise<Lab> {
  assertLabBuilt();
  fs.mkdirSync(path.join(repoRoot, '.jupyter-test'), { recursive: true });
  const workDir = fs.mkdtempSync(path.join(repoRoot, '.jupyter-test', 'lab-'));
  const dirs = Object.fromEntries(['data', 'config', 'runtime', 'home', 'root'].map((name) => [name, path.join(workDir, name)]));
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  const env = {
    ...process.env,
    HOME: dirs.home,
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_CONFIG_DIR: dirs.config,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    IPYTHONDIR: path.join(dirs.home, '.ipython'),
  };
  execFileSync(process.execPath, [path.join(repoRoot, 'kernel-lib', 'scripts', 'install-kernelspec.js')], { env, stdio: 'ignore' });
  if (options.withExtension) {
    execFileSync(process.execPath, [path.join(repoRoot, 'jupyterlab-extension', 'scripts', 'install-labextension.js')], { env, stdio: 'ignore' });
  }
  for (const [name, source] of Object.entries(options.files)) fs.copyFileSync(source, path.join(dirs.root, name));
  // The notebooks read shared data as ../fixtures, as they do from notebooks/.
  fs.symlinkSync(path.join(repoRoot, 'fixtures'), path.join(workDir, 'fixtures'));

  const port = await freePort();
  const token = `test-${path.basename(workDir)}`;
  const logFile = path.join(workDir, 'server.log');
  const log = fs.openSync(logFile, 'w');
  const server: ChildProcess = spawn(
    '/usr/bin/python3',
    [
      path.join(labDir, 'server', 'campfires_lab.py'),
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.token=${token}`,
      '--ServerApp.open_browser=False',
      `--ServerApp.root_dir=${dirs.root}`,
      `--CampfiresLab.labextensions_path=${path.join(dirs.data, 'labextensions')}`,
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ],
    { env, stdio: ['ignore', log, log], detached: true },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (server.exitCode === null && server.pid) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => server.pid && process.kill(-server.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.closeSync(log);
    if (!process.env.KEEP_LAB_DIRS) fs.rmSync(workDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) {
      const text = fs.readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`the lab server exited early:\n${text}`);
    }
    try {
      const response = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the lab server did not answer within 30 s; log: ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, token, rootDir: dirs.root, logFile, stop };
}

/** A Chromium page with a fresh profile, plus the errors the page reported. */
export interface BrowserSession {
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/** JupyterLab 4.6's own Yjs/collaboration chatter is not a failure of ours. */
function isKnownNoise(text: string): boolean {
  return /Yjs|y-websocket|Invalid access: Add Yjs type to a document before reading data/i.test(text);
}

/** Launches Debian's Chromium headless with a fresh user-data-dir. */
export async function openBrowser(): Promise<BrowserSession> {
  // The first browser test of a fresh clone may run before any lab has made this folder.
  fs.mkdirSync(path.join(repoRoot, '.jupyter-test'), { recursive: true });
  const profile = fs.mkdtempSync(path.join(repoRoot, '.jupyter-test', 'chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !isKnownNoise(message.text())) errors.push(`console: ${message.text()}`);
  });
  return {
    page,
    errors,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a notebook with `?reset` (no saved workspace tabs) and waits for its kernel to be idle. */
export async function openNotebook(page: Page, lab: Lab, name: string): Promise<void> {
  await page.goto(`${lab.url}/lab/tree/${encodeURIComponent(name)}?reset&token=${lab.token}`);
  await page.waitForSelector('.jp-NotebookPanel .jp-Notebook .jp-Cell', { timeout: 60_000 });
  // The indicator reads idle before a kernel exists; the status bar names the connected kernel.
  await page.waitForSelector('.jp-StatusBar-Widget:has-text("TypeScript (tslab) | Idle")', { timeout: 90_000 });
  await page.waitForSelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout: 60_000 });
  await page.waitForTimeout(1000);
  await chooseTslabIfAsked(page);
}

/** Answers JupyterLab's "Select Kernel" dialog with the tslab kernel, when it is showing. */
export async function chooseTslabIfAsked(page: Page): Promise<void> {
  const dialog = page.locator('.jp-Dialog:has-text("Select Kernel")');
  if ((await dialog.count()) === 0) return;
  await dialog.locator('select').selectOption({ label: 'TypeScript (tslab)' });
  await dialog.locator('button.jp-mod-accept').click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForSelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout: 60_000 });
}

/** Runs every cell through the Run menu, as a person would, and waits until all have run. */
export async function runAllCells(page: Page, timeout = 90_000): Promise<void> {
  await page.click('.lm-MenuBar-itemLabel:text-is("Run")');
  await page.click('.lm-Menu-itemLabel:text-is("Run All Cells")');
  await waitForIdleNotebook(page, timeout);
}

/** Waits until every code cell has an execution count and the kernel is idle again. */
export async function waitForIdleNotebook(page: Page, timeout = 90_000): Promise<void> {
  try {
    await waitForPrompts(page, timeout);
  } catch (error) {
    const file = await screenshot(page, 'failed-run');
    throw new Error(`${(error as Error).message}\nscreenshot of the page: ${file}`);
  }
}

async function waitForPrompts(page: Page, timeout: number): Promise<void> {
  // Done when every code cell has run; stopped when a cell failed and JupyterLab gave up the
  // cells queued after it (they go back to "[ ]" while the kernel is idle).
  const outcome = await page.waitForFunction(
    () => {
      const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')].map((prompt) => prompt.textContent ?? '');
      if (prompts.length > 0 && prompts.every((prompt) => /\[\d+\]/.test(prompt))) return 'done';
      const idle = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]') !== null;
      const ran = prompts.filter((prompt) => /\[\d+\]/.test(prompt)).length;
      const waiting = prompts.some((prompt) => prompt.includes('*'));
      if (idle && ran > 0 && !waiting) {
        const errors = [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')];
        if (errors.length > 0) return `stopped after ${ran} of ${prompts.length} code cells: ${errors.map((node) => (node.textContent ?? '').slice(0, 600)).join(' | ')}`;
      }
      return false;
    },
    undefined,
    { timeout, polling: 500 },
  );
  const result = await outcome.jsonValue();
  if (result !== 'done') throw new Error(String(result));
  await page.waitForSelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout });
}

/** Saves a full-page screenshot under test-artifacts/screenshots/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
