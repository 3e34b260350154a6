import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CampfiresError, RateLimitedError, ValidationError, errorToJson } from '../core';
import { ConventionExecutor, clashingOperations, listOperations, toolFromDeclaration, type CampfireClient, type ExecutionResult, type ParsedDeclaration, type ToolDefinition } from '../conventions';
import type { JsonValue } from '../messages';

/** A tool backed by a convention operation of a joined campfire. */
interface OperationTool {
  definition: ToolDefinition;
  parsed: ParsedDeclaration;
  campfire: string;
}

/** One-line advice for the calling agent, per outcome. */
export const TOOL_GUIDES: Record<string, string> = {
  ok: 'The handler replied; use response.',
  dispatched: 'Sent; the reply arrives later as a message tagged fulfills naming message_id (campfire_read with tags ["fulfills"]).',
  sent: 'Sent; this operation expects no reply.',
  timeout: 'No reply within the timeout; the request stands. Check later with campfire_read for a fulfills message naming message_id.',
  error: 'The handler refused or failed the request; read error, fix the request and call again.',
  invalid: 'Nothing was sent; fix the listed arguments and call again.',
  rate_limited: 'Nothing was sent: the operation\'s rate limit is used up; call again after retry_at.',
};

const BASE_TOOLS: ToolDefinition[] = [
  {
    name: 'campfire_join',
    description: 'Join a campfire; its convention operations become tools.',
    inputSchema: { type: 'object', properties: { campfire: { type: 'string', description: 'campfire id or name' } }, required: ['campfire'] },
  },
  {
    name: 'campfire_read',
    description: 'Read recent raw messages of a campfire, oldest first.',
    inputSchema: {
      type: 'object',
      properties: {
        campfire_id: { type: 'string', description: 'campfire id or name (default: the last joined)' },
        tags: { type: 'array', items: { type: 'string' }, description: 'only messages with any of these tags' },
        limit: { type: 'integer', minimum: 1, maximum: 200, description: 'newest n messages (default 20)' },
      },
      required: [],
    },
  },
  {
    name: 'campfire_send',
    description: 'Send a raw message (no validation); prefer an operation tool.',
    inputSchema: {
      type: 'object',
      properties: {
        campfire_id: { type: 'string', description: 'campfire id or name (default: the last joined)' },
        payload: { description: 'any JSON value' },
        tags: { type: 'array', items: { type: 'string' } },
        antecedents: { type: 'array', items: { type: 'string' } },
      },
      required: ['payload'],
    },
  },
];

function result(value: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value, isError };
}

function outcome(execution: ExecutionResult): CallToolResult {
  const messageId = execution.messageId;
  switch (execution.status) {
    case 'ok':
      return result({ status: 'ok', response: execution.response, message_id: messageId, guide: TOOL_GUIDES.ok });
    case 'error':
      return result({ status: 'error', error: execution.error, message_id: messageId, guide: TOOL_GUIDES.error }, true);
    case 'timeout':
      return result({ status: 'timeout', message_id: messageId, elapsed_ms: execution.elapsedMs, guide: TOOL_GUIDES.timeout });
    case 'dispatched':
      return result({ status: 'dispatched', message_id: messageId, guide: TOOL_GUIDES.dispatched });
    case 'sent':
      return result({ status: 'ok', message_id: messageId, guide: TOOL_GUIDES.sent });
  }
}

function failure(error: unknown): CallToolResult {
  if (error instanceof RateLimitedError) {
    const retryAt = error.retryAt;
    return result({ status: 'rate_limited', error: error.message, code: error.code, retry_at: retryAt === undefined ? undefined : new Date(retryAt).toISOString(), guide: TOOL_GUIDES.rate_limited }, true);
  }
  const body = errorToJson(error);
  const problems = error instanceof ValidationError ? error.issues.map((issue) => issue.message) : undefined;
  return result({ status: 'invalid', error: body.message, code: body.code, problems, guide: TOOL_GUIDES.invalid }, true);
}

/**
 * The MCP server of one identity: base tools to join, read and send; joining a
 * campfire registers each of its operations as a tool that runs through the same
 * executor as cells and the CLI, so the same validation errors come back.
 */
export class ConventionsMcpServer {
  readonly server: Server;
  private readonly executor: ConventionExecutor;
  private readonly joined: string[] = [];
  private operationTools = new Map<string, OperationTool>();

  constructor(readonly client: CampfireClient) {
    this.executor = new ConventionExecutor(client);
    this.server = new Server({ name: 'campfires', version: '0.1.0' }, { capabilities: { tools: { listChanged: true } } });
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: this.tools() }));
    this.server.setRequestHandler(CallToolRequestSchema, async (request) => this.call(request.params.name, (request.params.arguments ?? {}) as Record<string, unknown>));
  }

  /** Every tool: the base ones, then one per operation of each joined campfire. */
  tools(): ToolDefinition[] {
    return [...BASE_TOOLS, ...[...this.operationTools.values()].map((tool) => tool.definition)];
  }

  /** Joins a campfire and registers its operations as tools (clashing names get the convention prefix). */
  join(campfireName: string): { campfire: string; campfire_id: string; tools: string[] } {
    const campfire = this.client.join(campfireName);
    if (!this.joined.includes(campfire.name)) this.joined.push(campfire.name);
    const entries = this.joined.flatMap((name) => listOperations(this.client, name).map((entry) => ({ parsed: entry.parsed, campfire: name })));
    const clashes = clashingOperations(entries.map((entry) => entry.parsed));
    const tools = new Map<string, OperationTool>();
    for (const entry of entries) {
      const definition = toolFromDeclaration(entry.parsed, { clashes, campfire: entry.campfire });
      if (!tools.has(definition.name) || entry.campfire === campfire.name) tools.set(definition.name, { definition, ...entry });
    }
    this.operationTools = tools;
    return { campfire: campfire.name, campfire_id: campfire.id, tools: [...tools.values()].filter((tool) => tool.campfire === campfire.name).map((tool) => tool.definition.name) };
  }

  private defaultCampfire(given: unknown): string {
    if (typeof given === 'string' && given.length > 0) return given;
    const last = this.joined[this.joined.length - 1];
    if (!last) throw new CampfiresError({ code: 'not_joined', message: 'join a campfire first with campfire_join, or pass campfire_id' });
    return last;
  }

  private async call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    try {
      if (name === 'campfire_join') {
        const joined = this.join(String(args.campfire ?? ''));
        await this.server.sendToolListChanged().catch(() => undefined);
        return result({ status: 'ok', ...joined, guide: `Joined; call ${joined.tools.join(', ') || 'no operation tools yet'} or campfire_read.` });
      }
      if (name === 'campfire_read') {
        const limit = typeof args.limit === 'number' ? Math.min(200, Math.max(1, Math.floor(args.limit))) : 20;
        const tags = Array.isArray(args.tags) ? args.tags.filter((tag): tag is string => typeof tag === 'string') : undefined;
        const rows = this.client.read(this.defaultCampfire(args.campfire_id), { tags, limit, newestFirst: true }).reverse();
        return result({ status: 'ok', messages: rows.map((row) => ({ ...row.message, verified: row.verified })), guide: 'Messages oldest first; fulfills messages name their request in antecedents.' });
      }
      if (name === 'campfire_send') {
        const tags = Array.isArray(args.tags) ? args.tags.map(String) : [];
        const antecedents = Array.isArray(args.antecedents) ? args.antecedents.map(String) : [];
        const message = await this.client.send({ campfire: this.defaultCampfire(args.campfire_id), payload: (args.payload ?? null) as JsonValue, tags, antecedents });
        return result({ status: 'ok', message_id: message.id, guide: 'Sent raw, with no validation.' });
      }
      const tool = this.operationTools.get(name);
      if (!tool) return result({ status: 'invalid', error: `unknown tool "${name}"; known: ${this.tools().map((candidate) => candidate.name).join(', ')}`, guide: 'Call campfire_join first to register operation tools.' }, true);
      const { campfire_id: campfireId, ...rest } = args;
      return outcome(await this.executor.execute(tool.parsed, typeof campfireId === 'string' && campfireId ? campfireId : tool.campfire, rest));
    } catch (error) {
      return failure(error);
    }
  }
}
