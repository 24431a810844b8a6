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

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** The test case's name: its description (or id), with the repeat when it runs more than once. */
export function testCaseName(e: CaseExecution): string {
  const name = e.description ?? e.caseId;
  return e.repeats > 1 ? `${name} (repeat ${e.repeatIndex + 1}/${e.repeats})` : name;
}

function failureBody(e: CaseExecution): string {
  const lines = e.assertions.filter((a) => !a.pass).map((a) => `✗ ${a.type}: ${a.reason}`);
  if (lines.length === 0) lines.push(e.reason);
  lines.push('', `score: ${e.score === null ? '—' : e.score.toFixed(2)}`, `output: ${e.output}`);
  return lines.join('\n');
}

function testCase(e: CaseExecution, classname: string): string {
  const open = `    <testcase name="${xmlAttr(testCaseName(e))}" classname="${xmlAttr(classname)}" time="${seconds(e.latencyMs)}"`;
  const parts: string[] = [];
  if (e.status === 'fail') {
    parts.push(`      <failure message="${xmlAttr(e.reason)}" type="assertion">${xmlText(failureBody(e))}</failure>`);
  } else if (e.status === 'error') {
    const kind = e.error?.kind ?? 'error';
    parts.push(`      <error message="${xmlAttr(e.error?.message ?? e.reason)}" type="${xmlAttr(kind)}">${xmlText(e.reason)}</error>`);
  }
  if (e.output !== '') parts.push(`      <system-out>${xmlText(e.output)}</system-out>`);
  return parts.length === 0 ? `${open}/>` : `${open}>\n${parts.join('\n')}\n    </testcase>`;
}

/** The JUnit XML document for a set of run reports. */
export function junitXml(reports: readonly RunReport[], meta: { name?: string; startedAt: number; durationMs: number }): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const r of reports) {
    const models = [...new Set(r.executions.map((e) => e.model))];
    for (const model of models) {
      const list = r.executions.filter((e) => e.model === model);
      const f = list.filter((e) => e.status === 'fail').length;
      const err = list.filter((e) => e.status === 'error').length;
      const time = list.reduce((s, e) => s + e.latencyMs, 0);
      tests += list.length;
      failures += f;
      errors += err;
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
      suites.push(
        [
          `  <testsuite name="${xmlAttr(name)}" tests="${list.length}" failures="${f}" errors="${err}" skipped="0" time="${seconds(time)}" timestamp="${new Date(r.startedAt).toISOString().slice(0, 19)}">`,
          `    <properties>\n${props}\n    </properties>`,
          ...list.map((e) => testCase(e, name)),
          '  </testsuite>',
        ].join('\n'),
      );
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(meta.name ?? 'assay')}" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(meta.durationMs)}" timestamp="${new Date(meta.startedAt).toISOString().slice(0, 19)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
