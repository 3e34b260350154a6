/**
 * A local HTTP server that speaks the OpenAI chat-completions wire protocol (as OpenAI,
 * OpenRouter and other compatible endpoints do): `POST <base>/chat/completions` with
 * JSON or SSE streaming, `GET <base>/models`, `{"error": {...}}` bodies and bearer keys.
 * Scripted per test like the Ollama one: `reply(...)` queues answers, `requests` records.
 */
import type { ServerResponse } from 'node:http';
import { listen, record, splitText, type ProtocolServer, type RecordedRequest, type ScriptedReply } from './ollama-protocol-server';

export type { ProtocolServer, RecordedRequest, ScriptedReply };

/** The OpenAI-protocol server; `baseURL` is what a client is given (`url` + base path). */
export interface OpenAIProtocolServer extends ProtocolServer {
  baseURL: string;
  models: string[] | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the server. With `apiKey`, requests must carry `Authorization: Bearer <apiKey>`
 * (others get OpenAI's 401 body, which echoes the key given, as real endpoints do).
 * With `models`, other model names get OpenAI's 404 `model_not_found`.
 * @example const openai = await startOpenAIProtocolServer({ apiKey: 'sk-test-1234567890' });
 */
export async function startOpenAIProtocolServer(
  options: { apiKey?: string; models?: string[]; basePath?: string; script?: (request: RecordedRequest, call: number) => ScriptedReply } = {},
): Promise<OpenAIProtocolServer> {
  let calls = 0;
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const basePath = options.basePath ?? '/v1';
  let counter = 0;

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  const errorBody = (message: string, type: string, code: string | number | null) => ({ error: { message, type, param: null, code } });

  const complete = async (recorded: RecordedRequest, response: ServerResponse): Promise<void> => {
    const body = (recorded.body ?? {}) as { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
    const model = body.model ?? '';
    if (options.models && !options.models.includes(model)) {
      json(response, 404, errorBody(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
      return;
    }
    calls += 1;
    const reply = queue.shift() ?? options.script?.(recorded, calls);
    if (!reply) {
      json(response, 500, errorBody(`no scripted reply left for POST ${recorded.path}`, 'server_error', null));
      return;
    }
    counter += 1;
    const id = `chatcmpl-${counter}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    if ('toolCalls' in reply) {
      if (reply.delayMs) await sleep(reply.delayMs);
      const calls = reply.toolCalls.map((call, index) => ({
        id: call.id ?? `call_${counter}_${index + 1}`,
        type: 'function',
        function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
      }));
      const usage = { prompt_tokens: reply.usage?.input ?? 10, completion_tokens: reply.usage?.output ?? 5, total_tokens: (reply.usage?.input ?? 10) + (reply.usage?.output ?? 5) };
      if (!body.stream) {
        json(response, 200, {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply.text ?? null, tool_calls: calls, refusal: null }, logprobs: null, finish_reason: 'tool_calls' }],
          usage,
        });
        return;
      }
      // Streamed, each call arrives as a delta with its index, then finish_reason "tool_calls".
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      calls.forEach((call, index) => response.write(sse(chunk({ ...(index === 0 ? { role: 'assistant', content: reply.text ?? null } : {}), tool_calls: [{ index, ...call }] }, null))));
      response.write(sse(chunk({}, 'tool_calls')));
      if (body.stream_options?.include_usage) response.write(sse({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }));
      response.end(sse('[DONE]'));
      return;
    }
    if ('hang' in reply) return;
    if ('drop' in reply) {
      response.socket?.destroy();
      return;
    }
    if ('status' in reply && !('raw' in reply)) {
      response.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json', ...reply.headers });
      const type = reply.status === 429 ? 'rate_limit_exceeded' : reply.status >= 500 ? 'server_error' : 'invalid_request_error';
      response.end(reply.body ?? JSON.stringify(errorBody(reply.error ?? `status ${reply.status}`, type, reply.status)));
      return;
    }
    if ('raw' in reply) {
      response.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json' });
      response.end(reply.raw);
      return;
    }
    if ('errorInBody' in reply) {
      // OpenRouter answers some upstream failures with 200 and an error object.
      if (body.stream) {
        response.writeHead(200, { 'Content-Type': 'text/event-stream' });
        response.end(sse({ error: { message: reply.errorInBody, code: 502 } }));
      } else json(response, 200, { error: { message: reply.errorInBody, code: 502 } });
      return;
    }
    if ('streamError' in reply) {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      response.write(sse(chunk({ role: 'assistant', content: reply.text.slice(0, 10) }, null)));
      response.end(sse({ error: { message: reply.streamError, code: 502 } }));
      return;
    }
    if ('truncate' in reply) {
      const half = reply.text.slice(0, Math.ceil(reply.text.length / 2));
      if (body.stream) {
        response.writeHead(200, { 'Content-Type': 'text/event-stream' });
        for (const part of splitText(half, 2)) response.write(sse(chunk({ content: part }, null)));
        response.end();
      } else {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ id, object: 'chat.completion', choices: [{ message: { content: reply.text } }] }).slice(0, 50));
      }
      return;
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    const usage = { prompt_tokens: reply.usage?.input ?? 10, completion_tokens: reply.usage?.output ?? 5, total_tokens: (reply.usage?.input ?? 10) + (reply.usage?.output ?? 5) };
    if (!body.stream) {
      json(
        response,
        200,
        {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply.text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage,
          ...reply.stats,
        },
        reply.headers,
      );
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', ...reply.headers });
    response.write(': PROCESSING\n\n');
    for (const [index, part] of splitText(reply.text, reply.chunks ?? 3).entries()) {
      if (index > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      response.write(sse(chunk(index === 0 ? { role: 'assistant', content: part } : { content: part }, null)));
    }
    response.write(sse(chunk({}, 'stop')));
    if (body.stream_options?.include_usage) response.write(sse({ id, object: 'chat.completion.chunk', created, model, choices: [], usage, ...reply.stats }));
    response.end(sse('[DONE]'));
  };

  const { port, close } = await listen((request, response) => {
    void (async () => {
      const recorded = await record(request);
      requests.push(recorded);
      if (options.apiKey !== undefined && recorded.headers.authorization !== `Bearer ${options.apiKey}`) {
        const given = String(recorded.headers.authorization ?? '').replace(/^Bearer /, '');
        json(response, 401, errorBody(`Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'));
        return;
      }
      const route = `${recorded.method} ${recorded.path}`;
      if (route === `POST ${basePath}/chat/completions`) await complete(recorded, response);
      else if (route === `GET ${basePath}/models`) {
        json(response, 200, { object: 'list', data: (options.models ?? []).map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
      } else json(response, 404, errorBody(`Unknown request URL: ${route}`, 'invalid_request_error', 'unknown_url'));
    })();
  });

  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}${basePath}`,
    port,
    requests,
    models: options.models,
    reply: (...replies) => void queue.push(...replies),
    pending: () => queue.length,
    close,
  };
}
