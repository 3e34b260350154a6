import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Camper,
  NotFoundError,
  PartyBox,
  SqliteRunLog,
  ValidationError,
  comparableHandoffs,
  createLiveAlertPipeline,
  crisisHeadlines,
  loadLiveAlertData,
  replayRun,
  type CamperContext,
} from 'campfires';

const repository = join(__dirname, '..', '..');
const fixtures = join(repository, 'fixtures', 'live-alert');

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'live-alert-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('the live-alert pipeline', () => {
  it('turns the fixtures into a storm alert, keeps the comment summary in the Party Box and leaves a run log that replays', async () => {
    const log = SqliteRunLog.open(join(directory, 'torch_log.db'));
    const partyBox = PartyBox.local(join(directory, 'party_box'));
    const pipeline = await createLiveAlertPipeline({ runLog: log, partyBox });
    const run = await pipeline.run({ cycles: 1, display: false });
    const alert = run.finals.summary;
    expect(alert?.claim).toBe(
      'Storm outage, no power until 3 AM, TfL down (Central, Northern). Mood: panic rising, 77% negative (13 comments). Re: "London blackout hits five boroughs as storm batters south-east England"',
    );
    expect(run).toMatchObject({ torchesSent: 4, handoffs: 3, camperErrors: 0 });
    const summary = JSON.parse(await partyBox.text(alert?.path as string)) as { counted: number; skipped: number; negative: number; headline: string };
    expect(summary).toMatchObject({ counted: 13, skipped: 2, negative: 10, headline: 'London blackout hits five boroughs as storm batters south-east England' });

    const replay = replayRun(log, 'latest');
    expect(replay.handoffs().map((handoff) => `${handoff.from}->${handoff.to}`)).toEqual(['scrape->sentiment', 'sentiment->verify', 'verify->summary']);
    const again = await replay.drive({ runLog: log });
    expect(comparableHandoffs(replayRun(log, again.runId).handoffs())).toEqual(comparableHandoffs(replay.handoffs()));
    log.close();
  });

  it('works through every crisis headline until quiet, skipping removed, empty and duplicate posts', async () => {
    const data = await loadLiveAlertData(fixtures);
    expect(crisisHeadlines(data).map((post) => post.id)).toEqual(['t3_1a01', 't3_1a03', 't3_1a09', 't3_1a02']);
    const pipeline = await createLiveAlertPipeline({ data, runLog: null, partyBox: join(directory, 'box') });
    const run = await pipeline.run({ display: false });
    expect(run.cycles).toBe(5);
    expect(run.torchesSent).toBe(16);
    expect(run.finals.summary?.claim).toContain('Re: "Rumours of cyber attack on UK grid spread online; officials say no evidence"');
  });

  it('says the cause is unverified when the weather shows no storm, and leaves out the hack rumour nobody raised', async () => {
    const data = await loadLiveAlertData(fixtures);
    data.weather.warnings = [];
    data.weather.observations = data.weather.observations.map((observation) => ({ ...observation, lightning: false, gust_mph: 20 }));
    data.comments.comments = data.comments.comments.filter((comment) => !/hack/i.test(comment.body));
    const run = await (await createLiveAlertPipeline({ data, runLog: null, partyBox: join(directory, 'box') })).run({ cycles: 1, display: false });
    expect(run.finals.summary?.claim).toMatch(/^Outage, cause unverified, no power until 3 AM/);
    const verified = run.events().find((event) => event.kind === 'torch-sent' && event.campfire === 'verify');
    expect(JSON.stringify(verified?.data)).toContain('No storm on record: cause unverified');
    expect(JSON.stringify(verified?.data)).not.toContain('not a hack');
  });

  it('sends no alert when no headline is a crisis', async () => {
    const data = await loadLiveAlertData(fixtures);
    data.headlines.posts = data.headlines.posts.filter((post) => !/blackout|suspended|flood|attack/i.test(post.title));
    const run = await (await createLiveAlertPipeline({ data, runLog: null, partyBox: join(directory, 'box') })).run({ display: false });
    expect(run.torchesSent).toBe(0);
    expect(run.finals).toEqual({});
  });

  it('takes any campfire\'s campers from the caller, as an LLM camper would', async () => {
    class FixedMood extends Camper {
      override readonly backend = 'scripted';
      override overridePrompt(prompt: string, context: CamperContext) {
        return { claim: `calm (read: ${prompt.slice(0, 20)}) cycle ${context.cycle}`, confidence: 0.5 };
      }
    }
    const pipeline = await createLiveAlertPipeline({ runLog: null, partyBox: join(directory, 'box'), campers: { sentiment: [new FixedMood('mood-model')] } });
    const run = await pipeline.run({ cycles: 1, display: false });
    expect(pipeline.backend).toBe('tool+scripted');
    const sentiment = run.events().find((event) => event.kind === 'torch-sent' && event.campfire === 'sentiment');
    expect(sentiment).toMatchObject({ camper: 'mood-model', data: { torch: { claim: 'calm (read: London blackout hits) cycle 1' } } });
  });

  it('names a missing data file and a malformed one', async () => {
    const copy = join(directory, 'data');
    cpSync(fixtures, copy, { recursive: true });
    rmSync(join(copy, 'traffic.json'));
    await expect(loadLiveAlertData(copy)).rejects.toBeInstanceOf(NotFoundError);
    await expect(loadLiveAlertData(copy)).rejects.toThrow(`live-alert data file ${join(copy, 'traffic.json')} is missing`);
    writeFileSync(join(copy, 'traffic.json'), JSON.stringify({ lines: [{ line: 'Central', status: 7, reason: null }] }));
    const error = await loadLiveAlertData(copy).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]).toMatchObject({ field: 'traffic.json.lines.0.status', given: 7 });
  });
});

describe('the live-alert command', () => {
  // The command as `npm run demo` runs it: the built example (built here too when older than its sources).
  const script = join(repository, 'kernel-lib', 'dist', 'examples', 'live-alert.js');
  const cli = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: directory, encoding: 'utf8' });
  // `npm test` builds the library first; a bare jest run builds it when it is missing.
  beforeAll(() => {
    if (existsSync(join(repository, 'kernel-lib', 'dist', 'src', 'index.js'))) return;
    const built = spawnSync('npm', ['run', 'build', '--workspace', 'kernel-lib'], { cwd: repository, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`could not build kernel-lib: ${built.stdout}${built.stderr}`);
  }, 240_000);

  it('prints the alert, says it ran offline, and replays its run log', () => {
    const first = cli();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('running offline with deterministic tool campers (no model is called)');
    expect(first.stdout).toContain('ALERT: Storm outage, no power until 3 AM, TfL down (Central, Northern).');
    expect(existsSync(join(directory, 'torch_log.db'))).toBe(true);
    const runId = /Run (run_\w+) written to torch_log\.db/.exec(first.stdout)?.[1];
    expect(runId).toBeDefined();
    const replayed = cli('--replay', runId as string);
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toMatch(/#\d+ scrape\/headline-reader -> sentiment on headlines \(cycle 1\): "London blackout hits five boroughs/);
    expect(replayed.stdout).toContain('Re-driven from the log without calling any camper: 3 handoffs, identical to the recorded run.');
  }, 60_000);

  it('writes the run log where --log says and refuses a bad --cycles', () => {
    expect(cli('--log', 'elsewhere.db', '--cycles', '2').stdout).toContain('2 cycle(s), 8 torches, 6 handoffs');
    expect(readFileSync(join(directory, 'elsewhere.db')).length).toBeGreaterThan(0);
    const bad = cli('--cycles', 'zero');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('"zero" is not a whole number of 1 or more');
  }, 60_000);
});
