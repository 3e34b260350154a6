/**
 * Every cut of text the library shows ends on a whole character: emoji, joined (ZWJ)
 * emoji, flags, keycaps and combining marks at every position of every clip stay whole,
 * so a notebook holding the output saves and its JSON parses.
 */
import { cutText, cutMiddle, oneLine, wellFormedText } from 'campfires/display';
import { ValidationError, torchFlowPayloadSchema } from 'campfires';
import { torchFlowBundle, simulationBundle } from 'campfires';
import type { SimulationPayload, TorchFlowPayload } from 'campfires/display';

/** Characters that are more than one UTF-16 unit or more than one code point. */
const HARD = ['🔥', '👩‍👩‍👧‍👦', '🇬🇧', '🏳️‍🌈', '1️⃣', 'é', 'ñ̃', '👍🏽', '𝒳', 'ก้', '\u202E'];
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function wellFormed(text: string): boolean {
  return !LONE.test(text);
}

/** Every text with one hard character at each position 0..length of a base of plain letters. */
function* placed(length: number): Generator<string> {
  for (const hard of HARD) for (let at = 0; at <= length; at += 1) yield `${'x'.repeat(at)}${hard}${'y'.repeat(length - at)}`;
}

function segmentsOf(text: string): string[] {
  return [...graphemes.segment(text)].map((entry) => entry.segment);
}

describe('cutText', () => {
  it('cuts only between whole characters, for every character limit and byte limit', () => {
    let checked = 0;
    for (const text of placed(12)) {
      const whole = new Set(segmentsOf(text));
      for (let limit = 1; limit <= 16; limit += 1) {
        for (const cut of [cutText(text, { characters: limit }), cutText(text, { bytes: limit + 3 }), cutMiddle(text, limit), oneLine(text, limit)]) {
          expect(wellFormed(cut)).toBe(true);
          // Each character of the result is a character of the text or the ellipsis.
          for (const segment of segmentsOf(cut)) expect(whole.has(segment) || segment === '…').toBe(true);
          checked += 1;
        }
        expect(segmentsOf(cutText(text, { characters: limit })).length).toBeLessThanOrEqual(Math.max(limit, 1));
      }
    }
    expect(checked).toBe(HARD.length * 13 * 16 * 4);
  });

  it('keeps text that fits as it is', () => {
    for (const text of placed(5)) expect(cutText(text, { characters: 40 })).toBe(text);
  });

  it('keeps both ends when cutting in the middle, so labels that differ at the end stay apart', () => {
    const labels = ['Mara', 'Tobin', 'Ilse', 'Brann'].map((name) => cutMiddle(`villagers, lean year and a long drought · ${name}`, 28));
    expect(new Set(labels).size).toBe(4);
  });

  it('repairs text someone else cut in half', () => {
    const broken = '🔥'.slice(0, 1);
    expect(wellFormed(wellFormedText(`fire ${broken} and ${'🔥'.slice(1)}`))).toBe(true);
    expect(wellFormedText('fine 🔥')).toBe('fine 🔥');
  });
});

function flowWith(text: string): TorchFlowPayload {
  const torch = (seq: number, claim: string) => ({ seq, messageId: `m${seq}`, cycle: 1, from: text, torchbearer: text, channel: text, to: [text], claim, confidence: 0.5, error: false, ts: seq, metadata: {}, path: `party_box/${text}` });
  return {
    version: 1,
    runId: 'r',
    title: text,
    backend: text,
    status: 'completed',
    campfires: [{ name: text, campers: [text], inputs: [], output: text, status: 'idle' }, { name: `${text}2`, campers: [], inputs: [text], output: null, status: 'idle' }],
    channels: [{ name: text, from: [text], to: [`${text}2`] }],
    torches: [torch(1, text), torch(2, `Storm update: ${'x'.repeat(74)}${text}…`)],
    errors: [{ seq: 3, cycle: 1, campfire: text, camper: text, message: text, ts: 3 }],
  };
}

describe('what a notebook saves', () => {
  it('a torch flow with hard characters at every clip position is well-formed in every MIME type', async () => {
    const positions = [0, 5, 17, 19, 20, 21, 22, 38, 39, 40, 41, 59, 60, 61, 88, 89, 90, 91, 119, 120];
    for (const hard of HARD) {
      for (const at of positions) {
        const text = `${'n'.repeat(at)}${hard}${'m'.repeat(3)}`;
        const bundle = await torchFlowBundle(torchFlowPayloadSchema.parse(flowWith(text)));
        const saved = JSON.stringify(bundle);
        expect(wellFormed(saved)).toBe(true);
        expect(wellFormed(String(bundle['text/plain']))).toBe(true);
      }
    }
  });

  it('a council with hard characters in names and reasons is well-formed in every MIME type', async () => {
    for (const hard of HARD.slice(0, 5)) {
      const name = `${'a'.repeat(23)}${hard}${'b'.repeat(30)}`;
      const payload: SimulationPayload = {
        version: 1, runId: 'r', title: name, backend: 'offline', status: 'completed',
        agents: [{ name, description: name, policy: 'p' }],
        turns: [{ turn: 0, resource_level: 50, stability: 50 }, { turn: 1, resource_level: 51, stability: 50 }],
        actions: [{ turn: 1, agent: name, action: 'pass', target: name, reason: name, success: true, message: name, fallback: false }],
      };
      expect(wellFormed(JSON.stringify(await simulationBundle(payload)))).toBe(true);
    }
  });

  it('a validation error quoting an emoji-laden value is well-formed', async () => {
    let refused = 0;
    for (const text of placed(70)) {
      // The status must be one of four words: the error quotes what it was given, cut.
      const error = await torchFlowBundle({ ...flowWith('ok'), status: text as never }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toContain('status');
      expect(wellFormed((error as ValidationError).message)).toBe(true);
      expect(wellFormed(JSON.stringify((error as ValidationError).toJSON()))).toBe(true);
      refused += 1;
    }
    expect(refused).toBe(HARD.length * 71);
  });
});
