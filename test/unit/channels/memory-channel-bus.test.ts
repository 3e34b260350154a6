import { MemoryChannelBus } from 'campfires';
import { describeChannelBus } from '../../contracts/channel-bus.contract';

describeChannelBus('MemoryChannelBus', async () => new MemoryChannelBus(() => undefined));

describe('MemoryChannelBus', () => {
  it('writes a handler failure to stderr by default, naming subscriber, channel and message', async () => {
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      const bus = new MemoryChannelBus();
      await bus.subscribe('alerts', 'printer', () => {
        throw new Error('printer jammed');
      });
      await bus.publish({ id: 'msg_1', channel: 'alerts', sender: 'summary', tags: [], payload: null, antecedents: [], signature: null, ts: 0 });
      await bus.drain();
    } finally {
      process.stderr.write = original;
    }
    expect(writes.join('')).toContain('campfires: printer failed on alerts/msg_1: printer jammed');
  });
});
