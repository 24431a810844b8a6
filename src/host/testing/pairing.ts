// Which test bank goes with which prompt file, by name: `NAME.tests.yaml` (or `NAME.csv`, `NAME.jsonl`…)
// runs against `NAME.prompt` beside it, as `assay test` pairs them (core/run/testSuite.ts,
// `pairedPromptFiles`). Only `node:fs` and `node:path`: the CodeLens and the Test Explorer's first look use
// it during activation without loading the testing bundle.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** Suffixes of a bank that pairs with `NAME.prompt` when `tests:` does not name it, in order of preference. */
export const PAIRED_SUFFIXES = ['.tests.yaml', '.tests.yml', '.tests.json', '.tests.jsonl', '.tests.csv', '.csv', '.jsonl'] as const;

/** The bank beside `promptPath` that pairs with it, if one exists. */
export function pairedBankOf(promptPath: string): string | undefined {
  const stem = join(dirname(promptPath), basename(promptPath, extname(promptPath)));
  return PAIRED_SUFFIXES.map((s) => stem + s).find((p) => existsSync(p));
}

/** Whether a prompt file has anything to test: a `tests:` key, or a paired bank beside it. */
export function promptHasTests(promptPath: string, text: string): boolean {
  return /^tests\s*:/m.test(text) || pairedBankOf(promptPath) !== undefined;
}

/** The prompt file a bank runs against: `NAME.prompt` (or `.prompty`) beside `NAME.tests.yaml`, if it exists. */
export function promptForBank(bankPath: string): string | undefined {
  const base = basename(bankPath, extname(bankPath)).replace(/\.tests?$/i, '');
  return ['.prompt', '.prompty'].map((ext) => join(dirname(bankPath), base + ext)).find((p) => existsSync(p));
}
