/** The default Ollama address, as the Ollama server binds it. */
export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

/** Ollama's address from `OLLAMA_HOST` in the forms Ollama accepts (`host`, `host:port`, `:port`, a URL). */
export function resolveOllamaHost(host: string | undefined = process.env.OLLAMA_HOST): string {
  let text = (host ?? '').trim();
  if (!text) return DEFAULT_OLLAMA_HOST;
  if (text.startsWith(':')) text = `127.0.0.1${text}`;
  const explicit = text.includes('://');
  const url = new URL(explicit ? text : `http://${text}`);
  if (!url.port && !explicit) url.port = '11434';
  return url.toString().replace(/\/$/, '');
}

/** A URL as shown to users: without user name, password or query. */
export function displayHost(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
