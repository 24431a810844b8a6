// promptfoo's per-prompt metrics for one run: each named metric's scores summed over a model's
// executions, `__count` the number of its executions, then each derived metric evaluated in order (a
// derived metric may read the ones before it).
import { compileMetricExpression } from './metricExpression';

/** What the computation needs of an execution. */
export interface MetricExecution {
  model: string;
  namedScores?: Record<string, number>;
}

/** One model's sums and derived values. */
export interface ComputedMetrics {
  model: string;
  namedScores: Record<string, number>;
  derived: { name: string; value: number | null; error?: string }[];
}

/** Metrics per model, in `models` order. */
export function computeModelMetrics(models: readonly string[], executions: readonly MetricExecution[], derived: readonly { name: string; value: string }[]): ComputedMetrics[] {
  return models.map((model) => {
    const namedScores: Record<string, number> = {};
    let count = 0;
    for (const e of executions) {
      if (e.model !== model) continue;
      count++;
      for (const [k, v] of Object.entries(e.namedScores ?? {})) namedScores[k] = (namedScores[k] ?? 0) + v;
    }
    const scope: Record<string, number> = { ...namedScores, __count: count };
    const out: ComputedMetrics['derived'] = [];
    for (const d of derived) {
      const compiled = compileMetricExpression(d.value);
      const r = 'error' in compiled ? compiled : compiled.evaluate(scope);
      if ('error' in r) out.push({ name: d.name, value: null, error: r.error });
      else {
        out.push({ name: d.name, value: r.value });
        scope[d.name] = r.value;
      }
    }
    return { model, namedScores, derived: out };
  });
}
