// Alerts: `assay.alerts.latencyMs` (a call slower than this) and `assay.alerts.errorRate` (a run whose
// share of failed calls is above this). Checked as traces arrive; one warning per run at most, with a
// button that filters the Runs tree to the run.
import * as vscode from 'vscode';
import type { RunRecord } from '../../core/store/storeTypes';
import type { TraceStore } from '../../core/store/traceStore';
import { readConfig } from '../config';
import type { Ctx } from '../context';
import { formatLatency } from './runsTreeModel';
import { RUNS_VIEW_ID } from './traceCommandIds';

const CHECK_DEBOUNCE_MS = 500;
/** An unfinished run's error rate is judged only after this many calls (two early failures are not a trend). */
const MIN_CALLS_WHILE_RUNNING = 10;
/** Newest traces of a run looked at for slow calls on each check. */
const LATENCY_WINDOW = 200;

/** Why a run was flagged. */
export interface TraceAlert {
  runId: string;
  kind: 'latency' | 'errorRate';
  message: string;
}

/** Decides whether a run crosses a threshold; pure, so the rules read in one place. */
export function alertFor(run: RunRecord, slowestMs: number | null, limits: { latencyMs: number; errorRate: number }): TraceAlert | undefined {
  const name = run.promptPath ? `${run.promptPath.split(/[\\/]/).pop()} (${run.kind})` : `${run.kind} run`;
  const t = run.totals;
  if (limits.errorRate > 0 && t.traces > 0 && (run.status !== 'running' || t.traces >= MIN_CALLS_WHILE_RUNNING)) {
    const rate = t.errors / t.traces;
    if (rate > limits.errorRate) {
      return {
        runId: run.id,
        kind: 'errorRate',
        message: `${name}: ${t.errors} of ${t.traces} calls failed (${(rate * 100).toFixed(0)}%, alert above ${(limits.errorRate * 100).toFixed(0)}%).`,
      };
    }
  }
  if (limits.latencyMs > 0 && slowestMs !== null && slowestMs > limits.latencyMs) {
    return { runId: run.id, kind: 'latency', message: `${name}: a call took ${formatLatency(slowestMs)} (alert above ${formatLatency(limits.latencyMs)}).` };
  }
  return undefined;
}

export class TraceAlerts implements vscode.Disposable {
  private readonly alerted = new Set<string>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly fired = new vscode.EventEmitter<TraceAlert>();
  /** Each alert shown (the integration tests wait on it). */
  readonly onDidAlert = this.fired.event;

  constructor(private readonly ctx: Ctx) {}

  tracesAdded(store: TraceStore, runIds: string[]): void {
    const config = readConfig();
    if (config.alertLatencyMs <= 0 && config.alertErrorRate <= 0) return;
    for (const id of runIds) if (!this.alerted.has(id)) this.pending.add(id);
    if (this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => void this.check(store), CHECK_DEBOUNCE_MS);
  }

  private async check(store: TraceStore): Promise<void> {
    this.timer = undefined;
    const runIds = [...this.pending];
    this.pending = new Set();
    const config = readConfig();
    const limits = { latencyMs: config.alertLatencyMs, errorRate: config.alertErrorRate };
    for (const runId of runIds) {
      if (this.alerted.has(runId)) continue;
      try {
        const summary = await store.runSummary(runId);
        if (!summary) continue;
        let slowest: number | null = null;
        if (limits.latencyMs > 0) {
          const page = await store.listTraces({ runId, status: 'ok' }, { limit: LATENCY_WINDOW });
          for (const t of page.items) if (slowest === null || t.latencyMs > slowest) slowest = t.latencyMs;
        }
        const alert = alertFor(summary.run, slowest, limits);
        if (alert) this.show(alert);
      } catch (err) {
        this.ctx.log.error('alerts: check failed', err);
      }
    }
  }

  private show(alert: TraceAlert): void {
    this.alerted.add(alert.runId);
    this.ctx.log.warn(`alert: ${alert.message}`);
    this.fired.fire(alert);
    void vscode.window.showWarningMessage(`Assay: ${alert.message}`, 'Show Traces').then(async (pick) => {
      if (!pick) return;
      await vscode.commands.executeCommand('assay.traces.filter', { runId: alert.runId, ...(alert.kind === 'errorRate' ? { status: 'error' } : {}) });
      await vscode.commands.executeCommand(`${RUNS_VIEW_ID}.focus`);
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.fired.dispose();
  }
}
