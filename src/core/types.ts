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
  /** An obvious repair (a misspelt name): replace `range` with `newText`; the editor offers it as a quick fix. */
  fix?: DiagnosticFix;
}

/** A one-edit repair of a diagnostic. */
export interface DiagnosticFix {
  title: string;
  range: Range;
  newText: string;
}

export type Role = 'system' | 'user' | 'assistant';

/** A tool call requested by a model, in OpenAI's shape (arguments are the raw JSON string). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Where an image comes from: a URL the provider fetches, bytes carried in the request, or a file not read yet. */
export type ImageSource =
  | { kind: 'url'; url: string }
  | { kind: 'base64'; mediaType: string; data: string }
  /** A local path (relative to the prompt file) that was not read because the caller gave no file access (previews). Providers refuse it. */
  | { kind: 'file'; path: string };

/** One piece of a multimodal message. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image'; source: ImageSource; alt?: string; detail?: 'auto' | 'low' | 'high' };

/** A prompt-cache breakpoint on a message (Anthropic's `cache_control: { type: ephemeral, ttl }`). */
export interface CacheBreakpoint {
  /** The cache's lifetime; the provider's default (5 minutes) when absent. */
  ttl?: '5m' | '1h';
}

export interface ChatMessage {
  /** `developer` comes from Prompty 2.0 files: OpenAI's instructions role, sent as written; Anthropic and Ollama have none. */
  role: Role | 'tool' | 'developer';
  /** The message's text (for a multimodal message, its text parts joined by a blank line). */
  content: string;
  /** The message as sent when it holds more than text (images); `content` is then its text only. */
  parts?: ContentPart[];
  /** A prompt-cache breakpoint after this message (`user[cache]:` in a prompt file). */
  cache?: CacheBreakpoint;
  /** For an assistant turn that called tools. */
  tool_calls?: ToolCall[];
  /** For a `tool` message: the call it answers. */
  tool_call_id?: string;
  name?: string;
}

/** `provider:model`, e.g. `openai:gpt-5.5`, `anthropic:claude-haiku-4-5`, `ollama:llama3.1`. */
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
  /** Anthropic's `thinking` config as the API takes it: `{ type: adaptive }`, `{ type: enabled, budget_tokens }`, `{ type: disabled }`. */
  thinking?: Record<string, unknown>;
  /** Anthropic's `output_config.effort`: `low`, `medium`, `high`, `xhigh` or `max`. */
  effort?: string;
  /** Put the model's thinking into the output text that assertions see (promptfoo's `showThinking`); off by default. */
  showThinking?: boolean;
  /**
   * Ask for the answer's token logprobs (OpenAI's `logprobs: true`, chat completions only). The runner sets it
   * for cases with `perplexity` assertions; it is not a parameter users write.
   */
  logprobs?: boolean;
  /** The Responses API's `reasoning.summary` (`auto`, `concise`, `detailed`): ask for reasoning summaries. */
  reasoning_summary?: string;
  /** The Responses API's `instructions` (promptfoo's `openai:responses:` config): a system text sent beside `input`, as written. */
  instructions?: string;
  /** The Responses API's `store` (promptfoo's `openai:responses:` config): whether OpenAI keeps the response. */
  store?: boolean;
  /**
   * Which OpenAI API serves the call: `chat` (chat completions, the default) or `responses` (the Responses
   * API). Chooses the request's shape; never sent as a field.
   */
  api?: OpenAiApi;
}

/** The OpenAI APIs Assay speaks. */
export type OpenAiApi = 'chat' | 'responses';

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
  /** Of `cacheWriteTokens`, those written with a 1-hour lifetime (Anthropic bills them at another rate). */
  cacheWrite1hTokens?: number;
}

/** A block of the model's thinking (Anthropic `thinking` / `redacted_thinking`), kept apart from the answer. */
export interface ThinkingBlock {
  /** The thinking text; empty for a redacted block. */
  text: string;
  /** Anthropic's signature, passed back unchanged in multi-turn conversations. */
  signature?: string;
  /** An encrypted (`redacted_thinking`) block: only `data` travels, nothing readable. */
  redacted?: boolean;
}

/** The outcome of one model call, success or failure. */
export interface CallResult {
  model: ModelRef;
  /** The answer's text: what assertions check. Thinking is not part of it unless `showThinking` asked for it. */
  text: string;
  /** The model's thinking, in order, when it returned any (Anthropic extended/adaptive thinking). */
  thinking?: ThinkingBlock[];
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
  /**
   * What the model said about its reasoning, for people to read (OpenAI's reasoning summaries). Never part
   * of `text`, so assertions do not see it.
   */
  reasoning?: string;
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
