import type { ParsedDeclaration } from './declaration';

/** One problem lint found: `error` blocks use of the declaration, `warning` does not. */
export interface LintFinding {
  severity: 'error' | 'warning';
  /** Stable code, e.g. `arg_type_unknown`. */
  code: string;
  /** Dotted path into the declaration, e.g. `args[1].type`. */
  field: string;
  message: string;
}

/** What `lintDeclaration` returns; `parsed` is set when there are no errors. */
export interface LintResult {
  valid: boolean;
  errors: LintFinding[];
  warnings: LintFinding[];
  parsed: ParsedDeclaration | null;
}

/** Context of a declaration that arrived as a message (lint supplies these itself). */
export interface LintContext {
  /** Tags of the carrying message; lint supplies `convention:operation`. */
  messageTags?: string[];
  /** Whether the carrying message was signed by the campfire key (lint assumes yes). */
  signedByCampfireKey?: boolean;
  /** Parse mode lets infrastructure conventions produce their own reserved tags; lint never does. */
  mode?: 'lint' | 'parse';
}

/**
 * One named check of a declaration. A check looks at one concern and reports only
 * that; it accepts any input (a part it does not understand is another check's to
 * report), so each can be run and tested on its own.
 */
export interface LintCheck {
  /** What it checks, in a few words: shown by tests and in the list of checks. */
  readonly name: string;
  /** Only `cf convention lint` runs it: parsing a declaration for use skips it. */
  readonly lintOnly?: boolean;
  check(input: unknown, context: LintContext): LintFinding[];
}

/** A declaration's fields, before any check has vouched for them. */
export type DeclarationFields = Record<string, unknown>;

/** True for a JSON object (not an array, not null). */
export const isObject = (value: unknown): value is DeclarationFields => value !== null && typeof value === 'object' && !Array.isArray(value);
/** True for a string with something other than spaces in it. */
export const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;
/** A value as a message quotes it: strings in quotes, the rest as JSON. */
export const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? 'nothing'));

/** The fields of a declaration, or none when it is not an object. */
export const fieldsOf = (input: unknown): DeclarationFields => (isObject(input) ? input : {});
/** A list field of a declaration, or an empty list when it is missing or not a list. */
export const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** An error finding. */
export const lintError = (code: string, field: string, message: string): LintFinding => ({ severity: 'error', code, field, message });
/** A warning finding. */
export const lintWarning = (code: string, field: string, message: string): LintFinding => ({ severity: 'warning', code, field, message });
