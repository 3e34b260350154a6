import { loggedAntecedents, loggedHandoffs, loggedInputs, type RunEvent } from 'campfires';

let seq = 0;
function row(kind: string, fields: Partial<RunEvent>): RunEvent {
  seq += 1;
  return { seq, runId: 'run_x', ts: 5000 + seq, kind, campfire: null, camper: null, channel: null, messageId: null, data: null, ...fields };
}

describe('reading the handoffs of a pipeline run', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('orders handoffs by delivery, not by when each receiving cycle ended', () => {
    const events = [
      row('torch-sent', { campfire: 'scrape', messageId: 'm1', channel: 'headlines', data: { cycle: 1, activeAt: 1, inputs: [], torch: { claim: 'a' } } }),
      // weather finished first, but sentiment got the torch first
      row('torch-sent', { campfire: 'weather', messageId: 'm3', channel: 'checks', data: { cycle: 1, activeAt: 2, inputs: [{ messageId: 'm1', from: 'scrape', channel: 'headlines', ts: 2, delivery: 2 }], torch: { claim: 'b' } } }),
      row('cycle-ended', { campfire: 'sentiment', data: { cycle: 1, activeAt: 2, inputs: [{ messageId: 'm1', from: 'scrape', channel: 'headlines', ts: 2, delivery: 1 }], torch: null } }),
    ];
    expect(loggedHandoffs(events).map((handoff) => `${handoff.from}->${handoff.to} #${handoff.seq} @${handoff.ts}`)).toEqual(['scrape->sentiment #3 @2', 'scrape->weather #2 @2']);
  });

  it('counts a handoff stored both as a receipt and in the cycle row once, at the receipt', () => {
    const events = [
      row('torch-received', { campfire: 'verify', messageId: 'm2', channel: 'mood', data: { from: 'sentiment' } }),
      row('torch-sent', { campfire: 'verify', messageId: 'm3', channel: 'verified', data: { cycle: 1, activeAt: 3, inputs: [{ messageId: 'm2', from: 'sentiment', channel: 'mood', ts: 3 }], torch: { claim: 'c' } } }),
    ];
    expect(loggedHandoffs(events)).toEqual([{ seq: 1, ts: 5001, from: 'sentiment', to: 'verify', channel: 'mood', messageId: 'm2' }]);
    expect(loggedAntecedents(events[1] as RunEvent)).toEqual(['m2']);
  });

  it('reads antecedents of older rows and skips malformed inputs', () => {
    const older = row('torch-sent', { campfire: 'verify', messageId: 'm3', data: { cycle: 1, torch: { claim: 'c' }, antecedents: ['m2', 7] } });
    expect(loggedAntecedents(older)).toEqual(['m2']);
    const broken = row('torch-sent', { campfire: 'verify', data: { cycle: 1, inputs: [{ messageId: 'm2' }, 'nonsense', { messageId: 'm5', from: 'a', channel: 'b' }] } });
    expect(loggedInputs(broken)).toEqual([{ messageId: 'm5', from: 'a', channel: 'b', ts: broken.ts }]);
  });
});
