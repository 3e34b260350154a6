/** @jest-environment jsdom */
import './jsdom-shims';
import { TorchFlowRenderer } from '../../../jupyterlab-extension/src/torch-flow-renderer';
import { alertFlow, torch } from './sample-payloads';

function render(data: unknown): TorchFlowRenderer {
  const renderer = new TorchFlowRenderer({});
  renderer.renderData(data);
  return renderer;
}

describe('a model writing, in the extension', () => {
  const texts = ['{"claim": "Storm', 'نص عربي ‮reversed', '🔥'.repeat(300), 'x'.repeat(5000)];

  it.each(texts.map((text, index) => [index, text]))('shows pending text %i in the working campfire\'s row, isolated and whole', (_index, text) => {
    const live = { ...alertFlow([torch(1)]), status: 'running', thinking: [{ campfire: 'summarizer', camper: 'alert-llm', cycle: 2, text, revealed: false }] };
    const { node } = render(live);
    const rows = [...node.querySelectorAll('.cf-thinking-row')];
    expect(rows).toHaveLength(1);
    expect(rows[0]?.querySelector('.cf-thinking-where')?.textContent).toBe('cycle 2 · summarizer (alert-llm)');
    expect(rows[0]?.querySelector('.cf-thinking-verb')?.textContent?.trim()).toBe('writing…');
    expect(rows[0]?.querySelector('.cf-thinking-text')?.textContent).toBe(text);
    expect(rows[0]?.querySelector('.cf-thinking-text')?.getAttribute('dir')).toBe('auto');
    expect(node.querySelector('.cf-thinking')?.getAttribute('aria-live')).toBe('polite');
  });

  it('says "answering" for a revealed answer, and shows nothing once the payload has no thinking', () => {
    const renderer = render({ ...alertFlow([torch(1)]), status: 'running', thinking: [{ campfire: 'triage', camper: 'scorer', cycle: 1, text: 'High', revealed: true }] });
    expect(renderer.node.querySelector('.cf-thinking-verb')?.textContent?.trim()).toBe('answering…');
    renderer.renderData(alertFlow([torch(1)]));
    expect(renderer.node.querySelector('.cf-thinking')).toBeNull();
  });
});
