import { inspect } from 'node:util';
import { NotFoundError, cutText } from '../core';
import type { ChannelBus } from '../channels';
import type { JsonValue, Message } from '../messages';
import { CampfireClient } from './campfire-client';
import { CampfireStore, type CampfireRecord } from './campfire-store';
import { camelName, type ParsedDeclaration } from './declaration';
import { ConventionExecutor, type ExecuteOptions, type ExecutionResult } from './executor';
import { OperationHelp, describeResponse, showBundle } from './operation-help';
import { listOperations } from './registry';
import { ConventionServer, type ConventionHandler } from './server';
import { clashingOperations } from './tool-definition';

/** A convention operation as a cell calls it: `await ops.submitResult({ taskId, result, status: 'ok' })`. */
export interface OperationFunction {
  (args?: Record<string, unknown>, options?: ExecuteOptions): Promise<ExecutionResult>;
  readonly parsed: ParsedDeclaration;
  /** The table of args, types, limits and the response mode. */
  help(): OperationHelp;
  toMimeBundle(): Record<string, unknown>;
  /** Displays the help table in the notebook. */
  show(): void;
}

/** A campfire's operations by camelCase name. */
export type Operations = Record<string, OperationFunction>;

/** What `joinCampfire` takes: the campfire, and where its store is (default `~/.campfires/store.db`). */
export interface JoinOptions {
  campfire: string;
  store?: CampfireStore | string;
  /** Identity name in the store (default `default`). */
  identity?: string;
  /** Create the campfire when it does not exist. */
  create?: boolean;
  bus?: ChannelBus;
  pollMs?: number;
}

/**
 * A joined campfire in a notebook: its operations as callable, self-describing
 * functions, plus raw `send`/`read` and `serve` to handle operations.
 */
export class CampfireSession {
  readonly executor: ConventionExecutor;
  ops: Operations = {};

  constructor(
    readonly client: CampfireClient,
    readonly campfire: CampfireRecord,
  ) {
    this.executor = new ConventionExecutor(client);
    this.refresh();
  }

  /** Re-reads the campfire's declarations (after a promote or revoke). */
  refresh(): Operations {
    const ops: Operations = {};
    const entries = listOperations(this.client, this.campfire.name);
    const clashes = clashingOperations(entries.map((entry) => entry.parsed));
    for (const { parsed } of entries) {
      const { convention, operation } = parsed.declaration;
      ops[camelName(clashes.has(operation) ? `${convention}_${operation}` : operation)] = this.operation(parsed);
    }
    Object.defineProperty(ops, inspect.custom, { enumerable: false, value: () => this.describeOps(ops) });
    Object.defineProperty(ops, 'toMimeBundle', {
      enumerable: false,
      value: () => {
        const parts = Object.values(ops).map((op) => op.help().toMimeBundle());
        return { 'text/html': parts.map((part) => part['text/html']).join('<hr/>'), 'text/plain': this.describeOps(ops) };
      },
    });
    this.ops = ops;
    return ops;
  }

  /** Sends a raw message (no validation): the escape hatch. */
  send(payload: JsonValue, options: { tags?: string[]; antecedents?: string[] } = {}): Promise<Message> {
    return this.client.send({ campfire: this.campfire.name, payload, ...options });
  }

  /** Reads raw messages of this campfire. */
  read(options: { tags?: string[]; limit?: number } = {}): Message[] {
    return this.client.read(this.campfire.name, { tags: options.tags, limit: options.limit ?? 50, newestFirst: true }).map((row) => row.message).reverse();
  }

  /** Serves operations with handlers keyed by operation name (either spelling). */
  async serve(handlers: Record<string, ConventionHandler>): Promise<ConventionServer> {
    const declarations = listOperations(this.client, this.campfire.name).map((entry) => entry.parsed);
    const server = new ConventionServer(this.client, declarations);
    for (const [name, handler] of Object.entries(handlers)) {
      const parsed = declarations.find((candidate) => candidate.declaration.operation === name || camelName(candidate.declaration.operation) === name);
      if (!parsed) throw new NotFoundError({ code: 'operation_unknown', message: `${this.campfire.name} has no operation "${name}"; it has ${declarations.map((entry) => entry.declaration.operation).join(', ') || 'none'}` });
      server.registerHandler(parsed.declaration.operation, handler);
    }
    await server.serve(this.campfire.name);
    return server;
  }

  /** Displays every operation's help table in the notebook. */
  show(): void {
    showBundle((this.ops as unknown as { toMimeBundle(): Record<string, unknown> }).toMimeBundle());
  }

  /** Stops this session's bus. */
  async close(): Promise<void> {
    await this.client.close();
  }

  [inspect.custom](): string {
    return `CampfireSession ${this.campfire.name} as ${this.client.identity.name}: ${Object.keys(this.ops).join(', ') || 'no operations'}`;
  }

  private describeOps(ops: Operations): string {
    const entries = Object.entries(ops);
    if (entries.length === 0) return `${this.campfire.name}: no operations declared`;
    return [`${this.campfire.name} operations:`, ...entries.map(([name, op]) => `  ${name.padEnd(20)} ${cutText(op.parsed.declaration.description ?? '', { characters: 72 })} [${op.parsed.response.explicit ? op.parsed.response.mode : 'sync (default)'}]`)].join('\n');
  }

  private operation(parsed: ParsedDeclaration): OperationFunction {
    const call = (args: Record<string, unknown> = {}, options: ExecuteOptions = {}) => this.executor.execute(parsed, this.campfire.name, args, options);
    const help = () => new OperationHelp(parsed);
    return Object.assign(call, {
      parsed,
      help,
      toMimeBundle: () => help().toMimeBundle(),
      show: () => help().show(),
      [inspect.custom]: () => `[operation ${camelName(parsed.declaration.operation)}(${parsed.declaration.args.map((arg) => `${camelName(arg.name)}${arg.required ? '' : '?'}`).join(', ')}) — ${describeResponse(parsed)}]`,
    });
  }
}

/**
 * Joins (or with `create`, creates) a campfire and returns its operations as callables.
 * @example const { ops } = await joinCampfire({ campfire: 'tasks' }); await ops.submitResult({ taskId, result: 'done', status: 'ok' });
 */
export async function joinCampfire(options: JoinOptions): Promise<CampfireSession> {
  const store = options.store instanceof CampfireStore ? options.store : CampfireStore.open(options.store);
  const identity = store.identity(options.identity);
  const existing = store.findCampfire(options.campfire);
  const campfire = existing ?? (options.create ? store.createCampfire(options.campfire, identity) : store.campfire(options.campfire));
  const client = new CampfireClient(store, identity, { bus: options.bus, pollMs: options.pollMs });
  client.join(campfire.name);
  return new CampfireSession(client, campfire);
}
