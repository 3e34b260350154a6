import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cf, requireBuiltCf } from './cf-process';

// Files a user points `cf` at that are not what it expects: each error says what was
// wrong with which file, and never shows a stack or Node's raw error codes.

let home: string;
beforeAll(requireBuiltCf);
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'campfires-cf-files-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function nested(depth: number, kind: 'object' | 'array' | 'mixed'): string {
  const open = (level: number) => (kind === 'object' || (kind === 'mixed' && level % 2 === 0) ? '{"a":' : '[');
  const close = (level: number) => (kind === 'object' || (kind === 'mixed' && level % 2 === 0) ? '}' : ']');
  let text = '';
  for (let level = 0; level < depth; level += 1) text += open(level);
  text += '1';
  for (let level = depth - 1; level >= 0; level -= 1) text += close(level);
  return text;
}

function expectPlainError(output: string): void {
  expect(output).not.toMatch(/Maximum call stack|EISDIR|ENOENT|Require stack|\n\s+at /);
}

describe('cf convention lint on files that are not declarations', () => {
  it.each([
    [100, 'object'],
    [10_000, 'object'],
    [100_000, 'object'],
    [100_000, 'array'],
    [50_000, 'mixed'],
  ] as const)('names a file nested %i levels deep (%s) and exits 1', (depth, kind) => {
    const file = join(home, `deep-${kind}-${depth}.json`);
    const text = nested(depth, kind);
    // Deep inside an argument's default, and as the whole file.
    writeFileSync(file, `{"convention":"c","version":"1","operation":"deep-op","signing":"member","description":"d","args":[{"name":"a","type":"string","default":${text}}]}`);
    const run = cf(home, ['convention', 'lint', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${file} is nested more than 64 levels deep at args[0].default`);
    expectPlainError(run.stdout + run.stderr);
  });

  it('says a directory is a directory, and a missing file is missing', () => {
    const folder = join(home, 'declarations');
    mkdirSync(folder);
    const onFolder = cf(home, ['convention', 'lint', folder]);
    expect(onFolder.code).toBe(1);
    expect(onFolder.stderr).toContain(`${folder} is a directory; give one declaration .json file`);
    const missing = cf(home, ['convention', 'lint', join(home, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(home, 'nope.json')} does not exist`);
    expectPlainError(onFolder.stderr + missing.stderr);
  });
});

describe('cf serve with a handler module that cannot be used', () => {
  it.each([
    ['a missing module', 'missing.js', null, /handler module \S*missing\.js does not exist/],
    ['a module with a syntax error', 'broken.js', 'module.exports = {;', /handler module \S*broken\.js could not be loaded: Unexpected token/],
    ['a module that throws when loaded', 'throws.js', "throw new Error('no database configured');", /handler module \S*throws\.js could not be loaded: no database configured/],
  ])('names %s', (_label, name, content, expected) => {
    expect(cf(home, ['create', 'tasks']).code).toBe(0);
    const file = join(home, name);
    if (content !== null) writeFileSync(file, content);
    const run = cf(home, ['serve', 'tasks', '--handler', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(expected);
    expectPlainError(run.stderr);
  });
});

describe('cf --store on a file that is not a campfire store', () => {
  const fingerprint = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  it.each([
    ['a text file', (path: string) => writeFileSync(path, 'my shopping list\n'), 'is not a database'],
    ['a JSON file', (path: string) => writeFileSync(path, '{"runs": []}'), 'is not a database'],
  ])('refuses %s, naming it, and leaves it as it was', (_label, write, expected) => {
    const store = join(home, 'x.db');
    write(store);
    const before = fingerprint(store);
    const run = cf(home, ['--store', store, 'campfires']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${store} ${expected}`);
    expect(fingerprint(store)).toBe(before);
  });

  it('says a directory is a directory', () => {
    const run = cf(home, ['--store', home, 'campfires']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${home} is a directory; a campfire store is a file`);
  });
});
