import { World, type Action } from 'campfires';
import { describeChange } from 'campfires/simulation';

const act = (type: Action['type'], target = 'world'): Action => ({ type, target, reason: 'test' });
const council = ['Ada', 'Bo', 'Cy'];

describe('World', () => {
  it('applies each action with its effect and says what changed', () => {
    const world = new World({ resource_level: 50, stability: 50, turn: 0 }, council);
    expect(world.applyAction('Ada', act('increase_resource'))).toEqual({ success: true, message: 'Ada raised resources 50 → 60' });
    expect(world.applyAction('Bo', act('decrease_resource'))).toEqual({ success: true, message: 'Bo drew resources 60 → 50' });
    expect(world.applyAction('Cy', act('support_agent', 'Ada')).message).toBe('Cy supported Ada: stability 50 → 55');
    expect(world.applyAction('Ada', act('oppose_agent', 'Cy')).message).toBe('Ada opposed Cy: stability 55 → 50');
    expect(world.applyAction('Bo', act('pass'))).toEqual({ success: true, message: 'Bo passed' });
    expect(world.state).toEqual({ resource_level: 50, stability: 50, turn: 0 });
  });

  it('says what an action changed as states before and after, and the same sentence on request', () => {
    const world = new World({ resource_level: 50, stability: 50, turn: 0 }, council);
    const start = world.state;
    const change = world.change('Cy', act('support_agent', 'Ada'));
    expect(change).toEqual({ success: true, before: start, after: { resource_level: 50, stability: 55, turn: 0 } });
    expect(change.after).toBe(world.state);
    expect(describeChange('Cy', act('support_agent', 'Ada'), change)).toBe('Cy supported Ada: stability 50 → 55');
    const refused = world.change('Ada', act('support_agent', 'Ada'));
    expect(refused).toEqual({ success: false, before: world.state, after: world.state, refused: 'support_agent needs another council member as target (one of Bo, Cy), got "Ada"' });
    expect(describeChange('Ada', act('support_agent', 'Ada'), refused)).toBe('Ada: support_agent needs another council member as target (one of Bo, Cy), got "Ada"; nothing changed');
  });

  it('floors resources and stability at 0', () => {
    const world = new World({ resource_level: 5, stability: 3, turn: 0 }, council);
    world.applyAction('Ada', act('decrease_resource'));
    world.applyAction('Ada', act('oppose_agent', 'Bo'));
    expect(world.state).toEqual({ resource_level: 0, stability: 0, turn: 0 });
    expect(world.applyAction('Ada', act('oppose_agent', 'Bo')).success).toBe(true);
    expect(world.state.stability).toBe(0);
  });

  it('refuses decrease_resource when resources are 0 and leaves the state unchanged', () => {
    const world = new World({ resource_level: 0, stability: 50, turn: 2 }, council);
    expect(world.isValidAction('Ada', act('decrease_resource'))).toBe(false);
    const outcome = world.applyAction('Ada', act('decrease_resource'));
    expect(outcome.success).toBe(false);
    expect(outcome.message).toBe('Ada: decrease_resource is not allowed when resource_level is 0; nothing changed');
    expect(world.state).toEqual({ resource_level: 0, stability: 50, turn: 2 });
  });

  it('needs another council member as the target of support and oppose', () => {
    const world = new World({ resource_level: 50, stability: 50, turn: 0 }, council);
    expect(world.checkAction('Ada', act('support_agent', 'Ada'))).toEqual({ valid: false, reason: 'support_agent needs another council member as target (one of Bo, Cy), got "Ada"' });
    expect(world.isValidAction('Ada', act('oppose_agent', 'world'))).toBe(false);
    expect(world.isValidAction('Ada', act('oppose_agent', 'Bo'))).toBe(true);
    expect(world.isValidAction('Ada', { type: 'launch_rocket', target: 'world', reason: '' } as unknown as Action)).toBe(false);
  });

  it('gives each agent a frozen snapshot that does not change the world', () => {
    const world = new World({ resource_level: 50, stability: 50, turn: 0 }, council);
    const view = world.getView('Ada') as { resource_level: number };
    expect(() => {
      view.resource_level = 1000;
    }).toThrow(TypeError);
    expect(world.state.resource_level).toBe(50);
    expect(world.startTurn()).toBe(1);
  });
});
