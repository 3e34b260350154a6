/** `campfires/mcp`: MCP both ways — the MCP server over conventions and pipeline channels, and campers that call MCP tools (loads the MCP SDK, so it has its own entry point). */
export { ConventionsMcpServer } from './conventions-mcp-server';
export { serveMcpStdio, serveMcpHttp, servePipelineChannelsStdio, servePipelineChannelsHttp, type McpHttpEndpoint } from './serve-mcp';
export { PipelineChannelsMcpServer, type PipelineChannelsOptions } from './pipeline-channels-server';
export {
  connectMcpServer,
  McpConnection,
  toolResultText,
  DEFAULT_TOOL_TIMEOUT_MS,
  type McpServerSpec,
  type McpStdioServer,
  type McpHttpServer,
  type McpToolInfo,
  type McpToolOutcome,
  type McpCallOptions,
  type ToolCaller,
} from './mcp-connection';
export { createMcpToolCamper, McpToolCamper, isToolCaller, type McpToolCamperOptions } from './mcp-tool-camper';
export { createMcpLLMCamper, McpLLMCamper, type McpLLMCamperOptions } from './mcp-llm-camper';
export { recordedToolCaller, RecordedToolCaller } from './recorded-tool-caller';
export { TOOL_CALL_EVENT, RECORDED_RESULT_CHARS, toolCallData } from './tool-call-record';
