import type { TorchFlowTorch } from 'campfires/display';
import { element, safeHttpUrl } from './dom';

/** Turns a Party Box path into a URL the browser can open (JupyterLab's resolver), or null when it cannot. */
export type PartyBoxUrlResolver = (path: string) => Promise<string | null>;

/**
 * Shows one torch as pretty JSON plus a Party Box link: its `url` when http(s),
 * else its `path` resolved to a download URL.
 */
export function renderTorchDetail(torch: TorchFlowTorch, resolveUrl?: PartyBoxUrlResolver): HTMLElement {
  const panel = element('div', 'cf-torch-detail', undefined, { 'data-seq': String(torch.seq) });
  panel.append(element('div', 'cf-torch-detail-title', `Torch #${torch.seq} from ${torch.from} (torchbearer ${torch.torchbearer})`));
  const link = element('div', 'cf-partybox');
  if (torch.url !== undefined) {
    const href = safeHttpUrl(torch.url);
    if (href) {
      link.append('Party Box: ', element('a', 'cf-partybox-link', torch.url, { href, target: '_blank', rel: 'noopener noreferrer' }));
    } else {
      link.append(`Party Box: ${torch.url} (not an http(s) link, shown as text)`);
    }
  } else if (torch.path !== undefined) {
    const path = torch.path;
    const anchor = element('a', 'cf-partybox-link', path, { target: '_blank', rel: 'noopener noreferrer' });
    link.append('Party Box: ', anchor);
    if (resolveUrl) {
      void resolveUrl(path).then(
        (url) => {
          const href = url === null ? null : url.startsWith('/') ? url : safeHttpUrl(url);
          if (href) anchor.setAttribute('href', href);
        },
        () => undefined,
      );
    }
  } else {
    link.append('Party Box: this torch carries no asset');
  }
  panel.append(link);
  panel.append(element('pre', 'cf-torch-json', JSON.stringify(torch, null, 2)));
  return panel;
}
