import * as vscode from 'vscode';

/** Why a feature is off in Restricted Mode, in the words the UI shows. */
export const RESTRICTED_REASON =
  'This workspace is in Restricted Mode: Assay renders no template (templates can run code), runs no javascript assertion and calls no model until you trust it.';

export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

/**
 * For commands that would render or call a model: returns true when the workspace is trusted, otherwise
 * says why the action is off and offers to manage trust.
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const pick = await vscode.window.showWarningMessage(`Assay: ${action} is off. ${RESTRICTED_REASON}`, 'Manage Workspace Trust');
  if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
