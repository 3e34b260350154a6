import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { NotFoundError, parseJson, validate } from '../core';
import { fixturesRoot } from '../fixtures';

/** An r/worldnews-style listing. */
export const headlinesFileSchema = z.object({
  subreddit: z.string(),
  posts: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      score: z.number(),
      num_comments: z.number().optional(),
      created_utc: z.number().optional(),
      flair: z.string().nullable().optional(),
      url: z.string().nullable().optional(),
    }),
  ),
});

/** An r/london-style comment thread. */
export const commentsFileSchema = z.object({
  subreddit: z.string(),
  thread: z.string(),
  comments: z.array(z.object({ id: z.string(), author: z.string(), body: z.string(), score: z.number() })),
});

/** Weather observations and warnings for one place. */
export const weatherFileSchema = z.object({
  location: z.string(),
  observations: z.array(
    z.object({
      time: z.string(),
      condition: z.string().nullable(),
      wind_mph: z.number().nullable(),
      gust_mph: z.number().nullable(),
      rain_mm: z.number().nullable(),
      lightning: z.boolean().nullable(),
    }),
  ),
  warnings: z.array(z.object({ level: z.string(), type: z.string(), area: z.string(), valid_until: z.string() })).default([]),
});

/** Line status, traffic cameras and utility incidents. */
export const trafficFileSchema = z.object({
  lines: z.array(z.object({ line: z.string(), status: z.string(), reason: z.string().nullable() })),
  cameras: z.array(z.object({ id: z.string(), area: z.string(), status: z.enum(['online', 'offline']), note: z.string().optional() })).default([]),
  incidents: z
    .array(z.object({ type: z.string(), operator: z.string(), areas: z.array(z.string()), cause: z.string(), estimated_restoration: z.string().nullable() }))
    .default([]),
});

/** Everything the live-alert demo reads. */
export interface LiveAlertData {
  headlines: z.infer<typeof headlinesFileSchema>;
  comments: z.infer<typeof commentsFileSchema>;
  weather: z.infer<typeof weatherFileSchema>;
  traffic: z.infer<typeof trafficFileSchema>;
}

const files = { headlines: 'worldnews.json', comments: 'london.json', weather: 'weather.json', traffic: 'traffic.json' } as const;

/** The shared `fixtures/live-alert` (the repository's, or the copy shipped in the package); null when not found. */
export function defaultLiveAlertFixtures(): string | null {
  const root = fixturesRoot();
  const candidate = root === null ? null : join(root, 'live-alert');
  return candidate !== null && existsSync(join(candidate, files.headlines)) ? candidate : null;
}

async function readFixture<S extends z.ZodType>(directory: string, name: string, schema: S): Promise<z.output<S>> {
  const file = join(directory, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new NotFoundError({
      code: 'fixture_not_found',
      message: `live-alert data file ${file} is missing; the directory needs ${Object.values(files).join(', ')}`,
      details: { file, needs: Object.values(files) },
    });
  }
  return validate(schema, parseJson(text, file), { what: `live-alert data file ${file}`, code: 'fixture_invalid', field: name });
}

/** Reads and checks the four data files of the live-alert demo from `directory` (default: the repository's fixtures). */
export async function loadLiveAlertData(directory?: string): Promise<LiveAlertData> {
  const root = directory ?? defaultLiveAlertFixtures();
  if (!root) {
    throw new NotFoundError({
      code: 'fixture_not_found',
      message: `no live-alert data directory given and fixtures/live-alert was not found above ${__dirname}; pass the directory holding ${Object.values(files).join(', ')}`,
    });
  }
  const at = resolve(root);
  const [headlines, comments, weather, traffic] = await Promise.all([
    readFixture(at, files.headlines, headlinesFileSchema),
    readFixture(at, files.comments, commentsFileSchema),
    readFixture(at, files.weather, weatherFileSchema),
    readFixture(at, files.traffic, trafficFileSchema),
  ]);
  return { headlines, comments, weather, traffic };
}
