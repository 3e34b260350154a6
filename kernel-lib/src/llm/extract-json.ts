/** What was found in a model's answer: the JSON value, or why there is none. */
export type ExtractJsonResult = { success: true; data: unknown } | { success: false; error: string };

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Deeper than this, JSON in prose is not an answer anyone asked for: the scan gives up on it. */
const MAX_SCAN_DEPTH = 512;

/** The end index (inclusive) of the balanced JSON object or array starting at `start`, or -1. */
function balancedEnd(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (stack.push(char === '{' ? '}' : ']') > MAX_SCAN_DEPTH) return -1;
    }
    else if (char === '}' || char === ']') {
      if (stack.pop() !== char) return -1;
      if (stack.length === 0) return index;
    }
  }
  return -1;
}

/**
 * A model's answer without its reasoning: `<think>…</think>` (and `<thinking>`, `<reasoning>`)
 * blocks are drafts, not answers. Text before a closing tag with no opening one (templates
 * that open the block in the prompt) is reasoning too, and so is an unclosed block's rest.
 * @example stripReasoning('<think>{"action":"oppose_agent"}</think>{"action":"pass"}') // '{"action":"pass"}'
 */
export function stripReasoning(text: string): string {
  if (!/<\/?(think|thinking|reasoning)>/i.test(text)) return text;
  let rest = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '');
  const orphanClose = /<\/(think|thinking|reasoning)>/i.exec(rest);
  if (orphanClose) rest = rest.slice(orphanClose.index + orphanClose[0].length);
  const unclosed = /<(think|thinking|reasoning)>/i.exec(rest);
  if (unclosed) rest = rest.slice(0, unclosed.index);
  return rest;
}

const MAX_UNCLOSED_SCANS = 32;

/** Every JSON value an answer offers, in the order written, or why it offers none. */
export type ExtractJsonCandidates = { success: true; candidates: unknown[] } | { success: false; error: string };

/**
 * Every JSON value in what a model wrote, reasoning blocks left out: the whole text, else
 * each ```json fenced block that parses, else each top-level balanced object or array in the
 * prose, in order. A caller that wants the model's final answer takes the last one that
 * validates (a model often writes a draft before it). Never throws.
 * @example extractJsonCandidates('Draft: {"a":1} Final: {"a":2}') // { success: true, candidates: [{ a: 1 }, { a: 2 }] }
 */
export function extractJsonCandidates(text: string): ExtractJsonCandidates {
  const answer = stripReasoning(text);
  // The common answer is one bare object: parse it as it is before looking any further.
  if (answer.charCodeAt(0) === 0x7b && answer.charCodeAt(answer.length - 1) === 0x7d) {
    const bare = tryParse(answer);
    if (bare.ok) return { success: true, candidates: [bare.value] };
  }
  const trimmed = answer.trim();
  if (trimmed === '') return { success: false, error: text.trim() === '' ? 'the answer was empty' : 'the answer holds only reasoning, no JSON object after it' };
  const whole = tryParse(trimmed);
  if (whole.ok) return { success: true, candidates: [whole.value] };
  let firstProblem: string | undefined;
  const fenced: unknown[] = [];
  for (const match of trimmed.matchAll(/```[A-Za-z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g)) {
    const parsed = tryParse((match[1] ?? '').trim());
    if (parsed.ok) fenced.push(parsed.value);
    else firstProblem ??= `the fenced block is not valid JSON (${parsed.message})`;
  }
  if (fenced.length > 0) return { success: true, candidates: fenced };
  const found: unknown[] = [];
  // Each opening that never closes costs a scan to the end of the text: after a few of
  // them the answer is called cut off, so thousands of unclosed brackets take no longer.
  let unclosed = 0;
  for (let start = 0; start < trimmed.length && unclosed < MAX_UNCLOSED_SCANS; start += 1) {
    const char = trimmed[start];
    if (char !== '{' && char !== '[') continue;
    const end = balancedEnd(trimmed, start);
    if (end < 0) {
      unclosed += 1;
      firstProblem ??= 'the JSON in the answer is cut off or unbalanced';
      continue;
    }
    const parsed = tryParse(trimmed.slice(start, end + 1));
    if (parsed.ok && parsed.value !== null && typeof parsed.value === 'object') {
      found.push(parsed.value);
      start = end; // what is inside a found object is part of it, not another answer
      continue;
    }
    if (!parsed.ok) firstProblem ??= `the JSON in the answer is not valid (${parsed.message})`;
  }
  if (found.length > 0) return { success: true, candidates: found };
  return { success: false, error: firstProblem ?? 'the answer contains no JSON object' };
}

/**
 * Finds the JSON in what a model wrote, reasoning blocks left out: the whole text, a
 * ```json fenced block, or the first balanced object or array inside prose. Never throws.
 * @example extractJson('Sure! ```json\n{"claim":"ok"}\n```') // { success: true, data: { claim: 'ok' } }
 */
export function extractJson(text: string): ExtractJsonResult {
  const found = extractJsonCandidates(text);
  return found.success ? { success: true, data: found.candidates[0] } : found;
}
