/** @jest-environment jsdom */
import './jsdom-shims';
import { TorchFlowRenderer } from '../../../jupyterlab-extension/src/torch-flow-renderer';
import { alertFlow, torch } from './sample-payloads';

function render(data: unknown, options = {}): TorchFlowRenderer {
  const renderer = new TorchFlowRenderer(options);
  renderer.renderData(data);
  return renderer;
}

function texts(root: ParentNode, selector: string): string[] {
  return [...root.querySelectorAll(selector)].map((node) => node.textContent ?? '');
}

function nodeX(root: HTMLElement, name: string): number {
  const node = root.querySelector(`.cf-node[data-campfire="${name}"]`) as Element;
  return Number(/translate\(([\d.]+)/.exec(node.getAttribute('transform') ?? '')?.[1]);
}

describe('TorchFlowRenderer', () => {
  it('draws one node per campfire, left to right along the channels', () => {
    const { node } = render(alertFlow());
    expect(texts(node, '.cf-node .cf-node-name')).toEqual(['collector', 'triage', 'summarizer', 'notifier']);
    expect(nodeX(node, 'collector')).toBeLessThan(nodeX(node, 'triage'));
    expect(nodeX(node, 'triage')).toBeLessThan(nodeX(node, 'summarizer'));
    expect(nodeX(node, 'summarizer')).toBe(nodeX(node, 'notifier'));
    expect(texts(node, '.cf-node[data-campfire="triage"] .cf-node-detail')).toEqual(['2 campers · active']);
  });

  it('draws one edge per channel link, labelled with the torches that crossed it', () => {
    const { node } = render(alertFlow([torch(1), torch(2), torch(3, { channel: 'alerts', from: 'triage' })]));
    const edges = [...node.querySelectorAll('.cf-edge')].map((edge) => `${edge.getAttribute('data-from')}->${edge.getAttribute('data-to')}`);
    expect(edges).toEqual(['collector->triage', 'triage->summarizer', 'triage->notifier']);
    expect(texts(node, '.cf-edge-label')).toEqual(['raw-posts (2)', 'alerts (1)', 'alerts (1)']);
  });

  it('lists torches in order with route, torchbearer, claim and confidence', () => {
    const { node } = render(alertFlow([torch(1, { claim: 'first', confidence: 0.9 }), torch(2, { claim: 'second', torchbearer: 'scorer' })]));
    const rows = [...node.querySelectorAll('tr.cf-torch')].map((row) => texts(row, 'td'));
    expect(rows).toEqual([
      ['1', '0', 'collector → triage', 'raw-posts', 'reddit-reader', 'first', '0.90'],
      ['2', '0', 'collector → triage', 'raw-posts', 'scorer', 'second', '0.50'],
    ]);
    expect(node.querySelector('.cf-title')?.textContent).toBe('Live alert');
    expect(node.querySelector('.cf-meta')?.textContent).toContain('4 campfires · 2 torches');
  });

  it('shows a clicked torch as JSON with its Party Box link', async () => {
    const flow = alertFlow([torch(1), torch(2, { url: 'https://example.org/report.pdf' })]);
    const { node } = render(flow);
    (node.querySelector('tr.cf-torch[data-seq="2"]') as HTMLElement).click();
    const detail = node.querySelector('.cf-torch-detail') as HTMLElement;
    expect(JSON.parse(detail.querySelector('.cf-torch-json')?.textContent ?? '')).toEqual(flow.torches[1]);
    expect(detail.querySelector('a.cf-partybox-link')?.getAttribute('href')).toBe('https://example.org/report.pdf');
    expect(node.querySelector('tr.cf-torch-selected')?.getAttribute('data-seq')).toBe('2');
  });

  it('resolves a Party Box path to a download URL through JupyterLab', async () => {
    const resolver = {
      resolveUrl: async (path: string) => `notebooks/${path}`,
      getDownloadUrl: async (path: string) => `/files/${path}`,
    };
    const { node } = render(alertFlow([torch(1, { path: 'party_box/ab/cdef.json' })]), { resolver });
    (node.querySelector('tr.cf-torch') as HTMLElement).click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const link = node.querySelector('a.cf-partybox-link') as HTMLElement;
    expect(link.textContent).toBe('party_box/ab/cdef.json');
    expect(link.getAttribute('href')).toBe('/files/notebooks/party_box/ab/cdef.json');
  });

  it('renders torch and campfire text as text, never as HTML', () => {
    const attack = '<img src=x onerror="window.hacked=1"><script>window.hacked=1</script>';
    const flow = alertFlow([torch(1, { claim: attack, torchbearer: attack, url: 'javascript:alert(1)' })]);
    flow.campfires[0].name = `<b>${attack}</b>`;
    flow.channels[0].from = [flow.campfires[0].name];
    flow.title = attack;
    const { node } = render(flow);
    (node.querySelector('tr.cf-torch') as HTMLElement).click();
    expect(node.querySelectorAll('img, script, b')).toHaveLength(0);
    expect(node.querySelector('.cf-torch-claim')?.textContent).toBe(attack);
    expect(node.querySelector('.cf-title')?.textContent).toBe(attack);
    expect(node.querySelector('a.cf-partybox-link')).toBeNull();
    expect(node.querySelector('.cf-partybox')?.textContent).toContain('not an http(s) link, shown as text');
  });

  it('pages a 1,000-torch run 50 rows at a time, starting at the newest', () => {
    const torches = Array.from({ length: 1000 }, (_, index) => torch(index + 1));
    const { node } = render(alertFlow(torches));
    expect(node.querySelectorAll('tr.cf-torch')).toHaveLength(50);
    expect(node.querySelector('.cf-pager-summary')?.textContent).toBe('Torches 951–1000 of 1000 (page 20 of 20)');
    (node.querySelector('.cf-pager-previous') as HTMLButtonElement).click();
    expect(node.querySelector('.cf-pager-summary')?.textContent).toBe('Torches 901–950 of 1000 (page 19 of 20)');
    expect(node.querySelector('tr.cf-torch td')?.textContent).toBe('901');
  });

  it('keeps the chosen page and selection when a live update arrives', () => {
    const torches = Array.from({ length: 120 }, (_, index) => torch(index + 1));
    const renderer = render(alertFlow(torches));
    (renderer.node.querySelector('.cf-pager-previous') as HTMLButtonElement).click();
    (renderer.node.querySelector('tr.cf-torch[data-seq="60"]') as HTMLElement).click();
    renderer.renderData(alertFlow([...torches, torch(121)]));
    expect(renderer.node.querySelector('.cf-pager-summary')?.textContent).toBe('Torches 51–100 of 121 (page 2 of 3)');
    expect(renderer.node.querySelector('.cf-torch-detail')?.getAttribute('data-seq')).toBe('60');
  });

  it('shows a readable error naming the field and value for a bad payload', () => {
    const bad = { ...alertFlow(), version: 2, torches: [{ ...torch(1), confidence: 'high' }] };
    const { node } = render(bad);
    const error = node.querySelector('.cf-payload-error') as HTMLElement;
    expect(error.textContent).toContain('application/vnd.campfires.torchflow.v1+json payload is not valid');
    expect(texts(error, 'li')).toEqual([
      expect.stringMatching(/^version: .*\(got 2\)$/),
      expect.stringMatching(/^torches\.0\.confidence: .*number.*\(got "high"\)$/),
    ]);
    expect(node.querySelector('.cf-flow-diagram')).toBeNull();
  });
});
