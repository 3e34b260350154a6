import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { ValidationError } from '../core';
import type { JsonValue } from './json-value';
import type { Message } from './message';

/** An Ed25519 key pair as lowercase hex: a 64-character public key and a 64-character private seed. */
export interface SigningKeys {
  publicKey: string;
  privateKey: string;
}

const hex64 = /^[0-9a-fA-F]{64}$/;

/** True when `text` is a 64-character hex Ed25519 public key (either case). */
export function isPublicKeyHex(text: string): boolean {
  return hex64.test(text);
}

/** Makes a fresh Ed25519 key pair. */
export function generateSigningKeys(): SigningKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex'),
    privateKey: Buffer.from(jwk.d as string, 'base64url').toString('hex'),
  };
}

function checkKey(text: string, field: string): Buffer {
  if (!hex64.test(text)) {
    throw new ValidationError({
      code: 'key_invalid',
      message: `${field}: "${text.slice(0, 80)}" is not a key; a key is 64 hex characters`,
      issues: [{ field, message: 'not 64 hex characters', given: text.slice(0, 80), allowed: '^[0-9a-f]{64}$' }],
    });
  }
  return Buffer.from(text, 'hex');
}

function privateKeyObject(keys: SigningKeys) {
  return createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: checkKey(keys.publicKey, 'publicKey').toString('base64url'),
      d: checkKey(keys.privateKey, 'privateKey').toString('base64url'),
    },
    format: 'jwk',
  });
}

function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The bytes a signature covers: canonical JSON (sorted keys) of every message field but the signature. */
export function signingBytes(message: Omit<Message, 'signature'> & { signature?: string | null }): Buffer {
  const { id, channel, sender, tags, payload, antecedents, ts } = message;
  return Buffer.from(canonical({ id, channel, sender, tags, payload, antecedents, ts }), 'utf8');
}

/** Returns the message signed with `keys`; its sender becomes the public key. */
export function signMessage(message: Message, keys: SigningKeys): Message {
  const signed = { ...message, sender: keys.publicKey.toLowerCase() };
  return { ...signed, signature: sign(null, signingBytes(signed), privateKeyObject(keys)).toString('hex') };
}

/**
 * True when `signature` is a valid Ed25519 signature of `bytes` by `publicKey` under the
 * strict rules of RFC 8032 that libsodium also applies: the key and the signature's R are
 * canonical encodings, S is below the group order, and neither the key nor R is a point
 * of small order. A small-order key (the identity point, for one) "verifies" for messages
 * no private key ever signed, so such a key proves nothing about who sent a message.
 */
function verifySignature(bytes: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    if (ed25519.Point.fromBytes(signature.subarray(0, 32)).isSmallOrder()) return false;
    return ed25519.verify(signature, bytes, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** True when the message carries a valid Ed25519 signature by its sender's key (strict rules, see `verifySignature`). */
export function verifyMessage(message: Message): boolean {
  if (!message.signature || !isPublicKeyHex(message.sender) || !/^[0-9a-f]{128}$/i.test(message.signature)) return false;
  return verifySignature(signingBytes(message), Buffer.from(message.signature, 'hex'), Buffer.from(message.sender, 'hex'));
}
