import { listOperations, promoteDeclaration, revokeDeclaration } from 'campfires';
import { makeWorld } from './helpers';

const declaration = (fields: Record<string, unknown> = {}) => ({ convention: 'task-runner', version: '0.1', operation: 'submit-result', signing: 'member_key', ...fields });

describe('registry: promote, conflicts, supersede, revoke', () => {
  let world: ReturnType<typeof makeWorld>;
  beforeEach(() => (world = makeWorld()));
  afterEach(() => world.cleanup());

  it('promotes a declaration that passes lint, and skips the same convention:operation@version unless forced', async () => {
    const first = await promoteDeclaration(world.worker, 'tasks', declaration());
    expect(first).toMatchObject({ status: 'promoted', key: 'task-runner:submit-result@0.1' });
    expect(await promoteDeclaration(world.worker, 'tasks', declaration({ description: 'again' }))).toMatchObject({ status: 'skipped', messageId: first.messageId });
    const forced = await promoteDeclaration(world.worker, 'tasks', declaration({ description: 'forced' }), { force: true });
    expect(forced.status).toBe('promoted');
    expect(listOperations(world.worker, 'tasks').map((entry) => entry.parsed.declaration.description)).toEqual(['forced']);
  });

  it('refuses a declaration that fails lint, and a caller who is not a member', async () => {
    await expect(promoteDeclaration(world.worker, 'tasks', declaration({ signing: 'none' }))).rejects.toThrow('[signing] signing must be one of member_key, campfire_key (got "none")');
    await expect(promoteDeclaration(world.client('outsider'), 'tasks', declaration())).rejects.toThrow('outsider is not a member of tasks');
  });

  it('the latest version wins; supersedes removes the earlier one; revoke goes back along the chain', async () => {
    const v1 = await promoteDeclaration(world.worker, 'tasks', declaration());
    const v2 = await promoteDeclaration(world.worker, 'tasks', declaration({ version: '0.2', supersedes: v1.messageId }));
    await promoteDeclaration(world.worker, 'tasks', declaration({ operation: 'post-task' }));
    expect(listOperations(world.worker, 'tasks').map((entry) => entry.key)).toEqual(['task-runner:submit-result@0.2', 'task-runner:post-task@0.1']);
    await revokeDeclaration(world.worker, 'tasks', v2.messageId);
    expect(listOperations(world.worker, 'tasks').map((entry) => entry.key)).toEqual(['task-runner:post-task@0.1']);
  });

  it('only the promoter or the campfire may revoke', async () => {
    const promoted = await promoteDeclaration(world.worker, 'tasks', declaration());
    const other = world.client('other');
    other.join('tasks');
    await revokeDeclaration(other, 'tasks', promoted.messageId);
    expect(listOperations(world.worker, 'tasks')).toHaveLength(1);
    await revokeDeclaration(world.operator, 'tasks', 'task-runner:submit-result@0.1');
    expect(listOperations(world.worker, 'tasks')).toHaveLength(0);
  });

  it('a campfire_key declaration promoted by a member is marked not authorised and treated as member_key', async () => {
    await promoteDeclaration(world.worker, 'tasks', declaration({ signing: 'campfire_key' }));
    const [member] = listOperations(world.worker, 'tasks');
    expect(member?.parsed).toMatchObject({ authorized: false, signing: 'member_key' });
    await promoteDeclaration(world.operator, 'tasks', declaration({ signing: 'campfire_key', version: '0.2' }));
    const [operator] = listOperations(world.worker, 'tasks');
    expect(operator?.parsed).toMatchObject({ authorized: true, signing: 'campfire_key' });
  });
});
