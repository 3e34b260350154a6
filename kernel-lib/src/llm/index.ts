/** The llm area: the LanguageModel port, its Ollama, OpenAI-compatible, cassette and scripted adapters, and structured output. Other areas import from here only. */
export {
  type ModelMessage,
  type ModelRequest,
  type ModelUsage,
  type ModelResponse,
  type LanguageModel,
  type ModelTool,
  type ModelToolCall,
} from './language-model';
export { parseToolArguments } from './tool-arguments';
export { redactSecrets } from './redact-secrets';
export { type RateLimit, modelRateLimit } from './model-rate-limit';
export { retryAfterMs } from './model-call-policy';
export { networkReason, modelNotFoundError } from './model-failures';
export { resolveOllamaHost, displayHost } from './model-host';
export {
  createOllamaModel,
  DEFAULT_OLLAMA_MODEL,
  DEFAULT_OLLAMA_VISION_MODEL,
  type OllamaModelSettings,
  OllamaModel,
} from './create-ollama-model';
export { imageMediaType } from './image-data-url';
export {
  createOpenAICompatibleModel,
  type StructuredOutputMode,
  type OpenAICompatibleModelSettings,
  OpenAICompatibleModel,
} from './create-openai-compatible-model';
export {
  createOpenRouterModel,
  DEFAULT_OPENROUTER_MODEL,
  DEFAULT_OPENROUTER_VISION_MODEL,
  type OpenRouterModelSettings,
} from './create-openrouter-model';
export { extractJson } from './extract-json';
export { readPlainObject } from './read-plain-object';
export { acceptActionKeyVariants } from './normalize-action-key';
export {
  generateObject,
  type ModelAttempt,
  type GenerateObjectOptions,
  type GenerateObjectOutcome,
  tryGenerateObject,
  jsonSchemaOf,
  type GenerateObjectResult,
} from './generate-object';
export { type ScriptedAnswer, type ScriptedResponder, type ScriptedModelOptions, ScriptedModel } from './scripted-model';
export { recordModelCall, writeModelDebugLines } from './record-model-call';
export { type ModelDebugLog, MODEL_DEBUG_LOG_NAME, openModelDebugLog, defaultModelDebugLog } from './model-debug-log';
export { cassetteKey, type CassetteMode, type CassetteModelOptions, CassetteModel } from './cassette-model';
export {
  chooseDefaultModel,
  type ModelPreference,
  type ChooseDefaultModelOptions,
  type DefaultModelChoice,
} from './choose-default-model';
export { DEFAULT_MAX_WAIT_MS, DEFAULT_RETRY_DELAY_MS, modelCallBudget, type ModelCallBudget } from './generate-object';
export { extractJsonCandidates, stripReasoning, type ExtractJsonCandidates } from './extract-json';
