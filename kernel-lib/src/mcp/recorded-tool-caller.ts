import { NotFoundError } from '../core';
import type { RecordedToolCall, Replay } from '../campfires';
import type { McpToolInfo, McpToolOutcome, ToolCaller } from './mcp-connection';

/** The same JSON for equal values whatever the key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Tool results read from a recorded run instead of a server: each call is answered with
 * the first recorded call of that tool with the same arguments not answered yet, so campers
 * re-run from a log (with a cassette model, say) reach no server. A call the run never made
 * fails with `NotFoundError` naming the tool and arguments.
 * @example const tools = recordedToolCaller(replayRun(runLog, 'latest')); createMcpToolCamper('lookup', { server: tools, tool: 'search' });
 */
export class RecordedToolCaller implements ToolCaller {
  readonly name: string;
  private readonly unused: RecordedToolCall[];

  constructor(
    readonly calls: readonly RecordedToolCall[],
    options: { name?: string; runId?: string } = {},
  ) {
    this.unused = [...calls];
    this.name = options.name ?? `recorded${options.runId ? ` run ${options.runId}` : ''}`;
  }

  /** The tools the run called, each with the arguments it was called with as its schema (names and JSON types). */
  async listTools(): Promise<McpToolInfo[]> {
    const names = [...new Set(this.calls.map((call) => call.tool))];
    return names.map((name) => {
      const calls = this.calls.filter((call) => call.tool === name);
      const properties: Record<string, { type: string }> = {};
      for (const call of calls) {
        for (const [key, value] of Object.entries(call.arguments)) {
          properties[key] ??= { type: value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? 'number' : typeof value };
        }
      }
      const required = Object.keys(properties).filter((key) => calls.every((call) => key in call.arguments));
      return { name, description: `recorded calls of ${name}`, inputSchema: { type: 'object', properties, required } };
    });
  }

  async callTool(tool: string, args: Record<string, unknown>): Promise<McpToolOutcome> {
    const key = stableJson(args);
    const index = this.unused.findIndex((call) => call.tool === tool && stableJson(call.arguments) === key);
    const call = index >= 0 ? this.unused.splice(index, 1)[0] : undefined;
    if (!call) {
      throw new NotFoundError({
        code: 'tool_call_not_recorded',
        message: `the recorded run has no call of tool "${tool}" with arguments ${key.slice(0, 200)} left to read; a replay never calls the tool itself`,
        details: { tool, arguments: key.slice(0, 200) },
      });
    }
    const status = call.status === 'ok' || call.status === 'timeout' ? call.status : 'error';
    const structured = call.data.structured;
    return {
      status,
      text: call.result,
      ...(structured !== null && typeof structured === 'object' && !Array.isArray(structured) ? { structured: structured as Record<string, unknown> } : {}),
      ms: typeof call.data.ms === 'number' ? call.data.ms : 0,
    };
  }
}

/** Tool results of a recorded run, to give campers in place of their servers. */
export function recordedToolCaller(replay: Replay, options: { name?: string } = {}): RecordedToolCaller {
  return new RecordedToolCaller(replay.toolCalls(), { ...options, runId: replay.run.id });
}
