import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One output of an executed cell, as nbformat stores it. */
export interface CellOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error' | 'update_display_data';
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  transient?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** An executed notebook: its code cells' sources and outputs, in order. */
export interface ExecutedNotebook {
  cells: Array<{ source: string; outputs: CellOutput[] }>;
  /** All errors (cell error outputs), as `ename: evalue`. */
  errors: string[];
  /** Every stream text and text/plain of every output, joined: what a person reads. */
  text: string;
  /** Every MIME type any output carries. */
  mimeTypes: Set<string>;
  /** The executed notebook file (kept in the temp dir until `cleanup`). */
  file: string;
}

const repoRoot = path.resolve(__dirname, '..', '..');
const nbclientScript = `
import sys, nbformat
from nbclient import NotebookClient
source, target, cwd, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
nb = nbformat.read(source, as_version=4)
client = NotebookClient(nb, kernel_name='tslab', timeout=timeout, allow_errors=True,
                        resources={'metadata': {'path': cwd}})
client.execute()
nbformat.write(nb, target)
`;

function joinText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join('') : (value ?? '');
}

/**
 * Executes a notebook through the real tslab kernel with Jupyter's own client
 * (Debian's python3-nbclient), from the notebook's own folder (or `cwd`), using a kernelspec
 * written by kernel-lib/scripts/install-kernelspec.js into a temp Jupyter data dir.
 */
export async function executeNotebook(
  notebook: string,
  options: {
    timeoutSeconds?: number;
    cwd?: string;
    /** More environment for Jupyter and the kernel (e.g. CAMPFIRES_HOME). */
    env?: NodeJS.ProcessEnv;
    /** A Jupyter data dir whose `kernels/tslab` is already installed; by default this checkout's kernelspec is written to a temp one. */
    jupyterDataDir?: string;
  } = {},
): Promise<ExecutedNotebook & { cleanup(): void }> {
  if (!fs.existsSync(path.join(repoRoot, 'kernel-lib', 'dist', 'src', 'index.js'))) {
    throw new Error('kernel-lib is not built: run `npm run build` (npm test does it in test/setup/ensure.sh)');
  }
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-nb-'));
  const env = {
    ...process.env,
    ...options.env,
    JUPYTER_DATA_DIR: options.jupyterDataDir ?? path.join(temp, 'data'),
    JUPYTER_RUNTIME_DIR: path.join(temp, 'runtime'),
    JUPYTER_CONFIG_DIR: path.join(temp, 'config'),
    JUPYTER_PLATFORM_DIRS: '1',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  const run = (file: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(file, args, { env, cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`${path.basename(file)} failed: ${error.message}\n${stderr}`)) : resolve(),
      );
    });
  const target = path.join(temp, path.basename(notebook));
  const timeout = options.timeoutSeconds ?? 120;
  if (!options.jupyterDataDir) await run(process.execPath, [path.join(repoRoot, 'kernel-lib', 'scripts', 'install-kernelspec.js')]);
  await run('/usr/bin/python3', ['-c', nbclientScript, path.resolve(notebook), target, options.cwd ?? path.dirname(path.resolve(notebook)), String(timeout)]);
  const saved = JSON.parse(fs.readFileSync(target, 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[]; outputs?: CellOutput[] }> };
  // nbformat stores multi-line text as arrays of lines; join them back.
  const normalize = (output: CellOutput): CellOutput => ({
    ...output,
    ...(output.text !== undefined ? { text: joinText(output.text) } : {}),
    ...(output.data
      ? { data: Object.fromEntries(Object.entries(output.data).map(([type, value]) => [type, Array.isArray(value) && value.every((line) => typeof line === 'string') ? value.join('') : value])) }
      : {}),
  });
  const cells = saved.cells.filter((cell) => cell.cell_type === 'code').map((cell) => ({ source: joinText(cell.source), outputs: (cell.outputs ?? []).map(normalize) }));
  const outputs = cells.flatMap((cell) => cell.outputs);
  return {
    cells,
    errors: outputs.filter((output) => output.output_type === 'error').map((output) => `${output.ename}: ${output.evalue}`),
    text: outputs.map((output) => joinText(output.text) + joinText(output.data?.['text/plain'] as string | string[] | undefined)).join('\n'),
    mimeTypes: new Set(outputs.flatMap((output) => Object.keys(output.data ?? {}))),
    file: target,
    cleanup: () => fs.rmSync(temp, { recursive: true, force: true }),
  };
}

/** Writes a notebook file from code cell sources (for small probe notebooks in tests). */
export function writeNotebook(file: string, cells: string[]): void {
  const notebook = {
    cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (tslab)', language: 'typescript' }, language_info: { name: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
}
