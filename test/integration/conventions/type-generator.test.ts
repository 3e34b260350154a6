import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateTypes, parseDeclaration } from 'campfires';

const root = resolve(__dirname, '../../..');
const fixtures = join(root, 'fixtures/conventions/task-runner');

describe('generated TypeScript types', () => {
  const declarations = readdirSync(fixtures).map((file) => parseDeclaration(JSON.parse(readFileSync(join(fixtures, file), 'utf8'))));
  const text = generateTypes(declarations, 'fixtures/conventions/task-runner');

  it('have an Args interface per operation and camelCase members', () => {
    expect(text).toContain('export interface SubmitResultArgs {');
    expect(text).toContain('  taskId: string;');
    expect(text).toContain('  status?: "ok" | "error";');
    expect(text).toContain('  priority?: "priority:low" | "priority:normal" | "priority:high";');
    expect(text).toContain('  submitResult: ((args: SubmitResultArgs, options?: ExecuteOptions) => Promise<ExecutionResult>) & { help(): OperationHelp };');
  });

  it('make the compiler catch a wrong enum value and a missing required arg in a cell', () => {
    const directory = mkdtempSync(join(tmpdir(), 'campfires-types-'));
    try {
      writeFileSync(join(directory, 'tasks.d.ts'), text);
      writeFileSync(
        join(directory, 'cell.ts'),
        [
          "import type { CampfireOperations } from './tasks';",
          'declare const ops: CampfireOperations;',
          "void ops.submitResult({ taskId: 'm', result: 'r', status: 'ok' });",
          "void ops.submitResult({ taskId: 'm', result: 'r', status: 'done' });",
          "void ops.submitResult({ result: 'r' });",
        ].join('\n'),
      );
      // The built package's declarations, as a notebook resolves `campfires` (npm test builds first).
      const tsconfig = {
        compilerOptions: { strict: true, noEmit: true, module: 'node16', moduleResolution: 'node16', skipLibCheck: true, types: [], baseUrl: '.', paths: { campfires: [join(root, 'kernel-lib/dist/src/index.d.ts')] } },
        files: ['cell.ts'],
      };
      writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify(tsconfig));
      const run = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', directory, '--pretty', 'false'], { encoding: 'utf8' });
      const errors = run.stdout.trim().split('\n');
      expect(errors).toEqual([
        expect.stringMatching(/cell\.ts\(4,.*Type '"done"' is not assignable to type '"ok" \| "error" \| undefined'/),
        expect.stringMatching(/cell\.ts\(5,.*not assignable to parameter of type 'SubmitResultArgs'/),
        expect.stringMatching(/Property 'taskId' is missing/),
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
