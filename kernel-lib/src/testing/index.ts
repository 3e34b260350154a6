/**
 * `campfires/testing`: what a test author needs to exercise campfires without a real
 * model or a real wall clock — a scripted model, a manual clock, and local HTTP
 * servers that speak Ollama's and OpenAI's wire protocols with scripted replies.
 * @example
 * const server = await startOllamaProtocolServer();
 * server.reply({ text: '{"answer": 42}' });
 * const model = createOllamaModel({ host: server.url });
 */
export { ScriptedModel, type ScriptedAnswer } from '../llm';
export { ManualClock } from '../core';
export {
  startOllamaProtocolServer,
  listen,
  type OllamaProtocolServer,
  type ProtocolServer,
  type RecordedRequest,
  type ScriptedReply,
  type ScriptedToolCall,
} from './ollama-protocol-server';
export { startOpenAIProtocolServer, type OpenAIProtocolServer } from './openai-protocol-server';
