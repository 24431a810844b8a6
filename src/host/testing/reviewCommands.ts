// "Assay: Export Report" (the last run as the reviewer's HTML page, as `assay test --html` writes it) and
// "Assay: Import Review Labels" (a labels file saved from such a page into the history, as
// `assay review import` does).
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { loadTestingCore } from './lazyTestingCore';
import type { RunCoordinator } from './runCoordinator';

const TOOL = 'Assay for VS Code';

/** Writes the last run's report where the user chooses; the file's URI, or undefined when there was nothing or it was cancelled. */
export async function exportReport(coordinator: RunCoordinator, target?: unknown): Promise<vscode.Uri | undefined> {
  const last = coordinator.lastRun;
  if (!last) {
    void vscode.window.showInformationMessage('Assay: no test run in this window yet. Run a test bank, then export its report.');
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = target instanceof vscode.Uri ? target : await vscode.window.showSaveDialog({
    filters: { 'HTML report': ['html'] },
    saveLabel: 'Export Report',
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, 'assay-report.html') } : {}),
  });
  if (!uri) return undefined;
  const core = await loadTestingCore();
  await vscode.workspace.fs.writeFile(uri, Buffer.from(core.reviewReportHtml(last.reports, TOOL), 'utf8'));
  const pick = await vscode.window.showInformationMessage(`Assay: report written to ${vscode.workspace.asRelativePath(uri, false)}. Reviewers open it in any browser and save their labels for "Import Review Labels".`, 'Open in Browser');
  if (pick) await vscode.env.openExternal(uri);
  return uri;
}

/** Imports labels files into this window's history; how many labels, or undefined when nothing was imported. */
export async function importReviewLabels(ctx: Ctx, target?: unknown): Promise<number | undefined> {
  const uris = target instanceof vscode.Uri ? [target] : await vscode.window.showOpenDialog({ canSelectMany: true, filters: { 'Assay labels': ['json'] }, openLabel: 'Import Labels' });
  if (!uris || uris.length === 0) return undefined;
  const store = await ctx.services.store();
  if (!store) {
    void vscode.window.showErrorMessage('Assay: there is no history in this window to import labels into; open the folder the report’s run was recorded in.');
    return undefined;
  }
  const core = await loadTestingCore();
  const labels = [];
  const problems: string[] = [];
  for (const uri of uris) {
    const parsed = core.parseLabelsFile(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8'), vscode.workspace.asRelativePath(uri, false));
    if ('problems' in parsed) problems.push(...parsed.problems);
    else labels.push(...parsed.labels);
  }
  const result = problems.length > 0 ? { problems } : await core.importReviewLabels(store, labels);
  if ('problems' in result) {
    for (const p of result.problems) ctx.log.warn(`import review labels: ${p}`);
    void vscode.window.showErrorMessage(`Assay: nothing was imported. ${result.problems[0]}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more in the log)` : ''}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`Assay: imported ${labels.length} review label${labels.length === 1 ? '' : 's'} (${result.good} good, ${result.bad} bad) as feedback on their traces.`);
  return labels.length;
}
