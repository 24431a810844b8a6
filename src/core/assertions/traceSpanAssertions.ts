// `trace-span-count`, `trace-span-duration` and `trace-error-spans` (promptfoo 0.121.20,
// src/assertions/traceSpanCount.ts, traceSpanDuration.ts, traceErrorSpans.ts) over Assay's own traces.
// promptfoo reads the OpenTelemetry spans the traced application emits; Assay's spans of a case are its
// model calls, as its OpenTelemetry export sends them: one `chat MODEL` span per call (the case's call, or
// every step of a tool loop), lasting the call's latency, an error span when the call failed. Patterns,
// bounds, percentiles and reasons follow promptfoo's code.
import type { CallResult } from '../types';
import type { AssertionDefinition, AssertionInput, RawAssertionResult } from './assertionTypes';
import { matchesPattern } from './trajectorySteps';
import { isRecord } from './valueUtils';

/** One span of the case. */
export interface CaseSpan {
  name: string;
  durationMs: number;
  error: boolean;
  statusMessage?: string;
}

/** The case's spans: one per model call, named as the OpenTelemetry export names them. */
export function caseSpans(input: AssertionInput): CaseSpan[] {
  const calls: readonly CallResult[] = input.steps && input.steps.length > 0 ? input.steps : [input.result];
  return calls.map((c) => ({
    name: `chat ${c.model.model}`,
    durationMs: Math.round(c.latencyMs),
    error: c.error !== undefined,
    ...(c.error ? { statusMessage: c.error.message } : {}),
  }));
}

const verdict = (pass: boolean, reason: string): RawAssertionResult => ({ pass, score: pass ? 1 : 0, reason });
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const SPANS_DOC =
  'The spans are the case\'s model calls as Assay\'s OpenTelemetry export sends them: one `chat MODEL` span per call (the case\'s call, or each step of a tool loop), lasting its latency, an error span when the call failed. Patterns are whole-name, case-insensitive globs (`*`, `?`).';

/** A definition whose value is read (or refused, with promptfoo's message) for `check` and again for `evaluate`. */
function spanType<T>(t: Omit<AssertionDefinition, 'check' | 'evaluate'> & { read(v: unknown): T | string; judge(v: T, spans: CaseSpan[]): RawAssertionResult }): AssertionDefinition {
  const { read, judge, ...docs } = t;
  return {
    ...docs,
    check: (spec) => {
      const v = read(spec.value);
      return typeof v === 'string' ? v : undefined;
    },
    evaluate: async (spec, input) => {
      const v = read(spec.value);
      return typeof v === 'string' ? { pass: false, score: 0, reason: v, error: v } : judge(v, caseSpans(input));
    },
  };
}

interface CountValue {
  pattern: string;
  min?: number;
  max?: number;
}

const SPAN_COUNT = spanType<CountValue>({
  type: 'trace-span-count',
  description: 'The number of the case\'s spans whose name matches a pattern is within a range.',
  docs: `${SPANS_DOC} \`value\` is \`{ pattern, min, max }\` (pattern required): passes when the number of matching spans is ≥ \`min\` and ≤ \`max\`. Score 1 or 0.`,
  example: 'assert:\n  - type: trace-span-count\n    value: { pattern: "chat *", max: 3 }',
  modelGraded: false,
  read(v) {
    if (!isRecord(v) || typeof v.pattern !== 'string' || v.pattern === '') return 'trace-span-count assertion must have a value object with pattern property';
    if ((v.min !== undefined && !isCount(v.min)) || (v.max !== undefined && !isCount(v.max))) return 'trace-span-count: min and max must be numbers ≥ 0';
    return { pattern: v.pattern, ...(v.min !== undefined ? { min: v.min as number } : {}), ...(v.max !== undefined ? { max: v.max as number } : {}) };
  },
  judge({ pattern, min, max }, spans) {
    const matching = spans.filter((s) => matchesPattern(s.name, pattern));
    const count = matching.length;
    let pass = true;
    let reason: string;
    if (min !== undefined && count < min) {
      pass = false;
      reason = `Found ${count} spans matching pattern "${pattern}", expected at least ${min}`;
    } else if (max !== undefined && count > max) {
      pass = false;
      reason = `Found ${count} spans matching pattern "${pattern}", expected at most ${max}`;
    } else {
      reason = `Found ${count} spans matching pattern "${pattern}"`;
      if (min !== undefined && max !== undefined) reason += ` (expected ${min}-${max})`;
      else if (min !== undefined) reason += ` (expected at least ${min})`;
      else if (max !== undefined) reason += ` (expected at most ${max})`;
    }
    if (count > 0) reason += `. Matched spans: ${[...new Set(matching.map((s) => s.name))].join(', ')}`;
    return verdict(pass, reason);
  },
});

interface DurationValue {
  pattern: string;
  max: number;
  percentile?: number;
}

/** promptfoo's percentile: the value at rank ⌈p/100 · n⌉ of the sorted durations. */
function percentileOf(durations: number[], percentile: number): number {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)] ?? 0;
}

const SPAN_DURATION = spanType<DurationValue>({
  type: 'trace-span-duration',
  description: 'Every matching span (or a percentile of them) lasts at most `max` ms.',
  docs: `${SPANS_DOC} \`value\` is \`{ max, pattern, percentile }\` (\`max\` in ms required, pattern \`*\` by default): without \`percentile\` every matching span must last ≤ \`max\`; with it, that percentile of their durations must. No matching span passes. Score 1 or 0.`,
  example: 'assert:\n  - type: trace-span-duration\n    value: { pattern: "chat *", max: 2000, percentile: 95 }',
  modelGraded: false,
  read(v) {
    if (!isRecord(v) || typeof v.max !== 'number') return 'trace-span-duration assertion must have a value object with max property';
    if (v.pattern !== undefined && typeof v.pattern !== 'string') return 'trace-span-duration: pattern must be text';
    if (v.percentile !== undefined && !(typeof v.percentile === 'number' && v.percentile > 0 && v.percentile <= 100)) return 'trace-span-duration: percentile must be a number in (0, 100]';
    return { pattern: (v.pattern as string | undefined) || '*', max: v.max, ...(v.percentile !== undefined ? { percentile: v.percentile as number } : {}) };
  },
  judge({ pattern, max, percentile }, spans) {
    const matching = spans.filter((s) => matchesPattern(s.name, pattern));
    if (matching.length === 0) return verdict(true, `No spans found matching pattern "${pattern}" with complete timing data`);
    const slowest = (list: CaseSpan[]) =>
      [...list]
        .sort((a, b) => b.durationMs - a.durationMs)
        .slice(0, 3)
        .map((s) => `${s.name} (${s.durationMs}ms)`)
        .join(', ');
    if (percentile === undefined) {
      const slow = matching.filter((s) => s.durationMs > max);
      if (slow.length > 0) return verdict(false, `${slow.length} span(s) exceed duration threshold ${max}ms. Slowest: ${slowest(slow)}`);
      return verdict(true, `All ${matching.length} spans matching pattern "${pattern}" completed within ${max}ms (max: ${Math.max(...matching.map((s) => s.durationMs))}ms)`);
    }
    const value = percentileOf(
      matching.map((s) => s.durationMs),
      percentile,
    );
    if (value > max) return verdict(false, `${percentile}th percentile duration (${value}ms) exceeds threshold ${max}ms. Slowest spans: ${slowest(matching.filter((s) => s.durationMs >= value))}`);
    return verdict(true, `${percentile}th percentile duration (${value}ms) is within threshold ${max}ms`);
  },
});

interface ErrorValue {
  pattern: string;
  maxCount?: number;
  maxPercentage?: number;
}

const ERROR_SPANS = spanType<ErrorValue>({
  type: 'trace-error-spans',
  description: 'At most so many (or so large a share) of the matching spans are errors.',
  docs: `${SPANS_DOC} \`value\` is a number (the most error spans allowed) or \`{ max_count, max_percentage, pattern }\`; with neither, no error span is allowed. No matching span passes. Score 1 or 0.`,
  example: 'assert:\n  - type: trace-error-spans\n    value: { max_percentage: 10 }',
  modelGraded: false,
  read(v) {
    if (v === undefined || v === null) return { pattern: '*', maxCount: 0 };
    if (typeof v === 'number') return isCount(v) ? { pattern: '*', maxCount: v } : 'trace-error-spans: the value must be a number ≥ 0 or { max_count, max_percentage, pattern }';
    if (!isRecord(v)) return 'trace-error-spans: the value must be a number ≥ 0 or { max_count, max_percentage, pattern }';
    if ((v.max_count !== undefined && !isCount(v.max_count)) || (v.max_percentage !== undefined && !isCount(v.max_percentage))) return 'trace-error-spans: max_count and max_percentage must be numbers ≥ 0';
    const pattern = typeof v.pattern === 'string' && v.pattern !== '' ? v.pattern : '*';
    if (v.max_count === undefined && v.max_percentage === undefined) return { pattern, maxCount: 0 };
    return { pattern, ...(v.max_count !== undefined ? { maxCount: v.max_count as number } : {}), ...(v.max_percentage !== undefined ? { maxPercentage: v.max_percentage as number } : {}) };
  },
  judge({ pattern, maxCount, maxPercentage }, spans) {
    const matching = spans.filter((s) => matchesPattern(s.name, pattern));
    if (matching.length === 0) return verdict(true, `No spans found matching pattern "${pattern}"`);
    const errors = matching.filter((s) => s.error);
    const percentage = (errors.length / matching.length) * 100;
    if (maxCount !== undefined && errors.length > maxCount) {
      const details = errors.slice(0, 3).map((s) => (s.statusMessage ? `${s.name} (${s.statusMessage})` : s.name));
      return verdict(false, `Found ${errors.length} error spans, expected at most ${maxCount}. Errors: ${details.join(', ')}${errors.length > 3 ? ` and ${errors.length - 3} more` : ''}`);
    }
    if (maxPercentage !== undefined && percentage > maxPercentage) {
      return verdict(false, `Error rate ${percentage.toFixed(1)}% exceeds threshold ${maxPercentage}% (${errors.length} errors out of ${matching.length} spans)`);
    }
    if (errors.length === 0) return verdict(true, `No errors found in ${matching.length} spans matching pattern "${pattern}"`);
    let reason = `Found ${errors.length} error(s) in ${matching.length} spans (${percentage.toFixed(1)}%)`;
    if (maxCount !== undefined) reason += `, within threshold of ${maxCount}`;
    if (maxPercentage !== undefined) reason += `, within threshold of ${maxPercentage}%`;
    return verdict(true, reason);
  },
});

export const TRACE_SPAN_ASSERTIONS: AssertionDefinition[] = [SPAN_COUNT, SPAN_DURATION, ERROR_SPANS];
