import { escapeHtml, isolateText, oneLine, validate } from '../core';
import { ATTEMPT_OUTCOME_WORDS, TORCH_FLOW_MIME_TYPE, torchFlowPayloadSchema, torchRecipients, type MimeBundle, type TorchFlowModelAttempt, type TorchFlowPayload } from '../display';
import { TORCH_LIST_LIMIT, attemptModel, camperErrorLine, flowEntries, modelAttemptLine, plural, torchFlowVegaSpec, torchLine } from './torch-flow-chart';
import { renderVegaSvg } from '../display';

/** What the summary line counts: campfires, channels, torches and any camper errors. */
function counts(payload: TorchFlowPayload, withChannels: boolean): string {
  const errors = payload.errors?.length ?? 0;
  return [
    plural(payload.campfires.length, 'campfire'),
    ...(withChannels ? [plural(payload.channels.length, 'channel')] : []),
    plural(payload.torches.length, 'torch', 'torches'),
    ...(errors > 0 ? [plural(errors, 'camper error')] : []),
  ].join(', ');
}

/** The text/plain form of a torch flow: a summary line, then the newest torches and camper errors. */
export function torchFlowText(payload: TorchFlowPayload): string {
  const head = `Torch flow "${isolateText(oneLine(payload.title, 120))}" (${payload.status}, backend: ${isolateText(oneLine(payload.backend, 40))}): ${counts(payload, true)}`;
  const route = payload.campfires
    .map((campfire) => `${isolateText(oneLine(campfire.name, 40))}${campfire.output ? ` -> ${isolateText(oneLine(campfire.output, 40))}` : ''}`)
    .join(' | ');
  const entries = flowEntries(payload);
  const shown = entries.slice(-TORCH_LIST_LIMIT);
  const hidden = entries.slice(0, entries.length - shown.length);
  const hiddenTorches = hidden.filter((entry) => entry.kind === 'torch').length;
  const hiddenErrors = hidden.length - hiddenTorches;
  const more = hidden.length > 0 ? [`  ... ${plural(hiddenTorches, 'earlier torch', 'earlier torches')}${hiddenErrors > 0 ? ` and ${plural(hiddenErrors, 'camper error')}` : ''}`] : [];
  const lines = shown.flatMap((entry) =>
    entry.kind === 'torch'
      ? [`  ${torchLine(entry.torch, entry.position)}`, ...(entry.torch.modelAttempts ?? []).map((attempt) => `      ${modelAttemptLine(attempt)}`)]
      : [`  ${camperErrorLine(entry.error)}`],
  );
  return [head, `  campfires: ${route}`, ...more, ...lines, ...thinkingLines(payload)].join('\n');
}

/** What a working camper is writing, as a pending line of its campfire. */
function thinkingLines(payload: TorchFlowPayload): string[] {
  return (payload.thinking ?? []).map(
    (row) => `  … cycle ${row.cycle} ${isolateText(oneLine(row.campfire, 40))} (${isolateText(oneLine(row.camper, 40))}) ${row.revealed ? 'answering' : 'writing'}: ${isolateText(oneLine(row.text, 200))}`,
  );
}

/** User text in the HTML fallback: escaped and isolated (`<bdi>`), so an override in it stays inside. */
function bdi(text: string): string {
  return `<bdi>${escapeHtml(text)}</bdi>`;
}

/** A short label in the HTML fallback: cut to `max` characters, the whole text in its tooltip. */
function label(text: string, max: number): string {
  const cut = oneLine(text, max);
  return cut === text ? bdi(text) : `<bdi title="${escapeHtml(text)}">${escapeHtml(cut)}</bdi>`;
}

/** Lets a long unbroken word wrap instead of widening the page. */
const WRAP = 'overflow-wrap:anywhere;word-break:break-word';

const number = new Intl.NumberFormat('en-US');

/**
 * The model attempts behind a torch in the HTML fallback: a summary that counts them and
 * names their outcomes, opening to each attempt with its reason and its raw answer (as the
 * payload keeps it, cut to its `textCap`), all user text escaped and isolated.
 */
function modelAttemptsHtml(attempts: TorchFlowModelAttempt[] | undefined, textCap: number | undefined): string {
  if (!attempts || attempts.length === 0) return '';
  const outcomes = attempts.map((attempt) => ATTEMPT_OUTCOME_WORDS[attempt.outcome]).join(', ');
  const items = attempts
    .map((attempt) => {
      const head = `attempt ${attempt.attempt}${attempt.of !== undefined ? ` of ${attempt.of}` : ''} by ${label(attempt.camper, 60)} · ${label(attemptModel(attempt), 80)} · <b>${escapeHtml(ATTEMPT_OUTCOME_WORDS[attempt.outcome])}</b>${attempt.ms !== undefined ? ` · ${Math.round(attempt.ms)} ms` : ''}${attempt.replayed ? ' · replayed from the record' : ''}`;
      const reason = attempt.reason !== undefined ? `<div>${attempt.outcome === 'error' ? 'Failure' : 'Why it was refused'}: <bdi style="white-space:pre-wrap">${escapeHtml(attempt.reason)}</bdi></div>` : '';
      const promptCut = attempt.promptLength !== undefined ? `<div><i>prompt cut in its middle at ${number.format(textCap ?? 0)} characters (${number.format(attempt.promptLength)} in all)</i></div>` : '';
      const sent = attempt.prompt !== undefined ? `<details><summary>What the model was sent</summary><pre dir="auto" style="white-space:pre-wrap;${WRAP};margin:2px 0">${escapeHtml(attempt.prompt)}</pre>${promptCut}</details>` : '';
      const followUp = attempt.followUp !== undefined ? `<div>Told after the previous answer: <bdi style="white-space:pre-wrap">${escapeHtml(attempt.followUp)}</bdi></div>` : '';
      const cut = attempt.answerLength !== undefined ? `<div><i>answer cut at ${number.format(textCap ?? 0)} characters (${number.format(attempt.answerLength)} in all)</i></div>` : '';
      const answer = attempt.answer !== undefined ? `<pre dir="auto" style="white-space:pre-wrap;${WRAP};margin:2px 0">${escapeHtml(attempt.answer)}</pre>${cut}` : '';
      return `<li style="${WRAP}">${head}${sent}${followUp}${reason}${answer}</li>`;
    })
    .join('');
  return `<details><summary>${plural(attempts.length, 'model attempt')} behind this torch: ${escapeHtml(outcomes)}</summary><ol>${items}</ol></details>`;
}

/** The text/html form: the SVG of the wiring (when rendered) and the torch list; all torch text escaped and isolated. */
export function torchFlowHtml(payload: TorchFlowPayload, diagramSvg: string | null): string {
  const entries = flowEntries(payload);
  const shown = entries.slice(-TORCH_LIST_LIMIT);
  const items = shown
    .map((entry) => {
      if (entry.kind === 'error') {
        const { error } = entry;
        return `<li style="color:#b00020;list-style:none;${WRAP}"><b>error</b> cycle ${error.cycle} <b>${label(error.campfire, 60)}</b> (${label(error.camper, 60)}) failed: ${bdi(error.message)}</li>`;
      }
      const { torch, position } = entry;
      const style = torch.error ? 'color:#b00020;' : '';
      const asset = torch.path ?? torch.url;
      const to = torch.to.length > 0 ? torch.to.map((name) => label(name, 60)).join(', ') : escapeHtml(torchRecipients(torch));
      return `<li value="${position}" style="${style}${WRAP}">cycle ${torch.cycle} <b>${label(torch.from, 60)}</b> (${label(torch.torchbearer, 60)}) → ${to}${torch.channel ? ` via <code>${label(torch.channel, 60)}</code>` : ''}: ${torch.error ? '<b>error</b> ' : ''}${bdi(torch.claim)} <i>(${torch.confidence.toFixed(2)})</i>${asset ? ` <code>${label(asset, 80)}</code>` : ''}${modelAttemptsHtml(torch.modelAttempts, payload.textCap)}</li>`;
    })
    .join('');
  // What working campers are writing: a pending row per campfire, after the torches, replaced by the torch once sent.
  const pending = (payload.thinking ?? [])
    .map(
      (row) =>
        `<li class="campfires-thinking" style="list-style:none;color:#555;${WRAP}" aria-live="polite">cycle ${row.cycle} <b>${label(row.campfire, 60)}</b> (${label(row.camper, 60)}) <i>${row.revealed ? 'answering' : 'writing'}…</i> <bdi style="white-space:pre-wrap">${escapeHtml(row.text)}</bdi></li>`,
    )
    .join('');
  return [
    `<div class="campfires-torchflow" style="max-width:100%;${WRAP}">`,
    `<p><b>Torch flow: ${label(payload.title, 120)}</b> · ${escapeHtml(payload.status)} · backend: ${label(payload.backend, 40)} · ${counts(payload, false)}</p>`,
    diagramSvg ?? '',
    shown.length > 0 || pending ? `<ol>${items}${pending}</ol>` : '<p>No torches yet.</p>',
    '</div>',
  ].join('');
}

/**
 * The rich view of a torch flow: our MIME type for the extension, plus SVG, HTML
 * and text fallbacks for any other front end.
 * @example displayBundle(await torchFlowBundle(torchFlowFromRunLog(log, runId)));
 */
export async function torchFlowBundle(payload: TorchFlowPayload): Promise<MimeBundle> {
  const checked = validate(torchFlowPayloadSchema, payload, { what: 'torch flow payload', code: 'torch_flow_invalid', field: 'payload' });
  let svg: string | null = null;
  let diagram: string | null = null;
  try {
    [svg, diagram] = await Promise.all([renderVegaSvg(torchFlowVegaSpec(checked)), renderVegaSvg(torchFlowVegaSpec(checked, { list: false }))]);
  } catch (error) {
    process.stderr.write(`campfires: the torch-flow SVG could not be rendered (${(error as Error).message})\n`);
  }
  return {
    [TORCH_FLOW_MIME_TYPE]: checked,
    ...(svg ? { 'image/svg+xml': svg } : {}),
    'text/html': torchFlowHtml(checked, diagram),
    'text/plain': torchFlowText(checked),
  };
}
