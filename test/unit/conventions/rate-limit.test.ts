import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CampfireClient, CampfireStore, ConventionExecutor, ManualClock, MemoryCounterStore, RateLimitedError } from 'campfires';
import { declare, makeWorld } from './helpers';

const limited = (per: string) => declare({ response: 'none', rate_limit: { max: 2, per, window: '1m' }, args: [{ name: 'n', type: 'integer', min: 0 }] });

describe('fixed-window rate limits', () => {
  let world: ReturnType<typeof makeWorld>;
  beforeEach(() => (world = makeWorld()));
  afterEach(() => world.cleanup());

  it('are shared by every executor on the store and refuse the call over the limit before sending', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const parsed = limited('sender');
    await new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {});
    await new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {});
    const before = world.store.lastSeq();
    const third = new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {});
    await expect(third).rejects.toThrow(RateLimitedError);
    await expect(new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {})).rejects.toThrow('rate limit exceeded: max 2 per 1m');
    expect(world.store.lastSeq()).toBe(before);
    // Another sender has its own count; a new window starts fresh.
    await expect(new ConventionExecutor(world.operator, { clock }).execute(parsed, 'tasks', {})).resolves.toMatchObject({ status: 'sent' });
    clock.advance(60_000);
    await expect(new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {})).resolves.toMatchObject({ status: 'sent' });
  });

  it('count only successful sends: a refused call does not use the budget', async () => {
    const clock = new ManualClock();
    const parsed = limited('sender');
    const executor = new ConventionExecutor(world.worker, { clock });
    await expect(executor.execute(parsed, 'tasks', { n: -1 })).rejects.toThrow('n is -1');
    await executor.execute(parsed, 'tasks', {});
    await executor.execute(parsed, 'tasks', {});
    await expect(executor.execute(parsed, 'tasks', {})).rejects.toThrow(RateLimitedError);
  });

  it('per campfire_id counts every sender together', async () => {
    const clock = new ManualClock();
    const parsed = limited('campfire_id');
    await new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {});
    await new ConventionExecutor(world.operator, { clock }).execute(parsed, 'tasks', {});
    await expect(new ConventionExecutor(world.operator, { clock }).execute(parsed, 'tasks', {})).rejects.toThrow(RateLimitedError);
  });

  it('survive closing and reopening the store (a kernel restart)', async () => {
    const clock = new ManualClock();
    const parsed = limited('sender_and_campfire_id');
    await new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {});
    await new ConventionExecutor(world.worker, { clock }).execute(parsed, 'tasks', {});
    await world.worker.close();
    world.store.close();
    const reopened = CampfireStore.open(world.path);
    const client = new CampfireClient(reopened, reopened.identity('worker'));
    const error = await new ConventionExecutor(client, { clock }).execute(parsed, 'tasks', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAt).toBe(Math.floor(clock.now() / 60_000) * 60_000 + 60_000);
    await client.close();
    reopened.close();
  });

  it('hold under concurrency: 10 calls at once against max 3 send exactly 3 and refuse 7', async () => {
    const parsed = declare({ response: 'none', rate_limit: { max: 3, per: 'sender', window: '1h' } });
    const executor = new ConventionExecutor(world.worker);
    const before = world.store.lastSeq();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => executor.execute(parsed, 'tasks', {})));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
    expect(refusals).toHaveLength(7);
    for (const refusal of refusals) expect(refusal.message).toMatch(/^rate limit exceeded: max 3 per 1h \(submit-result, counted per sender\)/);
    expect(world.store.lastSeq() - before).toBe(3);
  });

  it('give the take back when the send fails, so a failed call uses no budget', async () => {
    const clock = new ManualClock();
    const parsed = limited('sender');
    const counters = new MemoryCounterStore();
    const executor = new ConventionExecutor(world.worker, { clock, counters });
    const publish = world.worker.publish.bind(world.worker);
    world.worker.publish = async () => {
      throw new Error('the bus is down');
    };
    await expect(executor.execute(parsed, 'tasks', {})).rejects.toThrow('the bus is down');
    world.worker.publish = publish;
    await executor.execute(parsed, 'tasks', {});
    await executor.execute(parsed, 'tasks', {});
    await expect(executor.execute(parsed, 'tasks', {})).rejects.toThrow(RateLimitedError);
  });
});

describe('a campfire store written before counts moved to the counter store', () => {
  it('opens, keeps its campfires, and its counts still limit', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'campfires-old-store-'));
    const path = join(directory, 'store.db');
    const fresh = CampfireStore.open(path);
    const operator = new CampfireClient(fresh, fresh.identity('operator'));
    const campfire = fresh.createCampfire('tasks', operator.identity);
    await operator.close();
    fresh.close();
    // Put the file back to schema 1 as the previous version left it, with 2 sends counted this minute.
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const old = new Database(path);
    old.exec('DROP TABLE counter_windows; DROP TABLE IF EXISTS schema_versions');
    old.exec('CREATE TABLE counters (key TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, window_start))');
    old.prepare('INSERT INTO counters VALUES (?, ?, 2)').run(`task-runner:submit-result@${campfire.id}`, Date.UTC(2026, 0, 1, 12, 0, 0));
    old.pragma('user_version = 1');
    old.close();

    const store = CampfireStore.open(path);
    expect(store.campfire('tasks').id).toBe(campfire.id);
    const client = new CampfireClient(store, store.identity('operator'));
    await expect(new ConventionExecutor(client, { clock }).execute(limited('campfire_id'), 'tasks', {})).rejects.toThrow('rate limit exceeded: max 2 per 1m');
    await client.close();
    store.close();
    rmSync(directory, { recursive: true, force: true });
  });
});
