import { CampfiresError } from '../core';
import type { Subscription } from '../channels';
import { hasTag, type JsonValue, type Message } from '../messages';
import { resolveArgs } from './args';
import type { CampfireClient } from './campfire-client';
import type { CampfireRecord } from './campfire-store';
import { operationTag, type ParsedDeclaration } from './declaration';
import { filterTags } from './tags';

/** What a handler receives: the validated args and the request message. */
export interface ConventionRequest {
  operation: string;
  convention: string;
  args: Record<string, JsonValue>;
  message: Message;
  sender: string;
  campfire: string;
}

/** A handler's reply: a payload and optional extra tags. */
export interface ConventionResponse {
  payload: JsonValue;
  tags?: string[];
}

/** Any async function: an LLM camper or plain code; return null/undefined for no reply. */
export type ConventionHandler = (request: ConventionRequest) => Promise<ConventionResponse | JsonValue | null | undefined> | ConventionResponse | JsonValue | null | undefined;

/** Why the server did not dispatch a message. */
export type ServerRefusal = { message: Message; reason: string };

/**
 * Picks up a campfire's messages for its declared operations, re-validates them,
 * dispatches to the handler registered for the operation and replies tagged
 * `fulfills` (or `fulfills, convention:error`) with the request as antecedent.
 * @example const server = new ConventionServer(client, [parsed]); server.registerHandler('submit-result', async (req) => ({ payload: { ok: true } })); await server.serve('tasks');
 */
export class ConventionServer {
  private readonly handlers = new Map<string, ConventionHandler>();
  private subscription: Subscription | null = null;
  private readonly refusals: ServerRefusal[] = [];

  constructor(
    readonly client: CampfireClient,
    readonly declarations: ParsedDeclaration[],
    private readonly options: { onRefused?: (refusal: ServerRefusal) => void; onHandled?: (request: ConventionRequest, reply: Message | null) => void } = {},
  ) {}

  /** Sets (or replaces) the handler of an operation; callers see no difference. */
  registerHandler(operation: string, handler: ConventionHandler): this {
    if (!this.declarations.some((parsed) => parsed.declaration.operation === operation)) {
      throw new CampfiresError({ code: 'operation_unknown', message: `no declared operation "${operation}"; declared: ${this.declarations.map((parsed) => parsed.declaration.operation).join(', ')}` });
    }
    this.handlers.set(operation, handler);
    return this;
  }

  /** Messages refused so far (forged, not a member, level too low...). */
  get refused(): readonly ServerRefusal[] {
    return this.refusals;
  }

  /** Starts picking up messages of `campfire`; resolves once subscribed. */
  async serve(campfireName: string): Promise<void> {
    const campfire = this.client.campfire(campfireName);
    this.subscription = await this.client.subscribe(campfire.name, `server:${this.client.identity.name}`, (message) => this.handle(campfire, message), (message, reason) => this.refuse(message, reason));
  }

  /** Stops picking up messages. */
  async stop(): Promise<void> {
    await this.subscription?.unsubscribe();
    this.subscription = null;
  }

  private refuse(message: Message, reason: string): void {
    const refusal = { message, reason };
    this.refusals.push(refusal);
    this.options.onRefused?.(refusal);
  }

  private match(message: Message): ParsedDeclaration | null {
    const candidates = this.declarations.filter((parsed) => filterTags(parsed).some((tag) => hasTag(message, tag)));
    return candidates.find((parsed) => hasTag(message, operationTag(parsed.declaration))) ?? candidates[0] ?? null;
  }

  private async handle(campfire: CampfireRecord, message: Message): Promise<void> {
    if (hasTag(message, 'fulfills')) return;
    const parsed = this.match(message);
    if (!parsed) return;
    const { declaration } = parsed;
    const handler = this.handlers.get(declaration.operation);
    if (!handler) return;
    const fromCampfire = message.sender === campfire.publicKey;
    const member = this.client.store.member(campfire.id, message.sender);
    if (!fromCampfire && !member) return this.refuseWithReply(campfire, message, `sender ${message.sender.slice(0, 12)}... is not a member of ${campfire.name}`);
    if (parsed.signing === 'campfire_key' && !fromCampfire) {
      return this.refuseWithReply(campfire, message, `${declaration.operation} must be signed with the campfire key; a member signed it`);
    }
    const level = fromCampfire ? 3 : (member?.operatorLevel ?? 0);
    const required = declaration.min_operator_level ?? 0;
    if (required > 0 && level < required) return this.refuseWithReply(campfire, message, `${declaration.operation} needs operator level ${required}; the sender is at level ${level}`);
    const input = message.payload !== null && typeof message.payload === 'object' && !Array.isArray(message.payload) ? message.payload : {};
    let request: ConventionRequest;
    try {
      request = { operation: declaration.operation, convention: declaration.convention, args: resolveArgs(parsed, input), message, sender: message.sender, campfire: campfire.name };
    } catch (error) {
      return this.refuseWithReply(campfire, message, (error as Error).message);
    }
    let reply: Message | null = null;
    try {
      const result = await handler(request);
      if (result !== null && result !== undefined) {
        const response = isResponse(result) ? result : { payload: result as JsonValue };
        reply = await this.client.send({ campfire: campfire.name, tags: ['fulfills', ...(response.tags ?? [])], payload: response.payload, antecedents: [message.id] });
      }
    } catch (error) {
      reply = await this.client.send({ campfire: campfire.name, tags: ['fulfills', 'convention:error'], payload: { error: (error as Error)?.message ?? String(error) }, antecedents: [message.id] });
    }
    this.options.onHandled?.(request, reply);
  }

  private async refuseWithReply(campfire: CampfireRecord, message: Message, reason: string): Promise<void> {
    this.refuse(message, reason);
    await this.client.send({ campfire: campfire.name, tags: ['fulfills', 'convention:error'], payload: { error: reason }, antecedents: [message.id] });
  }
}

function isResponse(value: unknown): value is ConventionResponse {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'payload' in value && Object.keys(value).every((key) => key === 'payload' || key === 'tags');
}
