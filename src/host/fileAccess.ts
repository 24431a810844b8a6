// The file policy of this window (core/files/safeFiles.ts): the workspace folders on disk, the size limit
// of `assay.files.maxSizeMB` (a restricted setting: an untrusted workspace cannot raise it), and in
// Restricted Mode no glob expansion and no `file://` values. A window without a folder reads anywhere when
// trusted and nothing outside when not.
import * as vscode from 'vscode';
import { DEFAULT_MAX_FILE_MB, fileAccess, type FileAccess } from '../core/files/safeFiles';

/** An open editor's text (unsaved edits included) of a file on disk. */
function unsavedText(path: string): string | undefined {
  return vscode.workspace.textDocuments.find((d) => d.isDirty && d.uri.scheme === 'file' && d.uri.fsPath === path)?.getText();
}

export function hostFileAccess(): FileAccess {
  const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const trusted = vscode.workspace.isTrusted;
  const access = fileAccess({
    roots,
    maxSizeMB: vscode.workspace.getConfiguration('assay').get<number>('files.maxSizeMB', DEFAULT_MAX_FILE_MB),
    restricted: !trusted,
    allowOutside: trusted && roots.length === 0,
    rootLabel: 'workspace',
    limitName: 'assay.files.maxSizeMB',
  });
  // Test banks are read as the editor shows them, so lenses, the Test Explorer and problems follow typing.
  return { ...access, unsavedText };
}
