import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Server as McpServer } from '@modelcontextprotocol/sdk/server/index.js';
import type { CampfireClient } from '../conventions';
import { ConventionsMcpServer } from './conventions-mcp-server';
import { PipelineChannelsMcpServer, type PipelineChannelsOptions } from './pipeline-channels-server';

/** Serves MCP over stdio until the client disconnects. */
export async function serveMcpStdio(client: CampfireClient, options: { campfire?: string } = {}): Promise<ConventionsMcpServer> {
  const mcp = new ConventionsMcpServer(client);
  if (options.campfire) mcp.join(options.campfire);
  await mcp.server.connect(new StdioServerTransport());
  return mcp;
}

/** A running streamable-HTTP MCP endpoint on loopback. */
export interface McpHttpEndpoint {
  url: string;
  close(): Promise<void>;
}

/** Serves MCP as streamable HTTP on 127.0.0.1 (`/mcp`), one server per session, all for one identity. */
export function serveMcpHttp(client: CampfireClient, options: { port?: number; campfire?: string } = {}): Promise<McpHttpEndpoint> {
  return serveHttp(() => {
    const mcp = new ConventionsMcpServer(client);
    if (options.campfire) mcp.join(options.campfire);
    return mcp.server;
  }, options.port);
}

/** Serves a pipeline's channels over MCP on stdio until the client disconnects. */
export async function servePipelineChannelsStdio(options: PipelineChannelsOptions): Promise<PipelineChannelsMcpServer> {
  const mcp = new PipelineChannelsMcpServer(options);
  await mcp.server.connect(new StdioServerTransport());
  return mcp;
}

/**
 * Serves a pipeline's channels over MCP as streamable HTTP on 127.0.0.1 (`/mcp`).
 * @example const endpoint = await servePipelineChannelsHttp({ bus, runLog, grants: { ide: ['notes'] } }); endpoint.url;
 */
export function servePipelineChannelsHttp(options: PipelineChannelsOptions & { port?: number }): Promise<McpHttpEndpoint> {
  new PipelineChannelsMcpServer(options); // checks the options now, not at the first request
  return serveHttp(() => new PipelineChannelsMcpServer(options).server, options.port);
}

/** Streamable HTTP on 127.0.0.1 (`/mcp`), one MCP server (from `makeServer`) per session. */
async function serveHttp(makeServer: () => McpServer, listenPort = 0): Promise<McpHttpEndpoint> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http: HttpServer = createServer(async (request, response) => {
    try {
      if (!request.url?.startsWith('/mcp')) {
        response.writeHead(404).end('not found: use /mcp');
        return;
      }
      const sessionId = request.headers['mcp-session-id'];
      const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (existing) return await existing.handleRequest(request, response);
      if (request.method !== 'POST' || sessionId) {
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no valid session; send initialize first' }, id: null }));
        return;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void sessions.set(id, transport) });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await makeServer().connect(transport);
      await transport.handleRequest(request, response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500).end(String((error as Error)?.message ?? error));
    }
  });
  await new Promise<void>((resolve) => http.listen(listenPort, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
