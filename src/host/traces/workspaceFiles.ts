// Paths the history stores (workspace-relative prompt and bank paths) back to files in this window.
import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { currentText } from '../workspaceText';

/** The folder stored paths are relative to: the first workspace folder, when it is on disk. */
export function workspaceRoot(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder && folder.uri.scheme === 'file' ? folder.uri : undefined;
}

/**
 * The file a stored path names, or undefined for labels that are not files (`playground`, `(grader)`,
 * `promptfooconfig.yaml#label`) or without a folder.
 */
export function resolveStoredPath(stored: string | null | undefined): vscode.Uri | undefined {
  if (!stored || stored.startsWith('(') || stored.includes('#')) return undefined;
  if (isAbsolute(stored)) return vscode.Uri.file(stored);
  const root = workspaceRoot();
  return root ? vscode.Uri.joinPath(root, ...stored.split(/[\\/]/)) : undefined;
}

/** A stored path's text as the user sees it now: an open editor's (unsaved edits count), else the file's. */
export async function readStoredFile(stored: string | null | undefined): Promise<{ text: string; absPath: string } | null> {
  const uri = resolveStoredPath(stored);
  if (!uri) return null;
  const text = await currentText(uri.fsPath);
  return text === undefined ? null : { text, absPath: uri.fsPath };
}
