#!/usr/bin/env node
// A stand-in for an Ollama host whose model answers every /api/chat in 10 ms (`DELAY_MS`):
// the wire protocol of Ollama's non-streaming chat, in its own process, so a benchmark can
// drive the real `ollama` client over real HTTP. Prints its port on the first line.
const { createServer } = require('node:http');

const DELAY_MS = Number(process.env.DELAY_MS ?? 10);
let calls = 0;

const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    if (request.url === '/api/chat') {
      const chat = JSON.parse(body);
      const user = chat.messages[chat.messages.length - 1].content;
      // The same answers as the in-process bench model: a council that neither starves nor stalls.
      const type = user.includes('resource_level 0,') ? 'increase_resource' : ['increase_resource', 'decrease_resource', 'pass'][calls % 3];
      calls += 1;
      const answer = JSON.stringify({ action: type, target: 'world', reason: 'bench' });
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ model: chat.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: answer }, done: true, done_reason: 'stop', prompt_eval_count: 400, eval_count: 20 }));
      }, DELAY_MS);
      return;
    }
    if (request.url === '/api/tags') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ models: [{ name: 'llama3.1:8b' }] }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: `no route ${request.url}` }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
