import { CampfireClient, CampfireStore, ConventionExecutor, ManualClock, RateLimitedError } from 'campfires';
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
});
