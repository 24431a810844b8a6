// Live problems for test banks (`*.tests.yaml`, CSV, JSONL…): the loader a run uses, so a syntax error or a
// misspelt assertion type shows where it is written instead of surfacing as a failed run. Only the bank's
// own problems are shown here (a file it references has its own).
import type * as vscode from 'vscode';
import { hostFileAccess } from '../fileAccess';
import { loadTestingCore } from '../testing/lazyTestingCore';
import type { FileChecker } from './fileDiagnostics';

/** A bank by its name alone: `NAME.tests.yaml`, `NAME.test.json`… (CSV and JSONL need a prompt that runs them). */
const BANK_NAME = /\.tests?\.(ya?ml|json|jsonl|csv)$/i;
/** What a bank file can be (`loadTestBank.ts`). */
const BANK_EXTENSION = /\.(ya?ml|json|jsonl|csv)$/i;

/**
 * Test banks: files named like one, and those `isKnownBank` recognises (a prompt's `tests:` names them, they
 * pair with a prompt beside them).
 */
export function bankChecker(isKnownBank: (path: string) => boolean): FileChecker {
  return {
    name: 'assay-bank',
    applies: (document: vscode.TextDocument) =>
      document.uri.scheme === 'file' && BANK_EXTENSION.test(document.uri.path) && (BANK_NAME.test(document.uri.path) || isKnownBank(document.uri.fsPath)),
    async problems(document) {
      const core = await loadTestingCore();
      const file = document.uri.fsPath;
      return core.parseTestBank(document.getText(), file, hostFileAccess()).diagnostics.filter((d) => d.file === file);
    },
  };
}
