/** A tool the model may call (Ollama and OpenAI `tools`): its name, what it does, a JSON schema of its arguments. */
export interface ModelTool {
  name: string;
  description?: string;
  /** A JSON schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** A tool call the model asked for (Ollama `message.tool_calls`, OpenAI `choices[0].message.tool_calls`). */
export interface ModelToolCall {
  /** The provider's call id (OpenAI), or `call_<n>` where the provider gives none (Ollama). */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** Set when the model's arguments were not a JSON object: what was wrong (the call then has `{}`). */
  argumentsError?: string;
}

/** One turn of a conversation with a model. */
export interface ModelMessage {
  /** `tool` carries a tool's result back to the model. */
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Image bytes for vision models (read from the Party Box, never from a torch). */
  images?: Uint8Array[];
  /** The calls an assistant turn asked for. */
  toolCalls?: ModelToolCall[];
  /** On a `tool` message: the call it answers (OpenAI `tool_call_id`). */
  toolCallId?: string;
  /** On a `tool` message: the tool's name (Ollama `tool_name`). */
  toolName?: string;
}

/** What every model call asks for. */
export interface ModelRequest {
  messages: ModelMessage[];
  /** A JSON schema the answer must follow (Ollama `format`, OpenAI `response_format`). */
  jsonSchema?: Record<string, unknown>;
  temperature?: number;
  /** A sampling seed, for models that take one (Ollama `options.seed`, OpenAI `seed`); others ignore it. */
  seed?: number;
  maxTokens?: number;
  /** Overrides the adapter's default timeout (30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Retries the adapter may make on its own for this request (429/5xx backoff, a dropped
   * connection); default: the adapter's `retries`. `generateObject` sends 0, because its
   * attempts are the one budget of a call and it waits between them itself.
   */
  retries?: number;
  /** When given, the adapter streams and calls this with each piece of text as it arrives. */
  onText?: (chunk: string) => void;
  /** Tools the model may call; its answer then may hold `toolCalls` instead of text. A request with tools is never streamed. */
  tools?: ModelTool[];
}

/** Token counts, where the provider reports them. */
export interface ModelUsage {
  inputTokens?: number;
  outputTokens?: number;
}

/** What a model answered. */
export interface ModelResponse {
  text: string;
  usage?: ModelUsage;
  latencyMs: number;
  /** The model that actually answered (providers may substitute). */
  model: string;
  /** The tools the model asked to call, when the request offered tools and it chose to. */
  toolCalls?: ModelToolCall[];
}

/**
 * The one port every LLM call goes through: campers, simulation agents and
 * convention handlers. Adapters: Ollama, OpenAI-compatible (OpenRouter), cassette.
 */
export interface LanguageModel {
  /** `ollama`, `openai`, `openrouter`, `cassette`, `offline`, `scripted`... shown to users with every result. */
  readonly provider: string;
  readonly modelId: string;
  generate(request: ModelRequest): Promise<ModelResponse>;
  /** Streams text chunks; adapters without streaming may leave it out. */
  stream?(request: ModelRequest): AsyncIterable<string>;
}
