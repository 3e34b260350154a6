import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/**
 * The Node addon this checkout already built, packed the way prebuild-install looks for
 * a local prebuild, so installing the tarball offline does not compile SQLite again.
 */
function localPrebuilds(dir: string): string {
  const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json', { paths: [repoRoot] }));
  const version = (JSON.parse(fs.readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')) as { version: string }).version;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

describe('the npm pack tarball of campfires', () => {
  let temp: string;
  let project: string;
  let files: string[];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(repoRoot, 'kernel-lib', 'dist', 'src', 'index.js'))) {
      throw new Error('kernel-lib is not built: run `npm run build` (npm test does it in test/setup/ensure.sh)');
    }
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-pack-'));
    const packed = JSON.parse(await run('npm', ['pack', './kernel-lib', '--pack-destination', temp, '--json', '--silent'], { cwd: repoRoot })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0].files.map((file) => file.path);
    const tarball = path.join(temp, packed[0].filename);
    const prebuild = localPrebuilds(path.join(temp, 'prebuilds'));
    const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json', { paths: [repoRoot] }));
    await run('tar', ['-czf', prebuild, '-C', sqliteDir, 'build/Release/better_sqlite3.node'], { cwd: temp });
    project = path.join(temp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true }));
    await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      env: { npm_config_better_sqlite3_local_prebuilds: path.dirname(prebuild) },
    });
  }, 600_000);

  afterAll(() => {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  it('ships the built CommonJS, its type declarations and the display subpath, but no sources or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/display/payloads.js', 'dist/src/display/payloads.d.ts', 'scripts/install-kernelspec.js']));
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/') || /\.test\.[jt]s$/.test(file))).toEqual([]);
  });

  it('installs into an empty project where require("campfires") works, SQLite included', async () => {
    const script = `
      const campfires = require('campfires');
      const torch = campfires.createTorch({ claim: 'river level rising', confidence: 0.7 });
      const log = campfires.SqliteRunLog.open ? campfires.SqliteRunLog.open(':memory:') : new campfires.SqliteRunLog(':memory:');
      const run = log.startRun({ kind: 'pipeline', name: 'pack-check' });
      log.append(run.id, { kind: 'torch-sent', data: { torch } });
      console.log(torch.claim, log.events(run.id).length, typeof campfires.torchFlowBundle);
    `;
    expect((await run(process.execPath, ['-e', script], { cwd: project })).trim()).toBe('river level rising 1 function');
  }, 120_000);

  it('loads campfires/display without Node-only modules (the extension bundles it for the browser)', async () => {
    const script = `
      const display = require('campfires/display');
      const loaded = Object.keys(require.cache).map((f) => f.split('node_modules/').pop().split('/')[0]);
      console.log(JSON.stringify([...new Set(loaded)].sort()), display.TORCH_FLOW_MIME_TYPE);
    `;
    expect((await run(process.execPath, ['-e', script], { cwd: project })).trim()).toBe('["campfires","zod"] application/vnd.campfires.torchflow.v1+json');
  }, 120_000);

  it('type-checks for tslab: TypeScript 5.0 with node10 resolution reads the .d.ts of both entry points', async () => {
    fs.writeFileSync(
      path.join(project, 'cell.ts'),
      [
        "import { createTorch, type Torch } from 'campfires';",
        "import { torchFlowPayloadSchema, type TorchFlowPayload } from 'campfires/display';",
        "const torch: Torch = createTorch({ claim: 'ok' });",
        'const payload: TorchFlowPayload | undefined = torchFlowPayloadSchema.safeParse({}).data;',
        'const wrong: number = torch.claim;',
        'console.log(payload, wrong);',
      ].join('\n'),
    );
    const tsc = path.join(path.dirname(require.resolve('@tslab/typescript-for-tslab/package.json', { paths: [repoRoot] })), 'bin', 'tsc');
    const args = [tsc, '--noEmit', '--moduleResolution', 'node10', '--module', 'commonjs', '--target', 'es2022', '--strict', '--esModuleInterop', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(repoRoot, 'node_modules', '@types'), 'cell.ts'];
    const output = await run(process.execPath, args, { cwd: project }).catch((error: Error) => error.message);
    // The one error is the deliberate one: everything else resolved and type-checked.
    expect(output.match(/error TS\d+/g)).toEqual(['error TS2322']);
    expect(output).toContain("cell.ts(5,7): error TS2322: Type 'string' is not assignable to type 'number'.");
  }, 120_000);
});
