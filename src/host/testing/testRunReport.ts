// One (case, model) of a run — all its repeats — as a Test Explorer result: passed, failed with a message
// per failed assertion (a diff where the assertion names the expected text), errored, or skipped when
// the run was cancelled before it ran. Live runs report their executions; batch runs the CLI's JSON report.
import * as vscode from 'vscode';
import type { CaseExecution } from '../../core/run/runReport';
import type { TestCase } from '../../core/testBank/testBankTypes';

/** What reporting reads of an execution (a live run's `CaseExecution`, or a result of `assay test --json`). */
export interface ReportedExecution extends Pick<CaseExecution, 'status' | 'cancelled' | 'error' | 'reason' | 'output' | 'latencyMs'> {
  /** `index`: the assertion's position in the case (absent when not known: no diff is shown then). */
  assertions: readonly { index?: number; type: string; pass: boolean; reason: string }[];
}

function located(message: vscode.TestMessage, item: vscode.TestItem): vscode.TestMessage {
  if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
  return message;
}

/** A Test Explorer verdict. */
export type ItemVerdict = 'passed' | 'failed' | 'errored' | 'skipped';

/** Reports `list` (one case on one model) on `item` and returns the verdict; `testCase` gives the expected text of diffs. */
export function reportExecutions(run: vscode.TestRun, item: vscode.TestItem | undefined, testCase: TestCase | undefined, list: readonly ReportedExecution[]): ItemVerdict | undefined {
  if (!item || list.length === 0) return undefined;
  const duration = list.reduce((s, e) => s + e.latencyMs, 0);
  const passes = list.filter((e) => e.status === 'pass').length;
  const fails = list.filter((e) => e.status === 'fail').length;
  const errors = list.filter((e) => e.status === 'error');
  if (errors.length === list.length) {
    if (errors.every((e) => e.cancelled)) {
      run.skipped(item);
      return 'skipped';
    }
    const e = errors[0]!;
    run.errored(item, located(new vscode.TestMessage(`${e.error?.kind ?? 'error'}: ${e.error?.message ?? e.reason}`), item), duration);
    return 'errored';
  }
  if (fails === 0) {
    run.passed(item, duration);
    return 'passed';
  }
  const messages: vscode.TestMessage[] = [];
  const failed = list.find((e) => e.status === 'fail')!;
  const prefix = list.length > 1 ? `${passes}/${list.length} passed${passes > 0 ? ' (flaky)' : ''} — ` : '';
  for (const a of failed.assertions.filter((x) => !x.pass)) {
    const spec = a.index === undefined ? undefined : testCase?.assert[a.index];
    const expected = ['equals', 'starts-with', 'levenshtein'].includes(a.type) && typeof spec?.value === 'string' ? spec.value : undefined;
    const text = `${prefix}${a.type}: ${a.reason}`;
    messages.push(located(expected !== undefined ? vscode.TestMessage.diff(text, expected, failed.output) : new vscode.TestMessage(`${text}\n\nOutput:\n${failed.output}`), item));
  }
  if (messages.length === 0) messages.push(new vscode.TestMessage(`${prefix}${failed.reason}`));
  run.failed(item, messages, duration);
  return 'failed';
}
