/**
 * MIME payloads of the notebook surface: the versioned JSON the kernel sends and the
 * JupyterLab extension renders. Browser-safe (zod only, no Node imports); published
 * as the subpath `campfires/display` so the extension imports these types.
 */
import { z } from 'zod';
// The file itself, not the core index: this module is the browser entry and must load nothing Node-only.
export { cutText, cutMiddle, oneLine, wellFormedText } from '../core/cut-text';

/** Where a run stands: still going, finished, failed, or stopped part-way and resumable. */
export const runStatusSchema = z.enum(['running', 'completed', 'failed', 'interrupted']);
/** Where a run stands; stored in the run log and shown in every run's payload. */
export type RunStatus = z.infer<typeof runStatusSchema>;

/** A Jupyter MIME bundle: MIME type -> data (string or JSON). */
export type MimeBundle = Record<string, unknown>;

/** MIME type of a torch flow (campfires, channels, torches in order). */
export const TORCH_FLOW_MIME_TYPE = 'application/vnd.campfires.torchflow.v1+json';
/** MIME type of a council simulation's world state and actions. */
export const SIMULATION_MIME_TYPE = 'application/vnd.campfires.simulation.v1+json';
/** MIME type of the vega-lite chart fallback. */
export const VEGA_LITE_MIME_TYPE = 'application/vnd.vegalite.v5+json';

/** One campfire node of a torch flow. */
export const torchFlowCampfireSchema = z.object({
  name: z.string(),
  campers: z.array(z.string()),
  inputs: z.array(z.string()),
  output: z.string().nullable(),
  status: z.enum(['active', 'idle']),
});
export type TorchFlowCampfire = z.infer<typeof torchFlowCampfireSchema>;

/** One channel edge of a torch flow: the campfires publishing to it and those listening. */
export const torchFlowChannelSchema = z.object({
  name: z.string(),
  from: z.array(z.string()),
  to: z.array(z.string()),
});
export type TorchFlowChannel = z.infer<typeof torchFlowChannelSchema>;

/** One tool call a camper made in the cycle that produced a torch (a `tool-call` row of the run log). */
export const torchFlowToolCallSchema = z.object({
  camper: z.string(),
  /** The tool's name on its server. */
  tool: z.string(),
  /** Which MCP server answered (its command or URL, as the camper names it). */
  server: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  /** `ok`, `error` (the tool answered with an error), `timeout` (no answer in time). */
  status: z.enum(['ok', 'error', 'timeout']),
  /** The result's text (shortened for long results). */
  result: z.string(),
  ms: z.number(),
  /** The model's round that asked for it (LLM campers); absent for a tool camper. */
  round: z.number().int().optional(),
  /** True in a replay: the result was read from the recorded run, the tool was not called. */
  replayed: z.boolean().optional(),
});
export type TorchFlowToolCall = z.infer<typeof torchFlowToolCallSchema>;

/**
 * The longest model answer or failure reason a torch's model attempts keep in the torch-flow
 * payload, in characters as a reader counts them; longer ones are cut on a whole character,
 * ending with `…` (the payload's `textCap` says so).
 */
export const TORCH_FLOW_TEXT_CAP = 4000;

/**
 * One request an LLM camper made in the cycle that produced a torch (a `model-attempt` row of
 * the run log): which attempt, who answered, how it went, how long it took, what came back.
 */
export const torchFlowModelAttemptSchema = z.object({
  camper: z.string(),
  /** 1 for the camper's first request in the cycle, 2 after an unusable answer or a failed request, ... */
  attempt: z.number().int().positive(),
  /** The requests the camper's call could make in all, when recorded. */
  of: z.number().int().positive().optional(),
  /** The model's provider (`ollama`, `openrouter`, `scripted`), when recorded. */
  provider: z.string().optional(),
  /** The model that answered (or was asked, when the request failed). */
  model: z.string(),
  /** `ok`: the answer was used; `invalid`: an answer came but could not be used (`reason` says why); `error`: the request failed and nothing came back (`reason` is the failure). */
  outcome: z.enum(['ok', 'invalid', 'error']),
  /** Why an `invalid` answer was refused, or the failure of an `error`; cut to the payload's `textCap`. */
  reason: z.string().optional(),
  /** How long the request took, in milliseconds, when known. */
  ms: z.number().nonnegative().optional(),
  /** The model's raw answer, cut to the payload's `textCap` (absent when the request failed). */
  answer: z.string().optional(),
  /** The whole answer's length in characters, when `answer` was cut. */
  answerLength: z.number().int().nonnegative().optional(),
  /** True in a replay: the attempt was read from the recorded run, the model was not asked. */
  replayed: z.boolean().optional(),
  /**
   * What the model was sent, as text (`role: content` per message), on a camper's first
   * attempt; cut in its middle to the payload's `textCap`, both ends kept.
   */
  prompt: z.string().optional(),
  /** The whole prompt's length in characters, when `prompt` was cut. */
  promptLength: z.number().int().nonnegative().optional(),
  /** On a later attempt: what the model was told after the previous answer (why it was refused), cut to `textCap`. */
  followUp: z.string().optional(),
});
export type TorchFlowModelAttempt = z.infer<typeof torchFlowModelAttemptSchema>;

/** What each outcome of a model attempt is called in every view: the answer was used, could not be used, or never came. */
export const ATTEMPT_OUTCOME_WORDS: Record<TorchFlowModelAttempt['outcome'], string> = { ok: 'ok', invalid: 'invalid answer', error: 'request failed' };

/** One torch as it passed: who sent it, over which channel, to whom. */
export const torchFlowTorchSchema = z.object({
  seq: z.number().int(),
  messageId: z.string(),
  cycle: z.number().int(),
  from: z.string(),
  torchbearer: z.string(),
  /** The output channel; '' when the campfire has none and keeps the torch as its result. */
  channel: z.string(),
  to: z.array(z.string()),
  claim: z.string(),
  confidence: z.number(),
  path: z.string().optional(),
  url: z.string().optional(),
  error: z.boolean(),
  ts: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  /** The tool calls made in the cycle that produced this torch, in order (absent when none). */
  toolCalls: z.array(torchFlowToolCallSchema).optional(),
  /** The model requests made in the cycle that produced this torch, in order, by every camper of its campfire (absent when none were recorded). */
  modelAttempts: z.array(torchFlowModelAttemptSchema).optional(),
});
export type TorchFlowTorch = z.infer<typeof torchFlowTorchSchema>;

/** A camper that threw instead of answering: the campfire, the camper, the cycle and the error's message. */
export const torchFlowErrorSchema = z.object({
  seq: z.number().int(),
  cycle: z.number().int(),
  campfire: z.string(),
  camper: z.string(),
  message: z.string(),
  ts: z.number(),
});
export type TorchFlowError = z.infer<typeof torchFlowErrorSchema>;

/**
 * How much of a working camper's or agent's text a live payload carries: its newest
 * characters, at most this many (older text is cut, a leading `…` says so).
 */
export const THINKING_TEXT_LIMIT = 600;

/**
 * Text a camper is writing right now, before its torch is sent: a model's tokens as they
 * stream in, or (with `reveal`) a deterministic answer shown in a few steps. Live only: a
 * finished run's payload never has it, and the torch replaces it once sent.
 */
export const torchFlowThinkingSchema = z.object({
  campfire: z.string(),
  camper: z.string(),
  cycle: z.number().int(),
  /** The newest text so far, at most `THINKING_TEXT_LIMIT` characters (cut at the start with `…`). */
  text: z.string(),
  /** True when the text is a deterministic answer revealed in steps, not a model's stream. */
  revealed: z.boolean(),
});
export type TorchFlowThinking = z.infer<typeof torchFlowThinkingSchema>;

/** Payload of `application/vnd.campfires.torchflow.v1+json`. */
export const torchFlowPayloadSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  title: z.string(),
  backend: z.string(),
  status: runStatusSchema,
  campfires: z.array(torchFlowCampfireSchema),
  channels: z.array(torchFlowChannelSchema),
  torches: z.array(torchFlowTorchSchema),
  /** The campfires working now (mid-cycle) while the run is live, in wiring order; absent or empty otherwise. A renderer marks them as the working campfire. */
  active: z.array(z.string()).optional(),
  /** Campers that failed, in run-log order (absent in payloads written before it existed). */
  errors: z.array(torchFlowErrorSchema).optional(),
  /**
   * Live only: what working campers are writing now, one entry per camper, in the order
   * they started (absent when none, and always absent once the run stopped). A renderer
   * shows each as a pending row of its campfire, after the torches.
   */
  thinking: z.array(torchFlowThinkingSchema).optional(),
  /** The longest model answer or reason a torch's `modelAttempts` keep, in characters (present when any torch has model attempts); longer ones are cut. */
  textCap: z.number().int().positive().optional(),
});
export type TorchFlowPayload = z.infer<typeof torchFlowPayloadSchema>;

/** One persona agent of a simulation. */
export const simulationAgentSchema = z.object({
  name: z.string(),
  description: z.string(),
  policy: z.string(),
});
export type SimulationAgent = z.infer<typeof simulationAgentSchema>;

/** The world state at the end of one turn: the council's world's resource_level and stability, or the fields `measures` names. */
export const simulationTurnSchema = z
  .object({
    turn: z.number().int(),
    resource_level: z.number(),
    stability: z.number(),
  })
  .partial({ resource_level: true, stability: true })
  .catchall(z.number());
export type SimulationTurn = z.infer<typeof simulationTurnSchema>;

/** One action an agent chose, and what the world made of it. */
export const simulationActionSchema = z.object({
  turn: z.number().int(),
  agent: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  reason: z.string(),
  success: z.boolean(),
  message: z.string(),
  fallback: z.boolean(),
  /** The prompt the agent's model was sent, cut to the payload's `textCap` (absent for agents that ask no model). */
  prompt: z.string().optional(),
  /** The model's raw answer (its last attempt that answered), cut to `textCap`. */
  answer: z.string().optional(),
  /** The whole prompt's length in characters, when `prompt` was cut. */
  promptLength: z.number().int().optional(),
  /** The whole answer's length in characters, when `answer` was cut. */
  answerLength: z.number().int().optional(),
});
export type SimulationAction = z.infer<typeof simulationActionSchema>;

/**
 * Text an agent is writing right now, before its action is applied: its model's tokens as
 * they stream in, or (with `reveal`) a persona-policy decision shown in a few steps. Live
 * only: the action replaces it once applied.
 */
export const simulationThinkingSchema = z.object({
  agent: z.string(),
  turn: z.number().int(),
  /** The newest text so far, at most `THINKING_TEXT_LIMIT` characters (cut at the start with `…`). */
  text: z.string(),
  /** True when the text is a deterministic decision revealed in steps, not a model's stream. */
  revealed: z.boolean(),
});
export type SimulationThinking = z.infer<typeof simulationThinkingSchema>;

/** Payload of `application/vnd.campfires.simulation.v1+json`. */
export const simulationPayloadSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  title: z.string(),
  backend: z.string(),
  status: runStatusSchema,
  agents: z.array(simulationAgentSchema),
  /** The world's state fields each turn carries, in chart order (left out: resource_level and stability). */
  measures: z.array(z.string()).optional(),
  /** The name of a world other than the council's own. */
  world: z.string().optional(),
  /** The run's seed, when it had one. */
  seed: z.number().int().optional(),
  /** Where a forked run branches from: its parent run, the turn after which it branches, and what the fork changed. */
  fork: z.object({ runId: z.string(), turn: z.number().int().min(0), label: z.string() }).optional(),
  turns: z.array(simulationTurnSchema),
  actions: z.array(simulationActionSchema),
  /**
   * Live only: what the deciding agent is writing now (absent when nobody is, and always
   * absent once the run stopped). A renderer shows it as a pending row after the actions.
   */
  thinking: z.array(simulationThinkingSchema).optional(),
  /** The longest prompt or answer an action keeps, in characters (present when any action kept one); longer ones are cut. */
  textCap: z.number().int().positive().optional(),
});
export type SimulationPayload = z.infer<typeof simulationPayloadSchema>;

/**
 * Where a torch went, in the words every view uses: the campfires that received it,
 * `(result)` when its campfire has no output channel and keeps it as the answer, or
 * `(no listener)` when it was sent on a channel nobody has read yet.
 */
export function torchRecipients(torch: Pick<TorchFlowTorch, 'channel' | 'to'>): string {
  if (torch.channel === '') return '(result)';
  return torch.to.length > 0 ? torch.to.join(', ') : '(no listener)';
}

/** How many turns a council played: turn 0 is the start state, not a turn. */
export function playedTurns(payload: Pick<SimulationPayload, 'turns'>): number {
  return new Set(payload.turns.filter((turn) => turn.turn > 0).map((turn) => turn.turn)).size;
}

/**
 * The actions a chart or list shows beside the world points: while a run is going, all
 * of them; once it stopped (an interrupted council included), only those of turns that
 * finished, since a turn cut short has no world point. `unfinished` counts the rest.
 */
export function shownActions(payload: Pick<SimulationPayload, 'turns' | 'actions' | 'status'>): { actions: SimulationAction[]; unfinished: number } {
  if (payload.status === 'running') return { actions: payload.actions, unfinished: 0 };
  const finished = new Set(payload.turns.map((turn) => turn.turn));
  const actions = payload.actions.filter((action) => finished.has(action.turn));
  return { actions, unfinished: payload.actions.length - actions.length };
}

const tailSegmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/**
 * The newest `maxCharacters` characters of text that keeps growing (a model's stream),
 * with a leading `…` when older text was cut; cut on a character boundary, never inside
 * an emoji or a surrogate pair. Only the end of a long text is looked at.
 * @example thinkingTail('abcdef', 4) // '…def'
 */
export function thinkingTail(text: string, maxCharacters = THINKING_TEXT_LIMIT): string {
  if (text.length <= maxCharacters) return text;
  const keep = Math.max(0, maxCharacters - 1);
  // A character is rarely over 16 UTF-16 units: the window holds the kept ones and one cut.
  const window = text.slice(-(keep + 1) * 16);
  const segments = tailSegmenter ? [...tailSegmenter.segment(window)].map((part) => part.segment) : [...window];
  // The window's first segment may be a character the window cut: never keep it.
  const whole = window.length < text.length ? segments.slice(1) : segments;
  if (whole.length <= maxCharacters && window.length === text.length) return text;
  return `…${(keep > 0 ? whole.slice(-keep) : []).join('').trimStart()}`;
}
