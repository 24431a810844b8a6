// Types shared across core modules: the parser, the providers, the runner, assertions and the store.
// Plain data only; no behaviour, no `vscode`, no DOM.

/** A zero-based position in a text document (same meaning as VS Code's `Position`). */
export interface Position {
  line: number;
  character: number;
}

/** A half-open range `[start, end)` in a text document. */
export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A problem found in a user's file; the host turns these into `vscode.Diagnostic`s, the CLI prints them. */
export interface Diagnostic {
  severity: Severity;
  range: Range;
  message: string;
  /** Stable identifier, e.g. `yaml-syntax`, `unknown-key`, `undeclared-variable`. */
  code: string;
}

export type Role = 'system' | 'user' | 'assistant';

/** A tool call requested by a model, in OpenAI's shape (arguments are the raw JSON string). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role | 'tool';
  content: string;
  /** For an assistant turn that called tools. */
  tool_calls?: ToolCall[];
  /** For a `tool` message: the call it answers. */
  tool_call_id?: string;
  name?: string;
}

/** `provider:model`, e.g. `openai:gpt-4o-mini`, `anthropic:claude-3-5-haiku-latest`, `ollama:llama3.1`. */
export interface ModelRef {
  provider: string;
  model: string;
}

/** Generation parameters a prompt file (or a playground column) may set. */
export interface ModelParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  /** OpenAI's `response_format`: `{type: 'json_object'}` or `{type: 'json_schema', json_schema: {...}}`. */
  response_format?: Record<string, unknown>;
  /** Tools in OpenAI's function-tool shape; the Anthropic provider converts them. */
  tools?: Record<string, unknown>[];
  tool_choice?: unknown;
  /** OpenAI-style sampling and reasoning options, sent as written by OpenAI and compatible endpoints only (promptfoo configs). */
  frequency_penalty?: number;
  presence_penalty?: number;
  max_completion_tokens?: number;
  reasoning_effort?: string;
  verbosity?: string;
}

/** A fully rendered request, ready for a provider. */
export interface ChatRequest {
  model: ModelRef;
  messages: ChatMessage[];
  params: ModelParams;
  /**
   * The test case's variables, for providers that build their own request from them (promptfoo's
   * `http` body templates, and `exec`/script providers' `context.vars`).
   */
  vars?: Record<string, unknown>;
}

export type ErrorKind =
  | 'auth'
  | 'rate_limit'
  | 'timeout'
  | 'network'
  | 'bad_request'
  | 'not_found'
  | 'server'
  | 'cancelled'
  | 'malformed';

/** An expected failure, carried as data on a result (never thrown past a provider). */
export interface CallError {
  kind: ErrorKind;
  message: string;
  /** HTTP status when the server answered. */
  status?: number;
}

export interface Usage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens read from the provider's prompt cache (a subset of `inputTokens`). */
  cachedInputTokens: number;
  /** Prompt tokens written to the provider's prompt cache (Anthropic). */
  cacheWriteTokens: number;
  /** Reasoning tokens (a subset of `outputTokens`) where the provider reports them. */
  reasoningTokens: number;
}

/** The outcome of one model call, success or failure. */
export interface CallResult {
  model: ModelRef;
  text: string;
  toolCalls: ToolCall[];
  /** Normalised: `stop`, `length`, `tool_calls`, `content_filter`, or the provider's own word. */
  finishReason: string | null;
  usage: Usage | null;
  /** US dollars; `null` when the model has no known price ("cost unknown"). */
  cost: number | null;
  latencyMs: number;
  /** Time to first token (streaming only). */
  ttftMs: number | null;
  /** The exact payload sent to the provider, secrets redacted. */
  request: unknown;
  /** The raw response (assembled from the stream when streaming), secrets redacted. */
  response: unknown;
  error?: CallError;
  cacheHit: boolean;
  /** Attempts the engine made (1 + retries); absent on results that never reached the engine. */
  attempts?: number;
  /**
   * `usage` was counted from the streamed text and the messages (o200k_base), not reported by the server:
   * the call was stopped before the server's usage arrived.
   */
  usageEstimated?: boolean;
}
