import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';

function openDocument(path: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === path);
}

/** A file's text as the user sees it now: an open editor's (unsaved edits count), else the file on disk. */
export async function currentText(path: string): Promise<string | undefined> {
  const open = openDocument(path);
  if (open) return open.getText();
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `currentText` for callers that must stay synchronous (e.g. a core planner's `readFile`). */
export function currentTextSync(path: string): string | undefined {
  const open = openDocument(path);
  if (open) return open.getText();
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
