// The file policy of this window (core/files/safeFiles.ts): the workspace folders on disk, the size limit
// of `assay.files.maxSizeMB` (a restricted setting: an untrusted workspace cannot raise it), and in
// Restricted Mode no glob expansion and no `file://` values. A window without a folder reads anywhere when
// trusted and nothing outside when not.
import * as vscode from 'vscode';
import { DEFAULT_MAX_FILE_MB, fileAccess, type FileAccess } from '../core/files/safeFiles';

export function hostFileAccess(): FileAccess {
  const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const trusted = vscode.workspace.isTrusted;
  return fileAccess({
    roots,
    maxSizeMB: vscode.workspace.getConfiguration('assay').get<number>('files.maxSizeMB', DEFAULT_MAX_FILE_MB),
    restricted: !trusted,
    allowOutside: trusted && roots.length === 0,
    rootLabel: 'workspace',
    limitName: 'assay.files.maxSizeMB',
  });
}
