// Assertion evaluation on the hot path of a run: CPU per evaluated case (process.cpuUsage, which counts
// the sandbox worker threads too) for ordinary assertions, a regex on RE2, and inline javascript in the
// sandbox; and the hostile inputs that used to take seconds to minutes.
import { evaluateCase, type EvaluableCase } from '../src/core/assertions/evaluateCase';
import type { GradingContext } from '../src/core/assertions/assertionTypes';
import type { CallResult } from '../src/core/types';
import type { BenchResult, BenchSuite } from './benchTypes';

const N = 2000;
const C = 50;

const grading: GradingContext = {
  graderModel: { provider: 'none', model: 'none' },
  grade: () => Promise.reject(new Error('no grader in this bench')),
  embed: () => Promise.resolve({ error: 'no embeddings in this bench' }),
};

function result(text: string): CallResult {
  return {
    model: { provider: 'mock', model: 'm' },
    text,
    toolCalls: [],
    finishReason: 'stop',
    usage: null,
    cost: 0,
    latencyMs: 100,
    ttftMs: null,
    request: null,
    response: null,
    cacheHit: false,
  };
}

/** Evaluates `cases(i)` for i < N, C at a time; CPU microseconds per case. */
async function cpuPerCase(make: (i: number) => EvaluableCase, text: (i: number) => string): Promise<number> {
  const run = async (count: number) => {
    for (let start = 0; start < count; start += C) {
      const batch = Array.from({ length: Math.min(C, count - start) }, (_, k) => start + k);
      const verdicts = await Promise.all(batch.map((i) => evaluateCase(make(i), result(text(i)), { context: grading, trusted: true })));
      const broken = verdicts.find((v) => v.error || !v.pass);
      if (broken) throw new Error(`bench case did not pass: ${broken.reason}`);
    }
  };
  await run(C * 2); // warm-up: code optimised, workers started
  const cpu0 = process.cpuUsage();
  await run(N);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / N;
}

async function wallMs(make: () => EvaluableCase, text: string): Promise<number> {
  const t0 = performance.now();
  await evaluateCase(make(), result(text), { context: grading, trusted: true });
  return performance.now() - t0;
}

const echo = (i: number) => `Echo: Ticket ${i}: I was charged twice this month (${i})`;

export const suite: BenchSuite = async () => {
  const rows: BenchResult[] = [];
  const ordinary = await cpuPerCase(
    (i) => ({
      vars: {},
      assert: [
        { type: 'not-icontains', value: 'error' },
        { type: 'contains', value: `Ticket ${i}:` },
        { type: 'regex', value: '^Echo: ' },
      ],
    }),
    echo,
  );
  rows.push({ what: `assertions: not-icontains + contains + regex ^Echo: (the CLI bench's bank), CPU per case, ${N.toLocaleString('en')} cases`, figure: `${ordinary.toFixed(1)} µs`, target: '—', pass: null });
  const re2 = await cpuPerCase(() => ({ vars: {}, assert: [{ type: 'regex', value: '^Echo: Ticket \\d+: .*(month|week)' }] }), echo);
  rows.push({ what: 'assertions: one regex with quantifiers and alternation, CPU per case', figure: `${re2.toFixed(1)} µs`, target: '—', pass: null });
  const js = await cpuPerCase(() => ({ vars: {}, assert: [{ type: 'javascript', value: "output.includes('Ticket')" }] }), echo);
  rows.push({ what: 'assertions: one inline javascript, CPU per case (both threads)', figure: `${js.toFixed(1)} µs`, target: '—', pass: null });
  const braces = await wallMs(() => ({ vars: {}, assert: [{ type: 'contains-json' }] }), '{'.repeat(50_000));
  rows.push({ what: 'contains-json on 50,000 unclosed braces, wall time', figure: `${braces.toFixed(1)} ms`, target: '—', pass: null });
  const catastrophic = await wallMs(() => ({ vars: {}, assert: [{ type: 'regex', value: '^user:\\s(\\w+\\s?)*$' }] }), `user: ${'a'.repeat(53)}!`);
  rows.push({ what: 'regex ^user:\\s(\\w+\\s?)*$ on a 60-character output that does not match, wall time', figure: `${catastrophic.toFixed(1)} ms`, target: '—', pass: null });
  return rows;
};
