// Problems in promptfoo configs, shown where they are written: the same refusals `assay test` stops on
// (an unknown provider, a key Assay cannot run…), so they are seen before a run, not after.
import type * as vscode from 'vscode';
import { hostFileAccess } from '../fileAccess';
import type { FileChecker } from './fileDiagnostics';
import { loadCore } from './lazyCore';

const BY_NAME = /(^|[\\/])([^\\/]*\.)?promptfooconfig\.ya?ml$/i;

/** A promptfoo config: by its name, or a YAML file with promptfoo's shape (top-level prompts: and providers: or targets:). */
export function isPromptfooConfigDocument(document: Pick<vscode.TextDocument, 'uri' | 'languageId' | 'getText'>): boolean {
  if (document.uri.scheme !== 'file' && document.uri.scheme !== 'untitled') return false;
  if (BY_NAME.test(document.uri.path)) return true;
  if (document.languageId !== 'yaml' || /\.tests?\.ya?ml$/i.test(document.uri.path)) return false;
  const text = document.getText();
  return /^prompts\s*:/m.test(text) && /^(providers|targets)\s*:/m.test(text);
}

/** Promptfoo configs: the refusals `assay test` stops on, and the config's own problems. */
export const promptfooChecker: FileChecker = {
  name: 'assay-promptfoo',
  applies: isPromptfooConfigDocument,
  async problems(document) {
    const core = await loadCore();
    const file = document.uri.fsPath;
    const config = core.parsePromptfooConfig(document.getText(), file, hostFileAccess());
    // Problems in the files it references (a CSV of tests…) belong to those files; here, the config's own.
    return [...config.diagnostics, ...config.tests.diagnostics].filter((d) => d.file === file);
  },
};
