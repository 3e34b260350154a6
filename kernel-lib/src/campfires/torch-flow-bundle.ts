import { escapeHtml, validate } from '../core';
import { TORCH_FLOW_MIME_TYPE, torchFlowPayloadSchema, type MimeBundle, type TorchFlowPayload } from '../display';
import { TORCH_LIST_LIMIT, plural, torchFlowVegaSpec, torchLine } from './torch-flow-chart';
import { renderVegaSvg } from '../display';

/** The text/plain form of a torch flow: a summary line, then the newest torches. */
export function torchFlowText(payload: TorchFlowPayload): string {
  const head = `Torch flow "${payload.title}" (${payload.status}, backend: ${payload.backend}): ${plural(payload.campfires.length, 'campfire')}, ${plural(payload.channels.length, 'channel')}, ${plural(payload.torches.length, 'torch', 'torches')}`;
  const route = payload.campfires
    .map((campfire) => `${campfire.name}${campfire.output ? ` -> ${campfire.output}` : ''}`)
    .join(' | ');
  const shown = payload.torches.slice(-TORCH_LIST_LIMIT);
  const more = payload.torches.length - shown.length;
  return [head, `  campfires: ${route}`, ...(more > 0 ? [`  ... ${more} earlier torches`] : []), ...shown.map((torch) => `  ${torchLine(torch)}`)].join('\n');
}

/** The text/html form: the SVG of the wiring (when rendered) and the torch list; all torch text escaped. */
export function torchFlowHtml(payload: TorchFlowPayload, diagramSvg: string | null): string {
  const shown = payload.torches.slice(-TORCH_LIST_LIMIT);
  const items = shown
    .map((torch) => {
      const style = torch.error ? ' style="color:#b00020"' : '';
      const asset = torch.path ?? torch.url;
      return `<li${style}><code>#${torch.seq}</code> cycle ${torch.cycle} <b>${escapeHtml(torch.from)}</b> (${escapeHtml(torch.torchbearer)}) → ${torch.channel ? `${escapeHtml(torch.to.join(', ') || '(no listener)')} via <code>${escapeHtml(torch.channel)}</code>` : '(result)'}: ${torch.error ? '<b>error</b> ' : ''}${escapeHtml(torch.claim)} <i>(${torch.confidence.toFixed(2)})</i>${asset ? ` <code>${escapeHtml(asset)}</code>` : ''}</li>`;
    })
    .join('');
  return [
    '<div class="campfires-torchflow">',
    `<p><b>Torch flow: ${escapeHtml(payload.title)}</b> · ${escapeHtml(payload.status)} · backend: ${escapeHtml(payload.backend)} · ${plural(payload.campfires.length, 'campfire')}, ${plural(payload.torches.length, 'torch', 'torches')}</p>`,
    diagramSvg ?? '',
    shown.length > 0 ? `<ol start="${payload.torches.length - shown.length + 1}">${items}</ol>` : '<p>No torches yet.</p>',
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
