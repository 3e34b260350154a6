/** @jest-environment jsdom */
import './jsdom-shims';
import type { TorchFlowModelAttempt } from 'campfires/display';
import { TorchFlowRenderer } from '../../../jupyterlab-extension/src/torch-flow-renderer';
import { alertFlow, torch } from './sample-payloads';

const attack = '<img src=x onerror="window.hacked=1"><script>window.hacked=1</script>';

/** A triage torch whose model refused once, failed once, then answered; the answers carry hostile text. */
function attempts(): TorchFlowModelAttempt[] {
  return [
    { camper: 'scorer', attempt: 1, of: 3, provider: 'ollama', model: 'llama3.1:8b', outcome: 'invalid', reason: `confidence: expected a number (got "${attack}")`, ms: 812, answer: `{"claim": "x", "confidence": "${attack}"}\n\u202eevil`, answerLength: 9001 },
    { camper: 'scorer', attempt: 2, of: 3, provider: 'ollama', model: 'llama3.1:8b', outcome: 'error', reason: 'Ollama is not answering at http://127.0.0.1:11434', ms: 30000 },
    { camper: `tagger ${attack}`, attempt: 3, of: 3, model: 'llama3.1:8b', outcome: 'ok', answer: '{"claim":"flooding","confidence":0.9}', replayed: true },
  ];
}

function openDetail(flow = alertFlow([torch(1), torch(2, { from: 'triage', channel: 'alerts', modelAttempts: attempts() })])): HTMLElement {
  const renderer = new TorchFlowRenderer({});
  renderer.renderData({ ...flow, textCap: 4000 });
  (renderer.node.querySelector('tr.cf-torch[data-seq="2"]') as HTMLElement).click();
  return renderer.node.querySelector('.cf-torch-detail') as HTMLElement;
}

describe('the torch detail lists the model attempts behind a torch', () => {
  it('shows each attempt with its number, model, outcome, time, camper, reason and raw answer', () => {
    const detail = openDetail();
    const box = detail.querySelector('.cf-model-attempts') as HTMLElement;
    expect(box.querySelector('.cf-detail-label')?.textContent).toBe('Model attempts behind this torch (3)');
    expect(box.querySelector('ol')?.getAttribute('aria-label')).toBe('Model attempts');
    const items = [...box.querySelectorAll('li.cf-model-attempt')];
    expect(items.map((item) => item.getAttribute('data-outcome'))).toEqual(['invalid', 'error', 'ok']);
    expect(items.map((item) => item.querySelector('.cf-model-attempt-head')?.textContent)).toEqual([
      'Attempt 1 of 3 · ollama:llama3.1:8b · invalid answer · 812 ms · by scorer',
      'Attempt 2 of 3 · ollama:llama3.1:8b · request failed · 30000 ms · by scorer',
      `Attempt 3 of 3 · llama3.1:8b · ok · by tagger ${attack} · replayed from the record`,
    ]);
    expect(items[0]?.querySelector('.cf-model-attempt-reason')?.textContent).toBe(`Why it was refused: confidence: expected a number (got "${attack}")`);
    expect(items[1]?.querySelector('.cf-model-attempt-reason')?.textContent).toBe('Failure: Ollama is not answering at http://127.0.0.1:11434');
    expect(items[2]?.querySelector('.cf-model-attempt-reason')).toBeNull();
    expect(items.map((item) => item.querySelector('pre.cf-model-attempt-answer')?.textContent ?? null)).toEqual([attempts()[0]?.answer, null, '{"claim":"flooding","confidence":0.9}']);
    expect(items[0]?.querySelector('.cf-model-attempt-cap')?.textContent).toBe('answer cut at 4,000 characters (9,001 in all)');
    expect(items[2]?.querySelector('.cf-model-attempt-cap')).toBeNull();
  });

  it('marks in the table a torch that took more than one model attempt, and none that took one', () => {
    const renderer = new TorchFlowRenderer({});
    const once: TorchFlowModelAttempt = { camper: 'scorer', attempt: 1, of: 3, model: 'tiny', outcome: 'ok', answer: '{}' };
    const refusedOnly: TorchFlowModelAttempt = { camper: 'scorer', attempt: 1, of: 1, model: 'tiny', outcome: 'invalid', reason: 'empty', answer: '' };
    renderer.renderData(alertFlow([torch(1), torch(2, { modelAttempts: attempts() }), torch(3, { modelAttempts: [once] }), torch(4, { modelAttempts: [refusedOnly] })]));
    const marker = (seq: number) => renderer.node.querySelector(`tr.cf-torch[data-seq="${seq}"] .cf-torch-claim .cf-torch-attempts`)?.textContent ?? null;
    expect([1, 2, 3, 4].map(marker)).toEqual([null, '3 model attempts: refused, failed, ok', null, '1 model attempt: refused']);
    // The claim itself is still the cell's first text.
    expect(renderer.node.querySelector('tr.cf-torch[data-seq="2"] .cf-torch-claim')?.firstChild?.textContent).toBe(torch(2).claim);
  });

  it('shows what the model was sent, folded, and what it was told after a refused answer', () => {
    const first: TorchFlowModelAttempt = { camper: 'scorer', attempt: 1, of: 2, model: 'tiny', outcome: 'invalid', reason: 'no JSON', answer: 'hmm', prompt: `system: rules ${attack}\n\nuser: Blackout…ends here`, promptLength: 12345 };
    const second: TorchFlowModelAttempt = { camper: 'scorer', attempt: 2, of: 2, model: 'tiny', outcome: 'ok', answer: '{}', followUp: `That answer could not be used: no JSON ${attack}` };
    const detail = openDetail(alertFlow([torch(1), torch(2, { modelAttempts: [first, second] })]));
    const [one, two] = [...detail.querySelectorAll('li.cf-model-attempt')];
    const sent = one?.querySelector('details.cf-model-attempt-prompt') as HTMLDetailsElement;
    expect(sent.open).toBe(false);
    expect(sent.querySelector('summary')?.textContent).toBe('What the model was sent');
    expect(sent.querySelector('pre.cf-model-attempt-prompt-text')?.textContent).toBe(first.prompt);
    expect(sent.querySelector('pre.cf-model-attempt-prompt-text')?.getAttribute('dir')).toBe('auto');
    expect(sent.querySelector('.cf-model-attempt-cap')?.textContent).toBe('prompt cut in its middle at 4,000 characters (12,345 in all)');
    expect(one?.querySelector('.cf-model-attempt-follow-up')).toBeNull();
    expect(two?.querySelector('details.cf-model-attempt-prompt')).toBeNull();
    expect(two?.querySelector('.cf-model-attempt-follow-up')?.textContent).toBe(`Told after the previous answer: That answer could not be used: no JSON ${attack}`);
    expect(detail.querySelectorAll('img, script')).toHaveLength(0);
  });

  it('keeps hostile model text as text: no markup made, its direction isolated', () => {
    const detail = openDetail();
    expect(detail.querySelectorAll('img, script')).toHaveLength(0);
    const answer = detail.querySelector('pre.cf-model-attempt-answer') as HTMLElement;
    expect(answer.getAttribute('dir')).toBe('auto');
    expect(answer.textContent).toContain('\u202eevil');
    for (const node of detail.querySelectorAll('.cf-model-attempt-reason-text, .cf-model-attempt-model, .cf-model-attempt-head bdi')) expect(node.getAttribute('dir')).toBe('auto');
    expect((window as { hacked?: number }).hacked).toBeUndefined();
  });

  it('says so when the model answered with no text, and shows no list for a torch without attempts', () => {
    const empty: TorchFlowModelAttempt = { camper: 'scorer', attempt: 1, model: 'tiny', outcome: 'invalid', reason: 'the answer was empty', answer: '' };
    const detail = openDetail(alertFlow([torch(1), torch(2, { modelAttempts: [empty] })]));
    expect(detail.querySelector('.cf-model-attempt-empty')?.textContent).toBe('The model answered with no text.');
    const renderer = new TorchFlowRenderer({});
    renderer.renderData(alertFlow([torch(1)]));
    (renderer.node.querySelector('tr.cf-torch') as HTMLElement).click();
    expect(renderer.node.querySelector('.cf-torch-detail')).not.toBeNull();
    expect(renderer.node.querySelector('.cf-model-attempts')).toBeNull();
  });

  it('refuses a payload whose attempt has an outcome it does not know, naming the field', () => {
    const renderer = new TorchFlowRenderer({});
    const bad = alertFlow([torch(1, { modelAttempts: [{ ...attempts()[2], outcome: 'maybe' } as unknown as TorchFlowModelAttempt] })]);
    renderer.renderData(bad);
    const error = renderer.node.querySelector('.cf-payload-error') as HTMLElement;
    expect(error.textContent).toMatch(/torches\.0\.modelAttempts\.0\.outcome: .*\(got "maybe"\)/);
  });
});
