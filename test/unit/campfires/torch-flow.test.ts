import { SqliteRunLog, TORCH_FLOW_MIME_TYPE, type RunEvent, ValidationError, torchFlowBundle, torchFlowFromEvents, torchFlowFromRunLog, torchFlowPayloadSchema } from 'campfires';
import { olderPipelineEvents, pipelineEvents, pipelineRun } from '../display/fixtures';

describe('torchFlowFromEvents', () => {
  it('lists campfires, channels from their inputs and outputs, and torches in order with receivers', () => {
    const payload = torchFlowFromEvents(pipelineRun(), pipelineEvents());
    expect(torchFlowPayloadSchema.safeParse(payload).success).toBe(true);
    expect(payload.campfires.map((c) => c.name)).toEqual(['scrape', 'sentiment', 'verify', 'summary']);
    expect(payload.channels).toEqual([
      { name: 'headlines', from: ['scrape'], to: ['sentiment'] },
      { name: 'mood', from: ['sentiment'], to: ['verify'] },
      { name: 'verified', from: ['verify'], to: ['summary'] },
    ]);
    expect(payload.torches.map((t) => [t.from, t.torchbearer, t.channel, t.to, t.error])).toEqual([
      ['scrape', 'headlines', 'headlines', ['sentiment'], false],
      ['sentiment', 'comments', 'mood', ['verify'], false],
      ['verify', 'weather', 'verified', ['summary'], true],
      ['summary', 'writer', '', [], false],
    ]);
    expect(payload.torches[1].path).toBe('party_box/ab12.json');
    expect(payload.campfires[0].status).toBe('idle');
    expect(payload.backend).toBe('offline (deterministic tool campers)');
  });

  it('reads a log written by an older version (receipts and statuses in rows of their own) to the same flow', () => {
    const strip = ({ seq: _seq, ts: _ts, ...torch }: { seq: number; ts: number }) => torch;
    const older = torchFlowFromEvents(pipelineRun(), olderPipelineEvents());
    const current = torchFlowFromEvents(pipelineRun(), pipelineEvents());
    expect(older.channels).toEqual(current.channels);
    expect(older.torches.map(strip)).toEqual(current.torches.map(strip));
  });

  it('shows a campfire active from its live signal until its cycle row arrives', () => {
    const [scrape, sentiment] = pipelineEvents();
    const active = { ...(scrape as RunEvent), kind: 'campfire-status', camper: null, channel: null, messageId: null, data: { status: 'active', cycle: 1 } };
    const activeSentiment = { ...active, campfire: 'sentiment' };
    const during = torchFlowFromEvents({ ...pipelineRun(), status: 'running' }, [active, scrape as RunEvent, activeSentiment]);
    expect(during.campfires.map((campfire) => campfire.status)).toEqual(['idle', 'active', 'idle', 'idle']);
    expect(during.active).toEqual(['sentiment']);
    // Once the run has stopped, no campfire is working, whatever its last signal said.
    expect(torchFlowFromEvents({ ...pipelineRun(), status: 'interrupted' }, [active, scrape as RunEvent, activeSentiment]).active).toEqual([]);
    expect(during.torches[0]?.to).toEqual([]);
    const after = torchFlowFromEvents(pipelineRun(), [active, scrape as RunEvent, activeSentiment, sentiment as RunEvent]);
    expect(after.campfires.map((campfire) => campfire.status)).toEqual(['idle', 'idle', 'idle', 'idle']);
    expect(after.torches[0]?.to).toEqual(['sentiment']);
  });
});

describe('torchFlowFromRunLog', () => {
  it('reads the same flow back from a real SQLite run log', () => {
    const log = SqliteRunLog.open(':memory:');
    try {
      const run = log.startRun({ kind: 'pipeline', name: 'live-alert', meta: pipelineRun().meta });
      log.appendMany(run.id, pipelineEvents().map(({ seq: _seq, runId: _runId, ...event }) => event));
      log.endRun(run.id, 'completed');
      const payload = torchFlowFromRunLog(log, run.id);
      expect(payload.status).toBe('completed');
      expect(payload.torches.map((torch) => [torch.from, torch.to, torch.claim])).toEqual([
        ['scrape', ['sentiment'], 'Tube strike announced for Friday'],
        ['sentiment', ['verify'], 'Londoners are annoyed'],
        ['verify', ['summary'], 'traffic failed: feed missing'],
        ['summary', [], 'ALERT: Tube strike Friday'],
      ]);
    } finally {
      log.close();
    }
  });
});

describe('torchFlowBundle', () => {
  it('sends our MIME type with SVG, HTML and text fallbacks that a person can read', async () => {
    const bundle = await torchFlowBundle(torchFlowFromEvents(pipelineRun(), pipelineEvents()));
    expect(Object.keys(bundle).sort()).toEqual([TORCH_FLOW_MIME_TYPE, 'image/svg+xml', 'text/html', 'text/plain'].sort());
    const svg = String(bundle['image/svg+xml']);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const name of ['scrape', 'sentiment', 'verify', 'summary', 'Tube strike announced for Friday']) expect(svg).toContain(name);
    expect(String(bundle['text/plain'])).toContain('Torch flow "live-alert" (completed, backend: offline (deterministic tool campers)): 4 campfires, 3 channels, 4 torches');
    // "#" is the torch's place in the run (the camper error between torches is a row of its own, not a number).
    expect(String(bundle['text/plain'])).toContain('  ERROR cycle 1 verify (traffic) failed: "feed missing"\n  #3 cycle 1 verify (weather) → summary via verified: ERROR "traffic failed: feed missing"');
    // A campfire without an output channel keeps its torch as the run's result.
    expect(String(bundle['text/plain'])).toContain('#4 cycle 1 summary (writer) → (result): "ALERT: Tube strike Friday"');
  });

  it('shows each torch once in the HTML: the embedded diagram carries the wiring, the list carries the torches', async () => {
    const bundle = await torchFlowBundle(torchFlowFromEvents(pipelineRun(), pipelineEvents()));
    const html = String(bundle['text/html']);
    expect(html.split('Londoners are annoyed').length - 1).toBe(1);
    expect(html).toContain('<svg');
    expect(html).toContain('party_box/ab12.json');
  });

  it('keeps a run of 1,000 torches readable: the diagram and text list the newest 24 and count the rest', async () => {
    const base = torchFlowFromEvents(pipelineRun(), pipelineEvents());
    const torches = Array.from({ length: 1000 }, (_, index) => ({ ...base.torches[0], seq: index + 1, messageId: `m${index}`, cycle: index + 1, claim: `headline number ${index + 1}` }));
    const bundle = await torchFlowBundle({ ...base, torches });
    const svg = String(bundle['image/svg+xml']);
    expect(svg).toContain('1000 torches (newest 24 shown)');
    expect(svg).toContain('headline number 1000');
    expect(svg).not.toContain('headline number 976"');
    expect(String(bundle['text/plain'])).toContain('... 976 earlier torches');
    expect((bundle[TORCH_FLOW_MIME_TYPE] as { torches: unknown[] }).torches).toHaveLength(1000);
  });

  it('escapes torch text in the HTML and SVG fallbacks so it can never run as markup', async () => {
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const bundle = await torchFlowBundle(torchFlowFromEvents(pipelineRun(), pipelineEvents(hostile)));
    for (const type of ['text/html', 'image/svg+xml']) {
      const text = String(bundle[type]);
      expect(text).not.toContain('<img');
      expect(text).not.toContain('<script');
      expect(text).toContain('&lt;img src=x onerror=');
    }
  });

  it('refuses a payload of the wrong shape, naming the field and the value', async () => {
    const payload = { ...torchFlowFromEvents(pipelineRun(), []), version: 2 };
    await expect(torchFlowBundle(payload as never)).rejects.toThrow(ValidationError);
    await expect(torchFlowBundle(payload as never)).rejects.toThrow(/payload\.version.*got 2/);
  });
});
