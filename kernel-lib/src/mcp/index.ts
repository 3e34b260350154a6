/** `campfires/mcp`: the MCP server over conventions (loads the MCP SDK, so it has its own entry point). */
export { ConventionsMcpServer } from './conventions-mcp-server';
export { serveMcpStdio, serveMcpHttp, type McpHttpEndpoint } from './serve-mcp';
