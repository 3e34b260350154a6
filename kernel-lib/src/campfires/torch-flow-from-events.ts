import { z } from 'zod';
import type { RunEvent, RunInfo, RunLog } from '../runlog';
import { loggedHandoffs, PIPELINE_EVENT } from '../runlog';
import { torchFlowToolCallSchema, type TorchFlowCampfire, type TorchFlowChannel, type TorchFlowError, type TorchFlowPayload, type TorchFlowToolCall, type TorchFlowTorch } from '../display';

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
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  for (const event of ordered) {
    if (!event.campfire) continue;
    if (event.kind === PIPELINE_EVENT.toolCall) {
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
