import type { Command } from 'commander';

/** `cf mcp`: the MCP server over stdio or streamable HTTP. */
export function addMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve campfires and their operations as MCP tools (stdio by default)')
    .option('--http <port>', 'serve streamable HTTP on 127.0.0.1:<port> instead of stdio (0 picks a free port)')
    .option('--campfire <name>', 'join this campfire at start')
    .action(async () => {
      throw new Error('not yet');
    });
}
