import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { NotFoundError, ValidationError, parseJson, validate, cutText } from '../core';

/** The `yaml` library, loaded when the first YAML file is read (about 70 modules a notebook's import should not wait for). */
function yamlLibrary(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml') as typeof import('yaml');
}

const templateFileSchema = z.union([
  z.object({ prompt: z.string().min(1) }).passthrough(),
  z.object({ template: z.string().min(1) }).passthrough(),
]);

const placeholder = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Names of the `{placeholders}` in a template (`{{` and `}}` are literal braces). */
export function templatePlaceholders(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(placeholder)) if (match[1]) names.add(match[1]);
  return [...names];
}

/**
 * Fills `{name}` placeholders from `values`; `{{` and `}}` are literal braces. A
 * placeholder with no value is a `ValidationError` naming it and the values there are.
 */
export function renderTemplate(template: string, values: Record<string, unknown>, source = 'template'): string {
  const missing = templatePlaceholders(template).filter((name) => values[name] === undefined || values[name] === null);
  if (missing.length > 0) {
    const available = Object.keys(values).filter((name) => values[name] !== undefined && values[name] !== null).sort();
    throw new ValidationError({
      code: 'template_value_missing',
      message: `${source} uses ${missing.map((name) => `{${name}}`).join(', ')} but no value was given; values given: ${available.join(', ') || 'none'}`,
      issues: missing.map((name) => ({ field: `values.${name}`, message: 'no value for this placeholder', given: undefined, allowed: available })),
      details: { source, missing },
    });
  }
  return template.replace(placeholder, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const value = values[name as string];
    return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

/**
 * Reads a prompt template: the `prompt` (or `template`) field of a `.json`, `.yaml` or
 * `.yml` file, or the whole text of any other file.
 */
export async function readPromptTemplate(templatePath: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(templatePath, 'utf8');
  } catch (error) {
    throw new NotFoundError({
      code: 'template_not_found',
      message: `prompt template ${templatePath} could not be read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      details: { path: templatePath },
      cause: error,
    });
  }
  const extension = extname(templatePath).toLowerCase();
  if (extension !== '.json' && extension !== '.yaml' && extension !== '.yml') return text;
  let parsed: unknown;
  if (extension === '.json') parsed = parseJson(text, templatePath);
  else {
    try {
      parsed = yamlLibrary().parse(text);
    } catch (error) {
      throw new ValidationError({
        code: 'template_invalid',
        message: `prompt template ${templatePath} is not valid YAML: ${(error as Error).message}`,
        issues: [{ field: templatePath, message: 'not valid YAML', given: cutText(text, { characters: 80 }, '') }],
      });
    }
  }
  const file = validate(templateFileSchema, parsed, { what: `prompt template ${templatePath} (needs a "prompt" or "template" string)`, code: 'template_invalid' });
  return 'prompt' in file ? (file.prompt as string) : (file.template as string);
}
