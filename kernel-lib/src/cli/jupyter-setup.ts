import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CampfiresError } from '../core';

/** Where `cf setup` put things, for its report. */
export interface JupyterSetupResult {
  dataDir: string;
  kernel: { dir: string; tslab: string; changed: boolean };
  labextension: { dir: string; source: string } | null;
}

/** Jupyter's user data directory, as `jupyter --data-dir` prints it (JUPYTER_DATA_DIR first). */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(env.APPDATA || os.homedir(), 'jupyter');
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter');
}

/**
 * The tslab a kernel should start: the project's own (resolved from `projectDir`), else
 * the copy installed beside this package, else a global `tslab` on the PATH. A
 * project-local tslab is preferred because it resolves the project's `campfires` the way
 * the notebooks will; a global one hands over to a local one when a project has it.
 */
export function findTslab(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  for (const from of [projectDir, __dirname]) {
    try {
      return path.join(path.dirname(require.resolve('tslab/package.json', { paths: [from] })), 'bin', 'tslab');
    } catch {
      // not installed there; try the next place
    }
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'tslab');
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate);
  }
  throw new CampfiresError({
    code: 'tslab_missing',
    message: `cf setup: tslab is not installed in ${projectDir} nor on the PATH: run \`npm install tslab\` there, then \`npx cf setup\` again`,
    details: { projectDir },
  });
}

/** The prebuilt JupyterLab extension: shipped in the package, or built in this repository. */
export function findLabextension(): string | null {
  const packageDir = path.resolve(__dirname, '..', '..', '..');
  const candidates = [path.join(packageDir, 'labextension'), path.join(packageDir, '..', 'jupyterlab-extension', 'labextension')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'static'))) ?? null;
}

function writeIfChanged(file: string, text: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
  return true;
}

/** Writes the tslab kernelspec (`<data>/kernels/tslab/kernel.json`) for `tslab`; safe to run again. */
export function installKernelspec(dataDir: string, tslab: string, installedBy: string): { dir: string; changed: boolean } {
  const dir = path.join(dataDir, 'kernels', 'tslab');
  const spec = {
    argv: [process.execPath, tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (tslab)',
    language: 'typescript',
    metadata: { campfires: { installedBy } },
  };
  return { dir, changed: writeIfChanged(path.join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`) };
}

/** Copies the prebuilt extension to `<data>/labextensions/<name>`, where any JupyterLab 4 finds it. */
export function installLabextension(dataDir: string, source: string): string {
  const { name } = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')) as { name: string };
  const target = path.join(dataDir, 'labextensions', name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(source, target, { recursive: true });
  return target;
}

/**
 * Sets up Jupyter for notebooks that use campfires: the tslab kernelspec and the
 * campfires JupyterLab extension, in the user's Jupyter data directory.
 */
export function setupJupyter(options: { projectDir: string; dataDir?: string; kernelOnly?: boolean; installedBy?: string }): JupyterSetupResult {
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : jupyterDataDir();
  const tslab = findTslab(options.projectDir);
  const kernel = installKernelspec(dataDir, tslab, options.installedBy ?? 'cf setup');
  let labextension: JupyterSetupResult['labextension'] = null;
  if (!options.kernelOnly) {
    const source = findLabextension();
    if (!source) {
      throw new CampfiresError({
        code: 'labextension_missing',
        message: 'cf setup: the prebuilt JupyterLab extension is not in this copy of campfires; in the repository run `npm run setup`, or pass --kernel-only',
        details: {},
      });
    }
    labextension = { dir: installLabextension(dataDir, source), source };
  }
  return { dataDir, kernel: { ...kernel, tslab }, labextension };
}
