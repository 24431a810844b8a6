import type { CacheBreakpoint, Diagnostic, ModelParams, ModelRef, Range, Role } from '../types';
import type { LineIndex } from './lineIndex';

/** `.prompt` (Assay's own front matter) or `.prompty` (Prompty v1/v2 front matter, mapped onto the same model). */
export type PromptFileKind = 'prompt' | 'prompty';

/** One `provider:model` reference from `model`/`models` (or Prompty's model block), with where it is written. */
export interface PromptModel {
  ref: ModelRef;
  /** The reference as written, e.g. `openai:gpt-5.5`. */
  text: string;
  range: Range;
}

/** A declared input: from `inputs`, or (Prompty) a key of `sample`. */
export interface PromptInput {
  name: string;
  /** `string`, `number`, `integer`, `boolean`, `object`, `array`, `messages`… as written (Prompty's `kind` too). */
  type?: string;
  description?: string;
  /** Present only when `hasDefault`; `null` is a valid default. */
  default?: unknown;
  hasDefault: boolean;
  /** Range of the input's name in the front matter. */
  range: Range;
}

/** The raw `tests` value: a path, a list of paths, or a list of inline cases (the test-bank loader reads it). */
export interface PromptTests {
  value: unknown;
  /** Range of the value node. */
  range: Range;
}

/** A variable a section's template reads, e.g. `ticket` in `{{ ticket | trim }}`. */
export interface VariableUse {
  name: string;
  range: Range;
  /** The use tolerates a missing value (`| default`, `is defined`, inside `{% if x is defined %}`). */
  guarded: boolean;
}

/** One message of the prompt, as written between role markers. */
export interface PromptSection {
  /**
   * The message role, or `messages` for a placeholder line (`messages: history`) that splices a list of
   * prior messages, taken from a variable, into the conversation.
   */
  role: Role | 'messages';
  /** The marker line; absent for text before the first marker (an implicit system message). */
  markerRange?: Range;
  /** From the line after the marker to the next marker (or the end of the file). */
  bodyRange: Range;
  /** The body's template source, exactly as in the file. */
  source: string;
  /** Offset of `source` in the file. */
  sourceOffset: number;
  /** Variables the template reads (loop variables, `set` targets and macro arguments excluded). */
  variables: VariableUse[];
  /** For a `messages` placeholder: the variable holding the list (default `messages`). */
  messagesVariable?: string;
  /** A prompt-cache breakpoint after this message (`user[cache]:`, `system[cache="1h"]:`). */
  cache?: CacheBreakpoint;
  /** The template's syntax error, if it has one (also in the document's diagnostics). */
  syntaxError?: { message: string; range: Range };
}

/** The front matter block between `---` fences. */
export interface FrontMatter {
  /** From the opening `---` to the end of the closing one. */
  range: Range;
  /** The YAML between the fences. */
  contentRange: Range;
  /** False when the closing `---` is missing (the block then ends before the first role marker). */
  closed: boolean;
  /** The YAML as plain data (`undefined` when it is not a mapping). */
  data?: Record<string, unknown>;
  /** Range of each top-level key, for hovers and quick fixes. */
  keyRanges: Map<string, Range>;
}

/** A parsed `.prompt`/`.prompty` file. Parsing never throws; problems are in `diagnostics`. */
export interface PromptDocument {
  text: string;
  kind: PromptFileKind;
  /** The file's path when known; `dir` resolves relative `tests` paths. */
  path?: string;
  dir?: string;
  lines: LineIndex;
  frontMatter?: FrontMatter;
  name?: string;
  description?: string;
  models: PromptModel[];
  params: ModelParams;
  /** By name, in declaration order. */
  inputs: Map<string, PromptInput>;
  tests?: PromptTests;
  sections: PromptSection[];
  /** `.prompty` only: `mustache` when the file says `template: mustache` (else Jinja2). */
  templateFormat?: 'mustache';
  /** `.prompty` only: 1 for Prompty 0.1/1.0 front matter, 2 for Prompty 2.0 (see `promptyVersionOf`). */
  promptyVersion?: 1 | 2;
  /** Everything after the front matter, with its offset: a `.prompty` file renders it as one template. */
  /** `template`: what renders when it differs from the source (a base template's body with this file's blocks). */
  body?: { source: string; offset: number; template?: string };
  /** Problems found while parsing (YAML, structure, types); `validatePromptFile` adds cross-checks. */
  diagnostics: Diagnostic[];
}

/** Every diagnostic code the prompt-file parser and validator emit, with what it means (docs/prompt-format.md lists them too). */
export const PROMPT_DIAGNOSTIC_CODES = {
  'yaml-syntax': 'The front matter is not valid YAML.',
  'duplicate-key': 'A key (or input) appears twice.',
  'frontmatter-unclosed': "The front matter has no closing '---'.",
  'frontmatter-not-mapping': 'The front matter is not a mapping of keys.',
  'unknown-key': 'A key Assay does not read (a typo, or a Prompty key in a .prompt file).',
  'wrong-type': 'A value of the wrong type (a string where a number belongs…).',
  'model-ref': 'A model reference that is not provider:model.',
  'model-conflict': "Both 'model' and 'models' are set.",
  'unknown-provider': 'A provider the caller does not know (only with a list of known providers).',
  'prompty-api': 'A Prompty model API other than chat or responses.',
  'unknown-param': 'A generation parameter Assay does not know.',
  'unsupported-param': 'A known provider parameter Assay does not send yet.',
  'param-range': 'A parameter outside its usual range.',
  'input-type': "An unknown input type, or a default that does not fit the input's type.",
  'input-name': 'An input name a template cannot refer to.',
  'env-ref': 'A ${env:NAME} reference to a variable that is not set and has no default.',
  'file-ref': 'A ${file:path} reference that cannot be read.',
  'sample-file': "A Prompty sample given as a file, which is not loaded.",
  'tests-shape': "'tests' is not a path, a list of paths or a list of cases.",
  'template-format': 'A Prompty template format other than Jinja2 or Mustache.',
  'unsupported-tool': "A Prompty tool of a kind other than function (web_search, mcp, openapi…), which Assay cannot run.",
  'prompty-base': "A Prompty 'base:' whose model and sample are not merged: in a 2.0 file (Prompty 2.0 has no base) or an unsaved one.",
  'base-file': "A Prompty 'base:' file that cannot be read (or names a loop of bases).",
  'output-conflict': "Both Prompty 'outputs' and a response_format: 'outputs' is sent.",
  'unknown-role': 'A line that looks like a role marker but is not one.',
  'role-attribute': 'A role-line attribute Assay reads (cache) with a value it does not take.',
  'messages-placeholder': 'Text after a messages placeholder.',
  'empty-section': 'A role marker with no text after it.',
  'template-syntax': 'A Nunjucks syntax error.',
  'template-include': 'include, import or extends, which have nothing to load.',
  'undeclared-variable': 'A variable the template reads that is not declared in inputs.',
  'model-shutdown': 'A model past its shutdown date in the model catalog: requests to it fail.',
  'model-deprecated': 'A model the catalog lists with a shutdown date still ahead.',
  'model-param': 'A parameter the model rejects, per the model catalog (e.g. temperature with reasoning effort other than none).',
  'unused-input': 'An input no template reads.',
} as const;

/** A code from `PROMPT_DIAGNOSTIC_CODES`. */
export type PromptDiagnosticCode = keyof typeof PROMPT_DIAGNOSTIC_CODES;
