// The report of "Replay Run Against Current Prompt" as a webview (webview-ui/src/replayReport): totals, then
// each changed trace under its case's description with both outputs and a link to each trace. It replaced
// an unsaved Markdown document that named cases by hash and asked to be saved on close.
import * as vscode from 'vscode';
import { describeReplaySignificance, type ReplayReport, type ReplaySide, type TraceReplay } from '../../core/run/replay';
import { DidLoadReplayReportNotification, OpenTraceCommand, REPLAY_REPORT_VIEW_TYPE, type ReplayReportData, type ReplayReportItem, type ReplayReportSide } from '../../shared/traceProtocol';
import type { Ctx } from '../context';
import { WebviewHost } from '../webview/webviewHost';

/** What the webview shows of a report: regressions first, then fixes, changed outputs, the rest. */
export function replayReportData(report: ReplayReport, title = 'Replay against the current prompt'): ReplayReportData {
  const order: ReplayReportItem['change'][] = ['regressed', 'fixed', 'changed', 'skipped', 'same'];
  const items = report.items.map(reportItem).sort((a, b) => order.indexOf(a.change) - order.indexOf(b.change));
  const t = report.totals;
  return {
    title,
    sourceRunId: report.sourceRunId,
    replayRunId: report.replayRunId,
    totals: { traces: t.traces, replayed: t.replayed, outputsChanged: t.outputsChanged, regressions: t.regressions, fixes: t.fixes, errors: t.errors, skipped: t.skipped },
    significance: describeReplaySignificance(report.significance),
    items,
  };
}

function reportItem(it: TraceReplay): ReplayReportItem {
  const change: ReplayReportItem['change'] = !it.new ? 'skipped' : it.verdictChange === 'regressed' || it.verdictChange === 'fixed' ? it.verdictChange : it.outputChanged ? 'changed' : 'same';
  return {
    label: it.caseDescription ?? it.caseId ?? it.model,
    model: it.model,
    change,
    old: side(it.old),
    new: it.new ? side(it.new) : null,
    assertions: it.changedAssertions.map((a) => `${a.type}: ${a.old ? 'pass' : 'fail'}→${a.new ? 'pass' : 'fail'}`).join(', '),
    ...(it.problem ? { problem: it.problem } : {}),
  };
}

function side(s: ReplaySide): ReplayReportSide {
  return { traceId: s.traceId, text: s.error ? s.error.message : s.text, error: s.error !== null, pass: s.verdict ? s.verdict.pass : null };
}

/** Opens a panel with the report; its trace links open the trace detail. */
export function showReplayReport(ctx: Ctx, report: ReplayReport): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(REPLAY_REPORT_VIEW_TYPE, 'Replay Report', vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: WebviewHost.localResourceRoots(ctx.extension.extensionUri),
  });
  panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'assay.svg');
  const host = new WebviewHost(panel.webview, ctx.log);
  host.onCommand(OpenTraceCommand, async (p) => {
    if (typeof p?.traceId === 'string') await vscode.commands.executeCommand('assay.traces.openTrace', p.traceId);
  });
  host.setHtml(ctx.extension.extensionUri, 'replayReport', 'Replay Report');
  host.notify(DidLoadReplayReportNotification, replayReportData(report));
  panel.onDidDispose(() => host.dispose());
  return panel;
}
