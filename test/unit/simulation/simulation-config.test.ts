import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError, loadSimulationConfig } from 'campfires';
import { persona } from './council-script';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'council-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(settings: string, personas: string): void {
  writeFileSync(join(dir, 'settings.yaml'), settings);
  writeFileSync(join(dir, 'personas.yaml'), personas);
}

const three = `personas:\n${['Ada', 'Bo', 'Cy'].map((name) => `  - name: ${name}\n    description: d\n    goals: [g]\n    behavior_biases: [cautious]`).join('\n')}\n`;

function errorOf(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('simulation config', () => {
  it('loads both example scenarios with different persona sets', () => {
    const harvest = loadSimulationConfig('fixtures/councils/harvest');
    const frontier = loadSimulationConfig('fixtures/councils/frontier/settings.yaml');
    expect(harvest.name).toBe('Harvest council');
    expect(harvest.personas.map((entry) => entry.name)).toEqual(['Mara', 'Tobin', 'Ilse', 'Brann']);
    expect(frontier.personas.map((entry) => entry.name)).toEqual(['Quartermaster', 'Scout', 'Captain']);
    expect(frontier.simulation.stop_when).toEqual([{ field: 'resource_level', op: '<=', value: 0, label: 'supplies exhausted' }]);
  });

  it('fills the original defaults for a minimal settings file', () => {
    write('{}\n', three);
    const config = loadSimulationConfig(dir);
    expect(config.simulation).toEqual({ max_turns: 10, model_name: 'llama3.1:8b', llm_retries: 3, log_level: 'info', history_depth: 2, stop_after_all_pass_rounds: 2, stop_when: [] });
    expect(config.world).toEqual({ initial_resource_level: 50, initial_stability: 50 });
  });

  it('names the file, the path and the allowed keys for an unknown key', () => {
    write('simulation:\n  max_turn: 5\n', three);
    const error = errorOf(() => loadSimulationConfig(dir));
    expect(error.message).toContain(join(dir, 'settings.yaml'));
    expect(error.message).toContain('unknown key(s) max_turn in simulation; allowed keys: max_turns, model_name, llm_retries, log_level, history_depth, stop_after_all_pass_rounds, stop_when');
  });

  it('names the path and the value of a wrong type', () => {
    write('world:\n  initial_stability: high\n', three);
    const error = errorOf(() => loadSimulationConfig(dir));
    expect(error.issues[0]?.field).toBe(`${join(dir, 'settings.yaml')}: world.initial_stability`);
    expect(error.message).toContain('(got "high")');
  });

  it('lists the allowed values of an enum and the history limit', () => {
    write('simulation:\n  log_level: loud\n  history_depth: 3\n', three);
    const error = errorOf(() => loadSimulationConfig(dir));
    expect(error.message).toContain('allowed: debug, info, warning, error, silent');
    expect(error.message).toContain('history_depth is at most 2');
  });

  it('names the persona field that is wrong', () => {
    write('{}\n', three.replace('behavior_biases: [cautious]', 'biases: [cautious]'));
    const error = errorOf(() => loadSimulationConfig(dir));
    expect(error.message).toContain('personas.yaml');
    expect(error.message).toContain('unknown key(s) biases in personas.0; allowed keys: name, description, goals, behavior_biases');
  });

  it.each([2, 6])('refuses a council of %i personas', (count) => {
    const names = ['Ada', 'Bo', 'Cy', 'Di', 'Ed', 'Fay'].slice(0, count);
    write('{}\n', JSON.stringify({ personas: names.map((name) => persona(name)) }));
    const error = errorOf(() => loadSimulationConfig(dir));
    expect(error.code).toBe('simulation_council_size');
    expect(error.message).toBe(`${join(dir, 'personas.yaml')}: a council has 3 to 5 personas; got ${count} (${names.join(', ')})`);
  });

  it('refuses duplicate persona names and reports YAML syntax errors with the line', () => {
    write('{}\n', JSON.stringify({ personas: [persona('Ada'), persona('Bo'), persona('ada')] }));
    expect(errorOf(() => loadSimulationConfig(dir)).message).toContain('personas.2.name "ada" is used twice');
    write('simulation:\n  max_turns: [1\n', three);
    expect(errorOf(() => loadSimulationConfig(dir)).message).toMatch(/settings\.yaml is not valid YAML \(line \d+\)/);
  });

  it('says which file is missing', () => {
    expect(errorOf(() => loadSimulationConfig(join(dir, 'nope'))).message).toContain(`cannot read ${join(dir, 'nope')}`);
  });
});
