/**
 * A local HTTP server that speaks Ollama's wire protocol (`/api/chat`, `/api/generate`,
 * `/api/tags`, `/api/version`; NDJSON streaming; `{"error": ...}` bodies), scripted per
 * test: queue replies with `reply(...)`, read what the client sent in `requests`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (or the raw text when it is not JSON; null when empty). */
  body: any;
}

/** What the server answers to the next model call; replies are used in order. */
export type ScriptedReply =
  /** A normal answer; streamed in `chunks` pieces when the client asks for a stream. */
  | {
      text: string;
      chunks?: number;
      usage?: { input: number; output: number };
      delayMs?: number;
      /** The pause between streamed pieces, in ms (a model writing at its own pace); default none. */
      chunkDelayMs?: number;
      headers?: Record<string, string>;
      /** Fields laid over the final message's telemetry (`eval_count: null`, `model: 7`, OpenAI's `usage`...). */
      stats?: Record<string, unknown>;
    }
  /** An HTTP error with the protocol's error body (or `body` as-is). */
  | { status: number; error?: string; body?: string; contentType?: string; headers?: Record<string, string> }
  /** Never answer (until the server closes). */
  | { hang: true }
  /** Close the connection without answering (a dropped keep-alive connection, a crash). */
  | { drop: true }
  /** Send the first part of `text` and end the body without the final message. */
  | { truncate: true; text: string }
  /** Send `raw` as the body of a 200 (or `status`) answer. */
  | { raw: string; contentType?: string; status?: number }
  /** A 200 whose body is `{"error": message}` (Ollama does this for some failures). */
  | { errorInBody: string }
  /** A stream that starts with `text` and then carries an error instead of its end (a runner that crashed mid-answer). */
  | { streamError: string; text: string }
  /**
   * The model calls tools instead of answering: Ollama's `message.tool_calls` (arguments as
   * an object), OpenAI's `choices[0].message.tool_calls` (arguments as a JSON string, an id,
   * `finish_reason: "tool_calls"`). `arguments` given as a string is sent as it is.
   */
  | { toolCalls: ScriptedToolCall[]; text?: string; usage?: { input: number; output: number }; delayMs?: number };

/** One tool call a scripted reply makes. */
export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
  /** OpenAI's call id (default `call_<n>`); Ollama sends none. */
  id?: string;
}

/** Common surface of the protocol servers. */
export interface ProtocolServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Queues replies for the next model calls, in order. */
  reply(...replies: ScriptedReply[]): void;
  /** Replies not used yet. */
  pending(): number;
  close(): Promise<void>;
}

/** The Ollama-protocol server: `models` is what `/api/tags` lists; other models get a 404. */
export interface OllamaProtocolServer extends ProtocolServer {
  models: string[];
}

/** Splits text into `count` roughly equal pieces (at least one). */
export function splitText(text: string, count = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, count)));
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces.length > 0 ? pieces : [''];
}

/** Reads a request body as text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts an HTTP server on a free loopback port and tracks sockets so `close` never waits on a hang. */
export async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, port, close };
}

export async function record(request: IncomingMessage): Promise<RecordedRequest> {
  const text = await readBody(request);
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { method: request.method ?? 'GET', path: (request.url ?? '/').split('?')[0] ?? '/', headers: request.headers, body };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the Ollama-protocol server.
 * @example const ollama = await startOllamaProtocolServer(); ollama.reply({ text: '{"claim":"ok"}' });
 */
export async function startOllamaProtocolServer(options: { models?: string[]; script?: (request: RecordedRequest, call: number) => ScriptedReply } = {}): Promise<OllamaProtocolServer> {
  let calls = 0;
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const models = options.models ?? ['llama3.1:8b'];

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };

  const answer = async (recorded: RecordedRequest, response: ServerResponse, endpoint: 'chat' | 'generate'): Promise<void> => {
    const body = (recorded.body ?? {}) as { model?: string; stream?: boolean };
    const model = body.model ?? '';
    if (!models.includes(model)) {
      json(response, 404, { error: `model "${model}" not found, try pulling it first` });
      return;
    }
    calls += 1;
    const reply = queue.shift() ?? options.script?.(recorded, calls);
    if (!reply) {
      json(response, 500, { error: `no scripted reply left for POST /api/${endpoint}` });
      return;
    }
    const stream = body.stream !== false; // Ollama streams unless told not to.
    const createdAt = new Date().toISOString();
    const piece = (text: string, done: boolean, usage?: { input: number; output: number }, stats?: Record<string, unknown>) => {
      const content = endpoint === 'chat' ? { message: { role: 'assistant', content: text } } : { response: text };
      const end = done
        ? { done_reason: 'stop', total_duration: 1_000_000, load_duration: 1000, prompt_eval_count: usage?.input ?? 10, prompt_eval_duration: 1000, eval_count: usage?.output ?? 5, eval_duration: 1000 }
        : {};
      return { model, created_at: createdAt, ...content, done, ...end, ...(done ? stats : {}) };
    };
    if ('toolCalls' in reply) {
      if (reply.delayMs) await sleep(reply.delayMs);
      // Ollama puts the calls in one message, arguments as an object, and ends with done_reason "stop".
      const message = { role: 'assistant', content: reply.text ?? '', tool_calls: reply.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.arguments } })) };
      const whole = { ...piece('', true, reply.usage), message };
      if (!stream) json(response, 200, whole);
      else {
        response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        response.write(`${JSON.stringify({ model, created_at: createdAt, message, done: false })}\n`);
        response.end(`${JSON.stringify(piece('', true, reply.usage))}\n`);
      }
      return;
    }
    if ('hang' in reply) return; // the socket stays open until the client gives up or the server closes
    if ('drop' in reply) {
      response.socket?.destroy();
      return;
    }
    if ('status' in reply && !('raw' in reply)) {
      response.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json; charset=utf-8', ...reply.headers });
      response.end(reply.body ?? JSON.stringify({ error: reply.error ?? `status ${reply.status}` }));
      return;
    }
    if ('raw' in reply) {
      response.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json; charset=utf-8' });
      response.end(reply.raw);
      return;
    }
    if ('errorInBody' in reply) {
      if (stream) {
        response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        response.end(`${JSON.stringify({ error: reply.errorInBody })}\n`);
      } else json(response, 200, { error: reply.errorInBody });
      return;
    }
    if ('streamError' in reply) {
      response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      for (const part of splitText(reply.text, 2)) response.write(`${JSON.stringify(piece(part, false))}\n`);
      response.end(`${JSON.stringify({ error: reply.streamError })}\n`);
      return;
    }
    if ('truncate' in reply) {
      const half = reply.text.slice(0, Math.ceil(reply.text.length / 2));
      if (stream) {
        response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        for (const part of splitText(half, 2)) response.write(`${JSON.stringify(piece(part, false))}\n`);
        response.end(JSON.stringify(piece(reply.text.slice(half.length), false)).slice(0, 20)); // cut mid-line
      } else {
        response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(piece(reply.text, true)).slice(0, 40));
      }
      return;
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    if (!stream) {
      json(response, 200, piece(reply.text, true, reply.usage, reply.stats), reply.headers);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson', ...reply.headers });
    for (const [index, part] of splitText(reply.text, reply.chunks ?? 3).entries()) {
      if (index > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      response.write(`${JSON.stringify(piece(part, false))}\n`);
    }
    response.end(`${JSON.stringify(piece('', true, reply.usage, reply.stats))}\n`);
  };

  const { port, close } = await listen((request, response) => {
    void (async () => {
      const recorded = await record(request);
      requests.push(recorded);
      const route = `${recorded.method} ${recorded.path}`;
      if (route === 'GET /api/tags') {
        json(response, 200, {
          models: models.map((name) => ({
            name,
            model: name,
            modified_at: '2026-01-01T00:00:00Z',
            size: 4_920_753_328,
            digest: 'sha256:0000',
            details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '8.0B', quantization_level: 'Q4_K_M' },
          })),
        });
      } else if (route === 'GET /api/version') json(response, 200, { version: '0.6.0' });
      else if (route === 'GET /' || route === 'HEAD /') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('Ollama is running');
      } else if (route === 'POST /api/chat') await answer(recorded, response, 'chat');
      else if (route === 'POST /api/generate') await answer(recorded, response, 'generate');
      else {
        response.writeHead(404, { 'Content-Type': 'text/plain' });
        response.end('404 page not found');
      }
    })();
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    models,
    reply: (...replies) => void queue.push(...replies),
    pending: () => queue.length,
    close,
  };
}
