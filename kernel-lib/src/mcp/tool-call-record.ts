import type { JsonValue } from '../messages';
import { PIPELINE_EVENT } from '../runlog';
import type { McpToolOutcome } from './mcp-connection';

/** The run-log kind of a tool call (`tool-call`). */
export const TOOL_CALL_EVENT = PIPELINE_EVENT.toolCall;

/** The most of a result's text a `tool-call` row keeps. */
export const RECORDED_RESULT_CHARS = 8000;

/** A value as JSON would carry it (what a row can hold). */
function jsonSafe(value: unknown): JsonValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return String(value);
  }
}

/** The data of a `tool-call` row: the call, its outcome, and the round of the model loop that asked for it. */
export function toolCallData(call: { cycle: number; server: string; tool: string; arguments: Record<string, unknown>; outcome: McpToolOutcome; round?: number }): JsonValue {
  const { outcome } = call;
  const truncated = outcome.text.length > RECORDED_RESULT_CHARS;
  const structured = outcome.structured === undefined ? undefined : jsonSafe(outcome.structured);
  const structuredFits = structured !== undefined && JSON.stringify(structured).length <= RECORDED_RESULT_CHARS;
  return {
    cycle: call.cycle,
    tool: call.tool,
    server: call.server,
    arguments: jsonSafe(call.arguments),
    status: outcome.status,
    result: truncated ? outcome.text.slice(0, RECORDED_RESULT_CHARS) : outcome.text,
    ...(truncated ? { truncated: true } : {}),
    ...(structuredFits ? { structured } : {}),
    ms: outcome.ms,
    ...(call.round !== undefined ? { round: call.round } : {}),
  };
}
