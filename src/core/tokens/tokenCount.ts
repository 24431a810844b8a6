// Token estimates for the status bar. OpenAI models get an exact count from their own BPE (o200k_base,
// the encoding of gpt-4o, gpt-4.1, gpt-5 and the o-series); every other model gets the same count
// labelled as an estimate, since their tokenizers are not public.
import type { ChatMessage, ModelRef } from '../types';

type Encoder = { countTokens(text: string): number };
let encoder: Promise<Encoder> | undefined;

/** Loads the tokenizer on first use (≈2.7 MB of rank data: never at activation). */
function loadEncoder(): Promise<Encoder> {
  // Bundled, this is the vendored CommonJS file, whose exports Node's import() hands over as `default`.
  encoder ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => ('countTokens' in m ? m : (m as { default: Encoder }).default) as Encoder);
  return encoder;
}

/** Chat-format overhead per message and per reply, as OpenAI documents for its chat models. */
const PER_MESSAGE = 3;
const PER_REPLY = 3;

export interface TokenCount {
  tokens: number;
  /** True when the count uses the model's own tokenizer. */
  exact: boolean;
  /** What the count was made with, for tooltips. */
  method: string;
}

/** OpenAI models whose tokenizer is o200k_base. */
function usesO200k(ref: ModelRef): boolean {
  return ref.provider === 'openai' && /^(gpt-4o|gpt-4\.1|gpt-5|o\d|chatgpt-4o)/.test(ref.model);
}

/** Tokens of a plain text (o200k_base): an estimate for any model but OpenAI's own. */
export async function countTextTokens(text: string): Promise<number> {
  return text === '' ? 0 : (await loadEncoder()).countTokens(text);
}

/** Counts the prompt tokens of `messages` for `ref`. */
export async function countPromptTokens(messages: readonly ChatMessage[], ref: ModelRef): Promise<TokenCount> {
  const enc = await loadEncoder();
  let tokens = PER_REPLY;
  for (const m of messages) tokens += PER_MESSAGE + enc.countTokens(m.content) + (m.name ? enc.countTokens(m.name) : 0);
  const exact = usesO200k(ref);
  return { tokens, exact, method: exact ? `o200k_base (${ref.model}'s tokenizer)` : `o200k_base, as an estimate for ${ref.provider}:${ref.model}` };
}
