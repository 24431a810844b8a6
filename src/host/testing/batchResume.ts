// When this window's history opens, batch runs the CLI left waiting are offered for resuming (or for
// cancelling their batches at the provider), as `assay test --resume RUN_ID [--cancel]` does: the extension's
// own CLI runs as a task. Trusted workspaces only; each run is offered once per window.
import * as vscode from 'vscode';
import { waitingBatchRuns, type WaitingBatchRun } from '../../core/batch/waitingRuns';
import type { TraceStore } from '../../core/store/traceStore';
import type { Ctx } from '../context';
import { requireTrust } from '../trust';
import { runCliTask } from './promptfooRun';

/** Offers each waiting batch run once: Resume, or Cancel Batches. */
export async function offerBatchResume(ctx: Ctx, store: TraceStore, offered: Set<string>): Promise<void> {
  if (!vscode.workspace.isTrusted) return;
  let waiting: WaitingBatchRun[];
  try {
    waiting = (await waitingBatchRuns(store)).filter((w) => !offered.has(w.runId));
  } catch (err) {
    ctx.log.warn(`batch runs: could not look for waiting ones: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  for (const w of waiting) {
    offered.add(w.runId);
    const when = new Date(w.startedAt).toLocaleString();
    void vscode.window
      .showInformationMessage(
        `Assay: a batch run started ${when} (${w.batches} provider batch${w.batches === 1 ? '' : 'es'}) stopped waiting before its answers came; its batches may still be running at the provider.`,
        'Resume',
        'Cancel Batches',
      )
      .then((pick) => pick && resumeBatchRun(ctx, w.runId, { cancel: pick === 'Cancel Batches' }));
  }
}

/**
 * Resumes a waiting batch run (picked from the history's when no id is given), or cancels its batches;
 * resolves with the CLI's exit code, or undefined when nothing ran.
 */
export async function resumeBatchRun(ctx: Ctx, runId?: unknown, options?: unknown): Promise<number | undefined> {
  if (!(await requireTrust('Resuming a batch run'))) return undefined;
  let id = typeof runId === 'string' && runId !== '' ? runId : undefined;
  if (!id) {
    const store = await ctx.services.store();
    const waiting = store ? await waitingBatchRuns(store) : [];
    if (waiting.length === 0) {
      void vscode.window.showInformationMessage('Assay: no batch run is waiting in this window’s history. `assay test --batch` stores its batches when it submits them.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      waiting.map((w) => ({ label: w.command, description: `${new Date(w.startedAt).toLocaleString()} · ${w.batches} batch${w.batches === 1 ? '' : 'es'}`, runId: w.runId })),
      { title: 'Assay: resume which batch run?' },
    );
    if (!pick) return undefined;
    id = pick.runId;
  }
  const cancel = (options as { cancel?: unknown } | undefined)?.cancel === true;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return runCliTask(ctx, ['test', '--resume', id, ...(cancel ? ['--cancel'] : [])], { cwd: folder?.uri.fsPath ?? process.cwd(), name: `${cancel ? 'cancel' : 'resume'} ${id}`, ...(folder ? { scope: folder } : {}) });
}
