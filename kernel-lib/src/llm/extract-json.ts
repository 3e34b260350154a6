/** What was found in a model's answer: the JSON value, or why there is none. */
export type ExtractJsonResult = { success: true; data: unknown } | { success: false; error: string };

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

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
    else if (char === '{' || char === '[') stack.push(char === '{' ? '}' : ']');
    else if (char === '}' || char === ']') {
      if (stack.pop() !== char) return -1;
      if (stack.length === 0) return index;
    }
  }
  return -1;
}

/**
 * Finds the JSON in what a model wrote: the whole text, a ```json fenced block, or the
 * first balanced object or array inside prose. Never throws.
 * @example extractJson('Sure! ```json\n{"claim":"ok"}\n```') // { success: true, data: { claim: 'ok' } }
 */
export function extractJson(text: string): ExtractJsonResult {
  // The common answer is one bare object: parse it as it is before looking any further.
  if (text.charCodeAt(0) === 0x7b && text.charCodeAt(text.length - 1) === 0x7d) {
    const bare = tryParse(text);
    if (bare.ok) return { success: true, data: bare.value };
  }
  const trimmed = text.trim();
  if (trimmed === '') return { success: false, error: 'the answer was empty' };
  const whole = tryParse(trimmed);
  if (whole.ok) return { success: true, data: whole.value };
  let firstProblem: string | undefined;
  for (const match of trimmed.matchAll(/```[A-Za-z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g)) {
    const parsed = tryParse((match[1] ?? '').trim());
    if (parsed.ok) return { success: true, data: parsed.value };
    firstProblem ??= `the fenced block is not valid JSON (${parsed.message})`;
  }
  for (let start = 0; start < trimmed.length; start += 1) {
    const char = trimmed[start];
    if (char !== '{' && char !== '[') continue;
    const end = balancedEnd(trimmed, start);
    if (end < 0) {
      firstProblem ??= 'the JSON in the answer is cut off or unbalanced';
      continue;
    }
    const parsed = tryParse(trimmed.slice(start, end + 1));
    if (parsed.ok && parsed.value !== null && typeof parsed.value === 'object') return { success: true, data: parsed.value };
    if (!parsed.ok) firstProblem ??= `the JSON in the answer is not valid (${parsed.message})`;
  }
  return { success: false, error: firstProblem ?? 'the answer contains no JSON object' };
}
