import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** The ```ts blocks of a Markdown file, in order: the cells a reader would type. */
export function readmeCells(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^```ts[^\S\n]*\n([\s\S]*?)^```[^\S\n]*$/gm)].map((match) => match[1].replace(/\n$/, ''));
}

/** Every README in the repository (outside node_modules and built copies) that shows cells. */
export function readmesWithCells(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || ['node_modules', 'dist', 'lib', 'labextension', 'test-artifacts', 'fixtures'].includes(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^README\.md$/i.test(entry.name) && readmeCells(full).length > 0) found.push(full);
    }
  };
  walk(repoRoot);
  return found.sort();
}
