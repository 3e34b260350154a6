import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CampfiresError } from '../core';
import { ConventionServer, camelName, listOperations, type ConventionHandler } from '../conventions';
import type { JsonValue } from '../messages';
import { closeContext, openContext } from './cli-context';
import { formatMessage, out, outJson } from './cli-output';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((item) => item.trim()).filter(Boolean)];
}

function payloadOf(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** Loads a handler module: a function for every operation, or an object keyed by operation name (either spelling). */
function loadHandlers(file: string): (operation: string) => ConventionHandler | undefined {
  const path = resolve(file);
  const what = 'a .js module exporting a handler function, or handlers by operation name';
  if (!existsSync(path)) throw new CampfiresError({ code: 'handler_module_missing', message: `handler module ${file} does not exist (looked for ${path}); pass ${what}`, details: { path } });
  let loaded: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(path) as unknown;
  } catch (error) {
    // Node's message goes on with the require stack, which is about this CLI, not the handler.
    const reason = (error as Error).message.split('\n')[0];
    throw new CampfiresError({ code: 'handler_module_invalid', message: `handler module ${file} could not be loaded: ${reason}; pass ${what}`, details: { path } });
  }
  const module = (loaded as { default?: unknown }).default ?? loaded;
  if (typeof module === 'function') return () => module as ConventionHandler;
  if (module && typeof module === 'object') {
    const table = module as Record<string, ConventionHandler>;
    return (operation) => table[operation] ?? table[camelName(operation)];
  }
  throw new CampfiresError({ code: 'handler_module_invalid', message: `${file} exports neither a handler function nor an object of handlers by operation name` });
}

/** `cf create|join|campfires|identity|level|send|read|serve`. */
export function addCampfireCommands(program: Command): void {
  program
    .command('create')
    .argument('<name>', 'campfire name')
    .description('create a campfire (you hold its key and are its operator, level 3)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = openContext(command);
      const campfire = context.store.createCampfire(name, context.client.identity);
      out(`created campfire ${campfire.name} (${campfire.id})`);
      await closeContext(context);
    });

  program
    .command('join')
    .argument('<campfire>', 'campfire id or name')
    .description('join a campfire as a member; its operations become `cf <campfire> <operation>`')
    .action(async (campfire: string, _options: unknown, command: Command) => {
      const context = openContext(command);
      const joined = context.client.join(campfire);
      const operations = listOperations(context.client, joined.name);
      out(`joined ${joined.name} as ${context.client.identity.name}; ${operations.length} operation(s): ${operations.map((entry) => entry.parsed.declaration.operation).join(', ') || 'none yet'}`);
      await closeContext(context);
    });

  program
    .command('campfires')
    .option('--json', 'print as JSON')
    .description('list the campfires in the store')
    .action(async (options: { json?: boolean }, command: Command) => {
      const context = openContext(command);
      const rows = context.store.campfires().map((campfire) => ({
        name: campfire.name,
        id: campfire.id,
        member: context.store.member(campfire.id, context.client.identity.publicKey) !== null,
        operations: listOperations(context.client, campfire.name).map((entry) => entry.parsed.declaration.operation),
      }));
      if (options.json) outJson(rows);
      else for (const row of rows) out(`${row.name.padEnd(20)} ${row.id.slice(0, 16)}... ${row.member ? 'member' : '      '} ${row.operations.join(', ')}`);
      await closeContext(context);
    });

  program
    .command('identity')
    .description('print this identity\'s name and public key')
    .action(async (_options: unknown, command: Command) => {
      const context = openContext(command);
      out(`${context.client.identity.name} ${context.client.identity.publicKey}`);
      await closeContext(context);
    });

  program
    .command('level')
    .argument('<campfire>', 'campfire id or name')
    .argument('<member>', 'member identity name (in this store) or public key')
    .argument('<level>', 'operator level 0-3')
    .description('set a member\'s operator level (campfire operators only)')
    .action(async (campfireName: string, member: string, level: string, _options: unknown, command: Command) => {
      const context = openContext(command);
      try {
        const campfire = context.store.campfire(campfireName);
        if (!/^[0-3]$/.test(level)) throw new CampfiresError({ code: 'level_invalid', message: `level must be 0, 1, 2 or 3 (got "${level}")` });
        if (!context.client.holdsCampfireKey(campfire)) throw new CampfiresError({ code: 'not_operator', message: `only the operator of ${campfire.name} can set levels` });
        const key = /^[0-9a-f]{64}$/i.test(member) ? member : context.store.identity(member).publicKey;
        if (!context.store.member(campfire.id, key)) throw new CampfiresError({ code: 'not_a_member', message: `${member} is not a member of ${campfire.name}` });
        context.store.setOperatorLevel(campfire.id, key, Number(level));
        out(`${member} is at operator level ${Number(level)} in ${campfire.name}`);
      } finally {
        await closeContext(context);
      }
    });

  program
    .command('send')
    .argument('<campfire>', 'campfire id or name')
    .argument('<payload>', 'JSON (or plain text) payload')
    .option('--tag <tags>', 'tag(s), comma-separated or repeated', collect)
    .option('--antecedent <ids>', 'message id(s) this one answers', collect)
    .option('--json', 'print the sent message as JSON')
    .description('send a raw message: no validation, no tag composition (the escape hatch)')
    .action(async (campfire: string, payload: string, options: { tag?: string[]; antecedent?: string[]; json?: boolean }, command: Command) => {
      const context = openContext(command);
      try {
        const message = await context.client.send({ campfire, payload: payloadOf(payload), tags: options.tag, antecedents: options.antecedent });
        if (options.json) outJson(message);
        else out(message.id);
      } finally {
        await closeContext(context);
      }
    });

  program
    .command('read')
    .argument('<campfire>', 'campfire id or name')
    .option('--tag <tags>', 'only messages with any of these tags', collect)
    .option('--limit <n>', 'newest n messages', '50')
    .option('--json', 'print as JSON lines')
    .description('read a campfire\'s raw messages, oldest first')
    .action(async (campfire: string, options: { tag?: string[]; limit: string; json?: boolean }, command: Command) => {
      const context = openContext(command);
      try {
        const rows = context.client.read(campfire, { tags: options.tag, limit: Number(options.limit), newestFirst: true }).reverse();
        for (const row of rows) out(options.json ? JSON.stringify({ seq: row.seq, verified: row.verified, ...row.message }) : formatMessage(row.seq, row.message, row.verified));
      } finally {
        await closeContext(context);
      }
    });

  program
    .command('serve')
    .argument('<campfire>', 'campfire id or name')
    .requiredOption('--handler <module>', 'JS module exporting a handler function, or handlers by operation name')
    .option('--max-requests <n>', 'stop after handling n requests')
    .description('handle a campfire\'s operations with a handler module until stopped')
    .action(async (campfireName: string, options: { handler: string; maxRequests?: string }, command: Command) => {
      const context = openContext(command);
      const campfire = context.client.join(campfireName);
      const handlerOf = loadHandlers(options.handler);
      const declarations = listOperations(context.client, campfire.name).map((entry) => entry.parsed);
      let handled = 0;
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const server = new ConventionServer(context.client, declarations, {
        onRefused: (refusal) => process.stderr.write(`refused ${refusal.message.id}: ${refusal.reason}\n`),
        onHandled: (request, reply) => {
          out(`handled ${request.operation} ${request.message.id}${reply ? ` -> ${reply.id}` : ' (no reply)'}`);
          handled += 1;
          if (options.maxRequests && handled >= Number(options.maxRequests)) stop();
        },
      });
      const served: string[] = [];
      for (const parsed of declarations) {
        const handler = handlerOf(parsed.declaration.operation);
        if (handler) (server.registerHandler(parsed.declaration.operation, handler), served.push(parsed.declaration.operation));
      }
      if (served.length === 0) throw new CampfiresError({ code: 'nothing_to_serve', message: `${options.handler} handles none of ${campfire.name}'s operations (${declarations.map((parsed) => parsed.declaration.operation).join(', ') || 'none declared'})` });
      await server.serve(campfire.name);
      out(`serving ${campfire.name}: ${served.join(', ')}`);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await stopped;
      await server.stop();
      await closeContext(context);
    });
}
