// JUnit XML for CI systems (GitHub Actions reporters, GitLab, Jenkins, Azure Pipelines): one <testsuite>
// per suite and model, one <testcase> per case (and repeat), <failure> with the failed assertions'
// reasons, <error> for executions without a verdict. Documented in docs/cli.md.
import type { CaseExecution, RunReport } from './runReport';

/** Characters XML 1.0 cannot hold at all (control characters other than tab, newline and return, lone surrogates, U+FFFE/F). */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for element content. */
export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for a double-quoted attribute (line breaks kept as character references). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** Longest output, and longest message or reason, a report keeps: CI pages choke on more, and a 100 MB reply would not fit in one string with its escapes. */
export const JUNIT_MAX_OUTPUT_CHARS = 100_000;
export const JUNIT_MAX_MESSAGE_CHARS = 10_000;

/** `s` cut at `max` characters, with a marker saying how much was left out and where the rest is. */
export function capText(s: string, max: number): string {
  if (s.length <= max) return s;
  // Not between the halves of a surrogate pair.
  const cut = /[\uD800-\uDBFF]/.test(s[max - 1]!) ? max - 1 : max;
  return `${s.slice(0, cut)}\n… [cut by Assay: ${(s.length - cut).toLocaleString('en-US')} more characters; the JSON report and the history hold all of it]`;
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** The test case's name: its description (or id), with the repeat when it runs more than once. */
export function testCaseName(e: CaseExecution): string {
  const name = e.description ?? e.caseId;
  return e.repeats > 1 ? `${name} (repeat ${e.repeatIndex + 1}/${e.repeats})` : name;
}

function failureBody(e: CaseExecution): string {
  const lines = e.assertions.filter((a) => !a.pass).map((a) => `✗ ${a.type}: ${capText(a.reason, JUNIT_MAX_MESSAGE_CHARS)}`);
  if (lines.length === 0) lines.push(capText(e.reason, JUNIT_MAX_MESSAGE_CHARS));
  lines.push('', `score: ${e.score === null ? '—' : e.score.toFixed(2)}`, `output: ${capText(e.output, JUNIT_MAX_OUTPUT_CHARS)}`);
  return lines.join('\n');
}

function testCase(e: CaseExecution, classname: string): string {
  const open = `    <testcase name="${xmlAttr(testCaseName(e))}" classname="${xmlAttr(classname)}" time="${seconds(e.latencyMs)}"`;
  const parts: string[] = [];
  if (e.status === 'fail') {
    parts.push(`      <failure message="${xmlAttr(capText(e.reason, JUNIT_MAX_MESSAGE_CHARS))}" type="assertion">${xmlText(failureBody(e))}</failure>`);
  } else if (e.status === 'error') {
    const kind = e.error?.kind ?? 'error';
    parts.push(
      `      <error message="${xmlAttr(capText(e.error?.message ?? e.reason, JUNIT_MAX_MESSAGE_CHARS))}" type="${xmlAttr(kind)}">${xmlText(capText(e.reason, JUNIT_MAX_MESSAGE_CHARS))}</error>`,
    );
  }
  if (e.output !== '') parts.push(`      <system-out>${xmlText(capText(e.output, JUNIT_MAX_OUTPUT_CHARS))}</system-out>`);
  return parts.length === 0 ? `${open}/>` : `${open}>\n${parts.join('\n')}\n    </testcase>`;
}

/** The JUnit XML document for a set of run reports. */
export function junitXml(reports: readonly RunReport[], meta: { name?: string; startedAt: number; durationMs: number }): string {
  return [...junitPieces(reports, meta)].join('');
}

/**
 * The JUnit XML document in pieces (a test case or less each), for writing to a file without building
 * the whole text: thousands of cases with long outputs can exceed the longest string V8 can hold.
 */
export function* junitPieces(reports: readonly RunReport[], meta: { name?: string; startedAt: number; durationMs: number }): Generator<string> {
  const groups = reports.flatMap((r) => [...new Set(r.executions.map((e) => e.model))].map((model) => ({ r, model, list: r.executions.filter((e) => e.model === model) })));
  const tests = groups.reduce((n, g) => n + g.list.length, 0);
  const failures = groups.reduce((n, g) => n + g.list.filter((e) => e.status === 'fail').length, 0);
  const errors = groups.reduce((n, g) => n + g.list.filter((e) => e.status === 'error').length, 0);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="${xmlAttr(meta.name ?? 'assay')}" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(meta.durationMs)}" timestamp="${new Date(meta.startedAt).toISOString().slice(0, 19)}">\n`;
  for (const { r, model, list } of groups) {
    const f = list.filter((e) => e.status === 'fail').length;
    const err = list.filter((e) => e.status === 'error').length;
    const time = list.reduce((sum, e) => sum + e.latencyMs, 0);
    const name = `${r.suite.name} [${model}]`;
    const stats = r.models.find((m) => m.model === model);
    const props = [
      ['runId', r.runId],
      ['model', model],
      ...(stats && stats.passRate !== null ? [['passRate', stats.passRate.toFixed(4)], ['passRateLow', stats.interval.low.toFixed(4)], ['passRateHigh', stats.interval.high.toFixed(4)]] : []),
      ...(stats && stats.flaky.length > 0 ? [['flaky', stats.flaky.join(' ')]] : []),
    ]
      .map(([k, v]) => `      <property name="${xmlAttr(k!)}" value="${xmlAttr(v!)}"/>`)
      .join('\n');
    yield `  <testsuite name="${xmlAttr(name)}" tests="${list.length}" failures="${f}" errors="${err}" skipped="0" time="${seconds(time)}" timestamp="${new Date(r.startedAt).toISOString().slice(0, 19)}">\n`;
    yield `    <properties>\n${props}\n    </properties>\n`;
    for (const e of list) yield testCase(e, name) + '\n';
    yield '  </testsuite>\n';
  }
  yield '</testsuites>\n';
}
