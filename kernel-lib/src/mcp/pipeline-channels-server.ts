import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CampfiresError, errorToJson, newId, PermissionError, systemClock, validate, ValidationError, type Clock } from '../core';
import { TORCH_TAG, channelNameSchema, createTorch, type JsonValue, type Message, type TorchInput } from '../messages';
import type { ChannelBus } from '../channels';
import { cycleRowData, PIPELINE_EVENT, type RunEvent, type RunInfo, type RunLog } from '../runlog';
import { latestPipelineRun, torchFlowFromEvents } from '../campfires';
import type { ToolDefinition } from '../conventions';

/** What the channels server reaches: the pipeline's bus and run log, and who outside may send where. */
export interface PipelineChannelsOptions {
  /** The bus the pipeline's campfires listen on (a Redis bus to reach a pipeline in another process). */
  bus: ChannelBus;
  /** The pipeline's run log: channels and torches are read from it, outside torches recorded in it. */
  runLog: RunLog;
  /** The run to serve: an id, or `latest` (default), looked up at each call so a new run is followed. */
  run?: string;
  /**
   * Outside campfires and the channels each may send on, e.g. `{ ide: ['notes'] }`. A name
   * not listed, a channel not granted, or the name of one of the pipeline's own campfires is refused.
   */
  grants?: Record<string, string[]>;
  clock?: Clock;
}

const grantsSchema = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,63}$/, 'a campfire name'), z.array(channelNameSchema));

const TOOLS: ToolDefinition[] = [
  {
    name: 'pipeline_channels',
    description: 'List the running pipeline\'s channels: who writes each, who listens, how many torches passed, and which outside campfires may send on it.',
    inputSchema: { type: 'object', properties: {}, required: [] },
  },
  {
    name: 'channel_read',
    description: 'Read the torches sent on a channel, oldest first (claim, confidence, sender, torchbearer, cycle).',
    inputSchema: {
      type: 'object',
      properties: {
        channel: { type: 'string', description: 'channel name' },
        limit: { type: 'integer', minimum: 1, maximum: 200, description: 'newest n torches (default 20)' },
        after_seq: { type: 'integer', minimum: 0, description: 'only torches after this seq (to follow a channel)' },
      },
      required: ['channel'],
    },
  },
  {
    name: 'channel_send',
    description: 'Send a torch into a channel as a named outside campfire; allowed only where that campfire was granted the channel.',
    inputSchema: {
      type: 'object',
      properties: {
        campfire: { type: 'string', description: 'the outside campfire you send as (must be granted the channel)' },
        channel: { type: 'string', description: 'channel name' },
        claim: { type: 'string', description: 'the torch\'s claim' },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        metadata: { type: 'object', description: 'small JSON metadata' },
        path: { type: 'string', description: 'a Party Box path the torch points at' },
      },
      required: ['campfire', 'channel', 'claim'],
    },
  },
];

function result(value: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value, isError };
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * An MCP server over a running pipeline's channels: list them, read their torches, and send
 * a torch into one as a named outside campfire — so an MCP client (an IDE assistant, another
 * notebook) joins a live pipeline. The torchbearer rule holds for outsiders: a sender writes
 * only on the channels it was granted, and never as one of the pipeline's campfires. A torch
 * sent is recorded in the run log as that campfire's `torch-sent` row, so the torch flow shows it.
 * @example const mcp = new PipelineChannelsMcpServer({ bus, runLog, grants: { ide: ['notes'] } });
 */
export class PipelineChannelsMcpServer {
  readonly server: Server;
  readonly grants: Readonly<Record<string, readonly string[]>>;
  private readonly clock: Clock;

  constructor(private readonly options: PipelineChannelsOptions) {
    this.grants = validate(grantsSchema, options.grants ?? {}, { what: 'channel grants', code: 'grants_invalid', field: 'grants' });
    this.clock = options.clock ?? systemClock;
    this.server = new Server({ name: 'campfires-pipeline-channels', version: '0.1.0' }, { capabilities: { tools: {} } });
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
    this.server.setRequestHandler(CallToolRequestSchema, async (request) => this.call(request.params.name, objectOf(request.params.arguments)));
  }

  /** The run served now. */
  run(): RunInfo {
    const wanted = this.options.run ?? 'latest';
    return wanted === 'latest' ? latestPipelineRun(this.options.runLog) : this.options.runLog.run(wanted);
  }

  /** The channels of the run: writers and listeners from its wiring and its torches, torch counts, grants. */
  channels(): { run: { id: string; name: string; status: string }; channels: { name: string; from: string[]; to: string[]; torches: number; granted: string[] }[] } {
    const run = this.run();
    const flow = torchFlowFromEvents(run, this.options.runLog.events(run.id));
    const names = new Set([...flow.channels.map((channel) => channel.name), ...Object.values(this.grants).flat()]);
    return {
      run: { id: run.id, name: run.name, status: run.status },
      channels: [...names].sort().map((name) => {
        const channel = flow.channels.find((candidate) => candidate.name === name);
        return {
          name,
          from: channel?.from ?? [],
          to: channel?.to ?? [],
          torches: flow.torches.filter((torch) => torch.channel === name).length,
          granted: Object.keys(this.grants).filter((campfire) => this.grants[campfire]?.includes(name)),
        };
      }),
    };
  }

  /** The torches sent on `channel`, oldest first. */
  read(channel: string, options: { limit?: number; afterSeq?: number } = {}): Record<string, JsonValue>[] {
    validate(channelNameSchema, channel, { what: 'channel', code: 'channel_invalid', field: 'channel' });
    const run = this.run();
    const sent = this.options.runLog.events(run.id, { kinds: [PIPELINE_EVENT.torchSent], afterSeq: options.afterSeq }).filter((event) => event.channel === channel);
    return sent.slice(-(options.limit ?? 20)).map((event: RunEvent) => {
      const data = objectOf(event.data);
      const torch = objectOf(data.torch);
      return {
        seq: event.seq,
        message_id: event.messageId,
        from: event.campfire,
        torchbearer: event.camper,
        cycle: typeof data.cycle === 'number' ? data.cycle : null,
        ts: event.ts,
        ...(torch as Record<string, JsonValue>),
      };
    });
  }

  /** Sends a torch on `channel` as outside campfire `campfire`; refused unless granted. */
  async send(campfire: string, channel: string, input: TorchInput): Promise<{ message_id: string; channel: string; campfire: string; cycle: number }> {
    validate(channelNameSchema, channel, { what: 'channel', code: 'channel_invalid', field: 'channel' });
    const run = this.run();
    const own = objectOf(run.meta).campfires;
    const pipelineCampfires = Array.isArray(own) ? own.map((entry) => String(objectOf(entry).name)) : [];
    const granted = this.grants[campfire] ?? [];
    const refuse = (reason: string) =>
      new PermissionError({
        code: 'not_granted',
        message: `campfire "${campfire}" may not send on channel "${channel}": ${reason}`,
        details: { campfire, channel, granted: [...granted] },
      });
    if (pipelineCampfires.includes(campfire)) throw refuse(`it is one of the pipeline's own campfires, whose torches only their torchbearers send`);
    if (!(campfire in this.grants)) throw refuse(`it was granted no channel; outside campfires granted: ${Object.keys(this.grants).join(', ') || 'none'}`);
    if (!granted.includes(channel)) throw refuse(`it was granted only ${granted.map((name) => `"${name}"`).join(', ') || 'no channel'}`);
    const torch = createTorch(input);
    const ts = this.clock.now();
    const message: Message = { id: newId('msg'), channel, sender: campfire, tags: [TORCH_TAG], payload: torch as unknown as JsonValue, antecedents: [], signature: null, ts };
    const cycle = this.options.runLog.events(run.id, { kinds: [PIPELINE_EVENT.torchSent], campfire }).length + 1;
    // Logged first, so the row exists before any receiver's cycle lists the torch as its input.
    this.options.runLog.append(run.id, { kind: PIPELINE_EVENT.torchSent, ts, campfire, camper: 'mcp', channel, messageId: message.id, data: cycleRowData(cycle, ts, [], torch as unknown as JsonValue) });
    await this.options.bus.publish(message);
    return { message_id: message.id, channel, campfire, cycle };
  }

  private async call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    try {
      if (name === 'pipeline_channels') return result({ status: 'ok', ...this.channels(), grants: this.grants });
      if (name === 'channel_read') {
        const limit = typeof args.limit === 'number' ? Math.min(200, Math.max(1, Math.floor(args.limit))) : 20;
        const afterSeq = typeof args.after_seq === 'number' ? args.after_seq : undefined;
        return result({ status: 'ok', channel: args.channel, torches: this.read(String(args.channel ?? ''), { limit, afterSeq }) });
      }
      if (name === 'channel_send') {
        const { campfire, channel, ...torch } = args;
        if (typeof campfire !== 'string' || campfire === '') {
          throw new ValidationError({ code: 'campfire_missing', message: 'channel_send needs campfire: the outside campfire you send as', issues: [{ field: 'campfire', message: 'missing', given: campfire, allowed: Object.keys(this.grants) }] });
        }
        const sent = await this.send(campfire, String(channel ?? ''), torch as unknown as TorchInput);
        return result({ status: 'ok', ...sent });
      }
      return result({ status: 'invalid', error: `unknown tool "${name}"; known: ${TOOLS.map((tool) => tool.name).join(', ')}` }, true);
    } catch (error) {
      const body = errorToJson(error);
      const status = body.code === 'not_granted' ? 'refused' : 'invalid';
      return result({ status, error: body.message, code: body.code, ...(error instanceof CampfiresError && body.code === 'not_granted' ? { granted: error.details.granted } : {}) }, true);
    }
  }
}
