/** One turn of a conversation with a model. */
export interface ModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Image bytes for vision models (read from the Party Box, never from a torch). */
  images?: Uint8Array[];
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
