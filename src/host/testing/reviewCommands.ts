// "Assay: Export Report" (the last run as the reviewer's HTML page, as `assay test --html` writes it),
// "Assay: Import Review Labels" (a labels file saved from such a page into the history, as
// `assay review import` does) and "Assay: Calibrate Judges" (`assay calibrate` as pickers: each judge's
// standing, then the outputs it disagrees with people on, each opening its trace).
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { loadTestingCore } from './lazyTestingCore';
import type { RunCoordinator } from './runCoordinator';
import type { JudgeCalibration } from '../../core/stats/calibration';

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

const STANDING: Record<JudgeCalibration['status'], string> = { calibrated: '$(pass) calibrated', uncalibrated: '$(warning) uncalibrated', 'too-few-labels': '$(question) too few labels' };

/** Picks a judge, then one of its disagreements, and opens that trace; the judges shown, or undefined without history. */
export async function calibrateJudgesCommand(ctx: Ctx): Promise<JudgeCalibration[] | undefined> {
  const store = await ctx.services.store();
  if (!store) {
    void vscode.window.showInformationMessage('Assay: there is no history in this window; judges are calibrated against the 👍/👎 ratings recorded there.');
    return undefined;
  }
  const core = await loadTestingCore();
  const judges = core.calibrateJudges(await store.labeledVerdicts());
  if (judges.length === 0) {
    void vscode.window.showInformationMessage('Assay: no rated output was judged by a model-graded assertion yet. Rate outputs 👍/👎 in a trace, or import reviewers\' labels.');
    return judges;
  }
  const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(0)}%`);
  const judge = await vscode.window.showQuickPick(
    judges.map((j) => ({
      label: j.judge,
      description: `${STANDING[j.status]} — kappa ${j.kappa === null ? 'undefined' : j.kappa.toFixed(2)}, agreement ${pct(j.agreement)} on ${j.labels}`,
      detail: `judge pass/person 👍 ${j.confusion.bothPass} · pass/👎 ${j.confusion.judgePassHumanFail} · fail/👍 ${j.confusion.judgeFailHumanPass} · fail/👎 ${j.confusion.bothFail} — ${j.disagreements.length} disagreement${j.disagreements.length === 1 ? '' : 's'}`,
      j,
    })),
    { title: 'Assay: judges against people\'s ratings (kappa threshold 0.6)', placeHolder: 'Pick a judge to see the outputs it disagrees with people on' },
  );
  if (!judge || judge.j.disagreements.length === 0) return judges;
  const example = await vscode.window.showQuickPick(
    judge.j.disagreements.map((d) => ({
      label: `${d.caseId ?? '(no case)'} — ${d.model}`,
      description: `judge ${d.pass ? 'passed' : 'failed'}, person ${d.rating === 1 ? '👍' : '👎'}`,
      detail: [d.reason && `judge: ${d.reason}`, d.note && `note: ${d.note}`, `output: ${d.output}`].filter(Boolean).join(' · ').slice(0, 300),
      traceId: d.traceId,
    })),
    { title: `Assay: ${judge.j.judge} disagrees with people on these outputs`, placeHolder: 'Pick one to open its trace', matchOnDetail: true },
  );
  if (example) await vscode.commands.executeCommand('assay.traces.openTrace', example.traceId);
  return judges;
}
