export * from './conventions-mcp-server';
export * from './serve-mcp';
