import { SIMULATION_MIME_TYPE, VEGA_LITE_MIME_TYPE, simulationPayloadSchema } from 'campfires';
import { simulationBundle } from 'campfires/simulation';
import { simulationPayload } from '../display/fixtures';

describe('simulationBundle', () => {
  it('sends our MIME type, a vega-lite chart of both measures and actions, its SVG, HTML and text', async () => {
    const bundle = await simulationBundle(simulationPayload());
    expect(Object.keys(bundle).sort()).toEqual([SIMULATION_MIME_TYPE, VEGA_LITE_MIME_TYPE, 'image/svg+xml', 'text/html', 'text/plain'].sort());
    const spec = bundle[VEGA_LITE_MIME_TYPE] as { vconcat: Array<{ data: { values: Array<Record<string, unknown>> } }> };
    expect(spec.vconcat[0].data.values.filter((row) => row.measure === 'stability').map((row) => row.value)).toEqual([60, 55, 65]);
    expect(spec.vconcat[1].data.values.map((row) => row.agent)).toEqual(['Ada', 'Bo', 'Ada']);
    const svg = String(bundle['image/svg+xml']);
    expect(svg).toContain('World state per turn');
    expect(svg).toContain('resource_level');
    expect(String(bundle['text/plain'])).toContain('2 agents, 3 turns, 3 actions (1 fallback)');
    expect(String(bundle['text/plain'])).toContain('turn 1 Bo: trade -> Ada failed [fallback] - Ada refused');
  });

  it('escapes model text (reasons) in the HTML table', async () => {
    const bundle = await simulationBundle(simulationPayload('<b onmouseover="x()">hi</b>'));
    const html = String(bundle['text/html']);
    expect(html).not.toContain('<b onmouseover');
    expect(html).toContain('&lt;b onmouseover=&quot;x()&quot;&gt;hi&lt;/b&gt;');
  });

  it('the payload schema names what is wrong', () => {
    const result = simulationPayloadSchema.safeParse({ ...simulationPayload(), turns: [{ turn: 1, resource_level: 'high', stability: 1 }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['turns', 0, 'resource_level']);
  });
});
