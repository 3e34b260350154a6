import type { JsonValue } from '../messages';
import type { RunEvent } from './run-log';

/**
 * The run-log events of a pipeline run (see docs/decisions/0010-one-row-per-cycle.md).
 *
 * A campfire cycle is one row: `torch-sent` when its torchbearer sent a torch (the camper
 * column is the torchbearer, `ts` the moment the torch left and the campfire went idle),
 * `cycle-ended` when nobody had anything to say. Both carry the cycle number, `activeAt`
 * (when the campfire became active) and `inputs`, the torches it received, each with
 * sender, channel, message id and time: those are the run's handoffs. `camper-error` rows
 * sit beside them.
 *
 * `round-ended` closes each round of a pipeline: the rounds before the last such row are
 * complete, and are what a replay re-drives and a resume keeps of an interrupted run.
 *
 * Older logs (and processes that must record a receipt before working on it, such as a
 * `CampfireWorker`) also hold `torch-received`, `campfire-status` and `torchbearer-chosen`
 * rows; the readers here understand both, and count a handoff recorded twice once.
 */
export const PIPELINE_EVENT = {
  torchSent: 'torch-sent',
  cycleEnded: 'cycle-ended',
  camperError: 'camper-error',
  torchReceived: 'torch-received',
  /** Live only in new runs (never stored): a campfire became active. Stored by older versions. */
  campfireStatus: 'campfire-status',
  /** Stored by older versions only; the torchbearer is now the camper of `torch-sent`. */
  torchbearerChosen: 'torchbearer-chosen',
  /** Every cycle of a round (the sources lit once, and all that followed) is in the log before this row: `{ round }`, `quiet: true` on a round where no source spoke. */
  roundEnded: 'round-ended',
  /** Appended to a run that `Pipeline.resume` continued: `{ as: <new run id>, afterRound }`. */
  runResumed: 'run-resumed',
  /** A camper called a tool (an MCP tool): `{ cycle, tool, server, arguments, status, result, ms }`; a replay reads it instead of calling. */
  toolCall: 'tool-call',
  /**
   * A model request an LLM camper made (one per attempt, from `generateObject`'s records):
   * `{ cycle, attempt, of, provider, model, ok, raw, error, latencyMs, ... }`; rows written
   * before they carried `cycle` belong to no torch.
   */
  modelAttempt: 'model-attempt',
} as const;

/** One torch a campfire received, as a cycle row records it. */
export interface LoggedInput {
  messageId: string;
  from: string;
  channel: string;
  /** When it arrived. */
  ts: number;
  /** Its place among the run's deliveries, when one process numbered them (a `Pipeline` does). */
  delivery?: number | undefined;
}

/** A handoff read back from the log: a torch `from` one campfire received by `to`. */
export interface LoggedHandoff {
  /** The row that records it (the receipt, or the receiver's cycle row). */
  seq: number;
  ts: number;
  from: string;
  to: string;
  channel: string;
  messageId: string;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The inputs a cycle row lists (none for other rows or malformed data). */
export function loggedInputs(event: RunEvent): LoggedInput[] {
  if (event.kind !== PIPELINE_EVENT.torchSent && event.kind !== PIPELINE_EVENT.cycleEnded) return [];
  const inputs = objectOf(event.data).inputs;
  if (!Array.isArray(inputs)) return [];
  const found: LoggedInput[] = [];
  for (const input of inputs) {
    const { messageId, from, channel, ts, delivery } = objectOf(input);
    if (typeof messageId === 'string' && typeof from === 'string' && typeof channel === 'string') {
      const logged: LoggedInput = { messageId, from, channel, ts: typeof ts === 'number' ? ts : event.ts };
      if (typeof delivery === 'number') logged.delivery = delivery;
      found.push(logged);
    }
  }
  return found;
}

/** The message ids a `torch-sent` row answered: `antecedents` in older rows, the inputs' ids in new ones. */
export function loggedAntecedents(event: RunEvent): string[] {
  const antecedents = objectOf(event.data).antecedents;
  if (Array.isArray(antecedents)) return antecedents.filter((id): id is string => typeof id === 'string');
  return loggedInputs(event).map((input) => input.messageId);
}

/**
 * Every handoff of a run in the order the torches arrived: `torch-received` rows and the
 * inputs of cycle rows, each (receiver, message) once, at its first record. A cycle row is
 * written when its cycle ends, so when the inputs carry delivery numbers they set the order;
 * otherwise it is the order of the rows.
 */
export function loggedHandoffs(events: readonly RunEvent[]): LoggedHandoff[] {
  const seen = new Set<string>();
  const handoffs: (LoggedHandoff & { delivery?: number })[] = [];
  let numbered = true;
  const add = (handoff: LoggedHandoff, delivery: number | undefined): void => {
    const key = `${handoff.to}\u0000${handoff.messageId}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (delivery === undefined) numbered = false;
    handoffs.push(delivery === undefined ? handoff : { ...handoff, delivery });
  };
  for (const event of events) {
    if (!event.campfire) continue;
    if (event.kind === PIPELINE_EVENT.torchReceived) {
      const from = objectOf(event.data).from;
      if (event.messageId && event.channel && typeof from === 'string') {
        add({ seq: event.seq, ts: event.ts, from, to: event.campfire, channel: event.channel, messageId: event.messageId }, undefined);
      }
    } else {
      for (const input of loggedInputs(event)) {
        add({ seq: event.seq, ts: input.ts, from: input.from, to: event.campfire, channel: input.channel, messageId: input.messageId }, input.delivery);
      }
    }
  }
  if (numbered) handoffs.sort((a, b) => (a.delivery as number) - (b.delivery as number));
  return handoffs.map(({ seq, ts, from, to, channel, messageId }) => ({ seq, ts, from, to, channel, messageId }));
}

/** The cycle number a pipeline row is about, or null. */
export function loggedCycle(event: RunEvent): number | null {
  const cycle = objectOf(event.data).cycle;
  return typeof cycle === 'number' && Number.isInteger(cycle) ? cycle : null;
}

/** The data of a new cycle row. */
export function cycleRowData(cycle: number, activeAt: number, inputs: readonly LoggedInput[], torch: JsonValue | null): JsonValue {
  return { cycle, activeAt, inputs: inputs as unknown as JsonValue, torch };
}
