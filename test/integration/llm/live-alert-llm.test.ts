import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartyBox, SqliteRunLog, createLiveAlertPipeline, createOllamaModel, loadLiveAlertData, torchSchema } from 'campfires';
import { liveAlertLlmCampers, liveAlertModels } from '../../../kernel-lib/examples/live-alert-llm';
import { startOllamaProtocolServer, type OllamaProtocolServer } from 'campfires/testing';

const still = readFileSync(join(__dirname, '../../../fixtures/llm/traffic-camera.png'));

describe('live-alert demo in LLM mode', () => {
  let dir: string;
  let ollama: OllamaProtocolServer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'live-alert-llm-'));
    ollama = await startOllamaProtocolServer({ models: ['llama3.1:8b', 'llama3.2-vision'] });
  });
  afterEach(async () => {
    await ollama.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses model campers for Sentiment and Summary and shows Verify the camera still from the Party Box', async () => {
    ollama.reply(
      { text: '{"claim":"Panic rising, 80% negative: people fear a hack","confidence":0.8}' },
      { text: '{"claim":"Camera shows dark traffic lights and stopped cars in rain: consistent with a storm outage","confidence":0.75,"caption":"dark junction, stopped cars, rain"}' },
      { text: '```json\n{"claim":"Storm power cut across five boroughs; power back around 3 AM; Central line suspended. Stay calm: not a hack.","confidence":0.8}\n```' },
    );
    const runLog = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const partyBox = PartyBox.local(join(dir, 'party_box'));
    const data = await loadLiveAlertData();
    const models = { text: createOllamaModel({ host: ollama.url }), vision: createOllamaModel({ host: ollama.url, model: 'llama3.2-vision' }) };
    const pipeline = await createLiveAlertPipeline({ data, runLog, partyBox, campers: (defaults) => liveAlertLlmCampers(defaults, { data, models }) });
    const run = await pipeline.run({ cycles: 1, display: false });

    expect(run.finals.summary).toMatchObject({
      claim: 'Storm power cut across five boroughs; power back around 3 AM; Central line suspended. Stay calm: not a hack.',
      metadata: { model: 'ollama:llama3.1:8b' },
    });
    const chats = ollama.requests.filter((request) => request.path === '/api/chat').map((request) => request.body);
    expect(chats.map((body) => body.model)).toEqual(['llama3.1:8b', 'llama3.2-vision', 'llama3.1:8b']);
    expect(chats[0].messages.at(-1).content).toContain('The most upvoted comments:');
    expect(chats[1].messages.at(-1).images).toEqual([still.toString('base64')]);
    expect(chats[2].messages.at(-1).content).toContain('Report: Camera shows dark traffic lights');

    const sent = runLog.events(run.runId, { kinds: ['torch-sent'] }).map((event) => torchSchema.parse((event.data as { torch: unknown }).torch));
    const verified = sent[2]!;
    expect(verified.path).toMatch(/images\/[0-9a-f]{16}\.png$/);
    expect(verified.metadata.caption).toBe('dark junction, stopped cars, rain');
    for (const torch of sent) expect(JSON.stringify(torch).length).toBeLessThanOrEqual(1024);
    expect(runLog.events(run.runId, { kinds: ['model-attempt'] }).map((event) => event.camper)).toEqual(['mood-llm', 'camera-llm', 'alert-llm']);
    runLog.close();
  });

  const demo = join(__dirname, '../../../kernel-lib/dist/examples/live-alert.js');
  const runDemo = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [demo, ...args, '--log', join(dir, 'torch_log.db'), '--party-box', join(dir, 'party_box')], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('runs from the command line with --model ollama and prints the model\'s alert', async () => {
    ollama.reply(
      { text: '{"claim":"Panic rising, 80% negative","confidence":0.8}' },
      { text: '{"claim":"Camera: dark lights, stopped cars, rain","confidence":0.7,"caption":"dark junction"}' },
      { text: '{"claim":"Storm power cut; power back around 3 AM; Central line suspended.","confidence":0.8}' },
    );
    const result = await runDemo(['--model', 'ollama'], { OLLAMA_HOST: ollama.url });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`live-alert: LLM mode, ollama llama3.1:8b at ${ollama.url} for Sentiment and Summary, llama3.2-vision for the camera still in Verify; leave out --model to run offline.`);
    expect(result.stdout).toContain('sentiment -> sentiment mood-llm: "Panic rising, 80% negative" (0.8)');
    expect(result.stdout).toContain('ALERT: Storm power cut; power back around 3 AM; Central line suspended.');
    expect(result.stdout).toMatch(/confidence 0\.8; camera still in the Party Box at .*images\/[0-9a-f]{16}\.png/);
    expect(result.code).toBe(0);
  }, 60_000);

  it.each([
    ['a refused request (400)', { status: 400, error: 'invalid option: num_ctx' }, /invalid option: num_ctx/],
    ['a missing model (404)', { status: 404, error: 'model "llama3.1:8b" not found, try pulling it first' }, /has no model "llama3\.1:8b". Pull it/],
    ['an error inside a 200 body', { errorInBody: 'llama runner process has terminated' }, /llama runner process has terminated/],
  ])('reports a failed summary camper (%s) as a failure with its fix and exit code 1, never as an alert', async (_case, failure, reason) => {
    ollama.reply(
      { text: '{"claim":"Panic rising, 80% negative","confidence":0.8}' },
      { text: '{"claim":"Camera: dark lights, stopped cars, rain","confidence":0.7,"caption":"dark junction"}' },
      failure as never,
      failure as never,
      failure as never,
      failure as never,
    );
    const result = await runDemo(['--model', 'ollama'], { OLLAMA_HOST: ollama.url });
    expect(result.stdout).not.toMatch(/^ALERT:/m);
    expect(result.stdout).toMatch(/^FAILED: no alert\. The summary campfire's camper "alert-llm" failed \(\w+\):$/m);
    expect(result.stdout).toMatch(reason);
    expect(result.stdout).toMatch(/^ {3}Fix: .+; or run offline: npm run demo\.$/m);
    expect(result.code).toBe(1);
  }, 90_000);

  it('records the model answers to a cassette once and replays them with no model running', async () => {
    const cassette = join(dir, 'live-alert.jsonl');
    ollama.reply(
      { text: '{"claim":"Tense, 80% negative","confidence":0.8}' },
      { text: '{"claim":"Camera: dark junction in rain","confidence":0.7}' },
      { text: '{"claim":"Storm outage until 3 AM; Central line suspended.","confidence":0.75}' },
    );
    const recorded = await runDemo(['--model', 'ollama', '--cassette', cassette], { OLLAMA_HOST: ollama.url });
    expect(recorded.stdout).toContain('ALERT: Storm outage until 3 AM; Central line suspended.');
    await ollama.close();
    const replayed = await runDemo(['--model', 'ollama', '--cassette', cassette], { OLLAMA_HOST: ollama.url });
    expect(replayed.stderr).toBe('');
    expect(replayed.stdout).toContain(`live-alert: LLM mode, cassette llama3.1:8b (replaying ${cassette}, recording misses) for Sentiment and Summary`);
    expect(replayed.stdout).toContain('ALERT: Storm outage until 3 AM; Central line suspended.');
    expect(readFileSync(cassette, 'utf8').trim().split('\n')).toHaveLength(3);
  }, 90_000);

  it('stops before the run with one clear error when Ollama lacks the vision model or is down', async () => {
    const textOnly = await startOllamaProtocolServer({ models: ['llama3.1:8b'] });
    const missing = await runDemo(['--model', 'ollama'], { OLLAMA_HOST: textOnly.url });
    await textOnly.close();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`live-alert: ollama at ${textOnly.url} has no model "llama3.2-vision". Pull it with \`ollama pull llama3.2-vision\`, or pass another model name. It has: llama3.1:8b.\n`);
    const down = await runDemo(['--model', 'ollama'], { OLLAMA_HOST: textOnly.url });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^live-alert: Ollama is not answering at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)\. Start it with `ollama serve`/);
    const noKey = await runDemo(['--model', 'openrouter'], { OPENROUTER_API_KEY: '' });
    expect(noKey.stderr).toBe('live-alert: OpenRouter needs an API key: set OPENROUTER_API_KEY (create one at https://openrouter.ai/keys), or use Ollama with createOllamaModel()\n');
  }, 60_000);

  it('gives a silent server only --timeout per attempt', async () => {
    ollama.reply(
      { text: '{"claim":"Panic rising, 80% negative","confidence":0.8}' },
      { text: '{"claim":"Camera: dark lights, stopped cars, rain","confidence":0.7,"caption":"dark junction"}' },
      { hang: true },
      { hang: true },
      { hang: true },
    );
    const started = Date.now();
    const result = await runDemo(['--model', 'ollama', '--timeout', '1s'], { OLLAMA_HOST: ollama.url });
    expect(result.stdout).toMatch(/did not answer within 1 s/);
    expect(result.code).toBe(1);
    // Three attempts of one second each, not three of thirty.
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('refuses --timeout without a model, and a --timeout that is not a duration', async () => {
    const offline = await runDemo(['--timeout', '5s'], {});
    expect(offline.stderr).toContain("--timeout is the model's; it needs --model ollama|openrouter");
    expect(offline.code).toBe(1);
    const bad = await runDemo(['--model', 'ollama', '--timeout', 'soon'], { OLLAMA_HOST: ollama.url });
    expect(bad.stderr).toContain('"soon" is not a duration');
    expect(bad.code).not.toBe(0);
  });

  it('names the backends it knows', () => {
    expect(() => liveAlertModels('gpt', null)).toThrow('--model "gpt" is not known; use ollama or openrouter (or leave it out to run offline)');
  });
});
