import { createMessage, generateSigningKeys, MemoryChannelBus, signMessage, verifyMessage, type Message } from 'campfires';
import { makeWorld } from '../conventions/helpers';

// The eight points of small order on edwards25519 (canonical encodings), as published
// with libsodium's and Go's checks and in "Taming the many EdDSAs" (Chalkias et al.).
const smallOrderKeys = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
];

// Non-canonical encodings: a y coordinate at or above p, or x = 0 with the sign bit set.
const nonCanonicalKeys = [
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, sign bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y = p - 1, sign bit set
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
];

const ZERO_SCALAR = '00'.repeat(32);
const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

function message(index: number, sender: string, signature: string): Message {
  return createMessage({ channel: 'alerts', sender, payload: { claim: `bridge ${index} is down`, n: index }, tags: ['torch'], id: `msg-${index}`, ts: 1_767_225_600_000 + index, signature });
}

function littleEndianHex(value: bigint): string {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse().toString('hex');
}

describe('verifyMessage refuses weak keys and signatures', () => {
  // R is every small-order point in turn and S = 0: under a small-order key the group
  // equation [S]B = R + [k]A holds for a share of all messages, with no private key at all.
  const weakKeys = [...smallOrderKeys, ...nonCanonicalKeys];
  const forgedRs = [...smallOrderKeys, ...nonCanonicalKeys];

  it.each(weakKeys.map((key) => [key]))('refuses every forged signature under the weak key %s', (key) => {
    const accepted: string[] = [];
    for (let index = 0; index < 24; index += 1) {
      for (const r of forgedRs) {
        const forged = message(index, key, `${r}${ZERO_SCALAR}`);
        if (verifyMessage(forged)) accepted.push(`message ${index} with R ${r.slice(0, 8)}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('refuses a signature whose R is a small-order point, even under an honest key', () => {
    const keys = generateSigningKeys();
    for (const r of smallOrderKeys) {
      expect(verifyMessage(message(1, keys.publicKey, `${r}${ZERO_SCALAR}`))).toBe(false);
    }
  });

  it('refuses a malleated signature whose S was raised by the group order', () => {
    const keys = generateSigningKeys();
    for (let index = 0; index < 16; index += 1) {
      const signed = signMessage(message(index, keys.publicKey, ''), keys);
      expect(verifyMessage(signed)).toBe(true);
      const s = BigInt(`0x${Buffer.from(signed.signature as string, 'hex').subarray(32).reverse().toString('hex')}`);
      const raised = s + GROUP_ORDER;
      if (raised >= 1n << 256n) continue;
      const malleated = `${(signed.signature as string).slice(0, 64)}${littleEndianHex(raised)}`;
      expect(verifyMessage({ ...signed, signature: malleated })).toBe(false);
    }
  });

  it('still accepts every honest signature and refuses it on another payload', () => {
    for (let index = 0; index < 16; index += 1) {
      const keys = generateSigningKeys();
      const signed = signMessage(message(index, keys.publicKey, ''), keys);
      expect(verifyMessage(signed)).toBe(true);
      expect(verifyMessage({ ...signed, payload: { claim: 'altered' } })).toBe(false);
    }
  });
});

describe('CampfireClient.subscribe', () => {
  it('refuses messages forged under weak keys and delivers the honest one', async () => {
    const world = makeWorld({ bus: () => new MemoryChannelBus() });
    try {
      const listener = world.client('listener');
      listener.join('tasks');
      const delivered: string[] = [];
      const refused: string[] = [];
      await listener.subscribe('tasks', 'listener', (message) => void delivered.push(message.id), (message) => void refused.push(message.id));
      const forged = smallOrderKeys.map((key, index) =>
        createMessage({ channel: 'tasks', sender: key, payload: { claim: `forged ${index}` }, id: `forged-${index}`, signature: `${smallOrderKeys[0]}${ZERO_SCALAR}` }),
      );
      for (const message of forged) await listener.bus.publish(message);
      const honest = world.worker.compose({ campfire: 'tasks', payload: { claim: 'honest' } });
      await listener.bus.publish(honest);
      await listener.bus.drain();
      expect(delivered).toEqual([honest.id]);
      expect(refused).toEqual(forged.map((message) => message.id));
    } finally {
      await world.cleanup();
    }
  });
});
