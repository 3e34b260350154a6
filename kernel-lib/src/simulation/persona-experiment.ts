import { inspect } from 'node:util';
import { cutMiddle, escapeHtml, isolateText, oneLine } from '../core';
import type { LanguageModel } from '../llm';
import { VEGA_LITE_MIME_TYPE, displayBundle, renderVegaLiteSvg, type MimeBundle } from '../display';
import { DEFAULT_RUN_LOG_PATH, SqliteRunLog, type RunLog } from '../runlog';
import { ACTION_TYPES, type ActionType, type Persona } from './models';
import { loadPersonas, loadSimulationConfig, simulationConfigFrom, type SimulationConfig } from './simulation-config';
import type { SimulationEnd } from './simulation-record';
import { Simulation } from './simulation';

/** One arm of an experiment: a persona set and/or model settings, run `repeats` times. */
export interface ExperimentVariant {
  label: string;
  /** The personas to seat (a list, or the path of a personas YAML file); the scenario's own when left out. */
  personas?: Persona[] | string;
  /** The model LLM agents ask; offline persona-policy agents when left out or null. */
  model?: LanguageModel | null;
  temperature?: number;
  /** Overrides of the scenario's `simulation` and `world` settings. */
  simulation?: Record<string, unknown>;
  world?: Record<string, unknown>;
  /** How many runs of this variant (default 1; policy agents give the same run every time). */
  repeats?: number;
}

/** What to run: one scenario over several variants, at most `concurrency` runs at a time. */
export interface PersonaExperimentOptions {
  scenario: string | SimulationConfig;
  variants: readonly ExperimentVariant[];
  concurrency?: number;
  runLog?: RunLog | string;
}

/** The outcome of one run of a variant. */
export interface ExperimentOutcome {
  variant: string;
  repeat: number;
  backend: string;
  runId: string | null;
  status: string;
  end: SimulationEnd | null;
  /** Actions applied per persona and action type. */
  actionMix: Record<string, Record<ActionType, number>>;
  error: string | null;
}

function variantConfig(base: SimulationConfig, variant: ExperimentVariant): SimulationConfig {
  const personas = typeof variant.personas === 'string' ? loadPersonas(variant.personas) : (variant.personas ?? base.personas);
  return simulationConfigFrom(
    { scenario: { name: `${base.name} · ${variant.label}`, description: base.description }, simulation: { ...base.simulation, log_level: 'silent', ...variant.simulation }, world: { ...base.world, ...variant.world } },
    { personas },
    { settings: base.source.settings, personas: typeof variant.personas === 'string' ? variant.personas : base.source.personas },
  );
}

/** Runs `jobs` with at most `limit` in flight, keeping their order in the results. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next;
      next += 1;
      results[index] = await (jobs[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  return results;
}

/**
 * Runs a scenario over several persona sets or model settings, in parallel up to a
 * concurrency limit, and returns the outcomes side by side.
 * @example const experiment = await runPersonaExperiment({ scenario: '../fixtures/councils/harvest', variants: [{ label: 'as written' }, { label: 'frontier crew', personas: '../fixtures/councils/frontier/personas.yaml' }] });
 */
export async function runPersonaExperiment(options: PersonaExperimentOptions): Promise<PersonaExperiment> {
  const base = typeof options.scenario === 'string' ? loadSimulationConfig(options.scenario) : options.scenario;
  const runLog = typeof options.runLog === 'object' ? options.runLog : SqliteRunLog.open(options.runLog ?? DEFAULT_RUN_LOG_PATH);
  const jobs = options.variants.flatMap((variant) => {
    const config = variantConfig(base, variant);
    return Array.from({ length: variant.repeats ?? 1 }, (_, repeat) => async (): Promise<ExperimentOutcome> => {
      const sim = Simulation.fromSettings(config, { model: variant.model ?? null, temperature: variant.temperature, runLog, narrate: null, live: false });
      let error: string | null = null;
      try {
        await sim.run();
      } catch (failure) {
        error = (failure as Error).message;
      }
      const actionMix: Record<string, Record<ActionType, number>> = {};
      for (const persona of config.personas) actionMix[persona.name] = Object.fromEntries(ACTION_TYPES.map((type) => [type, 0])) as Record<ActionType, number>;
      for (const record of sim.transcript.actions) (actionMix[record.agent] as Record<ActionType, number>)[record.action.type] += 1;
      return { variant: variant.label, repeat: repeat + 1, backend: sim.backend, runId: sim.runId, status: sim.status, end: sim.transcript.end, actionMix, error };
    });
  });
  return new PersonaExperiment(base.name, await pool(jobs, options.concurrency ?? 2));
}

/** User text in HTML: escaped and isolated, so an override in a name stays inside it. */
function bdi(text: string): string {
  return `<bdi>${escapeHtml(text)}</bdi>`;
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
  constructor(
    readonly scenario: string,
    readonly outcomes: readonly ExperimentOutcome[],
  ) {}

  /** Per variant: runs, final resources and stability (min, mean, max), turns and stop reasons. */
  summary(): { variant: string; backend: string; runs: number; failed: number; resources: [number, number, number]; stability: [number, number, number]; turns: number[]; reasons: string[] }[] {
    const variants = [...new Set(this.outcomes.map((outcome) => outcome.variant))];
    const spread = (values: number[]): [number, number, number] =>
      values.length === 0 ? [0, 0, 0] : [Math.min(...values), Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 10) / 10, Math.max(...values)];
    return variants.map((variant) => {
      const runs = this.outcomes.filter((outcome) => outcome.variant === variant);
      const ends = runs.flatMap((outcome) => (outcome.end ? [outcome.end] : []));
      return {
        variant,
        backend: runs[0]?.backend ?? '',
        runs: runs.length,
        failed: runs.filter((outcome) => outcome.error).length,
        resources: spread(ends.map((end) => end.state.resource_level)),
        stability: spread(ends.map((end) => end.state.stability)),
        turns: ends.map((end) => end.turns),
        reasons: [...new Set(ends.map((end) => end.reason))],
      };
    });
  }

  /** The vega-lite spec: final state per variant (every run a point) beside the action mix per persona. */
  vegaLiteSpec(): Record<string, unknown> {
    const finals = this.outcomes.flatMap((outcome) =>
      outcome.end ? (['resource_level', 'stability'] as const).map((measure) => ({ variant: outcome.variant, repeat: outcome.repeat, measure, value: outcome.end?.state[measure] ?? 0 })) : [],
    );
    const labels = mixLabels(this.outcomes.flatMap((outcome) => Object.keys(outcome.actionMix).map((persona) => ({ variant: outcome.variant, persona }))));
    const mix = this.outcomes.flatMap((outcome) =>
      Object.entries(outcome.actionMix).flatMap(([persona, counts]) =>
        ACTION_TYPES.map((action) => ({ variant: outcome.variant, persona, row: labels.label(outcome.variant, persona), action, count: counts[action] })),
      ),
    );
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
          title: 'Final world state per run',
          width: 260,
          height: 220,
          data: { values: finals },
          mark: { type: 'point', filled: true, size: 80, opacity: 0.7 },
          encoding: {
            x: { field: 'variant', type: 'nominal', title: null, axis: { labelAngle: -20 } },
            y: { field: 'value', type: 'quantitative', title: 'value at the end' },
            color: { field: 'measure', type: 'nominal', title: null },
            xOffset: { field: 'measure', type: 'nominal' },
            tooltip: [{ field: 'variant' }, { field: 'repeat' }, { field: 'measure' }, { field: 'value' }],
          },
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
            color: { field: 'action', type: 'nominal', scale: { domain: [...ACTION_TYPES] } },
            tooltip: [{ field: 'variant' }, { field: 'persona' }, { field: 'action' }, { field: 'count', aggregate: 'sum' }],
          },
        },
      ],
    };
  }

  /** The outcomes as text: one line per variant, then the action mix per persona. */
  toString(): string {
    const lines = [`${isolateText(this.scenario)}: persona experiment, ${this.outcomes.length} runs`];
    for (const row of this.summary()) {
      lines.push(
        `  ${isolateText(row.variant)} (${row.backend}): ${row.runs} run(s)${row.failed ? `, ${row.failed} stopped early` : ''}; resources ${row.resources[0]}–${row.resources[2]} (mean ${row.resources[1]}), stability ${row.stability[0]}–${row.stability[2]} (mean ${row.stability[1]}); turns ${row.turns.join(', ')}; ${row.reasons.join('; ')}`,
      );
      const mix = this.mixOf(row.variant);
      for (const [persona, counts] of Object.entries(mix)) lines.push(`    ${isolateText(persona)}: ${ACTION_TYPES.filter((type) => counts[type] > 0).map((type) => `${type} ${counts[type]}`).join(', ') || 'no actions'}`);
    }
    return lines.join('\n');
  }

  /** The action mix of one variant, summed over its runs. */
  mixOf(variant: string): Record<string, Record<ActionType, number>> {
    const total: Record<string, Record<ActionType, number>> = {};
    for (const outcome of this.outcomes.filter((entry) => entry.variant === variant)) {
      for (const [persona, counts] of Object.entries(outcome.actionMix)) {
        const sum = (total[persona] ??= Object.fromEntries(ACTION_TYPES.map((type) => [type, 0])) as Record<ActionType, number>);
        for (const type of ACTION_TYPES) sum[type] += counts[type];
      }
    }
    return total;
  }

  private html(svg: string | null): string {
    const rows = this.summary()
      .map((row) => {
        const mix = Object.entries(this.mixOf(row.variant))
          .map(([persona, counts]) => `${bdi(persona)}: ${ACTION_TYPES.filter((type) => counts[type] > 0).map((type) => `${type} ${counts[type]}`).join(', ')}`)
          .join('<br>');
        return `<tr><td>${bdi(row.variant)}</td><td>${bdi(row.backend)}</td><td>${row.runs}${row.failed ? ` (${row.failed} stopped early)` : ''}</td><td>${row.resources[0]}–${row.resources[2]} (mean ${row.resources[1]})</td><td>${row.stability[0]}–${row.stability[2]} (mean ${row.stability[1]})</td><td>${row.turns.join(', ')}</td><td>${bdi(row.reasons.join('; '))}</td><td>${mix}</td></tr>`;
      })
      .join('');
    return `<div class="campfires-experiment" style="max-width:100%;overflow-wrap:anywhere;word-break:break-word"><p><b>${bdi(this.scenario)}: persona experiment</b></p>${svg ?? ''}<table><thead><tr><th>variant</th><th>backend</th><th>runs</th><th>final resources</th><th>final stability</th><th>turns</th><th>stopped because</th><th>action mix per persona</th></tr></thead><tbody>${rows}</tbody></table></div>`;
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
    return `PersonaExperiment "${isolateText(this.scenario)}" · ${variants} variants · ${this.outcomes.length} runs${stopped ? ` (${stopped} stopped early)` : ''} · ${backends} · .show() for the side-by-side view`;
  }

  [inspect.custom](): string {
    return this.summaryLine();
  }
}
