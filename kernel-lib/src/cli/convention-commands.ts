import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CampfiresError, formatBytes, parseJson } from '../core';
import { declarationFiles, generateTypes, lintDeclaration, parseDeclaration, promoteDeclaration, revokeDeclaration, testDeclarationPath, type LintResult } from '../conventions';
import { closeContext, openContext } from './cli-context';
import { CliExit, EXIT, out, outJson } from './cli-output';

/** Largest declaration file read: a declaration is a page of JSON. */
const DECLARATION_FILE_MAX_BYTES = 1024 * 1024;

/** The text of a declaration file (or stdin for `-`), with errors that name the file. */
function readDeclarationFile(path: string): string {
  if (path === '-') return readFileSync(0, 'utf8');
  const refuse = (code: string, message: string) => new CampfiresError({ code, message, details: { path } });
  let facts;
  try {
    facts = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw refuse('file_unreadable', code === 'ENOENT' ? `${path} does not exist; give the path of a declaration .json file` : `cannot read ${path}: ${(error as Error).message}`);
  }
  if (facts.isDirectory()) throw refuse('file_is_directory', `${path} is a directory; give one declaration .json file (cf convention test takes a folder of them)`);
  if (!facts.isFile()) throw refuse('file_unreadable', `${path} is not a regular file; give the path of a declaration .json file`);
  if (facts.size > DECLARATION_FILE_MAX_BYTES) {
    throw refuse('file_too_large', `${path} is ${formatBytes(facts.size)}; a declaration file is at most ${formatBytes(DECLARATION_FILE_MAX_BYTES)}`);
  }
  return readFileSync(path, 'utf8');
}

function lintText(text: string, file: string): LintResult {
  const where = file === '-' ? 'standard input' : file;
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const finding = { severity: 'error' as const, code: 'json_invalid', field: '(root)', message: `${where} is not valid JSON: ${(error as Error).message}` };
    return { valid: false, errors: [finding], warnings: [], parsed: null };
  }
  const result = lintDeclaration(input);
  // A finding about the file as a whole names the file.
  return { ...result, errors: result.errors.map((finding) => (finding.code === 'json_too_deep' ? { ...finding, message: `${where} is ${finding.message}` } : finding)) };
}

/** `cf convention lint|test|promote|types|revoke`. */
export function addConventionCommands(program: Command): void {
  const convention = program.command('convention').description('lint, test, promote and type convention declarations');

  convention
    .command('lint')
    .argument('<file>', 'declaration JSON file, or - for stdin')
    .option('--json', 'print {valid, errors[], warnings[]}')
    .description('run the 11 conformance checks (exit 0 clean, 2 warnings only, 1 errors)')
    .action((file: string, options: { json?: boolean }) => {
      const result = lintText(readDeclarationFile(file), file);
      if (options.json) outJson({ valid: result.valid, errors: result.errors, warnings: result.warnings });
      else {
        for (const finding of [...result.errors, ...result.warnings]) out(`${finding.severity} [${finding.field}]: ${finding.message}`);
        if (result.valid && result.warnings.length === 0) out('ok: declaration is valid');
      }
      if (!result.valid) throw new CliExit(EXIT.error);
      if (result.warnings.length > 0) throw new CliExit(EXIT.warnings);
    });

  convention
    .command('test')
    .argument('<path>', 'declaration file or directory of .json files')
    .option('--json', 'print the results as JSON')
    .description('run each declaration in an ephemeral digital twin: lint, parse, tool, execute, envelope')
    .action(async (path: string, options: { json?: boolean }) => {
      const results = await testDeclarationPath(path);
      if (options.json) outJson({ passed: results.every((result) => result.status === 'PASS'), results });
      else {
        for (const result of results) {
          out(`${result.status} ${result.operation} (${result.file})`);
          for (const step of result.steps) out(`  ${step.ok ? 'ok  ' : 'FAIL'} ${step.step}: ${step.detail}`);
        }
        const passed = results.filter((result) => result.status === 'PASS').length;
        out(`${passed}/${results.length} passed`);
      }
      if (results.some((result) => result.status === 'FAIL')) throw new CliExit(EXIT.error);
    });

  convention
    .command('promote')
    .argument('<path>', 'declaration file or directory')
    .requiredOption('--registry <campfire>', 'campfire to promote the declarations to (you must be a member)')
    .option('--force', 'promote even when convention:operation@version already exists')
    .option('--json', 'print the results as JSON')
    .description('lint, check for conflicts and send each declaration to the registry campfire')
    .action(async (path: string, options: { registry: string; force?: boolean; json?: boolean }, command: Command) => {
      const context = openContext(command);
      try {
        const results = [];
        let failed = false;
        for (const file of declarationFiles(path)) {
          try {
            const result = await promoteDeclaration(context.client, options.registry, parseJson(readDeclarationFile(file), file), { force: options.force });
            results.push({ file, status: result.status, key: result.key, messageId: result.messageId });
            if (!options.json) out(result.status === 'promoted' ? `promoted ${result.key} to ${options.registry} (${result.messageId})` : `skipped ${result.key}: already promoted as ${result.messageId} (use --force to promote again)`);
          } catch (error) {
            failed = true;
            results.push({ file, status: 'failed', error: (error as Error).message });
            if (!options.json) out(`failed ${file}: ${(error as Error).message}`);
          }
        }
        if (options.json) outJson(results);
        if (failed) throw new CliExit(EXIT.error);
      } finally {
        await closeContext(context);
      }
    });

  convention
    .command('revoke')
    .argument('<campfire>', 'campfire holding the declaration')
    .argument('<reference>', 'message id of the declaration, or convention:operation@version')
    .description('revoke a declaration (and what it superseded)')
    .action(async (campfire: string, reference: string, _options: unknown, command: Command) => {
      const context = openContext(command);
      try {
        out(`revoked ${reference} (${await revokeDeclaration(context.client, campfire, reference)})`);
      } finally {
        await closeContext(context);
      }
    });

  convention
    .command('types')
    .argument('<path>', 'declaration file or directory')
    .option('--out <file>', 'write to a file instead of stdout')
    .description('generate TypeScript types for the operations, for completion in notebook cells')
    .action((path: string, options: { out?: string }) => {
      const declarations = declarationFiles(path).map((file) => parseDeclaration(parseJson(readDeclarationFile(file), file)));
      const text = generateTypes(declarations, path);
      if (options.out) {
        writeFileSync(options.out, text);
        out(`wrote ${declarations.length} operation type(s) to ${options.out}`);
      } else process.stdout.write(text);
    });
}
