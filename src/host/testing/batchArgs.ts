// The `assay test --batch` command line a Test Explorer batch run starts: the files of the picked suites,
// the picked cases (`--case`) and models (`--models`), and the JSON report the editor reads back. The CLI
// stores this command line with the run's batches, and `assay test --resume` loads it again, so it must
// describe exactly what the editor picked: a pick it cannot express is refused here, before any call.
// Pure (no `vscode`).
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { TestSuite } from '../../core/run/testSuite';
import type { SuiteTarget } from './runPlan';

/** A suite the editor planned, with the pick it came from. */
export interface PlannedBatchSuite {
  target: SuiteTarget;
  suite: Pick<TestSuite, 'name' | 'cases' | 'models'>;
}

/** What `assay test` runs for a batch run: its arguments and the folder it runs in. */
export interface BatchCommand {
  argv: string[];
  cwd: string;
}

export interface BatchCommandOptions {
  /** Where the CLI writes its JSON report (absolute). */
  reportPath: string;
  /** `--batch-poll-max` (tests: the mock batch server moves a step per status read). */
  pollMaxSeconds?: number;
}

/** The deepest folder holding every path. */
export function commonFolder(paths: readonly string[]): string {
  const parts = paths.map((p) => dirname(p).split(sep));
  const first = parts[0] ?? [];
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

/** The file `assay test` loads for a target: a bank run against its prompt, or the prompt's own tests. */
function fileOf(target: SuiteTarget): string {
  return target.bankPath ?? target.promptPath;
}

/** The command line for `suites` (in order: the CLI loads one suite per file, in this order), or why not. */
export function batchCommand(suites: readonly PlannedBatchSuite[], options: BatchCommandOptions): BatchCommand | { error: string } {
  if (suites.length === 0) return { error: 'nothing to run' };
  const narrowed = suites.find((s) => s.target.caseRefs !== undefined || s.target.fromFile !== undefined);
  if (narrowed) return { error: `${narrowed.suite.name}: a batch run takes prompts, banks, cases and models picked in the Test Explorer` };
  const files = suites.map((s) => fileOf(s.target));
  if (new Set(files).size !== files.length) return { error: 'a file is picked twice in different ways; pick it once (or its prompt)' };

  const argv = ['test', '--batch'];
  const cwd = commonFolder(files);
  argv.push(...files.map((f) => (isAbsolute(f) ? relative(cwd, f) || f : f)));

  // `--case` applies to every file: with some cases picked, every case of every suite is named.
  if (suites.some((s) => s.target.caseIds !== undefined)) {
    const ids = suites.flatMap((s) => s.suite.cases.map((c) => c.id));
    if (new Set(ids).size !== ids.length) return { error: 'two picked suites share a case (the same case id): run them one at a time' };
    for (const id of ids) argv.push('--case', id);
  }
  // `--models` too: the picked models must be the same list for every suite.
  if (suites.some((s) => s.target.models !== undefined)) {
    // `--models` names plain `provider:model` references: a model with its own settings would lose them.
    const odd = suites.flatMap((s) => s.suite.models).find((m) => m.params !== undefined || m.stream !== undefined || m.priceAs !== undefined || m.label !== `${m.ref.provider}:${m.ref.model}`);
    if (odd) return { error: `${odd.label} has settings of its own that a picked-models batch run cannot pass on; pick the whole case or prompt` };
    const lists = suites.map((s) => s.suite.models.map((m) => m.label).join(','));
    if (new Set(lists).size > 1) return { error: 'the picked suites run different models; pick the same models in each, or run them one at a time' };
    argv.push('--models', lists[0]!);
  }
  if (options.pollMaxSeconds !== undefined) argv.push('--batch-poll-max', String(options.pollMaxSeconds));
  argv.push('--json', options.reportPath);
  return { argv, cwd };
}
