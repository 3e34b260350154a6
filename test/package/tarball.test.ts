/**
 * The tarball of `npm pack ./kernel-lib`, installed from the registry into empty projects
 * with an empty npm cache, used as a new user would: require each entry point, run `cf`,
 * set up Jupyter with `npx cf setup`, and run the README quick start in the real tslab
 * kernel — launched by the project's own tslab, by another checkout's tslab that hands
 * over to the project's, and by a tslab installed only globally.
 */
import fs from 'node:fs';
import path from 'node:path';
import { executeNotebook, writeNotebook, type ExecutedNotebook } from '../notebooks/execute-notebook';
import { readmeCells } from '../notebooks/readme-cells';
import { ENTRY_POINTS, installProject, packCampfires, repoRoot, run, runOk, tempDir } from './shipped-package';

const TORCH_FLOW_MIME = 'application/vnd.campfires.torchflow.v1+json';
const quickStart = readmeCells(path.join(repoRoot, 'kernel-lib', 'README.md'));

/** The cells' display outputs that carry the torch flow, with every MIME type each carries. */
function torchFlowOutputs(notebook: ExecutedNotebook): string[][] {
  return notebook.cells
    .flatMap((cell) => cell.outputs)
    .filter((output) => output.data && TORCH_FLOW_MIME in output.data)
    .map((output) => Object.keys(output.data ?? {}).sort());
}

function writeKernelspec(dataDir: string, tslabBin: string): void {
  const dir = path.join(dataDir, 'kernels', 'tslab');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'kernel.json'),
    JSON.stringify({ argv: [process.execPath, tslabBin, 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript (tslab)', language: 'typescript' }),
  );
}

describe('the campfires tarball in an empty project, installed with an empty npm cache', () => {
  let temp: string;
  let npmCache: string;
  let files: string[];
  let project: string;
  let tarball: string;

  beforeAll(async () => {
    temp = tempDir('campfires-tarball-');
    npmCache = path.join(temp, 'npm-cache');
    ({ tarball, files } = await packCampfires(temp));
    project = path.join(temp, 'project');
    await installProject(project, [tarball, 'tslab'], npmCache);
  }, 1_200_000);

  afterAll(() => {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  it('ships the bin, the built CommonJS with its declarations, the extension and the sample data, but no sources or tests', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'kernel-lib', 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>;
    };
    const exportedFiles = Object.values(manifest.exports).flatMap((target) =>
      (typeof target === 'string' ? [target] : [target.types, target.default]).map((file) => file.replace(/^\.\//, '')),
    );
    expect(exportedFiles.length).toBeGreaterThan(6);
    expect(files).toEqual(
      expect.arrayContaining([
        ...exportedFiles,
        'bin/cf.js',
        'labextension/package.json',
        'fixtures/live-alert/worldnews.json',
        'README.md',
      ]),
    );
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/') || /\.test\.[jt]s$/.test(file))).toEqual([]);
  });

  it.each(ENTRY_POINTS)('require(%j) loads in the project', async (entry) => {
    const output = await runOk(process.execPath, ['-e', `console.log(Object.keys(require(${JSON.stringify(entry)})).length > 0, require.resolve(${JSON.stringify(entry)}))`], { cwd: project });
    const [loaded, resolved] = output.trim().split(' ');
    expect(loaded).toBe('true');
    expect(resolved.startsWith(path.join(project, 'node_modules', 'campfires', 'dist', 'src'))).toBe(true);
  });

  it('writes and reads a SQLite run log (the native addon installed)', async () => {
    const script = `
      const campfires = require('campfires');
      const torch = campfires.createTorch({ claim: 'river level rising', confidence: 0.7 });
      const log = campfires.SqliteRunLog.open(':memory:');
      const run = log.startRun({ kind: 'pipeline', name: 'pack-check' });
      log.append(run.id, { kind: 'torch-sent', data: { torch } });
      console.log(torch.claim, log.events(run.id).length);`;
    expect((await runOk(process.execPath, ['-e', script], { cwd: project })).trim()).toBe('river level rising 1');
  });

  it('`npx cf --help` and `npx --no cf help` run the installed cf', async () => {
    for (const args of [['cf', '--help'], ['--no', 'cf', 'help']]) {
      const help = await runOk('npx', args, { cwd: project, env: { npm_config_cache: npmCache } });
      expect(help).toContain('Usage: cf');
      expect(help).toMatch(/^\s+setup\b/m);
    }
  });

  describe('set up with `npx cf setup`, then the README quick start in the real kernel', () => {
    let dataDir: string;
    let setupOutput: string;
    let notebook: ExecutedNotebook & { cleanup(): void };

    beforeAll(async () => {
      dataDir = path.join(temp, 'jupyter-local');
      setupOutput = await runOk('npx', ['--no', 'cf', 'setup'], { cwd: project, env: { JUPYTER_DATA_DIR: dataDir, npm_config_cache: npmCache } });
      const file = path.join(temp, 'quick-start.ipynb');
      writeNotebook(file, quickStart);
      notebook = await executeNotebook(file, { cwd: project, jupyterDataDir: dataDir, timeoutSeconds: 180 });
    }, 600_000);
    afterAll(() => notebook?.cleanup());

    it('installs the kernelspec for the project\'s tslab and the JupyterLab extension', () => {
      const spec = JSON.parse(fs.readFileSync(path.join(dataDir, 'kernels', 'tslab', 'kernel.json'), 'utf8')) as { argv: string[] };
      expect(spec.argv[1]).toBe(path.join(project, 'node_modules', 'tslab', 'bin', 'tslab'));
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'labextensions', 'campfires-jupyterlab', 'package.json'), 'utf8')).name).toBe('campfires-jupyterlab');
      expect(fs.readdirSync(path.join(dataDir, 'labextensions', 'campfires-jupyterlab', 'static')).some((name) => name.startsWith('remoteEntry'))).toBe(true);
      expect(setupOutput).toContain('kernelspec: "TypeScript (tslab)" installed');
      expect(setupOutput).toContain('labextension: campfires-jupyterlab installed');
    });

    it('runs every quick-start cell without an error', () => {
      expect(notebook.errors).toEqual([]);
      expect(notebook.cells).toHaveLength(quickStart.length);
    });

    it('shows the torch flow as its own MIME type with SVG, HTML and text fallbacks', () => {
      const outputs = torchFlowOutputs(notebook);
      expect(outputs.length).toBeGreaterThan(0);
      for (const types of outputs) expect(types).toEqual(expect.arrayContaining([TORCH_FLOW_MIME, 'image/svg+xml', 'text/html', 'text/plain']));
      expect(notebook.text).not.toContain('rich output is off');
    });
  });

  it('shows rich output when another checkout\'s tslab launched the kernel and handed over to the project\'s', async () => {
    // This repository's tslab stands for the other checkout's: the project has its own.
    const dataDir = path.join(temp, 'jupyter-other');
    writeKernelspec(dataDir, path.join(repoRoot, 'node_modules', 'tslab', 'bin', 'tslab'));
    const file = path.join(temp, 'other-launcher.ipynb');
    writeNotebook(file, [...quickStart, "console.log('copies', require('tslab/package.json').version, Object.keys(require.cache).filter((f) => f.endsWith('tslab/dist/jupyter.js')).length);"]);
    const notebook = await executeNotebook(file, { cwd: project, jupyterDataDir: dataDir, timeoutSeconds: 180 });
    try {
      expect(notebook.errors).toEqual([]);
      // Two tslab copies are loaded: the launcher's and the project's.
      expect(notebook.text).toMatch(/copies \S+ 2/);
      expect(torchFlowOutputs(notebook).length).toBeGreaterThan(0);
      expect(notebook.text).not.toContain('rich output is off');
    } finally {
      notebook.cleanup();
    }
  }, 600_000);

  it('shows rich output with tslab installed only globally (npm i -g) and campfires local', async () => {
    const globalPrefix = path.join(temp, 'global');
    await runOk('npm', ['install', '-g', 'tslab', '--prefix', globalPrefix, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: temp,
      env: { npm_config_cache: npmCache },
      timeoutMs: 900_000,
    });
    const bare = path.join(temp, 'project-without-tslab');
    await installProject(bare, [tarball], npmCache);
    expect(fs.existsSync(path.join(bare, 'node_modules', 'tslab'))).toBe(false);
    const dataDir = path.join(temp, 'jupyter-global');
    const env = { JUPYTER_DATA_DIR: dataDir, PATH: `${path.join(globalPrefix, 'bin')}${path.delimiter}${process.env.PATH}`, npm_config_cache: npmCache };
    await runOk('npx', ['--no', 'cf', 'setup', '--kernel-only'], { cwd: bare, env });
    const spec = JSON.parse(fs.readFileSync(path.join(dataDir, 'kernels', 'tslab', 'kernel.json'), 'utf8')) as { argv: string[] };
    expect(spec.argv[1]).toBe(path.join(globalPrefix, 'lib', 'node_modules', 'tslab', 'bin', 'tslab'));
    const file = path.join(temp, 'global-tslab.ipynb');
    writeNotebook(file, quickStart);
    const notebook = await executeNotebook(file, { cwd: bare, jupyterDataDir: dataDir, timeoutSeconds: 180 });
    try {
      expect(notebook.errors).toEqual([]);
      expect(torchFlowOutputs(notebook).length).toBeGreaterThan(0);
    } finally {
      notebook.cleanup();
    }
  }, 1_200_000);

  it('`cf setup` without tslab anywhere says what to install', async () => {
    const bare = path.join(temp, 'project-without-tslab');
    if (!fs.existsSync(bare)) await installProject(bare, [tarball], npmCache);
    const result = await run('npx', ['--no', 'cf', 'setup'], { cwd: bare, env: { JUPYTER_DATA_DIR: path.join(temp, 'jupyter-none'), PATH: path.dirname(process.execPath), npm_config_cache: npmCache } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('npm install tslab');
  }, 900_000);
});
