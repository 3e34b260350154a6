import { inspect } from 'node:util';
import { cutText, isolateText } from '../core';
import type { Torch } from '../messages';
import type { RunEvent, RunInfo, RunLog } from '../runlog';
import { display, type MimeBundle, type TorchFlowPayload } from '../display';
import { torchFlowBundle } from './torch-flow-bundle';
import { torchFlowFromEvents } from './torch-flow-from-events';

/** Counts and final torches of a finished run, as `Pipeline.run` returns them. */
export interface PipelineRunSummary {
  run: RunInfo;
  /** Rounds in which the source campfires were lit. */
  cycles: number;
  torchesSent: number;
  handoffs: number;
  camperErrors: number;
  durationMs: number;
  /** The last torch of each campfire whose output nobody in the pipeline listens to, by campfire name. */
  finals: Record<string, Torch>;
}

/**
 * The result of `Pipeline.run`: counts, the final torches, and the run's events (read
 * back from the run log, or kept in memory when the pipeline has no log).
 */
export class PipelineRun implements PipelineRunSummary {
  readonly run: RunInfo;
  readonly cycles: number;
  readonly torchesSent: number;
  readonly handoffs: number;
  readonly camperErrors: number;
  readonly durationMs: number;
  readonly finals: Record<string, Torch>;

  constructor(
    summary: PipelineRunSummary,
    private readonly log: RunLog | null,
    private readonly memoryEvents: readonly RunEvent[],
  ) {
    this.run = summary.run;
    this.cycles = summary.cycles;
    this.torchesSent = summary.torchesSent;
    this.handoffs = summary.handoffs;
    this.camperErrors = summary.camperErrors;
    this.durationMs = summary.durationMs;
    this.finals = summary.finals;
  }

  /** The run id in the run log. */
  get runId(): string {
    return this.run.id;
  }

  /** The run's events in order. */
  events(): RunEvent[] {
    return this.log ? this.log.events(this.run.id) : [...this.memoryEvents];
  }

  /** The run as a torch-flow payload (campfires, channels, torches in send order). */
  torchFlow(): TorchFlowPayload {
    return torchFlowFromEvents(this.run, this.events());
  }

  /** The torch flow as a MIME bundle (our renderer's type, SVG, HTML and text). */
  toMimeBundle(): Promise<MimeBundle> {
    return torchFlowBundle(this.torchFlow());
  }

  /** Displays the torch flow in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  /** One-line summary for notebooks. */
  [inspect.custom](): string {
    const finals = Object.entries(this.finals)
      .map(([name, torch]) => `${isolateText(name)}: "${isolateText(cutText(torch.claim, { characters: 60 }, '...'))}"`)
      .join('; ');
    return `PipelineRun ${this.run.id} (${isolateText(this.run.name)}, ${this.run.status}): ${this.cycles} cycles, ${this.torchesSent} torches, ${this.handoffs} handoffs, ${this.camperErrors} camper errors in ${this.durationMs} ms${finals ? `; ${finals}` : ''}`;
  }
}
