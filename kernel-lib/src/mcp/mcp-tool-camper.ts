import { CampfiresError, ValidationError } from '../core';
import { Camper, type CamperAnswer, type CamperContext, type CamperOptions, type ToolCamperInput } from '../campfires';
import { DEFAULT_TOOL_TIMEOUT_MS, McpConnection, type McpServerSpec, type McpToolInfo, type McpToolOutcome, type ToolCaller } from './mcp-connection';
import { TOOL_CALL_EVENT, toolCallData } from './tool-call-record';

/** Options of an `McpToolCamper`. */
export interface McpToolCamperOptions extends CamperOptions {
  /** The server: `{ command, args }` (stdio), `{ url }` (streamable HTTP), or an open connection / recorded results. */
  server: McpServerSpec | ToolCaller;
  /** The tool to call each turn. */
  tool: string;
  /**
   * The call's arguments from the cycle (its inputs, the torch it refines, the built prompt).
   * Default: the prompt as the tool's first string argument (a required one first).
   */
  arguments?: (input: ToolCamperInput) => Record<string, unknown>;
  /** The torch from a successful result (default: its text as the claim, shortened; confidence 1). */
  toTorch?: (result: McpToolOutcome, input: ToolCamperInput) => CamperAnswer;
  /** How long one call may take (default 30 s); past it the turn fails with `mcp_tool_timeout`. */
  timeoutMs?: number;
}

const CLAIM_CHARS = 300;

/** True for an open connection or recorded results, false for a server to reach. */
export function isToolCaller(value: unknown): value is ToolCaller {
  return typeof value === 'object' && value !== null && typeof (value as ToolCaller).callTool === 'function' && typeof (value as ToolCaller).listTools === 'function';
}

/** The argument a prompt goes into by default: the first required string property, else the first string property. */
function promptArgument(tool: McpToolInfo): string | undefined {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, { type?: unknown }>;
  const required = Array.isArray(tool.inputSchema.required) ? (tool.inputSchema.required as string[]) : [];
  const strings = Object.keys(properties).filter((key) => properties[key]?.type === 'string');
  return strings.find((key) => required.includes(key)) ?? strings[0];
}

/**
 * A camper that calls one tool of an MCP server each turn, with arguments built from the
 * cycle's inputs. The call and its result are recorded in the run log (`tool-call`), shown
 * on the torch in the torch flow, and read back by a replay instead of calling again. A tool
 * error or a timeout fails the turn (the campfire records it and sends an error torch).
 * @example createMcpToolCamper('lookup', { server: { command: 'node', args: ['server.js'] }, tool: 'search', arguments: ({ inputs }) => ({ query: inputs[0]?.torch.claim ?? '' }) })
 */
export class McpToolCamper extends Camper {
  override readonly backend = 'mcp';
  readonly tool: string;
  private caller: Promise<ToolCaller> | null = null;
  private owned: McpConnection | null = null;

  constructor(
    name: string,
    private readonly options: McpToolCamperOptions,
  ) {
    super(name, options);
    if (!options || typeof options.tool !== 'string' || options.tool === '') {
      throw new ValidationError({
        code: 'mcp_camper_invalid',
        message: `MCP tool camper "${name}" needs a tool name: pass { server, tool }`,
        issues: [{ field: 'tool', message: 'missing', given: options?.tool, allowed: 'the name of a tool the server lists' }],
      });
    }
    if (!options.server || typeof options.server !== 'object') {
      throw new ValidationError({
        code: 'mcp_camper_invalid',
        message: `MCP tool camper "${name}" needs a server: { command, args } for stdio, { url } for streamable HTTP, or an open connection`,
        issues: [{ field: 'server', message: 'missing', given: options.server, allowed: '{ command, args } | { url } | McpConnection' }],
      });
    }
    this.tool = options.tool;
    if (isToolCaller(options.server)) this.caller = Promise.resolve(options.server);
  }

  override describeBackend(): string {
    return `MCP tool ${this.tool}`;
  }

  /** The connection (opened on the first turn when the camper was given a server to reach). */
  connection(): Promise<ToolCaller> {
    if (!this.caller) {
      this.caller = McpConnection.connect(this.options.server as McpServerSpec).then((connection) => (this.owned = connection));
      this.caller.catch(() => (this.caller = null));
    }
    return this.caller;
  }

  override async overridePrompt(prompt: string, context: CamperContext): Promise<CamperAnswer> {
    const caller = await this.connection();
    const input: ToolCamperInput = { campfire: context.campfire, cycle: context.cycle, inputs: context.inputs, previous: context.previous, partyBox: context.partyBox, clock: context.clock, prompt };
    const args = this.options.arguments ? this.options.arguments(input) : await this.defaultArguments(caller, prompt);
    const outcome = await caller.callTool(this.tool, args, { timeoutMs: this.options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS });
    this.recordEvent(TOOL_CALL_EVENT, toolCallData({ cycle: context.cycle, server: caller.name, tool: this.tool, arguments: args, outcome }));
    if (outcome.status !== 'ok') {
      throw new CampfiresError({
        code: outcome.status === 'timeout' ? 'mcp_tool_timeout' : 'mcp_tool_error',
        message: outcome.status === 'timeout' ? outcome.text : `tool "${this.tool}" on MCP server "${caller.name}" answered with an error: ${outcome.text.slice(0, 300)}`,
        details: { tool: this.tool, server: caller.name, status: outcome.status, ms: outcome.ms },
      });
    }
    if (this.options.toTorch) return this.options.toTorch(outcome, input);
    const text = outcome.text.trim() || '(empty result)';
    return { claim: text.length > CLAIM_CHARS ? `${text.slice(0, CLAIM_CHARS - 1)}…` : text, confidence: 1, metadata: { tool: this.tool } };
  }

  private async defaultArguments(caller: ToolCaller, prompt: string): Promise<Record<string, unknown>> {
    const tools = await caller.listTools();
    const tool = tools.find((candidate) => candidate.name === this.tool);
    if (!tool) {
      throw new ValidationError({
        code: 'mcp_tool_unknown',
        message: `MCP server "${caller.name}" has no tool "${this.tool}"; it has: ${tools.map((candidate) => candidate.name).join(', ') || 'none'}`,
        issues: [{ field: 'tool', message: 'not listed by the server', given: this.tool, allowed: tools.map((candidate) => candidate.name) }],
      });
    }
    const key = promptArgument(tool);
    if (!key) {
      throw new ValidationError({
        code: 'mcp_arguments_missing',
        message: `tool "${this.tool}" takes no string argument to put the prompt in; pass arguments: (input) => ({ ... }) to MCP tool camper "${this.name}"`,
        issues: [{ field: 'arguments', message: 'needed for this tool', given: undefined, allowed: 'a function of the cycle returning the arguments object' }],
      });
    }
    return { [key]: prompt };
  }

  /** Closes the connection the camper opened itself (one it was given is left open). */
  async close(): Promise<void> {
    await this.owned?.close();
    this.owned = null;
    this.caller = isToolCaller(this.options.server) ? this.caller : null;
  }
}

/**
 * A camper that calls one MCP tool per turn.
 * @example const echo = createMcpToolCamper('echo', { server: { command: 'node', args: ['tool-server.js'] }, tool: 'echo' });
 */
export function createMcpToolCamper(name: string, options: McpToolCamperOptions): McpToolCamper {
  return new McpToolCamper(name, options);
}
