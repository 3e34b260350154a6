import { z } from 'zod';
import { ConventionExecutor, ConventionServer, MemoryChannelBus, ScriptedModel, generateObject, PermissionError, ValidationError, createMessage, hasTag, signMessage, generateSigningKeys } from 'campfires';
import { declare, makeWorld } from './helpers';

const args = [
  { name: 'task_id', type: 'message_id', required: true },
  { name: 'result', type: 'string', required: true, max_length: 64 },
];
const sync = declare({ args, produces_tags: [{ tag: 'result:submitted', cardinality: 'exactly_one' }], antecedents: 'exactly_one(target)', response: 'sync', response_timeout: '5s' });

describe('executor and server: response modes', () => {
  let world: ReturnType<typeof makeWorld>;
  beforeEach(() => (world = makeWorld()));
  afterEach(() => world.cleanup());

  async function serve(handler: Parameters<ConventionServer['registerHandler']>[1], parsed = sync) {
    const server = new ConventionServer(world.operator, [parsed]);
    server.registerHandler(parsed.declaration.operation, handler);
    await server.serve('tasks');
    return server;
  }

  it('sync: sends a future-tagged request and returns the fulfilment that names it', async () => {
    const server = await serve(async (request) => ({ payload: { accepted: request.args.result } }));
    const result = await new ConventionExecutor(world.worker).execute(sync, 'tasks', { taskId: 'msg_task', result: 'done' });
    expect(result).toMatchObject({ status: 'ok', response: { accepted: 'done' }, tags: ['result:submitted', 'future'] });
    const request = world.store.message(result.messageId);
    expect(request?.antecedents).toEqual(['msg_task']);
    const reply = world.store.message(result.responseMessageId as string);
    expect(reply?.tags).toEqual(['fulfills']);
    expect(reply?.antecedents).toEqual([result.messageId]);
    await server.stop();
  });

  it('sync: a handler error comes back tagged fulfills, convention:error with its message', async () => {
    const server = await serve(async () => {
      throw new Error('task already closed');
    });
    const result = await new ConventionExecutor(world.worker).execute(sync, 'tasks', { task_id: 'msg_task', result: 'done' });
    expect(result).toMatchObject({ status: 'error', error: 'task already closed', response: { error: 'task already closed' } });
    expect(world.store.message(result.responseMessageId as string)?.tags).toEqual(['fulfills', 'convention:error']);
    await server.stop();
  });

  it('sync: no result means no reply, and the caller gets a timeout with the message id and elapsed time', async () => {
    const server = await serve(async () => null);
    const result = await new ConventionExecutor(world.worker).execute(sync, 'tasks', { task_id: 'msg_task', result: 'done' }, { waitTimeout: 300 });
    expect(result.status).toBe('timeout');
    expect(world.store.message(result.messageId)).not.toBeNull();
    expect(result.elapsedMs).toBeGreaterThanOrEqual(290);
    expect(world.store.messages({ tags: ['fulfills'] })).toEqual([]);
    await server.stop();
  });

  it('sync with wait: false dispatches without waiting', async () => {
    const result = await new ConventionExecutor(world.worker).execute(sync, 'tasks', { task_id: 'msg_task', result: 'done' }, { wait: false });
    expect(result.status).toBe('dispatched');
    expect(hasTag(world.store.message(result.messageId)!, 'future')).toBe(true);
  });

  it.each([
    ['async', 'dispatched'],
    ['none', 'sent'],
    [undefined, 'sent'],
  ])('response %s returns %s at once, with no future tag', async (response, status) => {
    const parsed = declare({ args, response });
    const result = await new ConventionExecutor(world.worker).execute(parsed, 'tasks', { task_id: 'm', result: 'r' });
    expect(result.status).toBe(status);
    expect(result.tags).toEqual(['task-runner:submit-result']);
  });

  it('the server finds messages by <convention>:<operation> when no static exactly_one tag is declared', async () => {
    const parsed = declare({ args, response: 'sync', response_timeout: '5s' });
    const server = await serve(async () => ({ ok: true }), parsed);
    const result = await new ConventionExecutor(world.worker).execute(parsed, 'tasks', { task_id: 'm', result: 'r' });
    expect(result).toMatchObject({ status: 'ok', response: { ok: true } });
    await server.stop();
  });

  it('sends nothing when validation fails, and lists every bad arg', async () => {
    const before = world.store.lastSeq();
    await expect(new ConventionExecutor(world.worker).execute(sync, 'tasks', { result: 'x'.repeat(65) })).rejects.toThrow(
      'submit-result: 2 invalid arguments: missing required arg "task_id"; result is 65 bytes; at most 64 bytes allowed',
    );
    expect(world.store.lastSeq()).toBe(before);
  });

  it('self_prior antecedents take the caller\'s last message of the operation', async () => {
    const parsed = declare({ antecedents: 'exactly_one(self_prior)', response: 'none' });
    const executor = new ConventionExecutor(world.worker);
    await expect(executor.execute(parsed, 'tasks', {})).rejects.toThrow('follows your previous task-runner:submit-result message, and there is none yet');
    const first = await executor.execute(declare({ response: 'none' }), 'tasks', {});
    const second = await executor.execute(parsed, 'tasks', {});
    expect(world.store.message(second.messageId)?.antecedents).toEqual([first.messageId]);
  });

  it('a handler can be a model call today and plain code tomorrow; the caller cannot tell', async () => {
    const verdictSchema = z.object({ accepted: z.boolean(), note: z.string() });
    const model = new ScriptedModel(['```json\n{"accepted": true, "note": "looks complete"}\n```']);
    const server = await serve(async (request) => {
      const { value } = await generateObject({ model, schema: verdictSchema, messages: [{ role: 'user', content: `Judge this result: ${request.args.result}` }] });
      return { payload: value };
    });
    const executor = new ConventionExecutor(world.worker);
    const fromModel = await executor.execute(sync, 'tasks', { task_id: 'm', result: 'done' });
    server.registerHandler('submit-result', async () => ({ payload: { accepted: true, note: 'looks complete' } }));
    const fromCode = await executor.execute(sync, 'tasks', { task_id: 'm', result: 'done' });
    expect(fromModel.response).toEqual({ accepted: true, note: 'looks complete' });
    const shape = (result: typeof fromModel) => ({ status: result.status, response: result.response, tags: result.tags, args: result.args });
    expect(shape(fromCode)).toEqual(shape(fromModel));
    expect(model.requests[0]?.messages.map((message) => message.content)).toContainEqual('Judge this result: done');
    await server.stop();
  });

  it('works over an in-process MemoryChannelBus as well', async () => {
    await world.cleanup();
    const bus = new MemoryChannelBus();
    world = makeWorld({ bus: () => bus });
    const server = await serve(async (request) => ({ echo: request.args.result }));
    const result = await new ConventionExecutor(world.worker).execute(sync, 'tasks', { task_id: 'm', result: 'over memory' });
    expect(result).toMatchObject({ status: 'ok', response: { echo: 'over memory' } });
    await server.stop();
  });
});

describe('signing, provenance and refusals', () => {
  let world: ReturnType<typeof makeWorld>;
  beforeEach(() => (world = makeWorld()));
  afterEach(() => world.cleanup());

  it('refuses a forged signature: the handler never runs', async () => {
    const handled: string[] = [];
    const server = new ConventionServer(world.operator, [sync]);
    server.registerHandler('submit-result', async (request) => (handled.push(request.message.id), { ok: true }));
    await server.serve('tasks');
    const genuine = createMessage({ channel: 'tasks', sender: world.worker.identity.publicKey, tags: ['result:submitted', 'future'], payload: { task_id: 'm', result: 'r' } });
    const attacker = generateSigningKeys();
    const forged = { ...signMessage(genuine, attacker), sender: world.worker.identity.publicKey };
    const tampered = { ...signMessage({ ...genuine, id: 'msg_tampered' }, world.worker.identity), payload: { task_id: 'm', result: 'changed' } };
    await world.worker.publish(forged);
    await world.worker.publish(tampered);
    await world.operator.bus.drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handled).toEqual([]);
    expect(server.refused.map((refusal) => refusal.reason)).toEqual([expect.stringContaining('does not verify'), expect.stringContaining('does not verify')]);
    await server.stop();
  });

  it('refuses min_operator_level below the caller\'s level before sending', async () => {
    const parsed = declare({ min_operator_level: 2, response: 'none' });
    await expect(new ConventionExecutor(world.worker).execute(parsed, 'tasks', {})).rejects.toThrow(PermissionError);
    await expect(new ConventionExecutor(world.worker).execute(parsed, 'tasks', {})).rejects.toThrow('needs operator level 2; worker is at level 0 in tasks');
    world.store.setOperatorLevel(world.campfire.id, world.worker.identity.publicKey, 2);
    await expect(new ConventionExecutor(world.worker).execute(parsed, 'tasks', {})).resolves.toMatchObject({ status: 'sent' });
  });

  it('campfire_key operations are signed with the campfire key by its operator and refused for members', async () => {
    const parsed = declare({ signing: 'campfire_key', response: 'sync', response_timeout: '5s', produces_tags: [{ tag: 'relay:route', cardinality: 'exactly_one' }] });
    const server = new ConventionServer(world.worker, [parsed]);
    server.registerHandler('submit-result', async () => ({ routed: true }));
    await server.serve('tasks');
    await expect(new ConventionExecutor(world.worker).execute(parsed, 'tasks', {})).rejects.toThrow('signed with the campfire key of tasks, which worker does not hold');
    const result = await new ConventionExecutor(world.operator).execute(parsed, 'tasks', {});
    expect(result).toMatchObject({ status: 'ok', response: { routed: true } });
    expect(world.store.message(result.messageId)?.sender).toBe(world.campfire.publicKey);
    // A member signing the operation's message itself is refused by the server with an error fulfilment.
    const sneaky = await world.worker.send({ campfire: 'tasks', tags: ['relay:route', 'future'], payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reply = world.store.messages({ tags: ['convention:error'] }).map((row) => row.message).find((message) => message.antecedents.includes(sneaky.id));
    expect(reply?.payload).toEqual({ error: 'submit-result must be signed with the campfire key; a member signed it' });
    await server.stop();
  });

  it('refuses senders who are not members', async () => {
    const outsider = world.client('outsider');
    await expect(new ConventionExecutor(outsider).execute(declare({ response: 'none' }), 'tasks', {})).rejects.toThrow('outsider is not a member of tasks; join it first');
  });

  it('re-validates args on the server and replies with the problem', async () => {
    const server = new ConventionServer(world.operator, [sync]);
    server.registerHandler('submit-result', async () => ({ ok: true }));
    await server.serve('tasks');
    const raw = await world.worker.send({ campfire: 'tasks', tags: ['result:submitted'], payload: { result: 42 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reply = world.store.messages({ tags: ['fulfills'] }).map((row) => row.message).find((message) => message.antecedents.includes(raw.id));
    expect(reply?.tags).toEqual(['fulfills', 'convention:error']);
    expect((reply?.payload as { error: string }).error).toContain('missing required arg "task_id"');
    await server.stop();
  });

  it('a validation error is a ValidationError with one issue per field', async () => {
    const error = await new ConventionExecutor(world.worker).execute(sync, 'tasks', { task_id: 'bad id', result: 7 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.field)).toEqual(['task_id', 'result']);
  });
});
