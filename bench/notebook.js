#!/usr/bin/env node
/**
 * What a cell costs in the real tslab kernel, driven through Jupyter's own client
 * (Debian's python3 jupyter_client), as a teaching session feels it:
 *   - the first `import … from 'campfires'` cell (target ≤ 1.5 s);
 *   - a trivial cell after that import, against the same cell before it (target ≤ 2×):
 *     tslab type-checks every cell against the declarations the notebook imported.
 * Medians over several fresh kernels; every run's figures are printed.
 *   node bench/notebook.js [--kernels 3] [--cells 7]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const kernels = option('kernels', 3);
const cells = option('cells', 7);

const driver = String.raw`
import json, sys, time
from jupyter_client.manager import start_new_kernel
cwd, cells = sys.argv[1], int(sys.argv[2])
km, kc = start_new_kernel(kernel_name='tslab', cwd=cwd, startup_timeout=120)
def run(code):
    started = time.perf_counter()
    msg_id = kc.execute(code)
    error = None
    while True:
        msg = kc.get_iopub_msg(timeout=300)
        if msg['parent_header'].get('msg_id') != msg_id: continue
        if msg['msg_type'] == 'error': error = msg['content']['evalue']
        if msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle': break
    if error: raise SystemExit('cell failed: ' + error)
    return time.perf_counter() - started
try:
    run('const warm = 0;')
    before = [run('1 + 1') for _ in range(cells)]
    imported = run("import { createTorch, Campfire, createToolCamper } from 'campfires';")
    after = [run('1 + 1') for _ in range(cells)]
    print(json.dumps({'before': before, 'import': imported, 'after': after}))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const seconds = (value) => `${value.toFixed(2)} s`;

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-bench-notebook-'));
const env = { ...process.env, JUPYTER_DATA_DIR: path.join(temp, 'data'), JUPYTER_RUNTIME_DIR: path.join(temp, 'runtime'), JUPYTER_CONFIG_DIR: path.join(temp, 'config'), JUPYTER_PLATFORM_DIRS: '1' };
try {
  execFileSync(process.execPath, [path.join(root, 'kernel-lib', 'scripts', 'install-kernelspec.js')], { env, stdio: 'ignore' });
  const runs = [];
  for (let kernel = 1; kernel <= kernels; kernel += 1) {
    const output = execFileSync('/usr/bin/python3', ['-c', driver, path.join(root, 'notebooks'), String(cells)], { env, encoding: 'utf8' });
    const run = JSON.parse(output.trim().split('\n').pop());
    runs.push(run);
    console.log(`kernel ${kernel}: trivial cell before import ${seconds(median(run.before))} (median of ${cells}), import cell ${seconds(run.import)}, trivial cell after import ${seconds(median(run.after))}`);
  }
  const importCell = median(runs.map((run) => run.import));
  const before = median(runs.flatMap((run) => run.before));
  const after = median(runs.flatMap((run) => run.after));
  console.log('');
  console.log(`first import cell: ${seconds(importCell)} (median of ${kernels} kernels; target ≤ 1.5 s: ${importCell <= 1.5 ? 'met' : 'NOT met'})`);
  console.log(`trivial cell after the import: ${seconds(after)} against ${seconds(before)} before it = ${(after / before).toFixed(2)}× (target ≤ 2×: ${after / before <= 2 ? 'met' : 'NOT met'})`);
} finally {
  fs.rmSync(temp, { recursive: true, force: true });
}
