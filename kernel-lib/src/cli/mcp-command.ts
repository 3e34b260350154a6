import type { Command } from 'commander';
import type * as Mcp from '../mcp';
import { closeContext, openContext } from './cli-context';

/** `cf mcp`: the MCP server over stdio, or streamable HTTP on loopback. */
export function addMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve campfires and their operations as MCP tools (stdio by default)')
    .option('--http <port>', 'serve streamable HTTP on 127.0.0.1:<port> instead of stdio (0 picks a free port)')
    .option('--campfire <name>', 'join this campfire at start')
    .action(async (options: { http?: string; campfire?: string }, command: Command) => {
      // Loaded here so other commands start without the MCP SDK.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { serveMcpHttp, serveMcpStdio } = require('../mcp') as typeof Mcp;
      const context = openContext(command);
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (options.http !== undefined) {
        const endpoint = await serveMcpHttp(context.client, { port: Number(options.http), campfire: options.campfire });
        process.stderr.write(`cf mcp: streamable HTTP at ${endpoint.url}\n`);
        await stopped;
        await endpoint.close();
      } else {
        const mcp = await serveMcpStdio(context.client, { campfire: options.campfire });
        mcp.server.onclose = stop;
        process.stdin.once('end', stop);
        await stopped;
        await mcp.server.close();
      }
      await closeContext(context);
    });
}
