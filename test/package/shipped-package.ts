import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** The entry points a user imports: the package's `exports`, as documented in the READMEs. */
export const ENTRY_POINTS = ['campfires', 'campfires/display', 'campfires/mcp', 'campfires/testing'] as const;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns what a terminal would show (never throws on exit codes). */
export function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 600_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && code === 1 && !stderr ? error.message : '') });
      },
    );
  });
}

/** Like `run`, but a non-zero exit is an error that shows the output. */
export async function runOk(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Fails loudly when the build is missing instead of testing stale code. */
export function requireBuilt(): void {
  if (!fs.existsSync(path.join(repoRoot, 'kernel-lib', 'dist', 'src', 'index.js'))) {
    throw new Error('kernel-lib is not built: run `npm run build` (npm test does it in test/setup/ensure.sh)');
  }
}

/** `npm pack` of kernel-lib (its prepack bundles the JupyterLab extension); returns the tarball and its file list. */
export async function packCampfires(destination: string): Promise<{ tarball: string; files: string[] }> {
  requireBuilt();
  const output = await runOk('npm', ['pack', './kernel-lib', '--pack-destination', destination, '--json', '--silent'], { cwd: repoRoot });
  const packed = JSON.parse(output.slice(output.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: path.join(destination, packed[0].filename), files: packed[0].files.map((file) => file.path) };
}

/**
 * An empty npm project in `dir` where `npm install` ran for `packages`, with the given npm
 * cache (a new, empty folder on the first use): what a new user gets from the registry.
 */
export async function installProject(dir: string, packages: string[], npmCache: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), version: '1.0.0', private: true }, null, 2));
  await runOk('npm', ['install', ...packages, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: { npm_config_cache: npmCache, npm_config_prefer_online: 'true', ...extraEnv },
    timeoutMs: 900_000,
  });
}

/** A fresh temp folder. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
