import type { Command } from 'commander';
import { out } from './cli-output';
import { setupJupyter } from './jupyter-setup';

/** `cf setup`: the tslab kernelspec and the JupyterLab extension, for a project that installed campfires. */
export function addSetupCommand(program: Command): void {
  program
    .command('setup')
    .description('install the tslab Jupyter kernel and the campfires JupyterLab extension for this project')
    .option('--data-dir <dir>', 'Jupyter data directory (default $JUPYTER_DATA_DIR or Jupyter\'s user data directory)')
    .option('--kernel-only', 'install the kernelspec only, not the JupyterLab extension')
    .addHelpText('after', '\nRun it in the folder of your project (where `npm install campfires tslab` put node_modules):\n  npx cf setup\nthen open JupyterLab 4 and pick the "TypeScript (tslab)" kernel.')
    .action((options: { dataDir?: string; kernelOnly?: boolean }) => {
      const result = setupJupyter({ projectDir: process.cwd(), dataDir: options.dataDir, kernelOnly: options.kernelOnly });
      out(`kernelspec: "TypeScript (tslab)" ${result.kernel.changed ? 'installed' : 'already installed'} at ${result.kernel.dir} (tslab ${result.kernel.tslab})`);
      if (result.labextension) out(`labextension: campfires-jupyterlab installed at ${result.labextension.dir}`);
    });
}
