// promptfoo's per-prompt metrics for one run: each named metric's weighted scores summed over a model's
// executions (an execution adds its metric's weighted mean times the weight behind it, i.e. the sum of
// score × weight over the metric's assertions, as promptfoo 0.121.20's accumulateNamedMetric does),
// `__count` the number of its executions, then each derived metric evaluated in order (a
// derived metric may read the ones before it).
import { compileMetricExpression } from './metricExpression';

/** What the computation needs of an execution. */
export interface MetricExecution {
  model: string;
  namedScores?: Record<string, number>;
  /** The execution's assertions: the weight behind each metric. */
  assertions?: readonly { metric?: string; weight: number }[];
}

/** One model's sums and derived values. */
export interface ComputedMetrics {
  model: string;
  namedScores: Record<string, number>;
  derived: { name: string; value: number | null; error?: string }[];
}

/**
 * The total weight of each metric's assertions in one execution. A metric whose assertions all weigh 0
 * (a recorded measurement) counts once, at its plain mean, as the execution reports it.
 */
function metricWeights(e: MetricExecution): Map<string, number> {
  const weights = new Map<string, number>();
  for (const a of e.assertions ?? []) if (a.metric !== undefined) weights.set(a.metric, (weights.get(a.metric) ?? 0) + a.weight);
  return weights;
}

/** Metrics per model, in `models` order. */
export function computeModelMetrics(models: readonly string[], executions: readonly MetricExecution[], derived: readonly { name: string; value: string }[]): ComputedMetrics[] {
  return models.map((model) => {
    const namedScores: Record<string, number> = {};
    let count = 0;
    for (const e of executions) {
      if (e.model !== model) continue;
      count++;
      const weights = metricWeights(e);
      for (const [k, v] of Object.entries(e.namedScores ?? {})) namedScores[k] = (namedScores[k] ?? 0) + v * (weights.get(k) || 1);
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
