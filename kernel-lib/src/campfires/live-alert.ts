import type { Clock } from '../core';
import type { ChannelBus } from '../channels';
import { PartyBox } from '../partybox';
import { DEFAULT_RUN_LOG_PATH, SqliteRunLog, type RunLog } from '../runlog';
import { Campfire } from './campfire';
import { liveAlertToolCampers, type LiveAlertCampers } from './live-alert-campers';
import { loadLiveAlertData, type LiveAlertData } from './live-alert-data';
import { Pipeline } from './pipeline';

/** The channels of the live-alert demo, in flow order. */
export const LIVE_ALERT_CHANNELS = { headlines: 'headlines', sentiment: 'sentiment', verified: 'verified', alerts: 'alerts' } as const;

/** How to build the live-alert pipeline; every part has an offline default. */
export interface LiveAlertOptions {
  /** The directory of worldnews.json, london.json, weather.json and traffic.json. Default: the repository's fixtures/live-alert. */
  fixtures?: string;
  /** The data itself, instead of reading `fixtures`. */
  data?: LiveAlertData;
  /** Campers to use instead of the tool campers, per campfire (e.g. `{ sentiment: [llmCamper] }`), or a function of the defaults. */
  campers?: Partial<LiveAlertCampers> | ((defaults: LiveAlertCampers) => Partial<LiveAlertCampers>);
  /** Run log file or log; null keeps events in memory. Default `torch_log.db`. */
  runLog?: RunLog | string | null;
  /** Party Box or its directory. Default `./party_box`. */
  partyBox?: PartyBox | string;
  bus?: ChannelBus;
  clock?: Clock;
}

/** The four live-alert campfires (scrape -> sentiment -> verify -> summary) around the given campers. */
export function liveAlertCampfires(campers: LiveAlertCampers, partyBox: PartyBox | null = null, clock?: Clock): Campfire[] {
  const { headlines, sentiment, verified, alerts } = LIVE_ALERT_CHANNELS;
  return [
    new Campfire({ name: 'scrape', campers: campers.scrape, output: headlines, partyBox, clock }),
    new Campfire({ name: 'sentiment', campers: campers.sentiment, inputs: [headlines], output: sentiment, partyBox, clock }),
    new Campfire({ name: 'verify', campers: campers.verify, inputs: [sentiment], output: verified, partyBox, clock }),
    new Campfire({ name: 'summary', campers: campers.summary, inputs: [verified], output: alerts, partyBox, clock }),
  ];
}

/**
 * The live-alert demo as a pipeline: Scrape reads r/worldnews-style headlines, Sentiment
 * scores r/london-style comments (storing its table in the Party Box), Verify checks
 * weather and traffic feeds, Summary writes the alert. Offline by default, with
 * deterministic tool campers; replace any campfire's campers through `campers`.
 * @example const pipeline = await createLiveAlertPipeline({ runLog: 'torch_log.db' }); const run = await pipeline.run({ cycles: 1 });
 */
export async function createLiveAlertPipeline(options: LiveAlertOptions = {}): Promise<Pipeline> {
  const data = options.data ?? (await loadLiveAlertData(options.fixtures));
  const defaults = liveAlertToolCampers(data);
  const chosen = typeof options.campers === 'function' ? options.campers(defaults) : (options.campers ?? {});
  const campers: LiveAlertCampers = { ...defaults, ...chosen };
  const partyBox = options.partyBox instanceof PartyBox ? options.partyBox : PartyBox.local(options.partyBox ?? './party_box', { clock: options.clock });
  const runLog = options.runLog === null ? null : typeof options.runLog === 'object' ? options.runLog : SqliteRunLog.open(options.runLog ?? DEFAULT_RUN_LOG_PATH);
  return new Pipeline({
    name: 'live-alert',
    campfires: liveAlertCampfires(campers, partyBox, options.clock),
    runLog,
    partyBox,
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
