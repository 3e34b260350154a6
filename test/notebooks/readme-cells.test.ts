/**
 * Documentation that runs: every ```ts block of every README is a cell, executed in order
 * per file through the real tslab kernel, from the README's own folder, so a README
 * cannot drift from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { executeNotebook, writeNotebook } from './execute-notebook';
import { readmeCells, readmesWithCells, repoRoot } from './readme-cells';

const readmes = readmesWithCells();

describe('the READMEs, executed cell by cell in the real tslab kernel', () => {
  it('finds the READMEs that show cells (the main one and the library\'s among them)', () => {
    const names = readmes.map((file) => path.relative(repoRoot, file));
    expect(names).toEqual(expect.arrayContaining(['README.md', 'kernel-lib/README.md']));
  });

  it.each(readmes.map((file) => [path.relative(repoRoot, file), file]))('%s: every cell runs without an error', async (_name, file) => {
    // Cells run in a scratch folder at the README's place inside the checkout, so the
    // files they write (torch_log.db, party_box/) stay out of the sources while
    // `campfires` still resolves through the checkout's node_modules.
    fs.mkdirSync(path.join(repoRoot, 'test-artifacts'), { recursive: true });
    const work = fs.mkdtempSync(path.join(repoRoot, 'test-artifacts', 'readme-'));
    const cwd = path.join(work, path.relative(repoRoot, path.dirname(file)));
    fs.mkdirSync(cwd, { recursive: true });
    const notebook = path.join(work, 'readme.ipynb');
    const cells = readmeCells(file);
    writeNotebook(notebook, cells);
    const result = await executeNotebook(notebook, {
      cwd,
      timeoutSeconds: 180,
      env: { CAMPFIRES_HOME: path.join(work, 'home'), CAMPFIRES_MODEL: 'offline', OLLAMA_HOST: 'http://127.0.0.1:9' },
    });
    try {
      const failures = result.cells
        // tslab reports a type error as a stderr line "line:column - message" and runs nothing.
        .map((cell, index) => ({ index, errors: cell.outputs.filter((output) => output.output_type === 'error' || (output.output_type === 'stream' && output.name === 'stderr' && /^\d+:\d+ - |error/im.test(String(output.text)))) }))
        .filter((cell) => cell.errors.length > 0)
        .map((cell) => `cell ${cell.index + 1}:\n${cells[cell.index]}\n=> ${cell.errors.map((output) => `${output.ename ?? ''} ${output.evalue ?? ''} ${output.text ?? ''}`).join('\n')}`);
      expect(failures).toEqual([]);
      expect(result.cells).toHaveLength(cells.length);
      // Every cell ran: none was left without an execution.
      expect(result.cells.every((cell) => cell.outputs.length > 0 || /^\s*(import|const|let|type|interface)\b/m.test(cell.source))).toBe(true);
    } finally {
      result.cleanup();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
