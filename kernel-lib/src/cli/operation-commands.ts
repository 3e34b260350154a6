import { Command, Option } from 'commander';
import { ValidationError, cutText } from '../core';
import { ConventionExecutor, OperationHelp, describeArgType, describeResponse, kebabName, listOperations, type ArgDescriptor, type ExecutionResult, type ParsedDeclaration } from '../conventions';
import { closeContext, openContext, type CliContext } from './cli-context';
import { CliExit, EXIT, out, outJson } from './cli-output';

/** An enum value that is not exact expands when exactly one declared value ends with `:value`. */
export function expandEnumValue(arg: ArgDescriptor, value: string): string {
  const values = arg.values ?? [];
  if (values.includes(value)) return value;
  const matches = values.filter((candidate) => candidate.endsWith(`:${value}`));
  return matches.length === 1 ? (matches[0] as string) : value;
}

function commaList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((item) => item.trim()).filter(Boolean)];
}

function toArgValue(arg: ArgDescriptor, raw: unknown): unknown {
  const one = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    if (arg.type === 'integer') return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (arg.type === 'enum') return expandEnumValue(arg, value);
    return value;
  };
  if (arg.repeated && Array.isArray(raw)) return raw.map(one);
  return one(raw);
}

function optionFor(arg: ArgDescriptor): Option {
  const flag = `--${kebabName(arg.name)}`;
  const description = [arg.description, describeArgType(arg), arg.required ? 'required' : '', arg.default !== undefined ? `default ${JSON.stringify(arg.default)}` : ''].filter(Boolean).join('; ');
  if (arg.type === 'boolean' && !arg.repeated) return new Option(flag, description);
  const placeholder = arg.type === 'enum' ? (arg.values ?? []).join('|') : arg.type;
  const option = new Option(`${flag} <${placeholder}>`, description);
  if (arg.repeated || arg.type === 'tag_set') option.argParser(commaList);
  return option;
}

function printResult(result: ExecutionResult, json: boolean): void {
  if (json) return outJson(result);
  switch (result.status) {
    case 'ok':
      out(typeof result.response === 'string' ? result.response : JSON.stringify(result.response, null, 2));
      out(`(reply ${result.responseMessageId} to ${result.messageId} in ${result.elapsedMs} ms)`);
      return;
    case 'error':
      out(`error from handler: ${result.error} (request ${result.messageId})`);
      return;
    case 'timeout':
      out(`timeout: no reply to ${result.messageId} after ${result.elapsedMs} ms; read it later with cf read ${result.campfire} --tag fulfills`);
      return;
    case 'dispatched':
      out(`dispatched ${result.messageId}`);
      return;
    case 'sent':
      out(`sent ${result.messageId}`);
  }
}

function operationCommand(context: CliContext, campfire: string, parsed: ParsedDeclaration): Command {
  const { declaration } = parsed;
  const command = new Command(declaration.operation).description(`${declaration.description ?? ''} [${describeResponse(parsed)}]`.trim());
  for (const arg of declaration.args) command.addOption(optionFor(arg));
  command
    .option('--no-wait', 'send and return without waiting for the reply')
    .option('--wait-timeout <duration>', `how long to wait for a sync reply (declared: ${Math.round(parsed.timeoutMs / 1000)}s)`)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `\n${new OperationHelp(parsed).toString()}`)
    .action(async (options: Record<string, unknown>) => {
      const input: Record<string, unknown> = {};
      for (const arg of declaration.args) {
        const key = Object.keys(options).find((name) => name === kebabName(arg.name).replace(/-([a-z0-9])/g, (_m, letter: string) => letter.toUpperCase()));
        if (key !== undefined && options[key] !== undefined) input[arg.name] = toArgValue(arg, options[key]);
      }
      const executor = new ConventionExecutor(context.client);
      const result = await executor.execute(parsed, campfire, input, { wait: options.wait !== false, waitTimeout: options.waitTimeout as string | undefined });
      printResult(result, options.json === true);
      if (result.status === 'error') throw new CliExit(EXIT.error);
      if (result.status === 'timeout') throw new CliExit(EXIT.timeout);
    });
  return command;
}

/** `cf <campfire> help` and `cf <campfire> <operation> --flags`, generated from the campfire's declarations. */
export function campfireCommand(program: Command, campfireName: string): Command {
  const context = openContext(program);
  const campfire = context.store.campfire(campfireName);
  const operations = listOperations(context.client, campfire.name);
  const command = new Command(campfireName).description(`operations of campfire ${campfire.name}`);
  command.hook('postAction', async () => closeContext(context));
  const listing = () => {
    out(`${campfire.name} operations (cf ${campfireName} <operation> --help for the flags):`);
    if (operations.length === 0) out('  none declared yet; promote one with cf convention promote FILE --registry ' + campfire.name);
    for (const entry of operations) {
      const description = entry.parsed.declaration.description ?? '';
      out(`  ${entry.parsed.declaration.operation.padEnd(22)} ${cutText(description, { characters: 72 })}`);
    }
  };
  command.command('help').description('list the operations').action(listing);
  // A name that is none of the operations reaches here, not a subcommand: say so, with those there are.
  command.argument('[operation]', 'one of the operations (cf ' + campfireName + ' help lists them)').allowExcessArguments().allowUnknownOption();
  command.action((operation: string | undefined) => {
    if (operation === undefined) return listing();
    unknownOperation(campfire.name, operation, operations.map((entry) => entry.parsed.declaration.operation));
  });
  for (const entry of operations) command.addCommand(operationCommand(context, campfire.name, entry.parsed));
  return command;
}

/** Throws a `ValidationError` naming the campfire when it has no such operation. */
export function unknownOperation(campfire: string, operation: string, known: string[]): never {
  throw new ValidationError({ code: 'operation_unknown', message: `${campfire} has no operation "${operation}"; it has ${known.join(', ') || 'none'}`, issues: [{ field: 'operation', message: 'unknown', given: operation, allowed: known }] });
}
