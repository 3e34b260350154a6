import { displayHost, imageMediaType, networkReason, redactSecrets, resolveOllamaHost, retryAfterMs } from 'campfires/llm';

describe('model layer helpers', () => {
  it.each([
    [undefined, 'http://127.0.0.1:11434'],
    ['', 'http://127.0.0.1:11434'],
    ['0.0.0.0', 'http://0.0.0.0:11434'],
    ['gpu-box:8080', 'http://gpu-box:8080'],
    [':11500', 'http://127.0.0.1:11500'],
    ['https://ollama.example.org', 'https://ollama.example.org'],
  ])('reads OLLAMA_HOST %p as %s', (value, expected) => {
    expect(resolveOllamaHost(value ?? '')).toBe(expected);
  });

  it('shows hosts without credentials', () => {
    expect(displayHost('https://user:secret@proxy.example.org/v1?token=abc')).toBe('https://proxy.example.org/v1');
  });

  it('redacts given secrets, bearer tokens and sk- keys', () => {
    expect(redactSecrets('key abcd1234 and Bearer tok_0123456789 and sk-or-v1-abcdef0123', ['abcd1234'])).toBe('key [redacted] and Bearer [redacted] and [redacted]');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('knows image types by their bytes', () => {
    expect(imageMediaType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(imageMediaType(Uint8Array.from([1, 2, 3]))).toBe('application/octet-stream');
  });
});

describe('networkReason', () => {
  it('names refused connections and what fetch itself refused', async () => {
    const refused = await fetch('http://127.0.0.1:1/').catch((error: unknown) => error);
    expect(networkReason(refused)).toBe('bad port');
    expect(networkReason(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }))).toBe('connection refused');
    expect(networkReason(new Error('unrelated'))).toBeUndefined();
  });
});
