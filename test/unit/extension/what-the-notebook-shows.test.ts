/** @jest-environment jsdom */
/**
 * What a person reads in the extension: Party Box links only to this server, one word for
 * result torches, torches numbered by their place, failed campers shown, names isolated
 * and cut with a tooltip, turn counts without the start state, no action without its point.
 */
import './jsdom-shims';
import { TorchFlowRenderer } from '../../../jupyterlab-extension/src/torch-flow-renderer';
import { SimulationRenderer, type EmbedChart } from '../../../jupyterlab-extension/src/simulation-renderer';
import { cutText } from 'campfires/display';
import { alertFlow, councilRun, torch } from './sample-payloads';

function rendered(data: unknown, resolved?: string): { node: HTMLElement; flush: () => Promise<void> } {
  const renderer = new TorchFlowRenderer(resolved === undefined ? {} : { resolver: { resolveUrl: async (path: string) => path, getDownloadUrl: async () => resolved } as never });
  renderer.renderData(data);
  return { node: renderer.node, flush: () => new Promise((resolve) => setTimeout(resolve, 0)) };
}

function select(node: HTMLElement, seq: number): void {
  (node.querySelector(`tr.cf-torch[data-seq="${seq}"]`) as HTMLElement).click();
}

const HOSTILE_PATHS = [
  '//evil.example/x',
  '/\\evil.example/x',
  '\\\\evil.example\\x',
  '/\\/evil.example',
  'javascript:alert(1)',
  'JavaScript:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox',
  'https://evil.example/x',
  'http:evil.example',
  'file:///etc/passwd',
  '/files/a\u0000b',
  '/\t/evil.example',
  '',
];

describe('Party Box links', () => {
  it.each(HOSTILE_PATHS)('never links a torch path %j, whatever the resolver makes of it', async (path) => {
    for (const resolved of [path, `//evil.example/${path}`, 'http://evil.example/files/x', 'javascript:alert(1)', '/\\evil.example']) {
      const { node, flush } = rendered(alertFlow([torch(1, { path })]), resolved);
      select(node, 1);
      await flush();
      const anchors = [...node.querySelectorAll('.cf-partybox a')];
      for (const anchor of anchors) {
        const href = anchor.getAttribute('href');
        if (href !== null) expect(new URL(href, window.location.href).origin).toBe(window.location.origin);
      }
      expect(node.querySelector('.cf-partybox')?.textContent).toContain(cutText(path.replace(/\s+/g, ' ').trim(), { characters: 200 }));
    }
  });

  it.each(HOSTILE_PATHS.filter((url) => !/^https?:/i.test(url)))('shows a torch url %j as text, not a link', (url) => {
    const { node } = rendered(alertFlow([torch(1, { url })]));
    select(node, 1);
    expect(node.querySelector('.cf-partybox a')).toBeNull();
  });

  it('links a path that stays on this server', async () => {
    for (const [path, resolved] of [['party_box/ab/cd.json', '/files/party_box/ab/cd.json'], ['/files/x.md', '/files/x.md'], ['a b/ü.md', `${window.location.origin}/files/a%20b/%C3%BC.md`]]) {
      const { node, flush } = rendered(alertFlow([torch(1, { path })]), resolved);
      select(node, 1);
      await flush();
      expect(node.querySelector('a.cf-partybox-link')?.getAttribute('href')).toBe(resolved);
    }
  });

  it('links an http(s) url to wherever it points', () => {
    const { node } = rendered(alertFlow([torch(1, { url: 'https://example.org/report.pdf' })]));
    select(node, 1);
    expect(node.querySelector('a.cf-partybox-link')?.getAttribute('href')).toBe('https://example.org/report.pdf');
  });
});

describe('torch table labels', () => {
  it('numbers torches by their place in the run, not their run-log event', () => {
    const { node } = rendered(alertFlow([torch(1), torch(2), torch(4), torch(5)]));
    expect([...node.querySelectorAll('tr.cf-torch .cf-torch-position')].map((cell) => cell.textContent)).toEqual(['1', '2', '3', '4']);
    select(node, 4);
    expect(node.querySelector('.cf-torch-detail-title')?.textContent).toMatch(/^Torch #3 from/);
  });

  it('says (result) for a torch a campfire keeps, as the text form does', () => {
    const { node } = rendered(alertFlow([torch(1, { channel: '', to: [], from: 'notifier' }), torch(2, { to: [] })]));
    const routes = [...node.querySelectorAll('tr.cf-torch .cf-torch-route')].map((cell) => cell.textContent);
    expect(routes).toEqual(['notifier → (result)', 'collector → (no listener)']);
  });

  it('shows a failing camper as an error row and marks its campfire failed', () => {
    const flow = { ...alertFlow([torch(1), torch(3)]), errors: [{ seq: 2, cycle: 1, campfire: 'triage', camper: 'tagger', message: 'feed missing', ts: 2 }] };
    const { node } = rendered(flow);
    const rows = [...node.querySelectorAll('tbody tr')];
    expect(rows.map((row) => row.className.split(' ')[0])).toEqual(['cf-torch', 'cf-camper-error', 'cf-torch']);
    expect(rows[1]?.textContent).toContain('tagger');
    expect(rows[1]?.textContent).toContain('failed: feed missing');
    expect(node.querySelector('.cf-node[data-campfire="triage"]')?.classList.contains('cf-node-failed')).toBe(true);
    expect(node.querySelector('.cf-node[data-campfire="triage"] .cf-node-detail')?.textContent).toBe('2 campers · 1 failed');
    expect(node.querySelector('.cf-node[data-campfire="collector"]')?.classList.contains('cf-node-failed')).toBe(false);
  });

  it('cuts long names on a character boundary with the whole name in the tooltip, isolated from the words around', () => {
    for (const name of ['n'.repeat(10_000), `${'🔥'.repeat(40)}`, `evil\u202Eeman`, `${'x'.repeat(59)}👩‍👩‍👧‍👦tail`]) {
      const { node } = rendered({ ...alertFlow([torch(1, { torchbearer: name, from: name })]), title: name });
      const cell = node.querySelector('tr.cf-torch .cf-torch-name:last-of-type') ?? node.querySelector('tr.cf-torch td:nth-child(5)');
      const bearer = node.querySelector('tr.cf-torch td:nth-child(5)') as HTMLElement;
      expect(cell).not.toBeNull();
      expect(bearer.getAttribute('dir')).toBe('auto');
      expect([...(bearer.textContent ?? '')].length).toBeLessThanOrEqual(60);
      if (bearer.textContent !== name) expect(bearer.title).toBe(cutText(name, { characters: 2000 }));
      expect(node.querySelector('.cf-title')?.getAttribute('dir')).toBe('auto');
      for (const text of node.querySelectorAll('text')) expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(text.textContent ?? '')).toBe(false);
    }
  });

  it('keeps edge labels apart: channels joining the same campfires stack, and each fits its gap', () => {
    const flow = alertFlow();
    flow.channels.push({ name: 'second-line-between-the-same-two-campfires', from: ['collector'], to: ['triage'] });
    const { node } = rendered(flow);
    const labels = [...node.querySelectorAll('.cf-edge[data-from="collector"] .cf-edge-label')];
    expect(labels).toHaveLength(2);
    expect(new Set(labels.map((label) => label.getAttribute('y'))).size).toBe(2);
    for (const label of node.querySelectorAll('.cf-edge-label')) expect([...(label.textContent ?? '')].length).toBeLessThanOrEqual(16);
  });
});

describe('council header and charts', () => {
  function recordingEmbed(): { specs: Record<string, any>[]; load: () => Promise<EmbedChart> } {
    const specs: Record<string, any>[] = [];
    return { specs, load: async () => async (_target, spec) => (specs.push(spec), { finalize: () => undefined }) };
  }

  it('counts played turns: turn 0 is the start state', async () => {
    for (const seasons of [1, 2, 12]) {
      const turns = Array.from({ length: seasons + 1 }, (_, turn) => ({ turn, resource_level: 50, stability: 50 }));
      const renderer = new SimulationRenderer({ loadEmbed: recordingEmbed().load });
      await renderer.renderData({ ...councilRun(), turns });
      expect(renderer.node.querySelector('.cf-meta')?.textContent).toContain(`· ${seasons} turn${seasons === 1 ? '' : 's'} ·`);
    }
  });

  it('draws no action of an interrupted turn that has no world point, and says so', async () => {
    const embed = recordingEmbed();
    const renderer = new SimulationRenderer({ loadEmbed: embed.load });
    const run = councilRun();
    await renderer.renderData({ ...run, status: 'interrupted', turns: run.turns.slice(0, 1) });
    const actions = embed.specs[1]?.data.values as { turn: number }[];
    expect(actions.map((action) => action.turn)).toEqual([1, 1]);
    expect(renderer.node.querySelector('.cf-meta')?.textContent).toContain('1 action of an unfinished turn not shown');
  });
});
