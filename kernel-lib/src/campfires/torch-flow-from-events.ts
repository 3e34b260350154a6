import { z } from 'zod';
import { cutText, keptText } from '../core';
import type { RunEvent, RunInfo, RunLog } from '../runlog';
import { loggedHandoffs, PIPELINE_EVENT } from '../runlog';
import {
  TORCH_FLOW_TEXT_CAP,
  torchFlowToolCallSchema,
  type TorchFlowCampfire,
  type TorchFlowChannel,
  type TorchFlowError,
  type TorchFlowModelAttempt,
  type TorchFlowPayload,
  type TorchFlowToolCall,
  type TorchFlowTorch,
} from '../display';

/** The run meta a pipeline writes (see the run-log contract); read defensively. */
const pipelineMetaSchema = z.object({
  campfires: z
    .array(
      z.object({
        name: z.string(),
        campers: z.array(z.string()).catch([]),
        inputs: z.array(z.string()).catch([]),
        output: z.string().nullable().catch(null),
      }),
    )
    .catch([]),
  backend: z.string().catch('unknown'),
});

/** The torch inside a `torch-sent` event, read defensively (the log is outside data). */
const loggedTorchSchema = z.object({
  claim: z.string().catch(''),
  confidence: z.number().catch(0),
  path: z.string().optional().catch(undefined),
  url: z.string().optional().catch(undefined),
  metadata: z.record(z.string(), z.unknown()).catch({}),
});
const torchSentDataSchema = z.object({ cycle: z.number().int().catch(0), torch: loggedTorchSchema.catch({ claim: '', confidence: 0, metadata: {} }) });
const camperErrorDataSchema = z.object({ cycle: z.number().int().catch(0), error: z.object({ message: z.string().catch('') }).catch({ message: '' }) });
const statusDataSchema = z.object({ status: z.enum(['active', 'idle']).catch('idle') });

/** A `model-attempt` row's data, read defensively; a row without a cycle (written before rows had one) does not parse. */
const modelAttemptDataSchema = z.object({
  cycle: z.number().int(),
  attempt: z.number().int().positive(),
  of: z.number().int().positive().optional().catch(undefined),
  provider: z.string().optional().catch(undefined),
  model: z.string().catch(''),
  ok: z.boolean(),
  raw: z.string().nullable().catch(null),
  error: z.string().nullable().catch(null),
  latencyMs: z.number().nonnegative().optional().catch(undefined),
  replayed: z.boolean().optional().catch(undefined),
  /** The conversation sent: `{ role, content, images? }` per message (see `generateObject`). */
  prompt: z.array(z.object({ role: z.string().catch('?'), content: z.string().catch(''), images: z.array(z.unknown()).optional().catch(undefined) })).optional().catch(undefined),
});

type LoggedMessage = NonNullable<z.infer<typeof modelAttemptDataSchema>['prompt']>[number];

/** One message of a prompt as text: its role, its images counted, its content. */
function messageText(message: LoggedMessage): string {
  const images = message.images?.length ? ` [${message.images.length} image${message.images.length === 1 ? '' : 's'}]` : '';
  return `${message.role}${images}: ${message.content}`;
}

/**
 * What a torch flow keeps of an attempt's prompt: the whole conversation on a first attempt
 * (cut in its middle to the cap), and on a later one only what the model was told after
 * its previous answer, which is all that changed.
 */
function promptTexts(attempt: number, prompt: LoggedMessage[] | undefined): Pick<TorchFlowModelAttempt, 'prompt' | 'promptLength' | 'followUp'> {
  if (!prompt || prompt.length === 0) return {};
  if (attempt > 1) {
    // After an answer, the conversation ends with that answer and what the model was told of it;
    // after a failed request it is sent unchanged, and there is nothing new to show.
    const [answered, told] = prompt.slice(-2);
    return answered?.role === 'assistant' && told?.role === 'user' ? { followUp: cutText(told.content, { characters: TORCH_FLOW_TEXT_CAP }) } : {};
  }
  const kept = keptText(prompt.map(messageText).join('\n\n'), TORCH_FLOW_TEXT_CAP, { middle: true });
  return { prompt: kept.text, ...(kept.length !== undefined ? { promptLength: kept.length } : {}) };
}

/** Each row's attempt, read once: a live display builds the payload again after every event. */
const attemptsRead = new WeakMap<RunEvent, { cycle: number; attempt: TorchFlowModelAttempt } | null>();

/**
 * A `model-attempt` row as the torch flow shows it: who asked, which attempt, what came back
 * (cut to `TORCH_FLOW_TEXT_CAP`), and how it went; null for a row that names no cycle.
 */
function modelAttemptOf(event: RunEvent): { cycle: number; attempt: TorchFlowModelAttempt } | null {
  if (attemptsRead.has(event)) return attemptsRead.get(event) ?? null;
  const parsed = modelAttemptDataSchema.safeParse(event.data);
  let read: { cycle: number; attempt: TorchFlowModelAttempt } | null = null;
  if (parsed.success) {
    const data = parsed.data;
    // No text back means the request itself failed; text that was not used is an invalid answer.
    const outcome = data.ok ? 'ok' : data.raw === null ? 'error' : 'invalid';
    const answer = data.raw === null ? undefined : keptText(data.raw, TORCH_FLOW_TEXT_CAP);
    const attempt: TorchFlowModelAttempt = {
      camper: event.camper ?? '',
      attempt: data.attempt,
      ...(data.of !== undefined ? { of: data.of } : {}),
      ...(data.provider !== undefined ? { provider: data.provider } : {}),
      model: data.model,
      outcome,
      ...(outcome !== 'ok' && data.error !== null ? { reason: cutText(data.error, { characters: TORCH_FLOW_TEXT_CAP }) } : {}),
      ...(data.latencyMs !== undefined ? { ms: data.latencyMs } : {}),
      ...(answer !== undefined ? { answer: answer.text } : {}),
      ...(answer?.length !== undefined ? { answerLength: answer.length } : {}),
      ...(data.replayed ? { replayed: true } : {}),
      ...promptTexts(data.attempt, data.prompt),
    };
    read = { cycle: data.cycle, attempt };
  }
  attemptsRead.set(event, read);
  return read;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Builds the torch-flow payload of a pipeline run from its run-log events: campfires
 * from the run meta, channels from their inputs and outputs, torches in send order
 * with the campfires that received each.
 */
export function torchFlowFromEvents(run: RunInfo, events: readonly RunEvent[]): TorchFlowPayload {
  const meta = pipelineMetaSchema.parse({ campfires: [], backend: 'unknown', ...objectOf(run.meta) });
  const campfires = new Map<string, TorchFlowCampfire>();
  for (const campfire of meta.campfires) campfires.set(campfire.name, { ...campfire, status: 'idle' });
  const channels = new Map<string, TorchFlowChannel>();
  const channel = (name: string): TorchFlowChannel => {
    let found = channels.get(name);
    if (!found) channels.set(name, (found = { name, from: [], to: [] }));
    return found;
  };
  const addOnce = (list: string[], name: string): void => {
    if (!list.includes(name)) list.push(name);
  };
  for (const campfire of campfires.values()) {
    if (campfire.output) addOnce(channel(campfire.output).from, campfire.name);
    for (const input of campfire.inputs) addOnce(channel(input).to, campfire.name);
  }

  const torches: TorchFlowTorch[] = [];
  const errors: TorchFlowError[] = [];
  const byMessage = new Map<string, TorchFlowTorch>();
  // Tool calls of a campfire's cycle, shown on the torch that cycle sent.
  const toolCalls = new Map<string, TorchFlowToolCall[]>();
  // Model requests of a campfire's cycle, by every camper, shown on the torch that cycle sent.
  const modelAttempts = new Map<string, TorchFlowModelAttempt[]>();
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  for (const event of ordered) {
    if (!event.campfire) continue;
    if (event.kind === PIPELINE_EVENT.modelAttempt) {
      const read = modelAttemptOf(event);
      if (read) {
        const key = `${event.campfire}\u0000${read.cycle}`;
        const list = modelAttempts.get(key);
        // A copy: the row's reading is shared by every payload built from it.
        const attempt = { ...read.attempt };
        // After a request that failed the model is sent the same again: no follow-up to show twice.
        const previous = list?.at(-1);
        if (previous && previous.camper === attempt.camper && previous.outcome === 'error' && attempt.followUp !== undefined && attempt.followUp === previous.followUp) delete attempt.followUp;
        if (list) list.push(attempt);
        else modelAttempts.set(key, [attempt]);
      }
    } else if (event.kind === PIPELINE_EVENT.toolCall) {
      const data = objectOf(event.data);
      const call = torchFlowToolCallSchema.safeParse({ ...data, camper: event.camper ?? '' });
      if (call.success && typeof data.cycle === 'number') {
        const key = `${event.campfire}\u0000${data.cycle}`;
        toolCalls.set(key, [...(toolCalls.get(key) ?? []), call.data]);
      }
    } else if (event.kind === PIPELINE_EVENT.campfireStatus) {
      const campfire = campfires.get(event.campfire);
      if (campfire) campfire.status = statusDataSchema.parse(objectOf(event.data)).status;
    } else if (event.kind === PIPELINE_EVENT.cycleEnded) {
      const campfire = campfires.get(event.campfire);
      if (campfire) campfire.status = 'idle';
    } else if (event.kind === PIPELINE_EVENT.camperError) {
      // A camper that threw: shown as an error row, its campfire marked failed.
      const data = camperErrorDataSchema.parse(objectOf(event.data));
      if (!campfires.has(event.campfire)) campfires.set(event.campfire, { name: event.campfire, campers: event.camper ? [event.camper] : [], inputs: [], output: event.channel, status: 'idle' });
      errors.push({ seq: event.seq, cycle: data.cycle, campfire: event.campfire, camper: event.camper ?? event.campfire, message: data.error.message, ts: event.ts });
    } else if (event.kind === PIPELINE_EVENT.torchSent) {
      // A campfire without an output channel keeps its torch as its result: channel ''.
      const channelName = event.channel ?? '';
      const data = torchSentDataSchema.parse(objectOf(event.data));
      const known = campfires.get(event.campfire);
      if (known) known.status = 'idle';
      else {
        const campers = event.camper ? [event.camper] : [];
        campfires.set(event.campfire, { name: event.campfire, campers, inputs: [], output: event.channel, status: 'idle' });
      }
      const torch: TorchFlowTorch = {
        seq: event.seq,
        messageId: event.messageId ?? `seq-${event.seq}`,
        cycle: data.cycle,
        from: event.campfire,
        torchbearer: event.camper ?? event.campfire,
        channel: channelName,
        to: [],
        claim: data.torch.claim,
        confidence: data.torch.confidence,
        ...(data.torch.path !== undefined ? { path: data.torch.path } : {}),
        ...(data.torch.url !== undefined ? { url: data.torch.url } : {}),
        error: data.torch.metadata.error === true,
        ts: event.ts,
        metadata: data.torch.metadata,
      };
      torches.push(torch);
      byMessage.set(torch.messageId, torch);
      if (channelName) addOnce(channel(channelName).from, event.campfire);
    }
  }
  if (toolCalls.size > 0) {
    for (const torch of torches) {
      const calls = toolCalls.get(`${torch.from}\u0000${torch.cycle}`);
      if (calls) torch.toolCalls = calls;
    }
  }
  let withAttempts = false;
  if (modelAttempts.size > 0) {
    for (const torch of torches) {
      const attempts = modelAttempts.get(`${torch.from}\u0000${torch.cycle}`);
      if (attempts) {
        torch.modelAttempts = attempts;
        withAttempts = true;
      }
    }
  }
  // Who received each torch: receipts and the inputs of the receivers' cycle rows.
  for (const handoff of loggedHandoffs(ordered)) {
    const torch = byMessage.get(handoff.messageId);
    if (torch) addOnce(torch.to, handoff.to);
    addOnce(channel(handoff.channel).to, handoff.to);
  }
  const list = [...campfires.values()];
  // Only a live run has a working campfire; a stopped one shows none however its last signals read.
  if (run.status !== 'running') for (const campfire of list) campfire.status = 'idle';
  return {
    version: 1,
    runId: run.id,
    title: run.name,
    backend: meta.backend,
    status: run.status,
    campfires: list,
    channels: [...channels.values()],
    torches,
    active: list.filter((campfire) => campfire.status === 'active').map((campfire) => campfire.name),
    ...(errors.length > 0 ? { errors } : {}),
    ...(withAttempts ? { textCap: TORCH_FLOW_TEXT_CAP } : {}),
  };
}

/** Reads a pipeline run back from a run log as a torch-flow payload. */
export function torchFlowFromRunLog(log: RunLog, runId: string): TorchFlowPayload {
  const payload = torchFlowFromEvents(log.run(runId), log.events(runId));
  if (payload.status !== 'running') return payload;
  // A run live in another process: which campfire works now is in the log's campfire status.
  const working = new Set(log.campfireStatus(runId).filter((status) => status.status === 'active').map((status) => status.campfire));
  for (const campfire of payload.campfires) campfire.status = working.has(campfire.name) ? 'active' : 'idle';
  payload.active = payload.campfires.filter((campfire) => campfire.status === 'active').map((campfire) => campfire.name);
  return payload;
}
