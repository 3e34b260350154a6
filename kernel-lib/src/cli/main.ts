#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { addCampfireCommands } from './campfire-commands';
import { addConventionCommands } from './convention-commands';
import { addMcpCommand } from './mcp-command';
import { addSetupCommand } from './setup-command';
import { addSimCommands } from './sim-commands';
import { addWorkerCommand } from './worker-command';
import { campfireCommand } from './operation-commands';
import { CliExit, EXIT, describeError } from './cli-output';

/** Builds the `cf` program; `argv` decides whether a campfire's operation commands are added. */
export function buildProgram(argv: readonly string[]): Command {
  const program = new Command('cf')
    .description('campfires: typed convention operations, raw messages, council simulations (cf sim) and an MCP server')
    .option('--store <path>', 'campfire store (default $CAMPFIRES_HOME/store.db or ~/.campfires/store.db)')
    .option('--as <identity>', 'identity in the store to act as (default $CAMPFIRES_IDENTITY or "default")')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', '\nA joined campfire\'s operations are commands too:\n  cf <campfire> help                        list its operations\n  cf <campfire> <operation> --help          flags, types, limits, response mode\n  cf <campfire> <operation> --flags [--no-wait] [--wait-timeout 30s] [--json]');
  addConventionCommands(program);
  addCampfireCommands(program);
  addMcpCommand(program);
  addSetupCommand(program);
  addSimCommands(program);
  addWorkerCommand(program);
  const known = new Set(program.commands.flatMap((command) => [command.name(), ...command.aliases()]));
  const first = firstPositional(argv.slice(2));
  if (first !== undefined && first !== 'help' && !known.has(first)) {
    program.parseOptions(argv.slice(2));
    program.addCommand(campfireCommand(program, first));
  }
  return program;
}

function firstPositional(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === '--store' || arg === '--as') index += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Runs `cf` and exits with its code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram(argv).parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CliExit) {
      if (error.message) process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    process.stderr.write(`${describeError(error)}\n`);
    return EXIT.error;
  }
}

/** Runs `cf` on this process's arguments and exits with its code (the `cf` bin calls it). */
export function runCli(): void {
  // `cf … | head` closes the pipe early: that is the reader's choice, not a failure.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  void main().then((code) => {
    process.exitCode = code;
    // Polling timers and SQLite handles are closed by each command; exit for stray ones,
    // but only once what was written reached the pipe: a long narrative piped to another
    // program would otherwise be cut when the process exits.
    let pending = 2;
    const done = () => {
      pending -= 1;
      if (pending === 0) setImmediate(() => process.exit(code));
    };
    process.stdout.write('', done);
    process.stderr.write('', done);
  });
}

if (require.main === module) runCli();
