// What one can do with a recorded trace or run — replay, copy as curl, add to a test bank, open in the
// playground, copy, delete, diff the prompt version — shared by the Runs tree's menus and the detail view.
// Loaded on first use (traceExplorer.ts imports it lazily), so activation parses none of the core it needs.
import * as vscode from 'vscode';
import { parseModelRef } from '../../core/assertions/providerRef';
import { wordDiff } from '../../core/diff/wordDiff';
import { curlCommand } from '../../core/export/curlCommand';
import { parseEndpointSettings } from '../../core/providers/endpointSettings';
import { BUILTIN_PROVIDERS } from '../../core/providers/providerRegistry';
import type { ProviderConfig } from '../../core/providers/providerTypes';
import { DEFAULT_GRADING, createGradingContext, type GradingSettings } from '../../core/run/gradingContext';
import { Replayer, type ReplayReport, type ReplaySide } from '../../core/run/replay';
import type { TraceRecord } from '../../core/store/storeTypes';
import type { TraceStore } from '../../core/store/traceStore';
import type { NewCaseAssertion } from '../../core/testBank/addCase';
import type { ReplaySideView, ReplayView } from '../../shared/traceProtocol';
import { readConfig } from '../config';
import type { Ctx } from '../context';
import { isTrusted, RESTRICTED_REASON } from '../trust';
import { VERSION_SCHEME } from './traceCommandIds';
import { readStoredFile, resolveStoredPath } from './workspaceFiles';
import { showReplayReport } from './replayReportPanel';
import { hostFileAccess } from '../fileAccess';

/** The history store, or a message saying why there is none. */
export async function storeOrExplain(ctx: Ctx): Promise<TraceStore | undefined> {
  const store = await ctx.services.store();
  if (!store) void vscode.window.showInformationMessage('Assay: open a folder first; history is kept per workspace folder.');
  return store ?? undefined;
}

function grading(): GradingSettings {
  const config = readConfig();
  const ref = (text: string) => {
    const r = parseModelRef(text);
    return 'error' in r ? undefined : r;
  };
  return { graderModel: ref(config.graderModel) ?? DEFAULT_GRADING.graderModel, embeddingModel: ref(config.embeddingModel) ?? DEFAULT_GRADING.embeddingModel };
}

function replayer(ctx: Ctx, store: TraceStore, options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Replayer {
  const engine = ctx.services.engine();
  return new Replayer({
    call: (request, callOptions) => engine.call(request, callOptions),
    readFile: readStoredFile,
    grading: createGradingContext(engine, grading(), options.signal ? { signal: options.signal } : {}),
    trusted: isTrusted(),
    files: hostFileAccess(),
    limits: readConfig().limits,
    store,
    ...options,
  });
}

/** Why a trace cannot be replayed here, or undefined when it can. */
export function replayBlocked(trace: Pick<TraceRecord, 'promptPath'>): string | undefined {
  if (!isTrusted()) return RESTRICTED_REASON;
  if (!resolveStoredPath(trace.promptPath)) return 'This call was not made from a prompt file in this workspace, so there is no current prompt to replay it with.';
  return undefined;
}

function sideView(side: ReplaySide): ReplaySideView {
  return {
    traceId: side.traceId,
    text: side.text,
    error: side.error ? `${side.error.kind}: ${side.error.message}` : null,
    latencyMs: side.latencyMs,
    cost: side.cost,
    verdict: side.verdict
      ? {
          pass: side.verdict.pass,
          reason: side.verdict.reason,
          source: side.verdict.source,
          assertions: side.verdict.assertions.map((a) => ({ index: a.index, type: a.type, pass: a.pass, reason: a.reason })),
        }
      : null,
  };
}

/** "Replay with current prompt" for one trace: the comparison, with a word diff of the outputs. */
export async function replayTrace(ctx: Ctx, traceId: string): Promise<ReplayView | { error: string }> {
  const store = await ctx.services.store();
  if (!store) return { error: 'There is no history in this window.' };
  const trace = await store.getTrace(traceId);
  if (!trace) return { error: `There is no trace ${traceId} in the history.` };
  const blocked = replayBlocked(trace);
  if (blocked) return { error: blocked };
  const report = await replayer(ctx, store).replayTrace(traceId);
  if ('error' in report) return report;
  const item = report.items[0]!;
  const diff = wordDiff(item.old.error ? '' : item.old.text, item.new && !item.new.error ? item.new.text : '');
  return {
    old: sideView(item.old),
    new: item.new ? sideView(item.new) : null,
    diff: { parts: diff.parts, added: diff.added, removed: diff.removed, identical: diff.identical },
    verdictChange: item.verdictChange,
    ...(item.problem ? { problem: item.problem } : {}),
    replayRunId: report.replayRunId,
  };
}

/**
 * "Replay Run Against Current Prompt": every trace of the run, with progress (cancellable), then the
 * report as a Markdown document and a summary notification.
 */
export async function replayRun(ctx: Ctx, runId: string, options: { openReport?: boolean } = {}): Promise<ReplayReport | undefined> {
  if (!isTrusted()) {
    void vscode.window.showWarningMessage(`Assay: replay is off. ${RESTRICTED_REASON}`);
    return undefined;
  }
  const store = await storeOrExplain(ctx);
  if (!store) return undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Assay: replaying the run against the current prompt', cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      try {
        return await replayer(ctx, store, {
          signal: controller.signal,
          onProgress: (done, total) => {
            const pct = (done / total) * 100;
            progress.report({ message: `${done}/${total}`, increment: pct - reported });
            reported = pct;
          },
        }).replayRun(runId);
      } finally {
        sub.dispose();
      }
    },
  );
  if ('error' in result) {
    void vscode.window.showWarningMessage(`Assay: ${result.error}`);
    return undefined;
  }
  ctx.log.info(`replay of run ${runId}: ${JSON.stringify(result.totals)}`);
  if (options.openReport !== false) {
    showReplayReport(ctx, result);
  }
  const t = result.totals;
  const words = [
    t.regressions ? `${t.regressions} regression${t.regressions === 1 ? '' : 's'}` : 'no regressions',
    `${t.outputsChanged} changed output${t.outputsChanged === 1 ? '' : 's'}`,
    t.fixes ? `${t.fixes} fixed` : '',
    t.errors ? `${t.errors} failed call${t.errors === 1 ? '' : 's'}` : '',
    t.skipped ? `${t.skipped} not replayed` : '',
  ].filter((w) => w !== '');
  const show = t.regressions || t.errors ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(`Assay replay: ${words.join(', ')}.`, 'Show Replay Traces').then((pick) => {
    if (pick) void vscode.commands.executeCommand('assay.traces.filter', { runId: result.replayRunId });
  });
  return result;
}

/** The provider as configured now (built-in, overridden or an endpoint), for its base URL and kind. */
export function providerConfig(name: string): ProviderConfig | undefined {
  const { configs } = parseEndpointSettings(readConfig().endpoints);
  const lower = name.toLowerCase();
  const builtin = BUILTIN_PROVIDERS.find((p) => p.name === lower);
  const endpoint = configs.find((c) => c.name === lower);
  return endpoint ? { ...builtin, ...endpoint } : builtin ? { ...builtin } : undefined;
}

/** Copies the trace's request as a curl command; the key stays a `$NAME_API_KEY` placeholder. */
export async function copyAsCurl(ctx: Ctx, traceId: string): Promise<{ keyVariable: string | null } | { error: string }> {
  const store = await ctx.services.store();
  const trace = await store?.getTrace(traceId);
  if (!trace) return { error: `There is no trace ${traceId} in the history.` };
  const provider = providerConfig(trace.model.provider);
  if (!provider) return { error: `The provider "${trace.model.provider}" is not configured any more (assay.endpoints).` };
  const r = curlCommand({ request: trace.request, model: trace.model.model, provider });
  if ('error' in r) return r;
  await vscode.env.clipboard.writeText(r.command);
  return { keyVariable: r.keyVariable };
}

/**
 * "Add to Test Bank": the trace's variables and output become a case in its prompt's bank (the run's bank
 * file when it had one), through the shared `assay.addToTestBank` command (it asks how to check the
 * output unless `assertion` says). Resolves to where the case went, or undefined when the user backed out.
 */
export async function addToTestBank(ctx: Ctx, traceId: string, assertion?: NewCaseAssertion): Promise<{ file: string } | { error: string } | undefined> {
  const store = await ctx.services.store();
  const trace = await store?.getTrace(traceId);
  if (!store || !trace) return { error: `There is no trace ${traceId} in the history.` };
  if (trace.error) return { error: 'This call failed; there is no output to expect.' };
  const promptUri = resolveStoredPath(trace.promptPath);
  const run = trace.runId ? (await store.runSummary(trace.runId))?.run : undefined;
  const bankUri = run?.bankPath && run.bankPath !== trace.promptPath ? resolveStoredPath(run.bankPath) : undefined;
  if (!promptUri && !bankUri) return { error: 'This call was not made from a prompt file in this workspace; there is no test bank to add it to.' };
  const added = await vscode.commands.executeCommand<{ target: string; path: string } | undefined>('assay.addToTestBank', {
    ...(bankUri ? { bankUri } : { promptUri }),
    vars: trace.variables ?? {},
    output: trace.text,
    ...(assertion ? { assertion } : {}),
  });
  return added ? { file: added.target } : undefined;
}

/** Opens the trace's prompt file in the playground, its inputs filled with the trace's variables. */
export async function openInPlayground(ctx: Ctx, traceId: string): Promise<void> {
  const store = await ctx.services.store();
  const trace = await store?.getTrace(traceId);
  if (!trace) return void vscode.window.showWarningMessage(`Assay: there is no trace ${traceId} in the history.`);
  const uri = resolveStoredPath(trace.promptPath);
  if (!uri) return void vscode.window.showInformationMessage('Assay: this call was not made from a prompt file in this workspace.');
  await vscode.commands.executeCommand('assay.openPlayground', uri, { vars: trace.variables ?? {}, source: `trace ${trace.id}` });
}

/** Deletes traces after a modal confirmation (unless `confirm` is false); resolves to how many went. */
export async function deleteTraces(ctx: Ctx, ids: string[], confirm = true): Promise<number> {
  const store = await storeOrExplain(ctx);
  if (!store || ids.length === 0) return 0;
  if (confirm) {
    const pick = await vscode.window.showWarningMessage(
      ids.length === 1 ? 'Delete this trace from the history?' : `Delete ${ids.length} traces from the history?`,
      { modal: true, detail: 'Their evaluations and feedback go too. This cannot be undone.' },
      'Delete',
    );
    if (pick !== 'Delete') return 0;
  }
  return store.deleteTraces(ids);
}

/** Opens the prompt version a trace ran with, as a diff against today's file. */
export async function openVersionDiff(ctx: Ctx, traceId: string): Promise<boolean> {
  const store = await ctx.services.store();
  const trace = await store?.getTrace(traceId);
  if (!trace?.promptVersionId) {
    void vscode.window.showInformationMessage('Assay: no prompt version was stored with this trace.');
    return false;
  }
  const current = resolveStoredPath(trace.promptPath);
  const name = (trace.promptPath ?? 'prompt').split(/[\\/]/).pop()!;
  const stored = vscode.Uri.from({ scheme: VERSION_SCHEME, path: `/${name}`, query: trace.promptVersionId });
  if (!current) {
    await vscode.window.showTextDocument(stored, { preview: true });
    return true;
  }
  await vscode.commands.executeCommand('vscode.diff', stored, current, `${name} (${new Date(trace.startedAt).toLocaleString()}) ↔ current`);
  return true;
}
