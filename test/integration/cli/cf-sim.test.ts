import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteRunLog } from 'campfires';
import { actionRecordSchema } from 'campfires/simulation';
import { startOllamaProtocolServer, type OllamaProtocolServer, type RecordedRequest, type ScriptedReply } from 'campfires/testing';
import { CF, requireBuiltCf } from './cf-process';

const HARVEST = resolve(__dirname, '../../../fixtures/councils/harvest');

/** Runs `cf` without blocking the test's event loop (the protocol server answers in this process). */
function cfAsync(cwd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CF, ...args], { cwd, env: { ...process.env, CAMPFIRES_HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`cf ${args.join(' ')} took over ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** The member a council prompt speaks to. */
function memberOf(request: RecordedRequest): string {
  const user = (request.body?.messages ?? []).find((message: { role: string }) => message.role === 'user')?.content ?? '';
  return /^You are ([^.]+)\./.exec(user)?.[1] ?? 'world';
}

const MEMBERS = ['Ada', 'Bo', 'Cy', 'Di', 'Ed'];

/** A five-member council that plays all its turns: no stop condition, no all-pass stop. */
function writeLongCouncil(dir: string, turns: number): string {
  const scenario = join(dir, 'long-council');
  mkdirSync(scenario);
  writeFileSync(
    join(scenario, 'settings.yaml'),
    [
      'scenario:',
      '  name: Long council',
      'simulation:',
      `  max_turns: ${turns}`,
      '  log_level: info',
      `  stop_after_all_pass_rounds: ${turns + 1}`,
      'world:',
      '  initial_resource_level: 50',
      '  initial_stability: 50',
    ].join('\n'),
  );
  writeFileSync(
    join(scenario, 'personas.yaml'),
    ['personas:', ...MEMBERS.flatMap((name) => [`  - name: ${name}`, `    description: ${name} of the council.`, '    goals: [keep the village fed]', '    behavior_biases: [speaks plainly]'])].join('\n'),
  );
  return scenario;
}

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/**
 * Every hostile reply a model server gives, each class once; a council's decision sees
 * up to three in a row. None is a configuration error: each must end in an action or a
 * flagged `pass`, never stop the run.
 */
function hostileReplies(request: RecordedRequest): ScriptedReply[] {
  const member = memberOf(request);
  const other = MEMBERS.find((name) => name !== member) as string;
  const answer = (action: string, target: string, reason: string) => JSON.stringify({ action, target, reason });
  return [
    { text: answer('increase_resource', 'world', 'stock the granary') },
    { text: answer('support_agent', other, '\u001b[2J\u001b[H\u001b[31mCOUNCIL DISSOLVED\u001b[0m') },
    { text: nested(20_000) },
    { text: answer('pass', 'world', 'ok'), stats: { prompt_eval_count: null, eval_count: 'many', total_duration: null, model: 7 } },
    { text: `<think>${answer('oppose_agent', other, 'draft')}</think>\n${answer('increase_resource', 'world', 'after thinking')}` },
    { text: '{"action":"pass","target":null,"reason":"no target"}' },
    { status: 500, error: 'internal error' },
    { text: answer('oppose_agent', other, 'title\u001b]0;pwned\u0007 NUL\u0000 CR\rover') },
    { status: 503, error: 'busy', headers: { 'Retry-After': '0' } },
    { status: 429, error: 'slow down', headers: { 'Retry-After': '0' } },
    { errorInBody: 'llama runner process has terminated: signal: killed' },
    { text: answer('decrease_resource', 'world', 'feast') },
    { raw: '', status: 204 },
    { drop: true },
    { truncate: true, text: answer('pass', 'world', 'cut') },
    { raw: 'this is not json' },
    { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' },
    { text: `Here you go: ${answer('increase_resource', 'world', 'in prose')} and a draft {"action":"dance"}` },
    { hang: true },
    { text: '{"action":"pass","reason":"missing target"}' },
  ];
}

describe('cf sim', () => {
  let dir: string;
  let ollama: OllamaProtocolServer;
  beforeAll(() => requireBuiltCf());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cf-sim-'));
  });
  afterEach(async () => {
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plays a long council of 5 LLM members for 60 turns against a server cycling through hostile replies, in one run', async () => {
    ollama = await startOllamaProtocolServer({
      script: (request, call) => {
        const replies = hostileReplies(request);
        return replies[(call - 1) % replies.length] as ScriptedReply;
      },
    });
    const scenario = writeLongCouncil(dir, 60);
    const result = await cfAsync(dir, ['sim', 'run', scenario, '--model', 'ollama', '--log', 'torch_log.db', '--debug-log', 'debug.jsonl', '--timeout', '300ms', '--retry-delay', '1ms'], {
      OLLAMA_HOST: ollama.url,
      CAMPFIRES_OLLAMA_MODEL: 'llama3.1:8b',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Stdout is the narrative only: the model's control characters are shown inert.
    expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(result.stdout).toContain('\\u001b[2J\\u001b[H\\u001b[31mCOUNCIL DISSOLVED\\u001b[0m');
    expect(result.stdout).toContain('\\u0000');
    expect(result.stdout).toMatch(/\[fallback: the model failed \(model_\w+\)\]/);
    expect(result.stdout).toContain('Long council: stopped after turn 60 (max_turns (60) reached)');
    expect(result.stdout).not.toContain('Getting text from response');
    const actionLines = result.stdout.split('\n').filter((line) => /^turn \d+ · /.test(line));
    expect(actionLines).toHaveLength(60 * MEMBERS.length);

    // Every debug line parses; the start line states each member's budget per decision.
    const debugLines = readFileSync(join(dir, 'debug.jsonl'), 'utf8').trim().split('\n');
    const entries = debugLines.map((line) => JSON.parse(line) as { event: string; agents?: { budget?: unknown }[] });
    expect(entries[0]!.event).toBe('simulation-start');
    for (const agent of entries[0]!.agents ?? []) expect(agent.budget).toEqual({ attempts: 3, timeoutMs: 300, retryDelayMs: 1, maxWaitMs: 60_000, worstCaseMs: 60_900 });
    expect(entries.filter((entry) => entry.event === 'action')).toHaveLength(300);

    // The run log holds the whole run, and every event's data parses.
    const log = SqliteRunLog.open(join(dir, 'torch_log.db'));
    try {
      const [run] = log.runs({ kind: 'simulation' });
      expect(run!.status).toBe('completed');
      const events = log.events(run!.id);
      expect(events.filter((event) => event.kind === 'action-applied')).toHaveLength(300);
      expect(events.filter((event) => event.kind === 'turn-end')).toHaveLength(60);
      // Each action row reads back as an action record, the model's text kept exactly as written.
      for (const event of events.filter((entry) => entry.kind === 'action-applied')) expect(actionRecordSchema.safeParse(event.data).success).toBe(true);
      const reasons = events.filter((entry) => entry.kind === 'action-applied').map((entry) => (entry.data as { action: { reason: string } }).action.reason);
      expect(reasons).toContain('\u001b[2J\u001b[H\u001b[31mCOUNCIL DISSOLVED\u001b[0m');
      // A decision never made more than its three requests.
      const attempts = events.filter((event) => event.kind === 'model-attempt').map((event) => event.data as { attempt: number; of: number });
      for (const attempt of attempts) expect(attempt.attempt).toBeLessThanOrEqual(3);
    } finally {
      log.close();
    }
    const chats = ollama.requests.filter((request) => request.path === '/api/chat');
    expect(chats.length).toBeLessThanOrEqual(300 * 3);

    // The narrative replays from the log with no model (the server is gone).
    await ollama.close();
    const replay = await cfAsync(dir, ['sim', 'replay', 'latest', '--log', 'torch_log.db']);
    expect(replay.code).toBe(0);
    expect(replay.stdout.split('\n').filter((line) => /^turn \d+ · /.test(line))).toEqual(actionLines);
  }, 180_000);

  it('runs a scenario offline by default and replays it', async () => {
    const run = await cfAsync(dir, ['sim', 'run', HARVEST, '--turns', '3']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Harvest council: 4 members, offline persona-policy agents, up to 3 turns$/m);
    const runId = /^Run (\S+) written to torch_log\.db/m.exec(run.stdout)?.[1];
    expect(runId).toMatch(/^run_/);
    const replay = await cfAsync(dir, ['sim', 'replay', runId as string]);
    expect(replay.code).toBe(0);
    const lines = (text: string) => text.split('\n').filter((line) => /^turn \d+ · /.test(line));
    expect(lines(replay.stdout)).toEqual(lines(run.stdout));
    const turn = await cfAsync(dir, ['sim', 'replay', runId as string, '--turn', '2']);
    expect(turn.stdout).toMatch(/^turn 2: resources \d+ → \d+, stability \d+ → \d+$/m);
    // A shipped scenario can be named instead of given as a path.
    const json = await cfAsync(dir, ['sim', 'run', 'harvest', '--turns', '2', '--json', '--log', 'json.db']);
    const records = json.stdout.trim().split('\n').map((line) => actionRecordSchema.parse(JSON.parse(line)));
    expect(records.map((record) => `${record.turn} ${record.agent}`)).toEqual(['1 Mara', '1 Tobin', '1 Ilse', '1 Brann', '2 Mara', '2 Tobin', '2 Ilse', '2 Brann']);
  });

  it('forks a recorded run with another member in a seat, and compares the branches', async () => {
    const run = await cfAsync(dir, ['sim', 'run', 'harvest', '--seed', '4']);
    const runId = /^Run (\S+) written to torch_log\.db/m.exec(run.stdout)?.[1] as string;
    writeFileSync(join(dir, 'gus.yaml'), 'name: Gus\ndescription: A greedy trader.\ngoals: [get rich]\nbehavior_biases: [greedy, exploits the stores]\n');
    const fork = await cfAsync(dir, ['sim', 'fork', runId, '--turn', '5', '--replace', 'Mara=gus.yaml', '--turns', '14']);
    expect(fork.code).toBe(0);
    expect(fork.stdout).toMatch(new RegExp(`^Harvest council: run (\\S+) forks run ${runId} after turn 5 \\(Mara → Gus, max_turns 14\\)$`, 'm'));
    const lines = (text: string) => text.split('\n').filter((line) => /^turn \d+ · /.test(line));
    // Only the turns after the fork are decided (and told); Gus sits in Mara's seat.
    expect(lines(fork.stdout)[0]).toMatch(/^turn 6 · Gus: /);
    expect(lines(fork.stdout)).toHaveLength((14 - 5) * 4);
    const forkId = /^Run (\S+) \(fork of (\S+) after turn 5\) written to torch_log\.db/m.exec(fork.stdout)?.[1] as string;
    // The fork's replay starts with the run's first five turns.
    const replay = await cfAsync(dir, ['sim', 'replay', forkId]);
    expect(replay.stdout).toContain(`fork of run ${runId} after turn 5 (Mara → Gus, max_turns 14)`);
    expect(lines(replay.stdout).slice(0, 20)).toEqual(lines(run.stdout).slice(0, 20));
    expect(lines(replay.stdout).slice(20)).toEqual(lines(fork.stdout));
    const compare = await cfAsync(dir, ['sim', 'compare', runId, forkId]);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toContain('Comparing 2 runs of "Harvest council": shared history to turn 5, forks after turn 5');
    expect(compare.stdout).toMatch(/^ +14 +- +\d+\/\d+$/m);
    const wrong = await cfAsync(dir, ['sim', 'fork', runId, '--turn', '5', '--replace', 'Nobody=gus.yaml']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('personas.Nobody: "Nobody" is not a member of this council; replace one of Mara, Tobin, Ilse, Brann');
    const late = await cfAsync(dir, ['sim', 'fork', runId, '--turn', '12']);
    expect(late.stderr).toContain('a fork after turn 12 would play no turn: max_turns is 12');
  });

  it('stops on a configuration error with its message and how to resume, then resumes the run', async () => {
    ollama = await startOllamaProtocolServer();
    const good = (request: RecordedRequest): ScriptedReply => ({ text: JSON.stringify({ action: 'increase_resource', target: 'world', reason: `${memberOf(request)} stocks up` }) });
    const server = ollama;
    server.reply(...Array.from({ length: 5 }, () => ({ text: '{"action":"pass","target":"world","reason":"wait"}' })));
    server.reply({ status: 401, error: 'unauthorized' });
    const stoppedRun = await cfAsync(dir, ['sim', 'run', HARVEST, '--model', 'ollama', '--turns', '3'], { OLLAMA_HOST: server.url });
    expect(stoppedRun.code).toBe(1);
    expect(stoppedRun.stderr).toMatch(/^error: Harvest council: run (run_\S+) stopped at turn 2 while Tobin was deciding \(ollama at .* rejected the request for llama3\.1:8b with HTTP 401: unauthorized\)/);
    const runId = /run (run_\S+) stopped/.exec(stoppedRun.stderr)?.[1] as string;
    expect(stoppedRun.stderr).toContain(`Continue it with: cf sim resume ${runId} --log torch_log.db --model ollama`);
    await ollama.close();
    ollama = await startOllamaProtocolServer({ script: good });
    const resumed = await cfAsync(dir, ['sim', 'resume', runId, '--model', 'ollama'], { OLLAMA_HOST: ollama.url });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`Run ${runId} is completed in torch_log.db: 12 actions`);
    // Only the decisions not recorded were asked: 12 in all, 5 of them before the stop.
    expect(ollama.requests.filter((request) => request.path === '/api/chat')).toHaveLength(7);
  });

  it('names the file, the path and what is allowed for a bad scenario or variants file', async () => {
    const scenario = join(dir, 'bad');
    mkdirSync(scenario);
    writeFileSync(join(scenario, 'settings.yaml'), 'simulation:\n  max_turns: 5\n  log_levle: info\n');
    const bad = await cfAsync(dir, ['sim', 'run', scenario]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(scenario, 'settings.yaml')}`);
    expect(bad.stderr).toMatch(/unknown key\(s\) log_levle in simulation; allowed keys: max_turns, model_name/);
    const variants = join(dir, 'variants.yaml');
    writeFileSync(variants, 'variants:\n  - label: as written\n    model: gpt\n');
    const experiment = await cfAsync(dir, ['sim', 'experiment', HARVEST, '--variants', variants]);
    expect(experiment.code).toBe(1);
    expect(experiment.stderr).toContain(variants);
    expect(experiment.stderr).toMatch(/variants\.0\.model/);
    expect(experiment.stderr).toMatch(/offline, ollama, openrouter/);
    const flag = await cfAsync(dir, ['sim', 'run', HARVEST, '--turns', 'many']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('--turns must be a whole number of at least 1 (got "many")');
    const noRun = await cfAsync(dir, ['sim', 'replay', 'latest', '--log', 'empty.db']);
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toContain('empty.db holds no simulation run yet; start one with cf sim run <scenario-dir>');
  });

  it('compares variants of a scenario side by side', async () => {
    const variants = join(dir, 'variants.yaml');
    writeFileSync(variants, `variants:\n  - label: as written\n  - label: frontier crew\n    personas: ${resolve(__dirname, '../../../fixtures/councils/frontier/personas.yaml')}\n  - label: rich start\n    world:\n      initial_resource_level: 90\n`);
    const result = await cfAsync(dir, ['sim', 'experiment', HARVEST, '--variants', variants, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const outcomes = JSON.parse(result.stdout) as { variant: string; status: string; backend: string }[];
    expect(outcomes.map((outcome) => outcome.variant)).toEqual(['as written', 'frontier crew', 'rich start']);
    for (const outcome of outcomes) expect(outcome.status).toBe('completed');
  });
});
