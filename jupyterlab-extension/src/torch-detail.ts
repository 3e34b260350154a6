import type { TorchFlowTorch } from 'campfires/display';
import { element, isServerPath, safeHttpUrl, sameServerUrl, userText } from './dom';

/** Turns a Party Box path into a URL the browser can open (JupyterLab's resolver), or null when it cannot. */
export type PartyBoxUrlResolver = (path: string) => Promise<string | null>;

/**
 * Shows one torch as pretty JSON plus a Party Box link: its `url` when http(s), else its
 * `path` resolved to a download URL on this Jupyter server. Anything else (another host,
 * `javascript:`, `//host`) is shown as text, never as a link. `position` is the torch's
 * place in the run (1 for the first torch sent).
 */
export function renderTorchDetail(torch: TorchFlowTorch, resolveUrl?: PartyBoxUrlResolver, position = torch.seq): HTMLElement {
  const panel = element('div', 'cf-torch-detail', undefined, { 'data-seq': String(torch.seq) });
  const title = element('div', 'cf-torch-detail-title', `Torch #${position} from `);
  title.append(userText('bdi', undefined, torch.from, 80), ' (torchbearer ', userText('bdi', undefined, torch.torchbearer, 80), ')');
  panel.append(title);
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
  panel.append(element('pre', 'cf-torch-json', jsonWithVisibleBidi(torch)));
  return panel;
}

/** Pretty JSON with bidirectional controls written as `\\u` escapes: still the same JSON, but an override cannot reorder it. */
function jsonWithVisibleBidi(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
