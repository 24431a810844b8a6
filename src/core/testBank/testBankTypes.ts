// The test-bank model: cases in promptfoo's shape, from inline `tests:`, YAML, CSV, JSONL or a promptfoo config.
import type { AssertionSpec } from '../assertions/assertionTypes';
import type { MockTools } from './mockTools';
import type { Diagnostic, Range } from '../types';

/** One test case. */
export interface TestCase {
  /**
   * Stable within its file across edits that don't touch the case: `<file name>#<hash>` of the description
   * (or of the vars when there is none), with `~2`, `~3`… for repeats. Run comparison matches cases by it.
   */
  id: string;
  description?: string;
  vars: Record<string, unknown>;
  assert: AssertionSpec[];
  /** Pass when the weighted assertion score is ≥ this (instead of every assertion passing). */
  threshold?: number;
  /** Run the case this many times per model (statistics, flakiness). */
  repeat?: number;
  /** promptfoo's test `options` (`provider` for graders, `factuality` scores, `prefix`/`suffix`…). */
  options?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** promptfoo's `prompts`: run the case only with prompts of these labels (`group` also matches `group:…`). */
  prompts?: string[];
  /** promptfoo's `providers`: run the case only on models of these labels or ids (`*` matches any text). */
  providers?: string[];
  /**
   * promptfoo's `assertScoringFunction`: `file://ABSOLUTE.js[:name]` (or `.ts`), or `.py:name` that turns the named
   * scores into the case's verdict instead of the weighted mean.
   */
  assertScoringFunction?: string;
  /**
   * Assay's mocked tools: with them the case runs a tool loop (model → tool calls → these answers → model…)
   * up to `options.maxToolSteps` model calls.
   */
  mockTools?: MockTools;
  /** Where the case is written (for CodeLens and diagnostics); its start line is the case's first line. */
  range?: Range;
  source: { file: string; index: number };
}

/** Bank-level defaults (promptfoo's `defaultTest`), merged into every case by `applyDefaults`. */
export interface TestDefaults {
  vars?: Record<string, unknown>;
  assert?: AssertionSpec[];
  threshold?: number;
  repeat?: number;
  options?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  prompts?: string[];
  providers?: string[];
  assertScoringFunction?: string;
  mockTools?: MockTools;
}

/** A problem in a file the loader read; `file` says which one (a bank may pull in several). */
export interface BankDiagnostic extends Diagnostic {
  file: string;
}

/** The result of loading tests: never thrown, problems are diagnostics. */
export interface TestBank {
  /** Cases as written (defaults not applied: see `applyDefaults`). */
  cases: TestCase[];
  defaults: TestDefaults;
  diagnostics: BankDiagnostic[];
  /** The file the bank was loaded from (for inline tests, the prompt file). */
  file: string;
  /**
   * promptfoo test generators (`file://tests.js[:name]`) the loader found where the caller allows them:
   * absolute path, export name, where they are referenced, and the index in `cases` their tests go at.
   */
  generators?: TestGenerator[];
}

/**
 * A JavaScript, TypeScript or Python file that generates test cases (promptfoo's `tests: file://generate.js`,
 * `file://tests.py:fn`, `{ path, config }`).
 */
export interface TestGenerator {
  path: string;
  functionName?: string;
  /** promptfoo's `config` of a `{ path, config }` entry: the generator function's argument. */
  config?: unknown;
  /** The file referencing it and where. */
  file: string;
  range?: Range;
  /** Where in the bank's cases its tests belong. */
  at: number;
}
