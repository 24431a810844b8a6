import * as vscode from 'vscode';
import { readTextFile } from '../core/files/safeFiles';
import { hostFileAccess } from './fileAccess';

function openDocument(path: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === path);
}

/**
 * A file's text as the user sees it now: an open editor's (unsaved edits count), else the file on disk
 * when the file policy allows it (a regular file in the workspace, under the size limit).
 */
export async function currentText(path: string): Promise<string | undefined> {
  return currentTextSync(path);
}

/** `currentText` for callers that must stay synchronous (e.g. a core planner's `readFile`). */
export function currentTextSync(path: string): string | undefined {
  const open = openDocument(path);
  if (open) return open.getText();
  const read = readTextFile(path, hostFileAccess());
  return 'error' in read ? undefined : read.text;
}
