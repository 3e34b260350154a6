import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { hasTag, verifyMessage, type JsonValue } from '../messages';
import type { ArgDescriptor, ParsedDeclaration } from './declaration';
import { operationTag } from './declaration';
import { CampfireClient } from './campfire-client';
import { CampfireStore } from './campfire-store';
import { ConventionExecutor } from './executor';
import { lintDeclaration } from './lint';
import { listOperations, promoteDeclaration } from './registry';
import { ConventionServer } from './server';
import { TOOL_DESCRIPTION_MAX_BYTES, toolFromDeclaration } from './tool-definition';

/** One step of a twin run and whether it passed. */
export interface TwinStep {
  step: 'lint' | 'parse' | 'tool' | 'execute' | 'envelope';
  ok: boolean;
  detail: string;
}

/** The twin's verdict on one declaration file. */
export interface TwinResult {
  file: string;
  operation: string;
  status: 'PASS' | 'FAIL';
  steps: TwinStep[];
}

function syntheticValue(arg: ArgDescriptor, context: { messageId: string; campfire: string }): JsonValue {
  const one = (): JsonValue => {
    switch (arg.type) {
      case 'string':
        return 'synthetic-value';
      case 'integer':
        return arg.min ?? 1;
      case 'boolean':
        return false;
      case 'enum':
        return arg.values?.[0] ?? '';
      case 'duration':
        return '1m';
      case 'key':
        return '0'.repeat(64);
      case 'json':
        return '{}';
      case 'tag_set':
        return [];
      case 'message_id':
        return context.messageId;
      case 'campfire':
        return context.campfire;
    }
  };
  return arg.repeated ? [one()] : one();
}

/** The `.json` files of a path: the file itself, or every one in a directory (sorted). */
export function declarationFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).filter((name) => name.endsWith('.json')).sort().map((name) => join(path, name));
}

/**
 * Tests one declaration in an ephemeral twin: a temporary SQLite store with generated
 * root and registry identities; lint, parse, MCP tool generation, execution with
 * synthetic args against an echo handler, then the trust envelope of what was sent.
 */
export async function testDeclaration(input: unknown, file = '(input)'): Promise<TwinResult> {
  const steps: TwinStep[] = [];
  const operation = typeof (input as { operation?: unknown })?.operation === 'string' ? (input as { operation: string }).operation : basename(file);
  const done = (): TwinResult => ({ file, operation, status: steps.every((step) => step.ok) ? 'PASS' : 'FAIL', steps });
  const lint = lintDeclaration(input);
  steps.push({ step: 'lint', ok: lint.valid, detail: lint.valid ? `${lint.warnings.length} warning(s)` : lint.errors.map((finding) => `[${finding.field}] ${finding.message}`).join('; ') });
  if (!lint.valid) return done();
  const directory = mkdtempSync(join(tmpdir(), 'campfires-twin-'));
  const store = CampfireStore.open(join(directory, 'twin.db'));
  const root = new CampfireClient(store, store.identity('root'), { pollMs: 10 });
  const registry = new CampfireClient(store, store.identity('registry'), { pollMs: 10 });
  let server: ConventionServer | null = null;
  try {
    const campfire = store.createCampfire('twin', root.identity);
    registry.join(campfire.name);
    await promoteDeclaration(root, campfire.name, input);
    const live = listOperations(registry, campfire.name);
    const parsed: ParsedDeclaration | undefined = live[0]?.parsed;
    steps.push({ step: 'parse', ok: parsed !== undefined, detail: parsed ? `promoted as ${live[0]?.key}` : 'the promoted declaration did not parse back' });
    if (!parsed) return done();
    const tool = toolFromDeclaration(parsed, { campfire: campfire.name });
    const toolProblems = [
      Buffer.byteLength(tool.description) > TOOL_DESCRIPTION_MAX_BYTES ? `description is over ${TOOL_DESCRIPTION_MAX_BYTES} bytes` : '',
      /^[A-Za-z0-9_-]{1,64}$/.test(tool.name) ? '' : `tool name "${tool.name}" is not a valid MCP tool name`,
      ...tool.inputSchema.required.filter((name) => !(name in tool.inputSchema.properties)).map((name) => `required "${name}" has no property`),
    ].filter(Boolean);
    steps.push({ step: 'tool', ok: toolProblems.length === 0, detail: toolProblems.join('; ') || `tool ${tool.name} with ${Object.keys(tool.inputSchema.properties).length} properties` });
    const seed = await root.send({ campfire: campfire.name, tags: ['twin:seed', operationTag(parsed.declaration)], payload: { seed: true } });
    const args: Record<string, JsonValue> = {};
    for (const arg of parsed.declaration.args) args[arg.name] = syntheticValue(arg, { messageId: seed.id, campfire: campfire.name });
    server = new ConventionServer(registry, [parsed]);
    server.registerHandler(parsed.declaration.operation, (request) => ({ payload: { echo: request.args } }));
    await server.serve(campfire.name);
    const executor = new ConventionExecutor(root);
    let result;
    try {
      result = await executor.execute(parsed, campfire.name, args, { waitTimeout: 5_000 });
      const ok = ['ok', 'dispatched', 'sent'].includes(result.status);
      steps.push({ step: 'execute', ok, detail: `${result.status} in ${result.elapsedMs} ms${result.error ? `: ${result.error}` : ''}` });
    } catch (error) {
      steps.push({ step: 'execute', ok: false, detail: (error as Error).message });
      return done();
    }
    const sent = store.message(result.messageId);
    const expectedSender = parsed.signing === 'campfire_key' ? campfire.publicKey : root.identity.publicKey;
    const problems: string[] = [];
    if (!sent) problems.push('the request was not stored');
    else {
      if (!verifyMessage(sent)) problems.push('request signature does not verify');
      if (sent.sender !== expectedSender) problems.push(`request signed by ${sent.sender.slice(0, 12)}..., expected the ${parsed.signing === 'campfire_key' ? 'campfire' : 'member'} key`);
      if (!isDeepStrictEqual(sent.payload, result.args)) problems.push('payload is not the resolved args');
      if (result.tags.some((tag) => !hasTag(sent, tag))) problems.push('composed tags missing from the message');
    }
    if (result.status === 'ok' && result.responseMessageId) {
      const reply = store.message(result.responseMessageId);
      if (!reply || !verifyMessage(reply) || !hasTag(reply, 'fulfills') || !reply.antecedents.includes(result.messageId)) problems.push('the fulfilment is not a verified reply naming the request');
    }
    steps.push({ step: 'envelope', ok: problems.length === 0, detail: problems.join('; ') || `signed by the ${parsed.signing === 'campfire_key' ? 'campfire' : 'member'} key, tags ${result.tags.join(', ')}` });
    return done();
  } catch (error) {
    steps.push({ step: 'execute', ok: false, detail: (error as Error).message });
    return done();
  } finally {
    await server?.stop();
    await root.close();
    await registry.close();
    store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Runs the twin on a file or on every `.json` file of a directory. */
export async function testDeclarationPath(path: string): Promise<TwinResult[]> {
  const results: TwinResult[] = [];
  for (const file of declarationFiles(path)) {
    let input: unknown;
    try {
      input = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      results.push({ file, operation: basename(file), status: 'FAIL', steps: [{ step: 'lint', ok: false, detail: `not valid JSON: ${(error as Error).message}` }] });
      continue;
    }
    results.push(await testDeclaration(input, file));
  }
  return results;
}
