import { createMessage, generateSigningKeys, signMessage, verifyMessage } from 'campfires';
import { isPublicKeyHex } from 'campfires/messages';

describe('Ed25519 message signing', () => {
  const keys = generateSigningKeys();
  const message = createMessage({ channel: 'tasks', sender: 'someone', tags: ['a'], payload: { b: 1, a: [1, 2] } });

  it('makes 64-hex keys and signs with the sender set to the public key', () => {
    expect(isPublicKeyHex(keys.publicKey)).toBe(true);
    const signed = signMessage(message, keys);
    expect(signed.sender).toBe(keys.publicKey);
    expect(signed.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyMessage(signed)).toBe(true);
  });

  it('does not depend on key order in the payload', () => {
    const signed = signMessage(message, keys);
    expect(verifyMessage({ ...signed, payload: { a: [1, 2], b: 1 } })).toBe(true);
  });

  it.each([
    ['payload', { payload: { b: 2, a: [1, 2] } }],
    ['tags', { tags: ['a', 'fulfills'] }],
    ['antecedents', { antecedents: ['msg_x'] }],
    ['ts', { ts: 1 }],
    ['sender', { sender: generateSigningKeys().publicKey }],
    ['signature', { signature: 'ab'.repeat(64) }],
    ['no signature', { signature: null }],
  ])('refuses a message whose %s changed after signing', (_name, change) => {
    expect(verifyMessage({ ...signMessage(message, keys), ...change })).toBe(false);
  });

  it('refuses a bad private key with a clear error', () => {
    expect(() => signMessage(message, { publicKey: keys.publicKey, privateKey: 'nope' })).toThrow('privateKey: "nope" is not a key; a key is 64 hex characters');
  });
});
