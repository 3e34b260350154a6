import { ATTEMPT_OUTCOME_WORDS, cutText, torchRecipients, type TorchFlowModelAttempt, type TorchFlowToolCall, type TorchFlowTorch } from 'campfires/display';
import { element, isServerPath, safeHttpUrl, sameServerUrl, userText } from './dom';

/** Turns a Party Box path into a URL the browser can open (JupyterLab's resolver), or null when it cannot. */
export type PartyBoxUrlResolver = (path: string) => Promise<string | null>;

/**
 * Shows one torch as pretty JSON plus a Party Box link: its `url` when http(s), else its
 * `path` resolved to a download URL on this Jupyter server. Anything else (another host,
 * `javascript:`, `//host`) is shown as text, never as a link. `position` is the torch's
 * place in the run (1 for the first torch sent).
 */
export function renderTorchDetail(torch: TorchFlowTorch, resolveUrl?: PartyBoxUrlResolver, position = torch.seq, textCap?: number): HTMLElement {
  const panel = element('div', 'cf-torch-detail', undefined, { 'data-seq': String(torch.seq) });
  const title = element('div', 'cf-torch-detail-title', `Torch #${position} from `);
  title.append(userText('bdi', undefined, torch.from, 80), ' (torchbearer ', userText('bdi', undefined, torch.torchbearer, 80), `) · cycle ${torch.cycle}`);
  panel.append(title);
  const route = element('div', 'cf-torch-detail-route', 'Channel ');
  route.append(userText('bdi', undefined, torch.channel || '(none: kept as the result)', 80), ' → ', userText('bdi', undefined, torchRecipients(torch), 200), ` · confidence ${torch.confidence.toFixed(2)}${torch.error ? ' · marked as an error' : ''}`);
  panel.append(route);
  const claim = element('div', 'cf-torch-detail-claim');
  claim.append(element('span', 'cf-detail-label', 'Claim: '), userText('span', 'cf-torch-detail-claim-text', torch.claim));
  panel.append(claim);
  const metadata = Object.entries(torch.metadata);
  if (metadata.length > 0) {
    const list = element('dl', 'cf-torch-metadata', undefined, { 'aria-label': 'Metadata' });
    for (const [key, value] of metadata) {
      list.append(userText('dt', undefined, key, 60), userText('dd', undefined, typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), 400));
    }
    panel.append(element('div', 'cf-detail-label', 'Metadata'), list);
  }
  const link = element('div', 'cf-partybox');
  if (torch.url !== undefined) {
    const href = safeHttpUrl(torch.url);
    if (href) {
      const anchor = userText('a', 'cf-partybox-link', torch.url, 200);
      for (const [name, value] of Object.entries({ href, target: '_blank', rel: 'noopener noreferrer' })) anchor.setAttribute(name, value);
      link.append('Party Box: ', anchor);
    } else {
      link.append('Party Box: ', userText('bdi', 'cf-partybox-text', torch.url, 200), ' (not an http(s) link, shown as text)');
    }
  } else if (torch.path !== undefined) {
    const path = torch.path;
    if (isServerPath(path)) {
      const anchor = userText('a', 'cf-partybox-link', path, 200);
      for (const [name, value] of Object.entries({ target: '_blank', rel: 'noopener noreferrer' })) anchor.setAttribute(name, value);
      link.append('Party Box: ', anchor);
      if (resolveUrl) {
        void resolveUrl(path).then(
          (url) => {
            const href = url === null ? null : sameServerUrl(url);
            if (href) anchor.setAttribute('href', href);
          },
          () => undefined,
        );
      }
    } else {
      link.append('Party Box: ', userText('bdi', 'cf-partybox-text', path, 200), ' (not a path on this Jupyter server, shown as text)');
    }
  } else {
    link.append('Party Box: this torch carries no asset');
  }
  panel.append(link);
  if (torch.toolCalls && torch.toolCalls.length > 0) panel.append(toolCallList(torch.toolCalls));
  if (torch.modelAttempts && torch.modelAttempts.length > 0) panel.append(modelAttemptList(torch.modelAttempts, textCap));
  const json = element('details', 'cf-torch-json-box');
  json.append(element('summary', undefined, 'The torch as JSON'), element('pre', 'cf-torch-json', jsonWithVisibleBidi(torch)));
  panel.append(json);
  return panel;
}

/** The tool calls behind a torch, in order: tool, server, outcome, time, arguments and result. */
function toolCallList(calls: readonly TorchFlowToolCall[]): HTMLElement {
  const box = element('div', 'cf-tool-calls');
  box.append(element('div', 'cf-detail-label', `Tool calls behind this torch (${calls.length})`));
  const list = element('ol', 'cf-tool-call-list');
  for (const call of calls) {
    const item = element('li', `cf-tool-call cf-tool-call-${call.status}`);
    const head = element('div', 'cf-tool-call-head');
    head.append(userText('strong', undefined, call.tool, 80), ' on ', userText('bdi', undefined, call.server, 120), ` · ${call.status} · ${Math.round(call.ms)} ms`);
    head.append(' · by ', userText('bdi', undefined, call.camper, 80));
    if (call.round !== undefined) head.append(` · model round ${call.round}`);
    if (call.replayed) head.append(' · replayed from the record');
    item.append(head);
    item.append(element('pre', 'cf-tool-call-args', cutText(jsonWithVisibleBidi(call.arguments), { characters: 2000 })));
    item.append(userText('pre', 'cf-tool-call-result', cutText(call.result, { characters: 2000 })));
    list.append(item);
  }
  box.append(list);
  return box;
}

const number = new Intl.NumberFormat('en-US');

/**
 * The model requests behind a torch, in order: attempt, model, outcome, time and camper,
 * what the model was sent (folded; on a later attempt what it was told after the previous
 * answer), why an answer was refused (or the failure) and the raw answer, with the cap
 * each was cut at. Every text the model or the run wrote is isolated (`dir="auto"`) and wraps.
 */
function modelAttemptList(attempts: readonly TorchFlowModelAttempt[], textCap: number | undefined): HTMLElement {
  const box = element('div', 'cf-model-attempts');
  box.append(element('div', 'cf-detail-label', `Model attempts behind this torch (${attempts.length})`));
  const list = element('ol', 'cf-model-attempt-list', undefined, { 'aria-label': 'Model attempts' });
  for (const attempt of attempts) {
    const item = element('li', `cf-model-attempt cf-model-attempt-${attempt.outcome}`, undefined, { 'data-outcome': attempt.outcome });
    const head = element('div', 'cf-model-attempt-head', `Attempt ${attempt.attempt}${attempt.of !== undefined ? ` of ${attempt.of}` : ''} · `);
    head.append(userText('bdi', 'cf-model-attempt-model', attempt.provider ? `${attempt.provider}:${attempt.model}` : attempt.model, 80), ' · ');
    head.append(element('strong', 'cf-model-attempt-outcome', ATTEMPT_OUTCOME_WORDS[attempt.outcome]));
    if (attempt.ms !== undefined) head.append(` · ${Math.round(attempt.ms)} ms`);
    head.append(' · by ', userText('bdi', undefined, attempt.camper, 80));
    if (attempt.replayed) head.append(' · replayed from the record');
    item.append(head);
    if (attempt.prompt !== undefined) {
      // Folded: the prompt is long and the same for every torch of a camper; a click opens it.
      const sent = element('details', 'cf-model-attempt-prompt');
      sent.append(element('summary', undefined, 'What the model was sent'), userText('pre', 'cf-model-attempt-prompt-text', attempt.prompt));
      if (attempt.promptLength !== undefined) sent.append(element('div', 'cf-model-attempt-cap', `prompt cut in its middle at ${number.format(textCap ?? 0)} characters (${number.format(attempt.promptLength)} in all)`));
      item.append(sent);
    }
    if (attempt.followUp !== undefined) {
      const told = element('div', 'cf-model-attempt-follow-up');
      told.append(element('span', 'cf-detail-label', 'Told after the previous answer: '), userText('span', 'cf-model-attempt-follow-up-text', attempt.followUp));
      item.append(told);
    }
    if (attempt.reason !== undefined) {
      const reason = element('div', 'cf-model-attempt-reason');
      reason.append(element('span', 'cf-detail-label', attempt.outcome === 'error' ? 'Failure: ' : 'Why it was refused: '), userText('span', 'cf-model-attempt-reason-text', attempt.reason));
      item.append(reason);
    }
    if (attempt.answer !== undefined) {
      item.append(attempt.answer === '' ? element('div', 'cf-model-attempt-empty', 'The model answered with no text.') : userText('pre', 'cf-model-attempt-answer', attempt.answer));
      if (attempt.answerLength !== undefined) item.append(element('div', 'cf-model-attempt-cap', `answer cut at ${number.format(textCap ?? 0)} characters (${number.format(attempt.answerLength)} in all)`));
    }
    list.append(item);
  }
  box.append(list);
  return box;
}

/** Pretty JSON with bidirectional controls written as `\\u` escapes: still the same JSON, but an override cannot reorder it. */
function jsonWithVisibleBidi(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
