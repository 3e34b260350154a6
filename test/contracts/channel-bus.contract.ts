import { CampfiresError, ValidationError, createMessage, type ChannelBus, type Message } from 'campfires';

/** What a bus factory may return: the bus, plus how to tear it (and its server) down. */
export interface ChannelBusHarness {
  bus: ChannelBus;
  destroy?(): Promise<void>;
}

function message(channel: string, claim: string, sender = 'test'): Message {
  return createMessage({ channel, sender, tags: ['torch'], payload: { claim } });
}

const claimOf = (received: Message): string => (received.payload as { claim: string }).claim;

/**
 * The behaviour every channel bus owes the campfires that use it.
 * @example describeChannelBus('MemoryChannelBus', async () => new MemoryChannelBus());
 */
export function describeChannelBus(name: string, create: () => Promise<ChannelBus | ChannelBusHarness>): void {
  describe(`${name} honours the ChannelBus contract`, () => {
    let bus: ChannelBus;
    let destroy: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      const made = await create();
      if ('bus' in made) {
        bus = made.bus;
        destroy = made.destroy;
      } else {
        bus = made;
        destroy = undefined;
      }
    });

    afterEach(async () => {
      await bus.close();
      await destroy?.();
    });

    it('delivers a channel only to its subscribers: no crosstalk', async () => {
      const got: string[] = [];
      await bus.subscribe('headlines', 'sentiment', (received) => void got.push(`sentiment<${claimOf(received)}`));
      await bus.subscribe('weather', 'verify', (received) => void got.push(`verify<${claimOf(received)}`));
      await bus.publish(message('headlines', 'blackout'));
      await bus.publish(message('weather', 'storm'));
      await bus.publish(message('nobody-listens', 'lost'));
      await bus.drain();
      expect(got.sort()).toEqual(['sentiment<blackout', 'verify<storm']);
    });

    it('gives every subscriber of a channel each message once, in publish order', async () => {
      const a: string[] = [];
      const b: string[] = [];
      await bus.subscribe('headlines', 'a', (received) => void a.push(claimOf(received)));
      await bus.subscribe('headlines', 'b', (received) => void b.push(claimOf(received)));
      for (let index = 0; index < 20; index += 1) await bus.publish(message('headlines', `h${index}`));
      await bus.drain();
      const expected = Array.from({ length: 20 }, (_, index) => `h${index}`);
      expect(a).toEqual(expected);
      expect(b).toEqual(expected);
    });

    it('delivers the message as published: id, sender, tags, payload, antecedents', async () => {
      const sent = createMessage({ channel: 'mood', sender: 'sentiment', tags: ['torch'], payload: { claim: 'panic', confidence: 0.8 }, antecedents: ['msg_earlier'] });
      const got: Message[] = [];
      await bus.subscribe('mood', 'summary', (received) => void got.push(received));
      await bus.publish(sent);
      await bus.drain();
      expect(got).toEqual([sent]);
    });

    it('waits for a handler before the next delivery to the same subscriber', async () => {
      const log: string[] = [];
      await bus.subscribe('slow', 'worker', async (received) => {
        log.push(`start ${claimOf(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 15));
        log.push(`end ${claimOf(received)}`);
      });
      await bus.publish(message('slow', '1'));
      await bus.publish(message('slow', '2'));
      await bus.drain();
      expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    });

    it('keeps delivering after a handler throws', async () => {
      const got: string[] = [];
      await bus.subscribe('fragile', 'worker', (received) => {
        if (claimOf(received) === 'bad') throw new Error('handler failed');
        got.push(claimOf(received));
      });
      await bus.publish(message('fragile', 'bad'));
      await bus.publish(message('fragile', 'good'));
      await bus.drain();
      expect(got).toEqual(['good']);
    });

    it('stops delivering to a subscription once it unsubscribes', async () => {
      const got: string[] = [];
      const subscription = await bus.subscribe('headlines', 'leaver', (received) => void got.push(claimOf(received)));
      expect(subscription).toMatchObject({ channel: 'headlines', subscriber: 'leaver' });
      await bus.publish(message('headlines', 'before'));
      await bus.drain();
      await subscription.unsubscribe();
      await bus.publish(message('headlines', 'after'));
      await bus.drain();
      expect(got).toEqual(['before']);
    });

    it('lets a handler publish on another channel and drain waits for that too', async () => {
      const got: string[] = [];
      await bus.subscribe('first', 'relay', async (received) => {
        await bus.publish(message('second', `${claimOf(received)} relayed`, 'relay'));
      });
      await bus.subscribe('second', 'sink', (received) => void got.push(claimOf(received)));
      await bus.publish(message('first', 'spark'));
      await bus.drain();
      expect(got).toEqual(['spark relayed']);
    });

    it('refuses a malformed message, naming the field', async () => {
      const bad = { ...message('headlines', 'x'), channel: 'bad channel!' } as Message;
      await expect(bus.publish(bad)).rejects.toBeInstanceOf(ValidationError);
      await expect(bus.publish(bad)).rejects.toThrow(/channel/);
    });

    it('refuses to publish once closed', async () => {
      await bus.close();
      await expect(bus.publish(message('headlines', 'late'))).rejects.toBeInstanceOf(CampfiresError);
    });
  });
}
