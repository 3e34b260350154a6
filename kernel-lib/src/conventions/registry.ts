import { LintError } from '../core';
import { hasTag, type JsonValue } from '../messages';
import type { CampfireClient } from './campfire-client';
import { lintDeclaration, parseDeclaration, type LintResult } from './lint';
import { operationTag, type ParsedDeclaration } from './declaration';

/** The tag of a message that carries a declaration. */
export const DECLARATION_TAG = 'convention:operation';
/** The tag of a message that revokes a declaration. */
export const REVOKE_TAG = 'convention:revoke';

/** A live operation of a campfire: its declaration and the message that promoted it. */
export interface RegisteredOperation {
  parsed: ParsedDeclaration;
  messageId: string;
  sender: string;
  /** `convention:operation@version`, the promote conflict key. */
  key: string;
}

/** What `promote` did. */
export interface PromoteResult {
  status: 'promoted' | 'skipped';
  key: string;
  messageId: string;
  lint: LintResult;
}

/** `convention:operation@version`. */
export function declarationKey(parsed: Pick<ParsedDeclaration, 'declaration'>): string {
  return `${operationTag(parsed.declaration)}@${parsed.declaration.version}`;
}

/** Every declaration message of a campfire that verifies, parses and comes from a member, oldest first. */
export function declarationsOf(client: CampfireClient, campfireName: string): RegisteredOperation[] {
  const campfire = client.campfire(campfireName);
  const found: RegisteredOperation[] = [];
  for (const row of client.read(campfire.name, { tags: [DECLARATION_TAG] })) {
    const { message } = row;
    if (!row.verified || !client.isMember(campfire, message.sender)) continue;
    try {
      const parsed = parseDeclaration(message.payload, { messageTags: message.tags, signedByCampfireKey: message.sender === campfire.publicKey });
      found.push({ parsed, messageId: message.id, sender: message.sender, key: declarationKey(parsed) });
    } catch {
      // A declaration that does not parse is not an operation; lint tells its author why.
    }
  }
  return found;
}

/**
 * The live operations of a campfire: latest declaration per `convention:operation`,
 * minus superseded ones and revoked ones (transitively back along the supersede chain).
 */
export function listOperations(client: CampfireClient, campfireName: string): RegisteredOperation[] {
  const campfire = client.campfire(campfireName);
  const all = declarationsOf(client, campfire.name);
  const byId = new Map(all.map((entry) => [entry.messageId, entry]));
  const resolveTarget = (reference: string): RegisteredOperation | undefined => byId.get(reference) ?? all.find((entry) => entry.key === reference);
  const revoked = new Set<string>();
  for (const row of client.read(campfire.name, { tags: [REVOKE_TAG] })) {
    if (!row.verified) continue;
    const payload = row.message.payload as { message_id?: JsonValue } | null;
    const reference = typeof payload?.message_id === 'string' ? payload.message_id : row.message.antecedents[0];
    let target = reference ? resolveTarget(reference) : undefined;
    if (!target || (row.message.sender !== target.sender && row.message.sender !== campfire.publicKey)) continue;
    while (target && !revoked.has(target.messageId)) {
      revoked.add(target.messageId);
      target = target.parsed.declaration.supersedes ? resolveTarget(target.parsed.declaration.supersedes) : undefined;
    }
  }
  const superseded = new Set<string>();
  for (const entry of all) {
    if (revoked.has(entry.messageId) || !entry.parsed.declaration.supersedes) continue;
    const target = resolveTarget(entry.parsed.declaration.supersedes);
    if (target) superseded.add(target.messageId);
  }
  const latest = new Map<string, RegisteredOperation>();
  for (const entry of all) {
    if (revoked.has(entry.messageId) || superseded.has(entry.messageId)) continue;
    latest.set(operationTag(entry.parsed.declaration), entry);
  }
  return [...latest.values()];
}

/**
 * Promotes a declaration to a campfire: lint gate, membership, conflict check on
 * `convention:operation@version` (skipped unless `force`), then a message tagged
 * `convention:operation` (signed with the campfire key when the caller holds it).
 */
export async function promoteDeclaration(client: CampfireClient, campfireName: string, input: unknown, options: { force?: boolean } = {}): Promise<PromoteResult> {
  const lint = lintDeclaration(input);
  if (!lint.parsed) {
    throw new LintError({
      code: 'declaration_invalid',
      message: `declaration does not pass lint: ${lint.errors.map((finding) => `[${finding.field}] ${finding.message}`).join('; ')}`,
      details: { errors: lint.errors as unknown as Record<string, unknown>[] },
    });
  }
  const campfire = client.campfire(campfireName);
  const key = declarationKey(lint.parsed);
  const existing = declarationsOf(client, campfire.name).find((entry) => entry.key === key);
  if (existing && !options.force) return { status: 'skipped', key, messageId: existing.messageId, lint };
  const message = await client.send({
    campfire: campfire.name,
    tags: [DECLARATION_TAG],
    payload: lint.parsed.declaration as JsonValue,
    signWith: client.holdsCampfireKey(campfire) ? 'campfire' : 'member',
  });
  return { status: 'promoted', key, messageId: message.id, lint };
}

/** Revokes a declaration (by message id or `convention:operation@version`). */
export async function revokeDeclaration(client: CampfireClient, campfireName: string, reference: string): Promise<string> {
  const campfire = client.campfire(campfireName);
  const target = declarationsOf(client, campfire.name).find((entry) => entry.messageId === reference || entry.key === reference);
  if (!target) throw new LintError({ code: 'declaration_not_found', message: `no declaration "${reference}" in ${campfire.name}` });
  const message = await client.send({
    campfire: campfire.name,
    tags: [REVOKE_TAG],
    payload: { message_id: target.messageId },
    antecedents: [target.messageId],
    signWith: client.holdsCampfireKey(campfire) ? 'campfire' : 'member',
  });
  return message.id;
}

/** True when a message is a declaration or revocation (infrastructure, not an operation call). */
export function isRegistryMessage(tags: string[]): boolean {
  return hasTag({ tags }, DECLARATION_TAG) || hasTag({ tags }, REVOKE_TAG);
}
