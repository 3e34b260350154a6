/** @jest-environment jsdom */
import './jsdom-shims';
import { SimulationRenderer, type EmbedChart } from '../../../jupyterlab-extension/src/simulation-renderer';
import { councilRun } from './sample-payloads';

interface Drawn {
  target: HTMLElement;
  spec: Record<string, any>;
}

function recordingEmbed(): { drawn: Drawn[]; finalized: number; load: () => Promise<EmbedChart> } {
  const record = { drawn: [] as Drawn[], finalized: 0, load: async () => embed };
  const embed: EmbedChart = async (target, spec) => {
    record.drawn.push({ target, spec });
    return { finalize: () => (record.finalized += 1) };
  };
  return record;
}

describe('SimulationRenderer', () => {
  it('draws the world state per turn and each agent\u2019s actions as vega-lite charts', async () => {
    const embed = recordingEmbed();
    const renderer = new SimulationRenderer({ loadEmbed: embed.load });
    await renderer.renderData(councilRun());
    expect(embed.drawn.map((chart) => chart.target.className)).toEqual(['cf-chart cf-chart-world', 'cf-chart cf-chart-actions']);
    const world = embed.drawn[0].spec;
    expect(world.data.values).toEqual([
      { turn: 1, measure: 'resource_level', value: 100 },
      { turn: 1, measure: 'stability', value: 50 },
      { turn: 2, measure: 'resource_level', value: 90 },
      { turn: 2, measure: 'stability', value: 55 },
      { turn: 3, measure: 'resource_level', value: 95 },
      { turn: 3, measure: 'stability', value: 60 },
    ]);
    const actions = embed.drawn[1].spec;
    expect(actions.data.values.map((value: any) => [value.turn, value.agent, value.action, value.outcome, value.source])).toEqual([
      [1, 'Mara', 'gather', 'succeeded', 'model'],
      [1, 'Tobin', 'trade', 'failed', 'policy fallback'],
      [2, 'Mara', 'build', 'succeeded', 'model'],
    ]);
    expect(actions.encoding.tooltip.map((field: any) => field.field)).toContain('reason');
    expect(renderer.node.querySelector('.cf-meta')?.textContent).toBe(
      '2 agents · 3 turns · 3 actions (1 by policy fallback) · backend: offline (persona policies) · final resource_level 95, stability 60',
    );
  });

  it('releases the previous charts when re-rendered and when disposed', async () => {
    const embed = recordingEmbed();
    const renderer = new SimulationRenderer({ loadEmbed: embed.load });
    await renderer.renderData(councilRun());
    await renderer.renderData(councilRun());
    expect(embed.finalized).toBe(2);
    renderer.dispose();
    expect(embed.finalized).toBe(4);
  });

  it('shows agent text as text, never as HTML', async () => {
    const run = councilRun();
    run.agents[0].description = '<img src=x onerror="window.hacked=1">';
    const renderer = new SimulationRenderer({ loadEmbed: recordingEmbed().load });
    await renderer.renderData(run);
    expect(renderer.node.querySelectorAll('img')).toHaveLength(0);
    expect(renderer.node.querySelector('.cf-agents li')?.textContent).toBe('Mara — <img src=x onerror="window.hacked=1"> (policy: conserve)');
  });

  it('shows a readable error for a bad payload and draws no chart', async () => {
    const embed = recordingEmbed();
    const renderer = new SimulationRenderer({ loadEmbed: embed.load });
    await renderer.renderData({ ...councilRun(), turns: [{ turn: 'one', resource_level: 1, stability: 2 }] });
    expect(renderer.node.querySelector('.cf-payload-error li')?.textContent).toMatch(/^turns\.0\.turn: .*\(got "one"\)$/);
    expect(embed.drawn).toHaveLength(0);
  });

  it('says so when the chart library cannot load', async () => {
    const renderer = new SimulationRenderer({ loadEmbed: async () => Promise.reject(new Error('chunk failed')) });
    await renderer.renderData(councilRun());
    expect(renderer.node.querySelector('.cf-payload-error')?.textContent).toBe('The charts could not be drawn: chunk failed');
  });
});
