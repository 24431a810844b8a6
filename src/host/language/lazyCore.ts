// The prompt-file core (parser with YAML and Nunjucks, renderer, test banks, price table) is a bundle of
// its own (dist/lazyHost.js, see src/host/lazyHost.ts), loaded here the first time a feature needs it, so
// activate() neither compiles nor runs it.
import type * as FrontMatterModule from '../../core/promptFile/frontMatter';
import type * as KeyDocsModule from '../../core/promptFile/keyDocs';
import type * as ParseModule from '../../core/promptFile/parsePromptFile';
import type * as RenderModule from '../../core/promptFile/renderPrompt';
import type * as ValidateModule from '../../core/promptFile/validatePromptFile';
import type * as PricingModule from '../../core/pricing/pricing';
import type * as PriceTableModule from '../../core/pricing/priceTable';
import type * as RegistryModule from '../../core/providers/providerRegistry';
import type * as TestBankModule from '../../core/testBank/loadTestBank';
import type * as PromptfooModule from '../../core/testBank/promptfooConfig';
import type * as TokenModule from '../../core/tokens/tokenCount';

/** The core functions and tables the language features use. */
export interface Core {
  parsePromptFile: typeof ParseModule.parsePromptFile;
  validatePromptFile: typeof ValidateModule.validatePromptFile;
  renderPrompt: typeof RenderModule.renderPrompt;
  resolveTests: typeof TestBankModule.resolveTests;
  parsePromptfooConfig: typeof PromptfooModule.parsePromptfooConfig;
  countPromptTokens: typeof TokenModule.countPromptTokens;
  parseModelRef: typeof FrontMatterModule.parseModelRef;
  PriceBook: typeof PricingModule.PriceBook;
  parsePricingOverrides: typeof PricingModule.parsePricingOverrides;
  PRICE_TABLE: typeof PriceTableModule.PRICE_TABLE;
  BUILTIN_PROVIDERS: typeof RegistryModule.BUILTIN_PROVIDERS;
  PROMPT_KEYS: typeof FrontMatterModule.PROMPT_KEYS;
  PROMPTY_KEYS: typeof FrontMatterModule.PROMPTY_KEYS;
  PARAM_KEYS: typeof FrontMatterModule.PARAM_KEYS;
  INPUT_SPEC_KEYS: typeof FrontMatterModule.INPUT_SPEC_KEYS;
  INPUT_TYPES: typeof FrontMatterModule.INPUT_TYPES;
  keyDocs: typeof KeyDocsModule;
}

let loading: Promise<Core> | undefined;

/** Loads the core once; later calls share the same promise. */
export function loadCore(): Promise<Core> {
  loading ??= import('./languageCore').then((m) => m.core);
  return loading;
}
