import { CampfiresError, cutText } from '../core';
import type { JsonValue, Torch, TorchInput } from '../messages';
import type { Camper } from './camper';
import { createToolCamper, type ToolCamperInput } from './function-camper';
import type { LiveAlertData } from './live-alert-data';

/** The campers of each live-alert campfire; replace any list (say, with an LLM camper) to change that campfire. */
export interface LiveAlertCampers {
  scrape: Camper[];
  sentiment: Camper[];
  verify: Camper[];
  summary: Camper[];
}

const crisisWords = /\b(blackout|outage|power (cut|failure)|flood|storm|suspended|fire|explosion|evacuat\w*|attack|hack\w*|strike)\b/i;
const negativeWords = /\b(dark|scary|chaos|panic\w*|terrify\w*|hack|worried|awful|dangerous|blocked|stuck|no power|no signal|covering|damage|down|out)\b/gi;
const positiveWords = /\b(fine|safe|lovely|helpful|adventure|restore\w*|lights on)\b/gi;
const sarcasm = /🙃|\/s\b/;

/** The torch a live-alert camper reads: the one it refines, else the torch that started the cycle. */
function incoming(input: ToolCamperInput): Torch | null {
  return input.previous ?? input.inputs[0]?.torch ?? null;
}

function meta(torch: Torch | null, key: string): JsonValue | undefined {
  return torch?.metadata[key];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** `03:00` -> `3 AM`, `15:30` -> `3:30 PM`. */
export function clockTime(text: string): string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return text;
  const hour = Number(match[1]);
  const suffix = hour < 12 ? 'AM' : 'PM';
  const twelve = hour % 12 === 0 ? 12 : hour % 12;
  return match[2] === '00' ? `${twelve} ${suffix}` : `${twelve}:${match[2]} ${suffix}`;
}

/** Ranks crisis headlines: real titles only, duplicates folded into the best-scored, highest score first. */
export function crisisHeadlines(data: LiveAlertData): { id: string; title: string; score: number; comments: number }[] {
  const best = new Map<string, { id: string; title: string; score: number; comments: number }>();
  for (const post of data.headlines.posts) {
    const title = post.title.trim();
    if (!title || /^\[(removed|deleted)\]$/i.test(title) || !crisisWords.test(title)) continue;
    const key = title.toLowerCase();
    const seen = best.get(key);
    if (!seen || post.score > seen.score) best.set(key, { id: post.id, title, score: post.score, comments: post.num_comments ?? 0 });
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}

/** Scrape: the cycle's crisis headline (the n-th best in cycle n); nothing once they run out. */
function headlineReader(data: LiveAlertData): Camper {
  const ranked = crisisHeadlines(data);
  return createToolCamper('headline-reader', ({ cycle }): TorchInput | null => {
    const post = ranked[cycle - 1];
    if (!post) return null;
    return {
      claim: cutText(post.title, { characters: 200 }, ''),
      confidence: round(post.score / (post.score + 500)),
      metadata: { source: `r/${data.headlines.subreddit}`, post: post.id, score: post.score, headline: cutText(post.title, { characters: 200 }, ''), candidates: ranked.length },
    };
  });
}

/** Sentiment, first camper: scores every live comment and stores the per-comment table in the Party Box. */
function commentScorer(data: LiveAlertData): Camper {
  return createToolCamper('comment-scorer', async (input): Promise<TorchInput> => {
    if (!input.partyBox) throw new CampfiresError({ code: 'party_box_missing', message: 'comment-scorer needs a Party Box to store its comment summary' });
    const headline = meta(incoming(input), 'headline') ?? incoming(input)?.claim ?? '';
    const scored = [];
    let skipped = 0;
    for (const comment of data.comments.comments) {
      if (/^\[(deleted|removed)\]$/i.test(comment.body.trim())) {
        skipped += 1;
        continue;
      }
      const negative = comment.body.match(negativeWords)?.length ?? 0;
      const positive = comment.body.match(positiveWords)?.length ?? 0;
      const label = sarcasm.test(comment.body) || negative > positive ? 'negative' : positive > negative ? 'positive' : 'neutral';
      scored.push({ id: comment.id, score: comment.score, label, negative, positive });
    }
    const negative = scored.filter((comment) => comment.label === 'negative').length;
    const positive = scored.filter((comment) => comment.label === 'positive').length;
    const percent = scored.length === 0 ? 0 : Math.round((100 * negative) / scored.length);
    const summary = { thread: data.comments.thread, headline, counted: scored.length, skipped, negative, positive, neutral: scored.length - negative - positive, percentNegative: percent, comments: scored };
    const asset = await input.partyBox.put(`sentiment-cycle-${input.cycle}.json`, JSON.stringify(summary, null, 2));
    return {
      claim: `${percent}% negative across ${scored.length} comments`,
      confidence: round(Math.min(1, scored.length / 20) * 0.9 + 0.05),
      ...input.partyBox.pointer(asset),
      metadata: { headline, source: `r/${data.comments.subreddit}`, negative_percent: percent, comments: scored.length, skipped },
    };
  });
}

/** Sentiment, second camper: names the mood in words, keeping the first camper's numbers and asset. */
function moodLabeler(): Camper {
  return createToolCamper('mood-labeler', ({ previous }): TorchInput | null => {
    if (!previous) return null;
    const percent = Number(previous.metadata.negative_percent ?? 0);
    const mood = percent >= 60 ? 'Panic rising' : percent >= 40 ? 'Tense' : 'Calm';
    return { ...previous, claim: `${mood}, ${percent}% negative (${previous.metadata.comments} comments)`, metadata: { ...previous.metadata, mood } };
  });
}

/** Verify, first camper: is the weather enough to explain it? */
function weatherCheck(data: LiveAlertData): Camper {
  return createToolCamper('weather-check', (input): TorchInput => {
    const before = incoming(input);
    const observed = data.weather.observations.filter((observation) => observation.condition !== null);
    const lightning = observed.find((observation) => observation.lightning === true);
    const gust = Math.max(0, ...observed.map((observation) => observation.gust_mph ?? 0));
    const warnings = data.weather.warnings.filter((warning) => ['amber', 'red'].includes(warning.level));
    const storm = Boolean(lightning) || gust >= 50 || warnings.length > 0;
    // Answer the hack rumour only where someone raised it (the headline or the comments).
    const rumour = /\b(hack\w*|cyber)\b/i.test(`${meta(before, 'headline') ?? ''} ${data.comments.comments.map((comment) => comment.body).join(' ')}`);
    const facts = [
      ...warnings.map((warning) => `${warning.level} ${warning.type} warning`),
      ...(gust > 0 ? [`gusts to ${gust} mph`] : []),
      ...(lightning ? [`lightning at ${lightning.time.slice(11, 16)}`] : []),
    ];
    return {
      claim: storm ? `Storm-related (${facts.join(', ')})${rumour ? ', not a hack' : ''}` : 'No storm on record: cause unverified',
      confidence: storm ? 0.85 : 0.4,
      ...carriedPointer(before),
      metadata: {
        headline: meta(before, 'headline') ?? '',
        mood: before?.claim ?? '',
        cause: storm ? 'storm' : 'unverified',
        observations: observed.length,
        missing_observations: data.weather.observations.length - observed.length,
      },
    };
  });
}

/** The Party Box pointer of `torch`, local `path` or remote `url`, for the next torch to carry on. */
function carriedPointer(torch: Pick<Torch, 'path' | 'url'> | null | undefined): Pick<TorchInput, 'path' | 'url'> {
  return { ...(torch?.path ? { path: torch.path } : {}), ...(torch?.url ? { url: torch.url } : {}) };
}

/** Verify, second camper: what transport and power feeds say, added to the weather verdict. */
function trafficCheck(data: LiveAlertData): Camper {
  return createToolCamper('traffic-check', ({ previous }): TorchInput | null => {
    if (!previous) return null;
    const down = data.traffic.lines.filter((line) => /suspended/i.test(line.status)).map((line) => line.line);
    const offline = data.traffic.cameras.filter((camera) => camera.status === 'offline').length;
    const power = data.traffic.incidents.find((incident) => incident.type === 'power');
    const parts = [previous.claim];
    if (down.length > 0) parts.push(`TfL down: ${down.join(', ')}`);
    if (offline > 0) parts.push(`${offline} of ${data.traffic.cameras.length} traffic cameras offline`);
    if (power?.estimated_restoration) parts.push(`${power.operator}: no power until ${clockTime(power.estimated_restoration)}`);
    return {
      claim: parts.join('; '),
      confidence: round((previous.confidence + (down.length > 0 ? 0.8 : 0.5)) / 2),
      ...carriedPointer(previous),
      metadata: { ...previous.metadata, lines_down: down, cameras_offline: offline, restoration: power?.estimated_restoration ?? null },
    };
  });
}

/** Summary: the alert a person reads. */
function alertWriter(): Camper {
  return createToolCamper('alert-writer', (input): TorchInput | null => {
    const verified = incoming(input);
    if (!verified) return null;
    const cause = verified.metadata.cause === 'storm' ? 'Storm outage' : 'Outage, cause unverified';
    const restoration = typeof verified.metadata.restoration === 'string' ? `, no power until ${clockTime(verified.metadata.restoration)}` : '';
    const lines = Array.isArray(verified.metadata.lines_down) && verified.metadata.lines_down.length > 0 ? `, TfL down (${verified.metadata.lines_down.join(', ')})` : '';
    const mood = typeof verified.metadata.mood === 'string' && verified.metadata.mood ? `. Mood: ${verified.metadata.mood.toLowerCase()}` : '';
    return {
      claim: `${cause}${restoration}${lines}${mood}. Re: "${cutText(String(verified.metadata.headline ?? ''), { characters: 120 }, '')}"`,
      confidence: verified.confidence,
      ...carriedPointer(verified),
      metadata: { cause: verified.metadata.cause ?? 'unverified', restoration: verified.metadata.restoration ?? null },
    };
  });
}

/** The deterministic tool campers of the offline demo, reading `data`. */
export function liveAlertToolCampers(data: LiveAlertData): LiveAlertCampers {
  return {
    scrape: [headlineReader(data)],
    sentiment: [commentScorer(data), moodLabeler()],
    verify: [weatherCheck(data), trafficCheck(data)],
    summary: [alertWriter()],
  };
}
