import { inspect } from 'node:util';
import { z } from 'zod';
import { validate } from '../core';
import { LLMCamper, type CamperContext, type LLMCamperOptions } from '../campfires';
import type { LanguageModel, ModelMessage, ModelRequest, ModelResponse, ModelTool } from '../llm';
import { DEFAULT_TOOL_TIMEOUT_MS, McpConnection, type McpServerSpec, type McpToolOutcome, type ToolCaller } from './mcp-connection';
import { isToolCaller } from './mcp-tool-camper';
import { TOOL_CALL_EVENT, toolCallData } from './tool-call-record';

/** Options of an `McpLLMCamper`: an `LLMCamper`'s, plus the MCP servers whose tools the model may call. */
export type McpLLMCamperOptions = LLMCamperOptions & {
  /** The servers (`{ command, args }`, `{ url }`, open connections or recorded results) whose tools the model is given. */
  tools: McpServerSpec | ToolCaller | (McpServerSpec | ToolCaller)[];
  /** Offer only these tools (default: every tool of every server). */
  only?: string[];
  /** Model turns that may ask for tools before the answer (default 4, at most 20). */
  maxRounds?: number;
  /** How long one tool call may take (default 30 s); a call past it gives the model a timeout result. */
  toolTimeoutMs?: number;
};

const loopSchema = z.object({
  maxRounds: z.number().int().min(1).max(20).default(4),
  toolTimeoutMs: z.number().int().min(1).max(600_000).default(DEFAULT_TOOL_TIMEOUT_MS),
});

/** A model whose first answer is one already given, then the model itself: the tool loop's last turn is the first attempt at the answer. */
class PrimedModel implements LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  private primed: ModelResponse | null;
  constructor(
    private readonly model: LanguageModel,
    answer: ModelResponse,
  ) {
    this.provider = model.provider;
    this.modelId = model.modelId;
    this.primed = answer;
  }
  async generate(request: ModelRequest): Promise<ModelResponse> {
    const primed = this.primed;
    this.primed = null;
    return primed ?? this.model.generate(request);
  }
  [inspect.custom](): string {
    return inspect(this.model);
  }
}

/** What the model is told a tool gave back. */
function toolMessageText(outcome: McpToolOutcome): string {
  if (outcome.status === 'ok') return outcome.text;
  return `${outcome.status === 'timeout' ? 'TIMEOUT' : 'ERROR'}: ${outcome.text}`;
}

/**
 * An LLM camper given the tools of MCP servers: the model's own tool calling (Ollama and
 * OpenAI `tools`) runs in a bounded loop — at most `maxRounds` model turns ask for tools,
 * each call has `toolTimeoutMs` — and then the answer is validated as any LLM camper's.
 * Every call is recorded (`tool-call` rows, with the round), shown on the torch in the torch
 * flow, and read back by a replay. A tool's error or timeout is given to the model as the
 * call's result, so it can try another way.
 * @example new McpLLMCamper('researcher', { model, tools: { command: 'cf', args: ['mcp'] }, maxRounds: 3 })
 */
export class McpLLMCamper extends LLMCamper {
  private readonly loop: z.output<typeof loopSchema>;
  private catalog: Promise<Map<string, { caller: ToolCaller; tool: ModelTool }>> | null = null;
  private readonly owned: McpConnection[] = [];

  constructor(name: string, options: McpLLMCamperOptions) {
    super(name, options);
    this.loop = validate(loopSchema, { maxRounds: options.maxRounds, toolTimeoutMs: options.toolTimeoutMs }, { what: `MCP LLM camper "${name}"`, code: 'mcp_camper_invalid' });
  }

  private get mcpOptions(): McpLLMCamperOptions {
    return this.settings as McpLLMCamperOptions;
  }

  override describeBackend(): string {
    return `${super.describeBackend()} with MCP tools`;
  }

  /** The tools offered to the model, by name, with the server that answers each (servers are reached on first use). */
  tools(): Promise<Map<string, { caller: ToolCaller; tool: ModelTool }>> {
    if (!this.catalog) {
      this.catalog = this.loadCatalog();
      this.catalog.catch(() => (this.catalog = null));
    }
    return this.catalog;
  }

  private async loadCatalog(): Promise<Map<string, { caller: ToolCaller; tool: ModelTool }>> {
    const given = this.mcpOptions.tools;
    const servers = Array.isArray(given) ? given : [given];
    const catalog = new Map<string, { caller: ToolCaller; tool: ModelTool }>();
    for (const server of servers) {
      let caller: ToolCaller;
      if (isToolCaller(server)) caller = server;
      else {
        const connection = await McpConnection.connect(server);
        this.owned.push(connection);
        caller = connection;
      }
      for (const info of await caller.listTools()) {
        if (this.mcpOptions.only && !this.mcpOptions.only.includes(info.name)) continue;
        if (catalog.has(info.name)) continue; // the first server to offer a name keeps it
        catalog.set(info.name, { caller, tool: { name: info.name, description: info.description, parameters: info.inputSchema } });
      }
    }
    return catalog;
  }

  protected override async beforeAnswer(messages: ModelMessage[], context: CamperContext): Promise<{ messages: ModelMessage[]; model: LanguageModel }> {
    const catalog = await this.tools();
    if (catalog.size === 0) return { messages, model: this.model };
    const tools = [...catalog.values()].map((entry) => entry.tool);
    const conversation = [...messages];
    for (let round = 1; round <= this.loop.maxRounds; round += 1) {
      const response = await this.model.generate({ messages: conversation, tools, temperature: this.settings.temperature });
      const calls = response.toolCalls ?? [];
      // No tool wanted: this turn is the first attempt at the answer.
      if (calls.length === 0) return { messages: conversation, model: new PrimedModel(this.model, response) };
      conversation.push({ role: 'assistant', content: response.text, toolCalls: calls });
      for (const call of calls) {
        const entry = catalog.get(call.name);
        let outcome: McpToolOutcome;
        if (!entry) outcome = { status: 'error', text: `there is no tool "${call.name}"; the tools are: ${[...catalog.keys()].join(', ')}`, ms: 0 };
        else if (call.argumentsError) outcome = { status: 'error', text: `${call.argumentsError}; call the tool again with a JSON object of arguments`, ms: 0 };
        else outcome = await entry.caller.callTool(call.name, call.arguments, { timeoutMs: this.loop.toolTimeoutMs });
        this.recordEvent(TOOL_CALL_EVENT, toolCallData({ cycle: context.cycle, server: entry?.caller.name ?? '(none)', tool: call.name, arguments: call.arguments, outcome, round }));
        conversation.push({ role: 'tool', content: toolMessageText(outcome), toolCallId: call.id, toolName: call.name });
      }
    }
    conversation.push({ role: 'user', content: `That was the last tool round (${this.loop.maxRounds}); answer now with what the tools gave.` });
    return { messages: conversation, model: this.model };
  }

  /** Closes the connections this camper opened (those it was given stay open). */
  async close(): Promise<void> {
    for (const connection of this.owned.splice(0)) await connection.close();
    this.catalog = null;
  }
}

/**
 * An LLM camper whose model may call the tools of MCP servers.
 * @example const camper = createMcpLLMCamper('researcher', { model, tools: [{ command: 'node', args: ['tool-server.js'] }] });
 */
export function createMcpLLMCamper(name: string, options: McpLLMCamperOptions): McpLLMCamper {
  return new McpLLMCamper(name, options);
}
