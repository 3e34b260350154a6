import type { Command } from 'commander';
import { ValidationError } from '../core';
import { createChannelBus } from '../channels';
import { SqliteRunLog } from '../runlog';
import type * as Mcp from '../mcp';
import { closeContext, openContext } from './cli-context';

/** `--grant ide:notes,alerts` → { ide: ['notes', 'alerts'] }, gathered over repeats. */
function collectGrant(value: string, grants: Record<string, string[]>): Record<string, string[]> {
  const at = value.lastIndexOf(':');
  const campfire = at > 0 ? value.slice(0, at) : '';
  const channels = at > 0 ? value.slice(at + 1).split(',').filter(Boolean) : [];
  if (!campfire || channels.length === 0) {
    throw new ValidationError({
      code: 'grant_invalid',
      message: `--grant ${JSON.stringify(value)} is not <campfire>:<channel>[,<channel>...], e.g. --grant ide:notes`,
      issues: [{ field: '--grant', message: 'not campfire:channel', given: value, allowed: '<campfire>:<channel>[,<channel>...]' }],
    });
  }
  return { ...grants, [campfire]: [...new Set([...(grants[campfire] ?? []), ...channels])] };
}

/** `cf mcp --pipeline`: a running pipeline's channels as MCP tools. */
async function servePipelineChannels(options: { http?: string; pipeline: string; bus?: string; run?: string; grant: Record<string, string[]> }): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { servePipelineChannelsHttp, servePipelineChannelsStdio } = require('../mcp') as typeof Mcp;
  const runLog = SqliteRunLog.open(options.pipeline);
  const bus = createChannelBus(options.bus ?? 'memory:');
  const settings = { bus, runLog, run: options.run ?? 'latest', grants: options.grant };
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (options.http !== undefined) {
      const endpoint = await servePipelineChannelsHttp({ ...settings, port: Number(options.http) });
      process.stderr.write(`cf mcp: pipeline channels of ${options.pipeline} over streamable HTTP at ${endpoint.url}\n`);
      await stopped;
      await endpoint.close();
    } else {
      const mcp = await servePipelineChannelsStdio(settings);
      mcp.server.onclose = stop;
      process.stdin.once('end', stop);
      await stopped;
      await mcp.server.close();
    }
  } finally {
    await bus.close();
    runLog.close();
  }
}

/** `cf mcp`: the MCP server over stdio, or streamable HTTP on loopback. */
export function addMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve campfires and their operations as MCP tools (stdio by default)')
    .option('--http <port>', 'serve streamable HTTP on 127.0.0.1:<port> instead of stdio (0 picks a free port)')
    .option('--campfire <name>', 'join this campfire at start')
    .option('--pipeline <run-log>', 'serve a running pipeline\'s channels (list, read, send) from this run log instead of campfires')
    .option('--bus <url>', 'with --pipeline: the pipeline\'s channel bus (redis://host:port?prefix=... for a pipeline in another process)')
    .option('--run <id>', 'with --pipeline: the run to serve (default: the latest pipeline run)')
    .option('--grant <campfire:channels>', 'with --pipeline: let outside campfire <campfire> send on these channels (repeatable), e.g. ide:notes', collectGrant, {})
    .action(async (options: { http?: string; campfire?: string; pipeline?: string; bus?: string; run?: string; grant: Record<string, string[]> }, command: Command) => {
      if (options.pipeline !== undefined) return servePipelineChannels({ ...options, pipeline: options.pipeline });
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
