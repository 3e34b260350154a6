import { inspect } from 'node:util';
import { TABLE_STYLE, USER_TEXT_CELL_STYLE, ValidationError, tableThatScrolls, cutMiddle, cutText, escapeHtml as escape, isolateText, oneLine } from '../core';
import type { LanguageModel } from '../llm';
import { LiveDisplay, VEGA_LITE_MIME_TYPE, displayBundle, renderVegaLiteSvg, svgThatFits, tableBundle, type MimeBundle } from '../display';
import { DEFAULT_RUN_LOG_PATH, SqliteRunLog, type RunLog } from '../runlog';
import type { Persona } from './models';
import { loadPersonas, loadSimulationConfig, simulationConfigFrom, type SimulationConfig } from './simulation-config';
import type { SimulationEnd } from './simulation-record';
import { Simulation, type ModelBackendName } from './simulation';
import { SEED_ALLOWED, deriveSeed, isSeed } from './seeds';
import { councilWorld, type WorldDefinition } from './world';
import { pool, runCouncilRepeat, type CouncilRepeat, type ExperimentOutcome } from './experiment-run';
export type { ExperimentOutcome } from './experiment-run';
import { progressBundle, runQueuedRepeats } from './experiment-queue';

/** The experiment seed when none is given: the same experiment gives the same runs. */
export const DEFAULT_EXPERIMENT_SEED = 0;

/** One arm of an experiment: a persona set and/or model settings, run `repeats` times. */
export interface ExperimentVariant {
  label: string;
  /** The personas to seat (a list, or the path of a personas YAML file); the scenario's own when left out. */
  personas?: Persona[] | string;
  /** The model LLM agents ask (or a backend name, asking the scenario's `model_name`); offline persona-policy agents when left out or null. */
  model?: LanguageModel | ModelBackendName | null;
  temperature?: number;
  /** Overrides of the scenario's `simulation` and `world` settings. */
  simulation?: Record<string, unknown>;
  world?: Record<string, unknown>;
  /** How many runs of this variant (default 1), each with its own seed. */
  repeats?: number;
}

/** What to run: one scenario over several variants, at most `concurrency` runs at a time. */
export interface PersonaExperimentOptions {
  scenario: string | SimulationConfig;
  variants: readonly ExperimentVariant[];
  concurrency?: number;
  runLog?: RunLog | string;
  /**
   * The experiment seed (default 0). Repeat r of every variant runs with the seed derived
   * from it and r, so variants meet the same seeds and the same experiment seed gives the
   * same runs; another seed draws other repeats.
   */
  seed?: number;
  /** Your own world (`defineWorld`) for every run; the council's world by default. */
  world?: WorldDefinition;
  /**
   * A Redis URL (`redis://host:port`): each run becomes a job on a BullMQ queue there, run by
   * `cf worker` processes on any machine; without it the runs go here, `concurrency` at a time.
   */
  queue?: string;
}


/**
 * The scenario one variant runs. Its settings are checked as the scenario's are, and a
 * problem is reported against the variant (`variants[1].world...`), not against the
 * scenario's files, which are fine. A long label is cut in the run's name (whole characters).
 */
function variantConfig(base: SimulationConfig, variant: ExperimentVariant, index: number): SimulationConfig {
  const personas = typeof variant.personas === 'string' ? loadPersonas(variant.personas) : (variant.personas ?? base.personas);
  const name = cutText(`${base.name} · ${variant.label}`, { characters: 200 });
  try {
    return simulationConfigFrom(
      { scenario: { name, description: base.description }, simulation: { ...base.simulation, log_level: 'silent', ...variant.simulation }, world: { ...base.world, ...variant.world } },
      { personas },
      { settings: `variants[${index}]`, personas: typeof variant.personas === 'string' ? variant.personas : `variants[${index}].personas` },
    );
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // The scenario's files are fine: the problem is in what the variant changed.
    const problems = error.message.replace(/^.*? is not a valid simulation file: /s, '');
    throw new ValidationError({
      code: error.code,
      message: `variants[${index}] (${oneLine(variant.label, 60)}) is not valid: ${problems}`,
      issues: error.issues,
    });
  }
}

/**
 * Runs a scenario over several persona sets or model settings, in parallel up to a
 * concurrency limit, and returns the outcomes side by side.
 * @example const experiment = await runPersonaExperiment({ scenario: '../fixtures/councils/harvest', variants: [{ label: 'as written' }, { label: 'frontier crew', personas: '../fixtures/councils/frontier/personas.yaml' }] });
 */
export async function runPersonaExperiment(options: PersonaExperimentOptions): Promise<PersonaExperiment> {
  const seed = options.seed ?? DEFAULT_EXPERIMENT_SEED;
  if (!isSeed(seed)) throw new ValidationError({ code: 'experiment_seed_invalid', message: `seed ${String(seed)} is not a seed; a seed is ${SEED_ALLOWED}`, issues: [{ field: 'seed', message: 'not a seed', given: seed, allowed: SEED_ALLOWED }] });
  const world = options.world ?? councilWorld;
  const types = world.actions.map((action) => action.type);
  const base = typeof options.scenario === 'string' ? loadSimulationConfig(options.scenario) : options.scenario;
  const runLog = typeof options.runLog === 'object' ? options.runLog : SqliteRunLog.open(options.runLog ?? DEFAULT_RUN_LOG_PATH);
  const repeats = options.variants.flatMap((variant, variantIndex) => {
    const config = variantConfig(base, variant, variantIndex);
    return Array.from({ length: variant.repeats ?? 1 }, (_, repeat): CouncilRepeat => ({ variant: variant.label, variantIndex, repeat: repeat + 1, seed: deriveSeed(seed, 'repeat', repeat + 1), config, model: variant.model ?? null, temperature: variant.temperature }));
  });
  if (options.queue !== undefined) {
    if (options.world) {
      throw new ValidationError({ code: 'experiment_queue_world', message: 'a queued experiment runs the council\'s own world: your own world is code and cannot travel to a worker; leave out `queue` to run it here', issues: [{ field: 'world', message: 'not with queue', given: options.world.name, allowed: 'the council world (leave world out)' }] });
    }
    const live = new LiveDisplay();
    const outcomes = await runQueuedRepeats(repeats, { queue: options.queue, runLog, onProgress: (progress, done) => live.update(() => progressBundle(new PersonaExperiment(base.name, done, { seed, world }), progress)) });
    await live.close();
    return new PersonaExperiment(base.name, outcomes, { seed, world });
  }
  const jobs = repeats.map((spec) => () => runCouncilRepeat(spec, { runLog, world }));
  return new PersonaExperiment(base.name, await pool(jobs, options.concurrency ?? 2), { seed, world });
}

/** The least, middle and greatest of a measure over a variant's runs. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** One variant's figures: its runs and seeds, the spread of every measure at the end, turns and stop reasons. */
export interface ExperimentSummaryRow {
  variant: string;
  backend: string;
  runs: number;
  failed: number;
  seeds: number[];
  /** Per state field of the world: min, median and max of its final value over the runs that ended. */
  spread: Record<string, Spread>;
  turns: number[];
  reasons: string[];
}

/** The spread of some values: min, median (the mean of the middle two for an even count) and max. */
export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number };
}

function spreadText(spread: Spread | undefined): string {
  if (!spread || Number.isNaN(spread.median)) return 'no run ended';
  return spread.min === spread.max ? `${spread.median}` : `${spread.min}–${spread.max} (median ${spread.median})`;
}

/**
 * The figures of an experiment per variant, as a table: the spread (min, median, max) of
 * each measure at the end over the variant's repeats, with their seeds. The experiment chart
 * draws these same figures. Displays itself as a table in a notebook cell.
 */
export class ExperimentSummary {
  constructor(
    readonly scenario: string,
    /** The world's state fields, in table order. */
    readonly measures: readonly string[],
    readonly rows: readonly ExperimentSummaryRow[],
  ) {}

  /** The row of one variant. */
  row(variant: string): ExperimentSummaryRow | undefined {
    return this.rows.find((row) => row.variant === variant);
  }

  /** The table's column names. */
  get headers(): string[] {
    return ['variant', 'backend', 'runs', 'seeds', ...this.measures.flatMap((measure) => [`${measure} min`, `${measure} median`, `${measure} max`]), 'turns', 'stopped because'];
  }

  /** The table's cells, one row per variant. */
  cells(): (string | number)[][] {
    return this.rows.map((row) => [
      row.variant,
      row.backend,
      row.failed ? `${row.runs} (${row.failed} stopped early)` : row.runs,
      row.seeds.join(', '),
      ...this.measures.flatMap((measure): (string | number)[] => {
        const spread = row.spread[measure];
        return spread && !Number.isNaN(spread.median) ? [spread.min, spread.median, spread.max] : ['', '', ''];
      }),
      row.turns.join(', '),
      row.reasons.join('; '),
    ]);
  }

  /** The table as an HTML table and text. */
  toMimeBundle(): MimeBundle {
    return tableBundle(`${this.scenario}: spread over repeats per variant`, this.headers, this.cells());
  }

  toString(): string {
    return String(this.toMimeBundle()['text/plain']);
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** User text in HTML: escaped and isolated, so an override in a name stays inside it. */
function bdi(text: string): string {
  return `<bdi>${escape(text)}</bdi>`;
}

/** Longest row label of the action-mix chart, in characters; the axis gives it room (`MIX_LABEL_LIMIT_PX`). */
const MIX_LABEL_CHARACTERS = 28;
const MIX_LABEL_LIMIT_PX = 260;

/**
 * Row labels of the action-mix chart: `variant · persona`, shortened in the middle (both
 * ends stay) when long; when shortening makes two rows read the same, the variants get
 * keys (`V1 · Mara`) spelled out in `keys`, below the title.
 */
export function mixLabels(rows: readonly { variant: string; persona: string }[]): { label(variant: string, persona: string): string; keys: string[] } {
  const variants = [...new Set(rows.map((row) => row.variant))];
  const pairs = [...new Map(rows.map((row) => [JSON.stringify([row.variant, row.persona]), row])).values()];
  const plain = (variant: string, persona: string) => cutMiddle(`${oneLine(variant, 200)} · ${oneLine(persona, 200)}`, MIX_LABEL_CHARACTERS);
  if (new Set(pairs.map((row) => plain(row.variant, row.persona))).size === pairs.length) return { label: plain, keys: [] };
  const key = new Map(variants.map((variant, index) => [variant, `V${index + 1}`]));
  const keyed = (variant: string, persona: string) => `${key.get(variant)} · ${cutMiddle(oneLine(persona, 200), MIX_LABEL_CHARACTERS - 5 - String(variants.length).length)}`;
  const keys = variants.map((variant) => `${key.get(variant)} = ${oneLine(variant, 80)}`);
  if (new Set(pairs.map((row) => keyed(row.variant, row.persona))).size === pairs.length) return { label: keyed, keys };
  // Personas that only differ past the cut: number every row.
  const numbered = new Map(pairs.map((row, index) => [JSON.stringify([row.variant, row.persona]), `${index + 1}. ${keyed(row.variant, row.persona)}`]));
  return { label: (variant, persona) => numbered.get(JSON.stringify([variant, persona])) ?? keyed(variant, persona), keys };
}

/** The outcomes of an experiment, side by side: final state distribution and action mix per persona. */
export class PersonaExperiment {
  /** The experiment seed the repeats' seeds were derived from (none for outcomes made elsewhere). */
  readonly seed: number | undefined;
  /** The world's state fields, compared at the end of each run. */
  readonly measures: readonly string[];
  /** The world's actions, in the order the action mix lists them. */
  readonly actions: readonly string[];

  constructor(
    readonly scenario: string,
    readonly outcomes: readonly ExperimentOutcome[],
    options: { seed?: number; world?: WorldDefinition } = {},
  ) {
    this.seed = options.seed;
    const world = options.world ?? councilWorld;
    this.measures = world.fields;
    this.actions = world.actions.map((action) => action.type);
  }

  /** Per variant: runs and their seeds, the spread (min, median, max) of each measure at the end, turns and stop reasons; a table in a cell. */
  summary(): ExperimentSummary {
    const variants = [...new Set(this.outcomes.map((outcome) => outcome.variant))];
    const rows = variants.map((variant): ExperimentSummaryRow => {
      const runs = this.outcomes.filter((outcome) => outcome.variant === variant);
      const ends = runs.flatMap((outcome) => (outcome.end ? [outcome.end] : []));
      return {
        variant,
        backend: runs[0]?.backend ?? '',
        runs: runs.length,
        failed: runs.filter((outcome) => outcome.error).length,
        seeds: runs.map((outcome) => outcome.seed),
        spread: Object.fromEntries(this.measures.map((measure) => [measure, spreadOf(ends.map((end) => end.state[measure] as number))])),
        turns: ends.map((end) => end.turns),
        reasons: [...new Set(ends.map((end) => end.reason))],
      };
    });
    return new ExperimentSummary(this.scenario, this.measures, rows);
  }

  /** The vega-lite spec: final state per variant (every run a point, the summary's min–max as a bar and its median as a tick) beside the action mix per persona. */
  vegaLiteSpec(): Record<string, unknown> {
    const finals = this.outcomes.flatMap((outcome) =>
      outcome.end ? this.measures.map((measure) => ({ variant: outcome.variant, repeat: outcome.repeat, seed: outcome.seed, measure, value: outcome.end?.state[measure] ?? 0 })) : [],
    );
    const rows = this.summary().rows;
    const spreads = rows.flatMap((row) =>
      this.measures.flatMap((measure) => {
        const spread = row.spread[measure];
        return spread && !Number.isNaN(spread.median) ? [{ variant: row.variant, measure, min: spread.min, median: spread.median, max: spread.max, runs: row.runs }] : [];
      }),
    );
    const labels = mixLabels(this.outcomes.flatMap((outcome) => Object.keys(outcome.actionMix).map((persona) => ({ variant: outcome.variant, persona }))));
    const mix = this.outcomes.flatMap((outcome) =>
      Object.entries(outcome.actionMix).flatMap(([persona, counts]) =>
        this.actions.map((action) => ({ variant: outcome.variant, persona, row: labels.label(outcome.variant, persona), action, count: counts[action] ?? 0 })),
      ),
    );
    // Variants in the order the experiment lists them, as in the table and the action mix (not alphabetically).
    const x = { field: 'variant', type: 'nominal', title: null, sort: rows.map((row) => row.variant), axis: { labelAngle: -20 } };
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: {
        text: `${oneLine(this.scenario, 80)}: persona experiment`,
        subtitle: [`${this.outcomes.length} runs · ${[...new Set(this.outcomes.map((outcome) => outcome.backend))].join(', ')}`, ...labels.keys],
      },
      background: 'white',
      // Each chart colours its own field (measures, actions): one shared scale with the
      // actions' domain would leave the measure points without a colour, so not drawn.
      resolve: { scale: { color: 'independent' } },
      hconcat: [
        {
          title: 'Final world state: every run, min–max and median',
          width: 260,
          height: 220,
          layer: [
            {
              data: { values: spreads },
              mark: { type: 'rule', strokeWidth: 2, opacity: 0.6 },
              encoding: {
                x,
                xOffset: { field: 'measure', type: 'nominal', scale: { domain: [...this.measures] } },
                y: { field: 'min', type: 'quantitative', title: 'value at the end' },
                y2: { field: 'max' },
                color: { field: 'measure', type: 'nominal', title: null, scale: { domain: [...this.measures] } },
                tooltip: [{ field: 'variant' }, { field: 'measure' }, { field: 'runs' }, { field: 'min' }, { field: 'median' }, { field: 'max' }],
              },
            },
            {
              data: { values: spreads },
              mark: { type: 'tick', thickness: 3, size: 14 },
              encoding: {
                x,
                xOffset: { field: 'measure', type: 'nominal', scale: { domain: [...this.measures] } },
                y: { field: 'median', type: 'quantitative' },
                color: { field: 'measure', type: 'nominal', title: null, scale: { domain: [...this.measures] } },
                tooltip: [{ field: 'variant' }, { field: 'measure' }, { field: 'median' }],
              },
            },
            {
              data: { values: finals },
              mark: { type: 'point', filled: true, size: 60, opacity: 0.7 },
              encoding: {
                x,
                xOffset: { field: 'measure', type: 'nominal', scale: { domain: [...this.measures] } },
                y: { field: 'value', type: 'quantitative' },
                color: { field: 'measure', type: 'nominal', title: null, scale: { domain: [...this.measures] } },
                tooltip: [{ field: 'variant' }, { field: 'repeat' }, { field: 'seed' }, { field: 'measure' }, { field: 'value' }],
              },
            },
          ],
        },
        {
          title: 'Action mix per persona',
          width: 260,
          data: { values: mix },
          mark: 'bar',
          encoding: {
            // Rows are labelled by mixLabels: distinct, and short enough that the axis never cuts them.
            y: { field: 'row', type: 'nominal', title: null, sort: null, axis: { labelLimit: MIX_LABEL_LIMIT_PX } },
            x: { field: 'count', type: 'quantitative', aggregate: 'sum', title: 'actions' },
            color: { field: 'action', type: 'nominal', scale: { domain: [...this.actions] } },
            tooltip: [{ field: 'variant' }, { field: 'persona' }, { field: 'action' }, { field: 'count', aggregate: 'sum' }],
          },
        },
      ],
    };
  }

  /** The outcomes as text: one line per variant, then the action mix per persona. */
  toString(): string {
    const lines = [`${isolateText(this.scenario)}: persona experiment, ${this.outcomes.length} runs${this.seed === undefined ? '' : ` (experiment seed ${this.seed})`}`];
    for (const row of this.summary().rows) {
      lines.push(
        `  ${isolateText(row.variant)} (${row.backend}): ${row.runs} run(s)${row.failed ? `, ${row.failed} stopped early` : ''}, seeds ${row.seeds.join(', ')}; ${this.measures.map((measure) => `${measure} ${spreadText(row.spread[measure])}`).join(', ')}; turns ${row.turns.join(', ')}; ${row.reasons.join('; ')}`,
      );
      const mix = this.mixOf(row.variant);
      for (const [persona, counts] of Object.entries(mix)) lines.push(`    ${isolateText(persona)}: ${this.actions.filter((type) => (counts[type] ?? 0) > 0).map((type) => `${type} ${counts[type]}`).join(', ') || 'no actions'}`);
    }
    return lines.join('\n');
  }

  /** The action mix of one variant, summed over its runs. */
  mixOf(variant: string): Record<string, Record<string, number>> {
    const total: Record<string, Record<string, number>> = {};
    for (const outcome of this.outcomes.filter((entry) => entry.variant === variant)) {
      for (const [persona, counts] of Object.entries(outcome.actionMix)) {
        const sum = (total[persona] ??= Object.fromEntries(this.actions.map((type) => [type, 0])));
        for (const type of this.actions) sum[type] = (sum[type] ?? 0) + (counts[type] ?? 0);
      }
    }
    return total;
  }

  private html(svg: string | null): string {
    const rows = this.summary()
      .rows.map((row) => {
        const mix = Object.entries(this.mixOf(row.variant))
          .map(([persona, counts]) => `${bdi(persona)}: ${this.actions.filter((type) => (counts[type] ?? 0) > 0).map((type) => `${escape(type)} ${counts[type]}`).join(', ')}`)
          .join('<br>');
        const spreads = this.measures.map((measure) => `<td>${escape(spreadText(row.spread[measure]))}</td>`).join('');
        const user = `<td style="${USER_TEXT_CELL_STYLE}">`;
        return `<tr>${user}${bdi(row.variant)}</td>${user}${bdi(row.backend)}</td><td>${row.runs}${row.failed ? ` (${row.failed} stopped early)` : ''}</td><td>${escape(row.seeds.join(', '))}</td>${spreads}<td>${row.turns.join(', ')}</td>${user}${bdi(row.reasons.join('; '))}</td><td style="overflow-wrap:anywhere;min-width:14em">${mix}</td></tr>`;
      })
      .join('');
    const heads = this.measures.map((measure) => `<th>final ${escape(measure)}</th>`).join('');
    return `<div class="campfires-experiment" style="max-width:100%;overflow-wrap:anywhere;word-break:break-word"><p><b>${bdi(this.scenario)}: persona experiment</b></p>${svg ? svgThatFits(svg) : ''}${tableThatScrolls(`<table style="${TABLE_STYLE}"><thead><tr><th>variant</th><th>backend</th><th>runs</th><th>seeds</th>${heads}<th>turns</th><th>stopped because</th><th>action mix per persona</th></tr></thead><tbody>${rows}</tbody></table>`)}</div>`;
  }

  /** The rich view: vega-lite chart, its SVG, an HTML table and text. */
  async toMimeBundle(): Promise<MimeBundle> {
    const spec = this.vegaLiteSpec();
    let svg: string | null = null;
    try {
      svg = await renderVegaLiteSvg(spec);
    } catch (error) {
      process.stderr.write(`campfires: the experiment chart could not be rendered (${(error as Error).message})\n`);
    }
    return { [VEGA_LITE_MIME_TYPE]: spec, ...(svg ? { 'image/svg+xml': svg } : {}), 'text/html': this.html(svg), 'text/plain': this.toString() };
  }

  /** Displays the chart and table. */
  async show(): Promise<void> {
    displayBundle(await this.toMimeBundle());
  }

  /** The one-line summary. */
  summaryLine(): string {
    const variants = new Set(this.outcomes.map((outcome) => outcome.variant)).size;
    const backends = [...new Set(this.outcomes.map((outcome) => outcome.backend))].join(', ');
    const stopped = this.outcomes.filter((outcome) => outcome.error).length;
    const seed = this.seed === undefined ? '' : ` · experiment seed ${this.seed}`;
    return `PersonaExperiment "${isolateText(this.scenario)}" · ${variants} variants · ${this.outcomes.length} runs${stopped ? ` (${stopped} stopped early)` : ''} · ${backends}${seed} · .show() for the side-by-side view`;
  }

  [inspect.custom](): string {
    return this.summaryLine();
  }
}
