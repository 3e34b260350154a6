import { inspect } from 'node:util';
import { TABLE_STYLE, ValidationError, tableThatScrolls, escapeHtml, isolateText, oneLine } from '../core';
import { VEGA_LITE_MIME_TYPE, displayBundle, renderVegaLiteSvg, svgThatFits, type MimeBundle } from '../display';
import type { RunInfo, RunLog } from '../runlog';
import { forkOf } from './simulation-record';
import type { Simulation } from './simulation';

/** How many turns the text and HTML tables list (the first after the shared history). */
const TABLE_TURN_LIMIT = 60;
/** The colour of the shared history; the branches take the palette after it. */
const SHARED_COLOUR = '#7f7f7f';
const BRANCH_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/** One run of a comparison: its label, its world per turn, and where it branches from. */
export interface ComparedRun {
  /** How charts and tables name it: the fork's label, or `original` for a run that is no fork. */
  label: string;
  runId: string;
  status: string;
  backend: string;
  /** Its parent run and the turn after which it branches, when it is a fork. */
  forkedFrom: { runId: string; turn: number } | null;
  /** The world after each turn (turn 0 = the start): the fields the chart draws. */
  turns: readonly { readonly turn: number; readonly [field: string]: number }[];
  /** Why it ended, or null while it has not. */
  end: string | null;
}

/**
 * The turn up to which all the given runs have the same history: the same run recorded that
 * turn for each of them (a fork inherits its parent's turns up to the fork). -1 when they share none.
 */
function sharedTurnOf(runs: readonly { id: string; log: RunLog; last: number }[]): number {
  const cache = new Map<string, RunInfo | null>();
  const info = (log: RunLog, id: string): RunInfo | null => {
    if (!cache.has(id)) {
      let found: RunInfo | null = null;
      try {
        found = log.run(id);
      } catch {
        found = null;
      }
      cache.set(id, found);
    }
    return cache.get(id) ?? null;
  };
  /** The run that recorded `turn` for `id`: its own turns, or the parent's up to the fork. */
  const owner = (log: RunLog, id: string, turn: number, depth = 0): string => {
    const run = info(log, id);
    const fork = run ? forkOf(run) : null;
    return fork && turn <= fork.turn && depth < 1000 ? owner(log, fork.parentRunId, turn, depth + 1) : id;
  };
  const last = Math.min(...runs.map((run) => run.last));
  let shared = -1;
  for (let turn = 0; turn <= last; turn += 1) {
    const first = runs[0] as (typeof runs)[number];
    const recorder = owner(first.log, first.id, turn);
    if (!runs.every((run) => owner(run.log, run.id, turn) === recorder)) break;
    shared = turn;
  }
  return shared;
}

/** Labels as given, else each fork's label or `original`; repeated ones numbered so every branch has its own colour. */
function labelsFor(sims: readonly Simulation[], given: readonly string[] | undefined): string[] {
  const raw = sims.map((sim, index) => given?.[index] ?? (sim.forkedFrom ? `fork after turn ${sim.forkedFrom.turn}: ${sim.forkedFrom.label}` : 'original'));
  const seen = new Map<string, number>();
  return raw.map((label) => {
    const clean = oneLine(label, 80);
    const times = (seen.get(clean) ?? 0) + 1;
    seen.set(clean, times);
    return times === 1 ? clean : `${clean} #${times}`;
  });
}

/**
 * Several runs of one scenario side by side, aligned by turn: typically a run and its forks.
 * The history they share is drawn once, each branch from the turn it leaves it, and every fork
 * turn is marked. Shows as a chart (vega-lite, with an SVG and HTML fallback) and as text.
 * @example compareRuns([sim, await sim.fork(6, { personas: { Mara: trader } })]).show()
 */
export class RunComparison {
  /** The compared runs, in the order given. */
  readonly runs: readonly ComparedRun[];
  /** The last turn every run shares (recorded by the same run), or -1 when they share none. */
  readonly sharedUntil: number;
  /** The turn from which the chart draws each run: where it leaves the history it shares with the runs before it. */
  readonly drawnFrom: readonly number[];
  /** The world's fields the chart draws. */
  readonly fields: readonly string[];
  /** The scenario's name (of the first run). */
  readonly title: string;

  constructor(sims: readonly Simulation[], options: { labels?: readonly string[] } = {}) {
    const labels = labelsFor(sims, options.labels);
    this.title = sims[0]?.config.name ?? '';
    this.fields = [...new Set(sims.flatMap((sim) => sim.payload().measures ?? ['resource_level', 'stability']))];
    this.runs = sims.map((sim, index) => {
      const payload = sim.payload();
      const parent = sim.forkedFrom;
      return {
        label: labels[index] as string,
        runId: sim.runId as string,
        status: sim.status,
        backend: sim.backend,
        forkedFrom: parent ? { runId: parent.runId, turn: parent.turn } : null,
        turns: payload.turns.map((turn) => Object.freeze({ ...turn }) as ComparedRun['turns'][number]),
        end: sim.transcript.end?.reason ?? null,
      };
    });
    const keys = sims.map((sim, index) => ({ id: sim.runId as string, log: sim.runLog, last: (this.runs[index] as ComparedRun).turns.at(-1)?.turn ?? 0 }));
    this.sharedUntil = sharedTurnOf(keys);
    // A branch shares more with some runs than with all: it is drawn from where it leaves the last run before it it shares with.
    this.drawnFrom = keys.map((key, index) => Math.max(this.sharedUntil, ...keys.slice(0, index).map((other) => sharedTurnOf([other, key]))));
  }

  /** The turns at which a compared run branches from its parent. */
  get forkTurns(): number[] {
    return [...new Set(this.runs.flatMap((run) => (run.forkedFrom ? [run.forkedFrom.turn] : [])))].sort((a, b) => a - b);
  }

  /** The label of the shared history in the chart's legend. */
  private get sharedLabel(): string {
    return `shared (turns 0–${this.sharedUntil})`;
  }

  /** The chart's points: the shared history once, then each branch from the last shared turn on. */
  points(): { turn: number; field: string; value: number; branch: string }[] {
    const points: { turn: number; field: string; value: number; branch: string }[] = [];
    const first = this.runs[0];
    if (this.sharedUntil >= 0 && first) {
      for (const turn of first.turns.filter((entry) => entry.turn <= this.sharedUntil)) {
        for (const field of this.fields) if (typeof turn[field] === 'number') points.push({ turn: turn.turn, field, value: turn[field] as number, branch: this.sharedLabel });
      }
    }
    for (const [index, run] of this.runs.entries()) {
      const from = this.drawnFrom[index] ?? this.sharedUntil;
      for (const turn of run.turns.filter((entry) => entry.turn >= from)) {
        for (const field of this.fields) if (typeof turn[field] === 'number') points.push({ turn: turn.turn, field, value: turn[field] as number, branch: run.label });
      }
    }
    return points;
  }

  /** A vega-lite v5 spec: one panel per world field, a line per branch, a rule at every fork. */
  spec(): Record<string, unknown> {
    const points = this.points();
    const branches = [...(this.sharedUntil >= 0 ? [this.sharedLabel] : []), ...this.runs.map((run) => run.label)];
    const range = [...(this.sharedUntil >= 0 ? [SHARED_COLOUR] : []), ...this.runs.map((_, index) => BRANCH_COLOURS[index % BRANCH_COLOURS.length] as string)];
    const forks = this.forkTurns.map((turn) => ({ turn, note: `fork after turn ${turn}` }));
    const shared = this.sharedUntil >= 0 ? `shared history to turn ${this.sharedUntil}` : 'no shared history';
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: `Branches of ${oneLine(this.title, 70)}`, subtitle: `${this.runs.length} run${this.runs.length === 1 ? '' : 's'} · ${shared}` },
      background: 'white',
      vconcat: this.fields.map((field, panel) => ({
        width: 520,
        height: 150,
        layer: [
          {
            data: { values: points.filter((point) => point.field === field) },
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'turn', type: 'quantitative', title: 'turn', axis: { tickMinStep: 1 } },
              y: { field: 'value', type: 'quantitative', title: field },
              color: { field: 'branch', type: 'nominal', title: 'branch', scale: { domain: branches, range }, legend: { labelLimit: 320 } },
              strokeWidth: { condition: { test: `datum.branch === ${JSON.stringify(this.sharedLabel)}`, value: 4 }, value: 2 },
              tooltip: [{ field: 'branch' }, { field: 'turn' }, { field: 'value', title: field }],
            },
          },
          ...(forks.length > 0
            ? [
                { data: { values: forks }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 'turn', type: 'quantitative' } } },
                // The fork turns are named once, above the first panel.
                ...(panel === 0 ? [{ data: { values: forks }, mark: { type: 'text', align: 'left', dx: 2, dy: -3, baseline: 'bottom', color: '#555', fontSize: 10 }, encoding: { x: { field: 'turn', type: 'quantitative' }, y: { value: 0 }, text: { field: 'note' } } }] : []),
              ]
            : []),
        ],
      })),
    };
  }

  /** The per-turn rows of the tables: each run's values from the last shared turn on, `-` where a run has none. */
  private tableRows(): { turn: number; cells: string[] }[] {
    const from = Math.max(this.sharedUntil, 0);
    const last = Math.max(...this.runs.map((run) => run.turns.at(-1)?.turn ?? 0));
    const rows: { turn: number; cells: string[] }[] = [];
    for (let turn = from; turn <= last && rows.length < TABLE_TURN_LIMIT; turn += 1) {
      rows.push({ turn, cells: this.runs.map((run) => { const entry = run.turns.find((candidate) => candidate.turn === turn); return entry ? this.fields.map((field) => String(entry[field] ?? '-')).join('/') : '-'; }) });
    }
    return rows;
  }

  private runLine(run: ComparedRun, index: number): string {
    const fork = run.forkedFrom ? `, fork of run ${run.forkedFrom.runId} after turn ${run.forkedFrom.turn}` : '';
    const last = run.turns.at(-1);
    const state = last ? this.fields.map((field) => `${field} ${last[field] ?? '-'}`).join(', ') : '';
    return `${String.fromCharCode(65 + (index % 26))}  ${isolateText(run.label)}: run ${run.runId} (${run.status}, ${isolateText(oneLine(run.backend, 40))}${fork}), ${last?.turn ?? 0} turns, end: ${state}${run.end ? ` (${isolateText(oneLine(run.end, 80))})` : ''}`;
  }

  /** The comparison as text: one line per run, then each run's world per turn from the shared history on. */
  toString(): string {
    const head = `Comparing ${this.runs.length} run${this.runs.length === 1 ? '' : 's'} of "${isolateText(oneLine(this.title, 80))}": ${this.sharedUntil >= 0 ? `shared history to turn ${this.sharedUntil}` : 'no shared history'}${this.forkTurns.length ? `, forks after turn ${this.forkTurns.join(', ')}` : ''}`;
    const rows = this.tableRows();
    const last = Math.max(...this.runs.map((run) => run.turns.at(-1)?.turn ?? 0));
    const more = rows.length > 0 && (rows.at(-1)?.turn ?? 0) < last ? [`  (turns ${(rows.at(-1)?.turn ?? 0) + 1} to ${last} not listed)`] : [];
    // Each column as wide as its widest cell, so the values of a run stand under its letter.
    const widths = this.runs.map((_, index) => Math.max(1, ...rows.map((row) => (row.cells[index] ?? '').length)));
    const line = (first: string, cells: readonly string[]) => `  ${first.padStart(4)}  ${cells.map((cell, index) => cell.padEnd(widths[index] as number)).join('  ')}`.trimEnd();
    return [
      head,
      ...this.runs.map((run, index) => `  ${this.runLine(run, index)}`),
      `${line('turn', this.runs.map((_, index) => String.fromCharCode(65 + (index % 26))))}  (${this.fields.join('/')})`,
      ...rows.map((row) => line(String(row.turn), row.cells)),
      ...more,
    ].join('\n');
  }

  /** The HTML fallback: the chart's SVG (when rendered), the runs and the per-turn table; labels escaped and isolated. */
  private html(svg: string | null): string {
    const bdi = (text: string) => `<bdi>${escapeHtml(text)}</bdi>`;
    const runs = this.runs
      .map((run, index) => `<li><b>${String.fromCharCode(65 + (index % 26))}</b> ${bdi(run.label)}: run ${escapeHtml(run.runId)} (${escapeHtml(run.status)}, ${bdi(run.backend)}${run.forkedFrom ? `, fork of run ${escapeHtml(run.forkedFrom.runId)} after turn ${run.forkedFrom.turn}` : ''})${run.end ? ` · ${bdi(run.end)}` : ''}</li>`)
      .join('');
    const head = `<tr><th>turn</th>${this.runs.map((_, index) => `<th>${String.fromCharCode(65 + (index % 26))} (${escapeHtml(this.fields.join('/'))})</th>`).join('')}</tr>`;
    const body = this.tableRows()
      .map((row) => `<tr><td>${row.turn}</td>${row.cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
      .join('');
    return [
      '<div class="campfires-run-comparison" style="max-width:100%;overflow-wrap:anywhere">',
      `<p><b>Branches of ${bdi(this.title)}</b> · ${this.runs.length} runs · ${this.sharedUntil >= 0 ? `shared history to turn ${this.sharedUntil}` : 'no shared history'}</p>`,
      svg ? svgThatFits(svg) : '',
      `<ul>${runs}</ul>`,
      tableThatScrolls(`<table style="${TABLE_STYLE}"><thead>${head}</thead><tbody>${body}</tbody></table>`),
      '</div>',
    ].join('');
  }

  /** The rich view: a vega-lite chart, its SVG, an HTML fallback and text. */
  async toMimeBundle(): Promise<MimeBundle> {
    const spec = this.spec();
    let svg: string | null = null;
    try {
      svg = await renderVegaLiteSvg(spec);
    } catch (error) {
      process.stderr.write(`campfires: the comparison SVG could not be rendered (${(error as Error).message})\n`);
    }
    return { [VEGA_LITE_MIME_TYPE]: spec, ...(svg ? { 'image/svg+xml': svg } : {}), 'text/html': this.html(svg), 'text/plain': this.toString() };
  }

  /** Displays the chart (text outside a notebook). */
  async show(): Promise<void> {
    displayBundle(await this.toMimeBundle());
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Compares runs of a council on one chart, aligned by turn: a run and its forks (`sim.fork`),
 * forks of forks, or repeats. Takes simulations that ran or were opened from the run log.
 * @example await compareRuns([sim, greedy], { labels: ['Mara stays', 'Gus takes her seat'] }).show();
 */
export function compareRuns(runs: readonly Simulation[], options: { labels?: readonly string[] } = {}): RunComparison {
  if (!Array.isArray(runs) || runs.length === 0 || runs.length > 20) {
    throw new ValidationError({ code: 'compare_runs_invalid', message: `compareRuns takes a list of 1 to 20 simulations; got ${Array.isArray(runs) ? `${runs.length}` : typeof runs}`, issues: [{ field: 'runs', message: 'not a list of 1 to 20 simulations', given: Array.isArray(runs) ? runs.length : typeof runs, allowed: { min: 1, max: 20 } }] });
  }
  runs.forEach((sim, index) => {
    const isSim = typeof sim === 'object' && sim !== null && typeof (sim as Simulation).payload === 'function' && 'runLog' in sim;
    if (!isSim || (sim as Simulation).runId === null) {
      throw new ValidationError({
        code: 'compare_runs_invalid',
        message: `runs[${index}] is ${isSim ? 'a simulation that has not run yet' : `not a simulation (${typeof sim})`}; compareRuns takes simulations that ran (sim.run(), sim.fork()) or were opened with Simulation.fromRunLog`,
        issues: [{ field: `runs[${index}]`, message: isSim ? 'has not run' : 'not a simulation', given: isSim ? 'not started' : typeof sim, allowed: 'a Simulation with a run id' }],
      });
    }
  });
  const labels = options.labels;
  if (labels !== undefined && (!Array.isArray(labels) || labels.length !== runs.length || labels.some((label) => typeof label !== 'string' || label.trim() === '' || label.length > 80))) {
    throw new ValidationError({
      code: 'compare_runs_invalid',
      message: `labels must be ${runs.length} labels of 1 to 80 characters, one per run`,
      issues: [{ field: 'labels', message: 'one label of 1 to 80 characters per run', given: Array.isArray(labels) ? labels.length : typeof labels, allowed: runs.length }],
    });
  }
  return new RunComparison(runs, { labels });
}
