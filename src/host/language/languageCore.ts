// Part of dist/lazyHost.js (src/host/lazyHost.ts): compiling ~0.5 MB of parser, YAML, Nunjucks and
// test-bank code would cost activate() 15–20 ms even when nothing runs, so lazyCore.ts requires this file
// the first time a prompt file needs parsing (esbuild.mjs keeps the import external).
import { parseModelRef, INPUT_SPEC_KEYS, INPUT_TYPES, PARAM_KEYS, PROMPT_KEYS, PROMPTY_KEYS } from '../../core/promptFile/frontMatter';
import * as keyDocs from '../../core/promptFile/keyDocs';
import { parsePromptFile } from '../../core/promptFile/parsePromptFile';
import { renderPrompt } from '../../core/promptFile/renderPrompt';
import { validatePromptFile } from '../../core/promptFile/validatePromptFile';
import { parsePricingOverrides, PriceBook } from '../../core/pricing/pricing';
import { PRICE_TABLE } from '../../core/pricing/priceTable';
import { BUILTIN_PROVIDERS } from '../../core/providers/providerRegistry';
import { resolveTests } from '../../core/testBank/loadTestBank';
import { parsePromptfooConfig } from '../../core/testBank/promptfooConfig';
import { countPromptTokens } from '../../core/tokens/tokenCount';
import type { Core } from './lazyCore';

export const core: Core = {
  parsePromptFile,
  validatePromptFile,
  renderPrompt,
  resolveTests,
  parsePromptfooConfig,
  countPromptTokens,
  parseModelRef,
  PriceBook,
  parsePricingOverrides,
  PRICE_TABLE,
  BUILTIN_PROVIDERS,
  PROMPT_KEYS,
  PROMPTY_KEYS,
  PARAM_KEYS,
  INPUT_SPEC_KEYS,
  INPUT_TYPES,
  keyDocs,
};
