import { display, displayBundle, inKernel, LiveDisplay, ValidationError } from 'campfires';

function captureStdout(): { lines: () => string; restore: () => void } {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  return { lines: () => chunks.join(''), restore: () => (process.stdout.write = original) };
}

describe('display outside a kernel', () => {
  let out: ReturnType<typeof captureStdout>;
  beforeEach(() => (out = captureStdout()));
  afterEach(() => out.restore());

  it('knows it is not in a kernel', () => {
    expect(inKernel()).toBe(false);
  });

  it('prints the text/plain form of a bundle and nothing else', () => {
    displayBundle({ 'text/html': '<b>rich</b>', 'text/plain': 'plain summary' });
    expect(out.lines()).toBe('plain summary\n');
  });

  it('shows objects with toMimeBundle by their bundle, strings as they are and other values inspected', async () => {
    await display({ toMimeBundle: async () => ({ 'text/plain': 'a campfire summary' }) });
    await display('just text');
    await display({ claim: 'x', confidence: 0.5 });
    expect(out.lines()).toBe("a campfire summary\njust text\n{ claim: 'x', confidence: 0.5 }\n");
  });
});

describe('LiveDisplay outside a kernel', () => {
  it('prints only the final state when closed, however many updates came before', async () => {
    const out = captureStdout();
    try {
      const live = new LiveDisplay();
      for (let step = 1; step <= 50; step += 1) live.update(() => ({ 'text/plain': `step ${step}` }));
      await live.close();
      live.update(() => ({ 'text/plain': 'after close' }));
      expect(out.lines()).toBe('step 50\n');
      expect(live.sends).toBe(1);
    } finally {
      out.restore();
    }
  });

  it('shows a render that fails as a readable line instead of throwing', async () => {
    const out = captureStdout();
    try {
      const live = new LiveDisplay();
      live.update(() => {
        throw new Error('no data yet');
      });
      await live.close();
      expect(out.lines()).toBe('campfires: could not render the live display: no data yet\n');
    } finally {
      out.restore();
    }
  });

  it('refuses a bad throttle, naming the field and the value', () => {
    expect(() => new LiveDisplay({ throttleMs: -5 })).toThrow(ValidationError);
    expect(() => new LiveDisplay({ throttleMs: -5 })).toThrow(/throttleMs.*got -5/);
  });
});
