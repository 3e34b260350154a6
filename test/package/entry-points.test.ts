/**
 * The package as this checkout ships it: `node_modules/campfires` is the workspace link,
 * so `require('campfires/…')` goes through kernel-lib/package.json's `exports` to the
 * built `dist/`, and `cf` through the linked `bin` — what a user's project resolves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ENTRY_POINTS, repoRoot, requireBuilt, run, runOk, tempDir } from './shipped-package';

const node = (script: string) => run(process.execPath, ['-e', script], { cwd: repoRoot });

beforeAll(() => requireBuilt());

describe('the entry points of campfires, resolved through the package exports', () => {
  it.each(ENTRY_POINTS)('%s loads with require and exports named values', async (entry) => {
    const result = await node(`const m = require(${JSON.stringify(entry)}); console.log(Object.keys(m).length, require.resolve(${JSON.stringify(entry)}));`);
    expect(result.stderr).toBe('');
    const [count, resolved] = result.stdout.trim().split(' ');
    expect(Number(count)).toBeGreaterThan(0);
    // Resolved to the built CommonJS, never to TypeScript sources.
    expect(resolved).toMatch(/kernel-lib[\\/]dist[\\/]src[\\/].+\.js$/);
  });

  it.each(['campfires/dist/src/index.js', 'campfires/src/index', 'campfires/dist/src/llm/request-deadline.js', 'campfires/scripts/install-kernelspec.js'])(
    'an internal path such as %s is not importable (only documented entry points are)',
    async (internal) => {
      const result = await node(`try { require(${JSON.stringify(internal)}); console.log('loaded'); } catch (error) { console.log(error.code); }`);
      expect(result.stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    },
  );

  it('campfires/display loads nothing but zod (the JupyterLab extension bundles it for the browser)', async () => {
    const result = await node(`
      const display = require('campfires/display');
      const packages = Object.keys(require.cache).filter((f) => f.includes('/node_modules/')).map((f) => f.split('/node_modules/').pop().split('/')[0]);
      console.log(JSON.stringify([...new Set(packages)].sort()), display.TORCH_FLOW_MIME_TYPE);`);
    expect(result.stdout.trim()).toBe('["zod"] application/vnd.campfires.torchflow.v1+json');
  });

  it('campfires loads without the MCP SDK, ioredis or the AWS SDK (they load when used)', async () => {
    const result = await node(`
      require('campfires');
      const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](@modelcontextprotocol|ioredis|@aws-sdk)[\\\\/]/.test(f));
      console.log(loaded.length);`);
    expect(result.stdout.trim()).toBe('0');
  });

  it('every entry point type-checks for tslab: TypeScript 5.0 with node10 resolution reads its .d.ts', async () => {
    const project = tempDir('campfires-types-');
    try {
      // A cell in a folder beside the checkout's node_modules, as tslab resolves it.
      const cellDir = path.join(repoRoot, 'test-artifacts', path.basename(project));
      fs.mkdirSync(cellDir, { recursive: true });
      fs.writeFileSync(
        path.join(cellDir, 'cell.ts'),
        [
          "import { createTorch, type Torch } from 'campfires';",
          "import { torchFlowPayloadSchema, type TorchFlowPayload } from 'campfires/display';",
          "import * as mcp from 'campfires/mcp';",
          "import * as testing from 'campfires/testing';",
          "const torch: Torch = createTorch({ claim: 'ok' });",
          'const payload: TorchFlowPayload | undefined = torchFlowPayloadSchema.safeParse({}).data;',
          'const wrong: number = torch.claim;',
          'console.log(payload, wrong, Object.keys(mcp), Object.keys(testing));',
        ].join('\n'),
      );
      const tsc = path.join(path.dirname(require.resolve('@tslab/typescript-for-tslab/package.json', { paths: [repoRoot] })), 'bin', 'tsc');
      const result = await run(
        process.execPath,
        [tsc, '--noEmit', '--moduleResolution', 'node10', '--module', 'commonjs', '--target', 'es2022', '--strict', '--esModuleInterop', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(repoRoot, 'node_modules', '@types'), 'cell.ts'],
        { cwd: cellDir },
      );
      fs.rmSync(cellDir, { recursive: true, force: true });
      // The one error is the deliberate one: every import resolved and type-checked.
      expect(result.stdout.match(/error TS\d+/g)).toEqual(['error TS2322']);
      expect(result.stdout).toContain("cell.ts(7,7): error TS2322: Type 'string' is not assignable to type 'number'.");
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the cf command, through the bin npm linked', () => {
  it('node_modules/.bin/cf is linked to the package bin, which exists before any build', () => {
    const link = path.join(repoRoot, 'node_modules', '.bin', 'cf');
    expect(fs.realpathSync(link)).toBe(path.join(repoRoot, 'kernel-lib', 'bin', 'cf.js'));
  });

  // npx reads the word after `--no` as that flag's value, so `npx --no cf --help` shows
  // npm's own help; `npx cf --help`, `npx --no -- cf --help` and `npx --no cf help` reach cf.
  it.each(['cf --help', '--no -- cf --help', '--no cf help'])('`npx %s` runs this checkout\'s cf and lists its commands', async (args) => {
    const help = await runOk('npx', args.split(' '), { cwd: repoRoot });
    expect(help).toContain('Usage: cf');
    for (const command of ['convention', 'mcp', 'setup']) expect(help).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('`cf help | head -1` ends quietly when the reader closes the pipe', async () => {
    const result = await run('bash', ['-c', 'npx --no cf help | head -1; echo "status ${PIPESTATUS[0]}"'], { cwd: repoRoot });
    expect(result.stdout).toContain('Usage: cf');
    expect(result.stdout).toContain('status 0');
    expect(result.stderr).not.toContain('EPIPE');
  });

  it('`cf setup --help` says how a project sets up Jupyter', async () => {
    const help = await runOk('npx', ['--no', 'cf', 'setup', '--help'], { cwd: repoRoot });
    expect(help).toContain('npx cf setup');
    expect(help).toContain('--kernel-only');
  });
});
