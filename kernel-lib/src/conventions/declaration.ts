import { z } from 'zod';
import { jsonValueSchema } from '../messages';

/** The 10 argument types a declaration may use. */
export const ARG_TYPES = ['string', 'integer', 'boolean', 'enum', 'message_id', 'campfire', 'duration', 'key', 'json', 'tag_set'] as const;
/** One of the 10 argument types. */
export type ArgType = (typeof ARG_TYPES)[number];

/** The three tag cardinalities. */
export const CARDINALITIES = ['exactly_one', 'at_most_one', 'zero_to_many'] as const;
/** How many messages (values) may carry a produced tag. */
export type Cardinality = (typeof CARDINALITIES)[number];

/** The signing modes: the sender's member key, or the campfire's own key. */
export const SIGNING_MODES = ['member_key', 'campfire_key'] as const;
/** The response modes: wait for a fulfilment, fire and forget, or no reply expected. */
export const RESPONSE_MODES = ['sync', 'async', 'none'] as const;
/** Who a rate limit counts: each sender, the whole campfire, or each sender in each campfire. */
export const RATE_LIMIT_SCOPES = ['sender', 'campfire_id', 'sender_and_campfire_id'] as const;
/** The antecedent rules a declaration may name. */
export const ANTECEDENT_RULES = ['none', 'exactly_one(target)', 'exactly_one(self_prior)', 'zero_or_one(self_prior)'] as const;

/** One typed argument of an operation. */
export const argDescriptorSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(ARG_TYPES),
    required: z.boolean().optional(),
    default: jsonValueSchema.optional(),
    description: z.string().optional(),
    max_length: z.number().int().nonnegative().optional(),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    max_count: z.number().int().nonnegative().optional(),
    pattern: z.string().optional(),
    values: z.array(z.string()).optional(),
    repeated: z.boolean().optional(),
  })
  .loose();
/** One typed argument of an operation. */
export type ArgDescriptor = z.infer<typeof argDescriptorSchema>;

/** A tag the executor composes onto the outgoing message; `prefix*` is a glob filled from args. */
export const tagRuleSchema = z
  .object({
    tag: z.string().min(1),
    cardinality: z.enum(CARDINALITIES),
    values: z.array(z.string()).optional(),
    max: z.number().int().nonnegative().optional(),
    pattern: z.string().optional(),
  })
  .loose();
/** A produced tag rule. */
export type TagRule = z.infer<typeof tagRuleSchema>;

/** A rate limit as declared. */
export const rateLimitSchema = z.object({ max: z.number().int(), per: z.string(), window: z.string() }).loose();

/** A convention declaration: one typed operation of a campfire, as the JSON file says it. */
export const declarationSchema = z
  .object({
    convention: z.string().min(1),
    version: z.string().min(1),
    operation: z.string().min(1),
    description: z.string().optional(),
    supersedes: z.string().optional(),
    args: z.array(argDescriptorSchema).default([]),
    produces_tags: z.array(tagRuleSchema).default([]),
    antecedents: z.string().optional(),
    payload_required: z.boolean().optional(),
    payload_schema: jsonValueSchema.optional(),
    signing: z.enum(SIGNING_MODES),
    rate_limit: rateLimitSchema.optional(),
    steps: z.array(z.record(z.string(), jsonValueSchema)).optional(),
    min_operator_level: z.number().int().nonnegative().optional(),
    views: z.array(z.object({ name: z.string(), description: z.string().optional(), predicate: z.string().optional() }).loose()).optional(),
    response: z.enum(RESPONSE_MODES).optional(),
    response_timeout: z.string().optional(),
  })
  .loose();
/** A declaration as written in its JSON file. */
export type Declaration = z.infer<typeof declarationSchema>;

/** A rate limit after lint's clamps: max at most 100, window at least 1 minute. */
export interface EffectiveRateLimit {
  max: number;
  per: (typeof RATE_LIMIT_SCOPES)[number];
  window: string;
  windowMs: number;
}

/**
 * A declaration that passed lint, with the values the executor uses: response mode
 * (`explicit` is false when the file leaves it out), clamped timeout and rate limit.
 */
export interface ParsedDeclaration {
  declaration: Declaration;
  response: { mode: (typeof RESPONSE_MODES)[number]; explicit: boolean };
  timeoutMs: number;
  rateLimit: EffectiveRateLimit | null;
  antecedents: (typeof ANTECEDENT_RULES)[number];
  /** False when a `campfire_key` declaration was not signed by the campfire key; it is then treated as member-signed. */
  authorized: boolean;
  /** `member_key` or `campfire_key`, after the authorisation rule. */
  signing: (typeof SIGNING_MODES)[number];
}

/** `<convention>:<operation>`, the tag that names an operation's messages. */
export function operationTag(declaration: Pick<Declaration, 'convention' | 'operation'>): string {
  return `${declaration.convention}:${declaration.operation}`;
}

/** `submit-result` / `task_id` -> `submitResult` / `taskId`. */
export function camelName(name: string): string {
  return name.replace(/[-_:.]+([a-zA-Z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** `task_id` -> `task-id`, the CLI flag spelling. */
export function kebabName(name: string): string {
  return name.replace(/_/g, '-');
}
