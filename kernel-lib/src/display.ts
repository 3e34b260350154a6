/**
 * `campfires/display`: the browser-safe part of the notebook surface — the MIME
 * payload schemas and types that the JupyterLab extension imports (zod only).
 */
export * from './notebook/payloads';
