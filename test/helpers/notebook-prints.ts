/**
 * What the notebooks print, as a reader sees it both in a kernel run (`nbconvert --execute`)
 * and in JupyterLab: the notebook tests and the browser tests check the same lines from
 * this one list, and each adds what only its own view shows.
 */
export const NOTEBOOK_PRINTS: Record<string, Array<string | RegExp>> = {
  '05-conventions.ipynb': [
    'error arg_type_unknown at args[0].type: arg type "uuid" is not one of',
    /PASS {2}submit-result/,
    'response: {"accepted":"three reports, one outage","status":"ok","by":"plain code"}',
    'model backend: scripted',
    'submit-result: 4 invalid arguments: missing required arg "task_id"',
    'the store counted 20 of 20 posts this minute (per sender), so the next one is refused',
    // The cf bin, found through the installed package wherever the notebook is.
    '--task-id <message_id>',
    'description: Submit a task result Returns response directly.',
  ],
  '06-models.ipynb': ['model: offline', 'fallback: true, attempts: 3'],
  '08-fork-a-council.ipynb': [/world after turn 7: \{"resource_level":\d+,"stability":\d+/],
  '09-runs-that-last.ipynb': ['same final torches as an uninterrupted run: true'],
};

/** Expects every line `name` prints in `text` (what the test read of the notebook's outputs). */
export function expectPrints(name: string, text: string): void {
  for (const line of NOTEBOOK_PRINTS[name] ?? []) {
    if (typeof line === 'string') expect(text).toContain(line);
    else expect(text).toMatch(line);
  }
}
