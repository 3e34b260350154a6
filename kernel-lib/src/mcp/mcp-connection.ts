import { inspect } from 'node:util';
import type { Stream } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CampfiresError, validate } from '../core';

/** An MCP server started as a child process that speaks MCP on its stdin and stdout. */
export interface McpStdioServer {
  command: string;
  args?: string[];
  /** Added to the few variables a server inherits (PATH, HOME, USER, SHELL, TERM...); nothing else of this process's environment is passed. */
  env?: Record<string, string>;
  cwd?: string;
  /** The name shown in the run log and the torch flow (default: the command line). */
  name?: string;
}

/** An MCP server reached over streamable HTTP. */
export interface McpHttpServer {
  url: string;
  headers?: Record<string, string>;
  /** The name shown in the run log and the torch flow (default: the URL). */
  name?: string;
}

/** Where an MCP server is: a command to start (stdio) or a URL (streamable HTTP). */
export type McpServerSpec = McpStdioServer | McpHttpServer;

/** A tool a server offers. */
export interface McpToolInfo {
  name: string;
  description: string;
  /** The JSON schema of its arguments. */
  inputSchema: Record<string, unknown>;
}

/** What one tool call came to. */
export interface McpToolOutcome {
  /** `ok`; `error` when the tool answered `isError` or the call failed; `timeout` when no answer came in time. */
  status: 'ok' | 'error' | 'timeout';
  /** The result's text parts joined (other parts named in brackets), or what went wrong. */
  text: string;
  /** The result's `structuredContent`, when the tool gave one. */
  structured?: Record<string, unknown>;
  ms: number;
}

/** Options of one tool call. */
export interface McpCallOptions {
  /** How long the call may take (default 30 s); past it the outcome is `timeout` and the server is told to cancel. */
  timeoutMs?: number;
}

/**
 * Anything that answers tool calls the way an MCP server does: a live `McpConnection`, or
 * the recorded results of a run (`recordedToolCaller`), which a replay reads instead of calling.
 */
export interface ToolCaller {
  /** The server's name, recorded with every call. */
  readonly name: string;
  listTools(): Promise<McpToolInfo[]>;
  callTool(tool: string, args: Record<string, unknown>, options?: McpCallOptions): Promise<McpToolOutcome>;
}

/** Default time one tool call may take. */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

const stdioSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    name: z.string().min(1).optional(),
  })
  .strict();
const httpSchema = z
  .object({
    url: z.string().regex(/^https?:\/\//, 'an MCP URL starts with http:// or https://'),
    headers: z.record(z.string(), z.string()).optional(),
    name: z.string().min(1).optional(),
  })
  .strict();

function describeServer(spec: McpServerSpec): string {
  if ('url' in spec) return spec.name ?? spec.url;
  return spec.name ?? [spec.command, ...(spec.args ?? [])].join(' ');
}

/** The text of a `CallToolResult`'s content: text parts as they are, others named. */
export function toolResultText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: unknown; text?: unknown; mimeType?: unknown; resource?: { uri?: unknown } }) => {
      if (part?.type === 'text' && typeof part.text === 'string') return part.text;
      if (part?.type === 'resource') return `[resource ${String(part.resource?.uri ?? '')}]`;
      return `[${String(part?.type ?? 'unknown')}${typeof part?.mimeType === 'string' ? ` ${part.mimeType}` : ''}]`;
    })
    .join('\n');
}

/**
 * A connection to one MCP server through the official SDK client, over stdio or streamable
 * HTTP. Every call has a timeout; a tool's error and a failed call both come back as an
 * outcome (never a throw), so a camper can record them and decide.
 * @example const fs = await connectMcpServer({ command: 'node', args: ['fixtures/mcp/tool-server.js'] }); await fs.callTool('echo', { text: 'hi' });
 */
export class McpConnection implements ToolCaller {
  readonly name: string;
  private tools: McpToolInfo[] | null = null;
  private stderrTail = '';
  private closed = false;

  private constructor(
    readonly spec: McpServerSpec,
    private readonly client: Client,
    private readonly transport: StdioClientTransport | StreamableHTTPClientTransport,
  ) {
    this.name = describeServer(spec);
  }

  /** Starts (stdio) or reaches (HTTP) the server and runs the MCP handshake. */
  static async connect(spec: McpServerSpec, options: { timeoutMs?: number } = {}): Promise<McpConnection> {
    const isHttp = typeof spec === 'object' && spec !== null && 'url' in spec;
    const checked = isHttp
      ? validate(httpSchema, spec, { what: 'MCP server', code: 'mcp_server_invalid', field: 'server' })
      : validate(stdioSchema, spec, { what: 'MCP server (give { command, args } or { url })', code: 'mcp_server_invalid', field: 'server' });
    const client = new Client({ name: 'campfires', version: '0.1.0' });
    const transport =
      'url' in checked
        ? new StreamableHTTPClientTransport(new URL(checked.url), checked.headers ? { requestInit: { headers: checked.headers } } : undefined)
        : new StdioClientTransport({ command: checked.command, args: checked.args, cwd: checked.cwd, stderr: 'pipe', ...(checked.env ? { env: { ...getDefaultEnvironment(), ...checked.env } } : {}) });
    const connection = new McpConnection(checked as McpServerSpec, client, transport);
    if (transport instanceof StdioClientTransport) {
      (transport.stderr as Stream | null)?.on('data', (chunk: Buffer) => {
        connection.stderrTail = (connection.stderrTail + chunk.toString()).slice(-2000);
      });
    }
    try {
      await client.connect(transport, { timeout: options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS });
    } catch (error) {
      await transport.close().catch(() => undefined);
      throw new CampfiresError({
        code: 'mcp_connect_failed',
        message: `could not start or reach MCP server "${connection.name}": ${(error as Error)?.message ?? error}${connection.stderrTail ? `; its stderr: ${connection.stderrTail.trim().slice(-300)}` : ''}`,
        details: { server: connection.name },
      });
    }
    return connection;
  }

  /** The tools the server offers (asked once, then kept). */
  async listTools(): Promise<McpToolInfo[]> {
    if (this.tools) return this.tools;
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : {});
      for (const tool of page.tools) tools.push({ name: tool.name, description: tool.description ?? '', inputSchema: tool.inputSchema as Record<string, unknown> });
      cursor = page.nextCursor;
    } while (cursor);
    this.tools = tools;
    return tools;
  }

  /** Calls `tool` with `args`; never throws for the tool's sake: an error or a timeout is the outcome's status. */
  async callTool(tool: string, args: Record<string, unknown>, options: McpCallOptions = {}): Promise<McpToolOutcome> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    if (this.closed) return { status: 'error', text: `the connection to MCP server "${this.name}" is closed`, ms: 0 };
    try {
      const result = await this.client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs, maxTotalTimeout: timeoutMs });
      const structured = result.structuredContent as Record<string, unknown> | undefined;
      const text = toolResultText(result.content) || (structured ? JSON.stringify(structured) : '');
      return { status: result.isError ? 'error' : 'ok', text, ...(structured ? { structured } : {}), ms: ms() };
    } catch (error) {
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        return { status: 'timeout', text: `tool "${tool}" on MCP server "${this.name}" gave no answer within ${timeoutMs} ms`, ms: ms() };
      }
      const message = (error as Error)?.message ?? String(error);
      return { status: 'error', text: `tool "${tool}" on MCP server "${this.name}" failed: ${message}${this.stderrTail && /closed/i.test(message) ? `; its stderr: ${this.stderrTail.trim().slice(-300)}` : ''}`, ms: ms() };
    }
  }

  /** Ends the session (and the server process, for stdio). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close().catch(() => undefined);
  }

  [inspect.custom](): string {
    return `McpConnection to ${this.name}${this.closed ? ' (closed)' : ''}`;
  }
}

/**
 * Connects to an MCP server: `{ command, args }` starts it and speaks over stdio,
 * `{ url }` reaches it over streamable HTTP.
 * @example const server = await connectMcpServer({ url: 'http://127.0.0.1:8765/mcp' });
 */
export function connectMcpServer(spec: McpServerSpec, options: { timeoutMs?: number } = {}): Promise<McpConnection> {
  return McpConnection.connect(spec, options);
}
