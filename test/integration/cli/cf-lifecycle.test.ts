import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cf, cfBackground, requireBuiltCf } from './cf-process';

const fixtures = resolve(__dirname, '../../../fixtures/conventions');

describe('cf convention lint', () => {
  const home = mkdtempSync(join(tmpdir(), 'campfires-cf-lint-'));
  beforeAll(requireBuiltCf);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('exits 0 and says ok for a valid declaration', () => {
    expect(cf(home, ['convention', 'lint', join(fixtures, 'task-runner/submit-result.json')])).toEqual({ code: 0, stdout: 'ok: declaration is valid\n', stderr: '' });
  });

  it('names the problem of each invalid fixture and exits 1', () => {
    for (const file of readdirSync(join(fixtures, 'invalid'))) {
      const run = cf(home, ['convention', 'lint', join(fixtures, 'invalid', file)]);
      expect({ file, code: run.code }).toEqual({ file, code: 1 });
      expect(run.stdout).toMatch(/^error \[\S+\]: /);
    }
    expect(cf(home, ['convention', 'lint', join(fixtures, 'invalid/reserved-tag-fulfills.json')]).stdout).toBe(
      'error [produces_tags[0].tag]: "FULFILLS" is a reserved tag; declarations may not produce it\n',
    );
    expect(cf(home, ['convention', 'lint', join(fixtures, 'invalid/not-json.json')]).stdout).toContain(`error [(root)]: ${join(fixtures, 'invalid/not-json.json')} is not valid JSON`);
  }, 120_000);

  it('reads stdin with -, exits 2 on warnings only, and prints {valid, errors, warnings} with --json', () => {
    const input = readFileSync(join(fixtures, 'warnings/rate-limit-above-ceiling.json'), 'utf8');
    const run = cf(home, ['convention', 'lint', '-'], { input });
    expect(run.code).toBe(2);
    expect(run.stdout.split('\n')[0]).toBe('warning [rate_limit.max]: rate_limit.max 500 is above the ceiling of 100; clamped to 100');
    const json = cf(home, ['convention', 'lint', '-', '--json'], { input });
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, errors: [], warnings: [{ severity: 'warning', code: 'rate_limit_clamped', field: 'rate_limit.max' }, { code: 'rate_limit_window_raised' }] });
  });
});

describe('lint -> test -> promote -> call, across processes', () => {
  const home = mkdtempSync(join(tmpdir(), 'campfires-cf-life-'));
  const handler = join(home, 'handler.js');
  beforeAll(() => {
    requireBuiltCf();
    writeFileSync(handler, "module.exports = { 'submit-result': async (request) => ({ accepted: true, task: request.args.task_id, status: request.args.status ?? null }), 'flag-post': async () => { throw new Error('moderators are away'); } };\n");
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('tests a directory in the digital twin with PASS per operation', () => {
    const run = cf(home, ['convention', 'test', join(fixtures, 'task-runner')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASS post-task .*\n(.*\n){5}PASS submit-result/);
    expect(run.stdout).toContain('2/2 passed');
    const json = JSON.parse(cf(home, ['convention', 'test', join(fixtures, 'invalid/unknown-arg-type.json'), '--json']).stdout);
    expect(json).toMatchObject({ passed: false, results: [{ status: 'FAIL', steps: [{ step: 'lint', ok: false }] }] });
  });

  it('promotes, serves and calls a sync operation from another process', async () => {
    expect(cf(home, ['create', 'tasks']).stdout).toMatch(/^created campfire tasks \([0-9a-f]{64}\)\n$/);
    expect(cf(home, ['convention', 'promote', join(fixtures, 'task-runner'), '--registry', 'tasks']).stdout).toMatch(/promoted task-runner:post-task@0\.1 to tasks .*\npromoted task-runner:submit-result@0\.1/);
    expect(cf(home, ['convention', 'promote', join(fixtures, 'task-runner/post-task.json'), '--registry', 'tasks']).stdout).toMatch(/^skipped task-runner:post-task@0\.1: already promoted/);
    expect(cf(home, ['convention', 'promote', join(fixtures, 'invalid/unknown-arg-type.json'), '--registry', 'tasks']).code).toBe(1);
    expect(cf(home, ['join', 'tasks'], { identity: 'worker' }).stdout).toBe('joined tasks as worker; 2 operation(s): post-task, submit-result\n');

    const help = cf(home, ['tasks', 'help']);
    expect(help.stdout).toContain('  post-task              Post a task for a worker to pick up\n  submit-result          Submit a task result\n');
    const opHelp = cf(home, ['tasks', 'submit-result', '--help']).stdout;
    expect(opHelp).toContain('--task-id <message_id>');
    expect(opHelp).toContain('--status <ok|error>');
    expect(opHelp).toContain('--no-wait');
    expect(opHelp).toContain('response: sync: waits up to 10s for the reply');

    const posted = cf(home, ['tasks', 'post-task', '--title', 'Summarise the thread', '--priority', 'high', '--labels', 'docs,urgent']);
    expect(posted.stdout).toMatch(/^dispatched msg_\S+\n$/);
    const taskId = posted.stdout.trim().split(' ')[1] as string;
    expect(cf(home, ['read', 'tasks', '--tag', 'task:posted']).stdout).toContain('[task:posted, priority:high] {"title":"Summarise the thread","priority":"priority:high","labels":["docs","urgent"]}');

    const server = await cfBackground(home, ['serve', 'tasks', '--handler', handler], /serving tasks: submit-result/, 'worker');
    try {
      const call = cf(home, ['tasks', 'submit-result', '--task-id', taskId, '--result', 'done', '--status', 'ok']);
      expect(call.code).toBe(0);
      expect(call.stdout).toMatch(new RegExp(`^\\{\\n  "accepted": true,\\n  "task": "${taskId}",\\n  "status": "ok"\\n\\}\\n\\(reply msg_\\S+ to msg_\\S+ in \\d+ ms\\)\\n$`));
      const json = JSON.parse(cf(home, ['tasks', 'submit-result', '--task-id', taskId, '--result', 'again', '--json']).stdout);
      expect(json).toMatchObject({ status: 'ok', response: { accepted: true, status: null }, tags: ['result:submitted', 'future'], args: { attempts: 1 } });
      expect(cf(home, ['tasks', 'submit-result', '--task-id', taskId, '--result', 'later', '--no-wait']).stdout).toMatch(/^dispatched msg_/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const timeout = cf(home, ['tasks', 'submit-result', '--task-id', taskId, '--result', 'nobody', '--wait-timeout', '1s']);
    expect(timeout.code).toBe(3);
    expect(timeout.stdout).toMatch(/^timeout: no reply to msg_\S+ after \d+ ms/);
  }, 180_000);

  it('lists every invalid flag at once and sends nothing', () => {
    const before = cf(home, ['read', 'tasks', '--limit', '1000']).stdout;
    const run = cf(home, ['tasks', 'submit-result', '--result', 'x', '--status', 'maybe', '--attempts', '9', '--metrics', '[1]']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        'error: convention_args_invalid: 4 problems',
        '  - missing required arg "task_id"',
        '  - status must be one of ok, error (got "maybe")',
        '  - attempts is 9; the maximum is 5',
        '  - metrics must be a JSON object (or a string holding one) (got "[1]")',
        '',
      ].join('\n'),
    );
    expect(cf(home, ['read', 'tasks', '--limit', '1000']).stdout).toBe(before);
  });

  it('says an operation does not exist and lists those that do', () => {
    const unknown = cf(home, ['tasks', 'no-such-op']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: tasks has no operation "no-such-op"; it has post-task, submit-result\n');
    expect(cf(home, ['tasks', 'no-such-op', '--flag', 'x']).stderr).toContain('tasks has no operation "no-such-op"');
    expect(cf(home, ['tasks']).stdout).toContain('post-task');
  });

  it('cuts a long description in the operation list on a character boundary', () => {
    const declaration = join(home, 'moon.json');
    writeFileSync(declaration, JSON.stringify({ convention: 'moon', version: '1', operation: 'phase', signing: 'member_key', description: `The moon ${'🌕'.repeat(80)}` }));
    expect(cf(home, ['convention', 'promote', declaration, '--registry', 'tasks']).code).toBe(0);
    const help = cf(home, ['tasks', 'help']).stdout;
    const line = help.split('\n').find((entry) => entry.startsWith('  phase')) as string;
    expect(line).toMatch(/^ {2}phase {18}The moon (🌕)+…$/);
    expect(line).not.toContain('\ufffd');
  });

  it('send and read work at the raw layer; an unknown campfire names the known ones', () => {
    const sent = cf(home, ['send', 'tasks', '{"hello":"raw"}', '--tag', 'debug']);
    expect(sent.stdout).toMatch(/^msg_\S+\n$/);
    expect(cf(home, ['read', 'tasks', '--tag', 'debug', '--json']).stdout).toContain('"payload":{"hello":"raw"}');
    const unknown = cf(home, ['nowhere', 'help']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no campfire "nowhere" in .*; known: tasks/);
  });

  it('generates TypeScript types for a directory', () => {
    const run = cf(home, ['convention', 'types', join(fixtures, 'moderation-queue')]);
    expect(run.stdout).toContain('export interface FlagPostArgs {');
    expect(run.stdout).toContain('  reason: "reason:spam" | "reason:abuse" | "reason:off-topic";');
  });
});
