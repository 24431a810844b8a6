import * as vscode from 'vscode';
import { dirname } from 'node:path';
import type { Ctx } from './context';

/** "Assay: Open History Folder": reveals `.assay/` in the Explorer (or the OS file manager when outside the workspace). */
export async function openHistoryFolder(ctx: Ctx): Promise<void> {
  const path = ctx.services.historyPath();
  if (!path) {
    void vscode.window.showInformationMessage('Assay: open a folder first; history is kept per workspace folder.');
    return;
  }
  const store = await ctx.services.store();
  await store?.flush();
  const folder = vscode.Uri.file(dirname(path));
  if (vscode.workspace.getWorkspaceFolder(folder)) await vscode.commands.executeCommand('revealInExplorer', folder);
  else await vscode.commands.executeCommand('revealFileInOS', folder);
}

/** "Assay: Clear History": deletes every run and trace after a modal confirmation. */
export async function clearHistory(ctx: Ctx): Promise<boolean> {
  const store = await ctx.services.store();
  if (!store) {
    void vscode.window.showInformationMessage('Assay: there is no history in this window.');
    return false;
  }
  const stats = await store.stats();
  const pick = await vscode.window.showWarningMessage(
    `Delete all ${stats.counts.traces.toLocaleString()} traces and ${stats.counts.runs.toLocaleString()} runs in this workspace's history?`,
    { modal: true, detail: `${store.path}\nThis cannot be undone.` },
    'Delete History',
  );
  if (pick !== 'Delete History') return false;
  await store.clear();
  void vscode.window.showInformationMessage('Assay: history cleared.');
  return true;
}
