import { inspect } from 'node:util';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { joinCampfire, promoteDeclaration, ValidationError, type CampfireSession } from 'campfires';
import { makeWorld } from './helpers';

const fixture = (path: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../fixtures/conventions', path), 'utf8'));

describe('a joined campfire in a cell', () => {
  let world: ReturnType<typeof makeWorld>;
  let session: CampfireSession;
  let worker: CampfireSession;
  beforeEach(async () => {
    world = makeWorld();
    await promoteDeclaration(world.operator, 'tasks', fixture('task-runner/submit-result.json'));
    await promoteDeclaration(world.operator, 'tasks', fixture('task-runner/post-task.json'));
    session = await joinCampfire({ campfire: 'tasks', store: world.store, identity: 'analyst', pollMs: 5 });
    worker = await joinCampfire({ campfire: 'tasks', store: world.store, identity: 'worker', pollMs: 5 });
  });
  afterEach(async () => {
    await session.close();
    await worker.close();
    await world.cleanup();
  });

  it('exposes each operation under its camelCase name and calls it with camelCase args', async () => {
    expect(Object.keys(session.ops)).toEqual(['submitResult', 'postTask']);
    const server = await worker.serve({ submitResult: async (request) => ({ payload: { thanks: request.args.task_id } }) });
    const task = await session.ops.postTask!({ title: 'Summarise', priority: 'priority:high' });
    expect(task.status).toBe('dispatched');
    const result = await session.ops.submitResult!({ taskId: task.messageId, result: 'done', status: 'ok' });
    expect(result).toMatchObject({ status: 'ok', response: { thanks: task.messageId } });
    await server.stop();
  });

  it('a validation error lists every bad field in words', async () => {
    const error = await session.ops.submitResult!({ result: 'x'.repeat(2000), status: 'done', attempts: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.message)).toEqual([
      'missing required arg "task_id"',
      'result is 2000 bytes; at most 1024 bytes allowed',
      'status must be one of ok, error (got "done")',
      'attempts is 0; the minimum is 1',
    ]);
  });

  it('help() shows args, types, limits and the response mode; inspect and toMimeBundle agree', () => {
    const help = session.ops.submitResult!.help();
    const text = inspect(help);
    expect(text).toContain('submitResult — task-runner:submit-result@0.1: Submit a task result');
    expect(text).toContain('response: sync: waits up to 10s for the reply');
    expect(text).toMatch(/taskId \(task_id\)\s+message_id: a message id\s+yes/);
    expect(text).toMatch(/attempts\s+integer: a whole number, >= 1, <= 5\s+no\s+1/);
    const bundle = session.ops.submitResult!.toMimeBundle();
    expect(bundle['text/plain']).toBe(text);
    expect(bundle['text/html']).toContain('<td><code>taskId</code></td><td><code style="white-space:nowrap">--task-id</code></td><td>message_id: a message id</td><td>yes</td>');
    expect(inspect(session.ops.submitResult)).toBe('[operation submitResult(taskId, result, status?, attempts?, metrics?) — sync: waits up to 10s for the reply]');
    expect(inspect(session.ops)).toContain('postTask             Post a task for a worker to pick up [async]');
    expect(inspect(session)).toBe('CampfireSession tasks as analyst: submitResult, postTask');
    expect(inspect(world.store)).toMatch(/^CampfireStore .*store\.db \(1 campfires, \d+ messages\)$/);
    expect(inspect(session.client)).toMatch(/^CampfireClient analyst \([0-9a-f]{12}\.\.\.\) on .*store\.db$/);
  });

  it('show() prints the text table outside a kernel', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      session.ops.postTask!.show();
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toContain('postTask — task-runner:post-task@0.1: Post a task for a worker to pick up');
  });

  it('send and read are the raw escape hatch', async () => {
    const message = await session.send({ anything: true }, { tags: ['debug'] });
    expect(session.read({ tags: ['debug'] }).map((read) => read.id)).toEqual([message.id]);
  });
});
