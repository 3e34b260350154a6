import { inspect } from 'node:util';
import { Campfire, Camper, PermissionError, TorchbearerGrant, ValidationError, createToolCamper, type CamperContext, type RunEvent } from 'campfires';

const flush = () => new Promise((resolve) => setImmediate(resolve));

function collect(campfire: Campfire): RunEvent[] {
  const events: RunEvent[] = [];
  campfire.onEvent((event) => events.push(event));
  return events;
}

describe('Campfire with the refine strategy', () => {
  it('lets each camper refine the previous answer, makes the last the torchbearer, and sends one torch', async () => {
    const seen: (string | null)[] = [];
    const campers = ['draft', 'edit', 'polish'].map((name) =>
      createToolCamper(name, ({ previous }) => {
        seen.push(previous?.claim ?? null);
        return { claim: `${previous?.claim ?? 'blackout'} +${name}`, confidence: 0.5 };
      }),
    );
    const campfire = new Campfire({ name: 'summary', campers, output: 'alerts' });
    const events = collect(campfire);
    const result = await campfire.cycle();
    await flush();
    expect(seen).toEqual([null, 'blackout +draft', 'blackout +draft +edit']);
    expect(result).toMatchObject({ cycle: 1, torchbearer: 'polish', torch: { claim: 'blackout +draft +edit +polish' }, errors: 0 });
    // Watchers see the campfire become active (live only), then the cycle's one row: the torch its torchbearer sent.
    expect(events.map((event) => [event.kind, event.camper])).toEqual([
      ['campfire-status', null],
      ['torch-sent', 'polish'],
    ]);
    expect(events[0]?.data).toEqual({ status: 'active', cycle: 1 });
    expect(events[1]).toMatchObject({ channel: 'alerts', messageId: result.messageId, data: { cycle: 1, torch: result.torch, inputs: [], activeAt: events[0]?.ts } });
    expect(events[1]?.ts).toBeGreaterThanOrEqual(events[0]?.ts as number);
  });

  it('turns a camper that throws into an error event and goes on with the others', async () => {
    const campfire = new Campfire({
      name: 'verify',
      campers: [
        createToolCamper('weather', () => 'storm over London'),
        createToolCamper('traffic', () => {
          throw new Error('traffic feed timed out');
        }),
      ],
      output: 'verified',
    });
    const events = collect(campfire);
    const result = await campfire.cycle();
    await flush();
    expect(result).toMatchObject({ torchbearer: 'weather', torch: { claim: 'storm over London' }, errors: 1 });
    const error = events.find((event) => event.kind === 'camper-error');
    expect(error).toMatchObject({ camper: 'traffic', data: { cycle: 1, error: { name: 'Error', message: 'traffic feed timed out' } } });
  });

  it('sends an error torch (confidence 0, marked as an error) when every camper fails', async () => {
    const campfire = new Campfire({
      name: 'scrape',
      campers: [createToolCamper('reddit', () => Promise.reject(new Error('HTTP 503')))],
      output: 'headlines',
    });
    const result = await campfire.cycle();
    expect(result.torch).toMatchObject({ claim: 'reddit failed: HTTP 503', confidence: 0, metadata: { error: true, camper: 'reddit' } });
    expect(result.torchbearer).toBe('reddit');
  });

  it('sends nothing when every camper has nothing to say', async () => {
    const campfire = new Campfire({ name: 'quiet', campers: [createToolCamper('a', () => null)], output: 'out' });
    const events = collect(campfire);
    expect(await campfire.cycle()).toMatchObject({ torch: null, torchbearer: null, messageId: null });
    await flush();
    // The cycle still leaves its row: it ran, and sent nothing.
    expect(events.map((event) => event.kind)).toEqual(['campfire-status', 'cycle-ended']);
    expect(events[1]).toMatchObject({ campfire: 'quiet', camper: null, channel: null, data: { cycle: 1, torch: null, inputs: [] } });
  });
});

describe('Campfire with the best-of strategy', () => {
  it('takes the most confident answer, the first on a tie, and makes its camper the torchbearer', async () => {
    const given: (string | null)[] = [];
    const camper = (name: string, confidence: number) =>
      createToolCamper(name, ({ previous }) => {
        given.push(previous?.claim ?? null);
        return { claim: `${name} says`, confidence };
      });
    const campfire = new Campfire({ name: 'sentiment', strategy: 'best-of', campers: [camper('a', 0.4), camper('b', 0.9), camper('c', 0.9)] });
    const result = await campfire.cycle();
    expect(result).toMatchObject({ torchbearer: 'b', torch: { claim: 'b says', confidence: 0.9 } });
    expect(given).toEqual([null, null, null]);
  });
});

describe('the torchbearer grant', () => {
  class Sneaky extends Camper {
    refusal: unknown = null;
    override async overridePrompt(_prompt: string, _context: CamperContext) {
      this.refusal = await this.publish({ claim: 'I speak first' }).catch((error: unknown) => error);
      return { claim: 'draft', confidence: 0.2 };
    }
  }

  it('refuses a camper that publishes without being the torchbearer', async () => {
    const sneaky = new Sneaky('sneaky');
    const campfire = new Campfire({ name: 'summary', campers: [sneaky, createToolCamper('final', () => 'alert')], output: 'alerts' });
    const result = await campfire.cycle();
    expect(sneaky.refusal).toBeInstanceOf(PermissionError);
    expect((sneaky.refusal as Error).message).toBe(
      'camper "sneaky" of campfire "summary" may not write to channel "alerts": it holds no torchbearer grant; only the cycle\'s torchbearer may send, once',
    );
    expect(result.torch?.claim).toBe('alert');
  });

  it('is gone after the send: the torchbearer returns to listening', async () => {
    const final = createToolCamper('final', () => 'alert');
    const campfire = new Campfire({ name: 'summary', campers: [final], output: 'alerts' });
    await campfire.cycle();
    expect(final.isTorchbearer).toBe(false);
    await expect(final.publish({ claim: 'again' })).rejects.toThrow(/holds no torchbearer grant/);
  });

  it('refuses a forged grant', async () => {
    const camper = createToolCamper('forger', () => null);
    new Campfire({ name: 'summary', campers: [camper], output: 'alerts' });
    camper.receiveGrant(new TorchbearerGrant('summary', 'forger', 'alerts', 1));
    await expect(camper.publish({ claim: 'forged' })).rejects.toThrow(/its grant is not this cycle's/);
  });
});

describe('Campfire options', () => {
  const camper = () => createToolCamper('a', () => null);
  it.each([
    ['no campers', { name: 'x', campers: [] }, /campfire\.campers: a campfire needs at least one camper/],
    ['a bad input channel', { name: 'x', campers: [camper()], inputs: ['bad channel!'] }, /campfire\.inputs\.0/],
    ['its own output as input', { name: 'x', campers: [camper()], inputs: ['loop'], output: 'loop' }, /listen to its own output channel "loop"/],
    ['an unknown strategy', { name: 'x', campers: [camper()], strategy: 'vote' }, /campfire\.strategy/],
    ['a bad name', { name: '', campers: [camper()] }, /campfire name "" is not allowed/],
  ])('refuses %s, naming the field', (_label, options, message) => {
    expect(() => new Campfire(options as never)).toThrow(ValidationError);
    expect(() => new Campfire(options as never)).toThrow(message);
  });

  it('refuses two campers with one name and a camper at two campfires', () => {
    expect(() => new Campfire({ name: 'x', campers: [camper(), camper()] })).toThrow(/two campers named "a"/);
    const shared = camper();
    new Campfire({ name: 'one', campers: [shared] });
    expect(() => new Campfire({ name: 'two', campers: [shared] })).toThrow(/already sits at campfire "one"/);
  });

  it('summarises itself in one line', async () => {
    const campfire = new Campfire({ name: 'sentiment', campers: [createToolCamper('s', () => 'ok')], inputs: ['headlines'], output: 'sentiment' });
    await campfire.cycle();
    expect(inspect(campfire)).toBe('Campfire sentiment: 1 camper (refine), [headlines] -> sentiment, 1 cycles, 1 torches sent, 0 camper errors');
  });
});
