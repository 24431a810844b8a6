// Turns what the user clicked (a prompt file, a bank, some cases, some models) into the test suites a run
// executes, through the same core builders as `assay test`. Pure (no `vscode`); in the testing bundle.
import { resolve } from 'node:path';
import { parseModelRef } from '../../core/assertions/providerRef';
import type { FileAccess } from '../../core/files/safeFiles';
import { bankFileSuite, promptFileSuite, type ModelTarget, type TestSuite } from '../../core/run/testSuite';
import type { BankDiagnostic } from '../../core/testBank/testBankTypes';
import { promptForBank } from './pairing';
import { discoverPrompt, readText } from './testDiscovery';

/** One suite of a run: a prompt's `tests:`, or a bank run against a prompt, narrowed to some cases and models. */
export interface SuiteTarget {
  promptPath: string;
  /** Run this bank against the prompt (the prompt's own `tests:` ignored), as `assay test BANK` does. */
  bankPath?: string;
  /** Only these cases, by id. */
  caseIds?: string[];
  /** Only the cases written at these positions (CodeLens: file and index in its list). */
  caseRefs?: { file: string; index: number }[];
  /** Only the cases written in this file (a bank that `tests:` names). */
  fromFile?: string;
  /** Only these models (`provider:model` labels). */
  models?: string[];
}

/** How a run picks its models. */
export interface PlanOptions {
  /** Project root: stored paths are relative to it. */
  root: string;
  /** `assay.defaultModels`: the models of prompts that name none, and the extra ones of "all models". */
  defaultModels: string[];
  /** Add every default model to each suite's own ("Run on all models"). */
  allModels?: boolean;
  /** What loading the suites may read. */
  files: FileAccess;
}

/** A suite ready to run, or why not. */
export type PlannedSuite = { suite: TestSuite; target: SuiteTarget } | { error: string; diagnostics: BankDiagnostic[]; target: SuiteTarget };

function refs(labels: readonly string[]): ModelTarget[] {
  const out: ModelTarget[] = [];
  for (const label of labels) {
    const ref = parseModelRef(label);
    if (!('error' in ref)) out.push({ ref, label: `${ref.provider}:${ref.model}` });
  }
  return out;
}

const same = (a: string, b: string): boolean => resolve(a) === resolve(b);

/** Builds the suite `target` describes. Load errors come back with their diagnostics; nothing throws. */
export function planSuite(target: SuiteTarget, options: PlanOptions): PlannedSuite {
  const defaults = refs(options.defaultModels);
  const suiteOptions = { root: options.root, defaultModels: defaults.map((d) => d.ref), files: options.files };
  const suite = target.bankPath ? bankFileSuite(target.bankPath, target.promptPath, suiteOptions) : promptFileSuite(target.promptPath, suiteOptions);
  const errors = suite.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { error: `${suite.name}: ${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''}`, diagnostics: errors, target };

  let cases = suite.cases;
  if (target.fromFile !== undefined) cases = cases.filter((c) => same(c.source.file, target.fromFile!));
  if (target.caseRefs) cases = cases.filter((c) => target.caseRefs!.some((r) => r.index === c.source.index && same(r.file, c.source.file)));
  if (target.caseIds) {
    const ids = new Set(target.caseIds);
    cases = cases.filter((c) => ids.has(c.id));
  }
  let models = suite.models;
  if (options.allModels) for (const d of defaults) if (!models.some((m) => m.label === d.label)) models = [...models, d];
  if (target.models) {
    const wanted = new Set(target.models);
    models = models.filter((m) => wanted.has(m.label));
  }
  if (cases.length === 0) return { error: `${suite.name}: no test case to run (the file changed since; save it and try again)`, diagnostics: [], target };
  if (models.length === 0) return { error: `${suite.name}: no model to run on`, diagnostics: [], target };
  return { suite: { ...suite, cases, models }, target };
}

/**
 * The suite a bank file runs as: the cases `tests:` of its paired prompt loads from it (so the run lands on
 * the prompt's items), or the bank on its own against that prompt. Undefined without a prompt beside it.
 */
export function targetForBank(bankPath: string, defaultModels: readonly string[], files: FileAccess): SuiteTarget | undefined {
  const promptPath = promptForBank(bankPath);
  if (!promptPath) return undefined;
  const text = readText(promptPath, files);
  if (text === undefined) return undefined;
  const found = discoverPrompt(promptPath, text, defaultModels, files);
  if (found.bankFiles.some((f) => same(f, bankPath))) return { promptPath, fromFile: bankPath };
  return { promptPath, bankPath };
}
