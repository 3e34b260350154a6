import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** `cf` as npm linked it from the package's `bin` (npm test builds before jest runs). */
export const CF = resolve(__dirname, '../../../node_modules/.bin/cf');
const BUILT = resolve(__dirname, '../../../kernel-lib/dist/src/cli/main.js');

/** Fails loudly when the build or the bin link is missing instead of testing stale code paths. */
export function requireBuiltCf(): void {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build --workspace kernel-lib first`);
  if (!existsSync(CF)) throw new Error(`${CF} is missing: run npm ci, which links the package's bin`);
}

/** Runs `cf` to completion with a store home, returning what a terminal would show. */
export function cf(home: string, args: string[], options: { input?: string; identity?: string } = {}) {
  const run = spawnSync(process.execPath, [CF, ...args], {
    encoding: 'utf8',
    input: options.input,
    env: { ...process.env, CAMPFIRES_HOME: home, CAMPFIRES_IDENTITY: options.identity ?? 'default' },
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Starts a long-running `cf` (serve, mcp) and resolves once it prints `ready`. */
export async function cfBackground(home: string, args: string[], ready: RegExp, identity = 'default'): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CF, ...args], { env: { ...process.env, CAMPFIRES_HOME: home, CAMPFIRES_IDENTITY: identity }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`cf ${args.join(' ')} did not become ready: ${text}`)), 15_000);
    const check = () => {
      if (ready.test(text)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => reject(new Error(`cf ${args.join(' ')} exited with ${code}: ${text}`)));
  });
  return {
    child,
    output: () => text,
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop(child.exitCode);
        child.once('exit', (code) => resolveStop(code));
        child.kill('SIGTERM');
      }),
  };
}
