// Core positions, ranges and diagnostics (plain data) to VS Code's classes.
import * as vscode from 'vscode';
import type { Diagnostic, Range } from '../../core/types';

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function severity(s: Diagnostic['severity']): vscode.DiagnosticSeverity {
  switch (s) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'info':
      return vscode.DiagnosticSeverity.Information;
    case 'hint':
      return vscode.DiagnosticSeverity.Hint;
    default:
      return vscode.DiagnosticSeverity.Warning;
  }
}

export function toDiagnostic(d: Diagnostic): vscode.Diagnostic {
  const out = new vscode.Diagnostic(toRange(d.range), d.message, severity(d.severity));
  out.code = d.code;
  out.source = 'assay';
  if (d.code === 'unused-input') out.tags = [vscode.DiagnosticTag.Unnecessary];
  return out;
}
