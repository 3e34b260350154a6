import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CampfireClient, CampfireStore, ConventionServer, generateTypes, listOperations, parseDeclaration, promoteDeclaration } from 'campfires';
import { executeNotebook, writeNotebook } from '../../notebooks/execute-notebook';

const fixtures = resolve(__dirname, '../../../fixtures/conventions/task-runner');

describe('convention operations in a real tslab kernel', () => {
  it('joins a campfire in a cell and calls, documents and type-checks its operations', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'campfires-cell-'));
    const storePath = join(directory, 'store.db');
    // Cells resolve `campfires` the way a user's notebook folder does: through node_modules.
    symlinkSync(resolve(__dirname, '../../../node_modules'), join(directory, 'node_modules'), 'dir');
    const store = CampfireStore.open(storePath);
    const worker = new CampfireClient(store, store.identity('worker'), { pollMs: 10 });
    store.createCampfire('tasks', worker.identity);
    const declarations = readdirSync(fixtures).map((file) => JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as unknown);
    for (const declaration of declarations) await promoteDeclaration(worker, 'tasks', declaration);
    writeFileSync(join(directory, 'tasks-types.ts'), generateTypes(declarations.map((declaration) => parseDeclaration(declaration))));
    // The handler runs in this process; the kernel reaches it through the shared store.
    const server = new ConventionServer(worker, listOperations(worker, 'tasks').map((entry) => entry.parsed));
    server.registerHandler('submit-result', async (request) => ({ payload: { accepted: request.args.result, by: 'worker' } }));
    await server.serve('tasks');
    const file = join(directory, 'cells.ipynb');
    writeNotebook(file, [
      `import { joinCampfire } from 'campfires';\nconst tasks = await joinCampfire({ campfire: 'tasks', store: ${JSON.stringify(storePath)}, identity: 'analyst' });\ntasks`,
      'tasks.ops.submitResult.help()',
      "const result = await tasks.ops.submitResult({ taskId: 'msg_task1', result: 'summary written', status: 'ok' });\nconsole.log(result.status, JSON.stringify(result.response));",
      "try { await tasks.ops.submitResult({ result: 'x'.repeat(2000), status: 'done' }); } catch (error) { console.log((error as Error).message); }",
      'tasks.ops.postTask.show();',
      "import type { CampfireOperations } from './tasks-types';\nconst ops = tasks.ops as unknown as CampfireOperations;\nvoid ops.submitResult({ taskId: 'm', result: 'r', status: 'finished' });",
      'await tasks.close();',
    ]);
    try {
      const result = await executeNotebook(file, { cwd: directory, timeoutSeconds: 180 });
      const text = (index: number) => result.cells[index]!.outputs.map((output) => `${output.text ?? ''}${(output.data?.['text/plain'] as string | undefined) ?? ''}${output.evalue ?? ''}`).join('');
      try {
        expect(text(0)).toContain('CampfireSession tasks as analyst: postTask, submitResult');
        expect(text(1)).toContain('submitResult — task-runner:submit-result@0.1: Submit a task result');
        expect(text(1)).toContain('response: sync: waits up to 10s for the reply');
        expect(text(2)).toBe('ok {"accepted":"summary written","by":"worker"}\n');
        expect(text(3)).toBe('submit-result: 3 invalid arguments: missing required arg "task_id"; result is 2000 bytes; at most 1024 bytes allowed; status must be one of ok, error (got "done")\n');
        const shown = result.cells[4]!.outputs.find((output) => output.output_type === 'display_data');
        expect(shown?.data?.['text/html']).toContain('<td><code>title</code></td>');
        expect(text(5)).toMatch(/Type '"finished"' is not assignable to type '"ok" \| "error"/);
      } finally {
        result.cleanup();
      }
    } finally {
      await server.stop();
      await worker.close();
      store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 300_000);
});
