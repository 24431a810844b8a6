import { checkModelUse, isoDay } from '../models/modelChecks';
import type { Diagnostic } from '../types';
import { didYouMean } from './didYouMean';
import type { PromptDocument } from './promptDocument';
import { CONVERSATION_VAR } from './conversationVar';

/** Options for `validatePromptFile`. */
export interface ValidateOptions {
  /**
   * Provider names the caller can run (`openai`, `anthropic`, `echo` and configured endpoints). When
   * given, a model whose provider is not listed gets a warning; when absent only the shape is checked.
   */
  knownProviders?: readonly string[];
  /** The day (YYYY-MM-DD) shutdown dates are compared with; default today (UTC). */
  today?: string;
}

function compare(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code);
}

/**
 * All diagnostics of a parsed prompt file: the parser's (YAML, structure, types, template syntax) plus
 * cross-checks — variables used but not declared in `inputs`, inputs never used, unknown providers, and
 * what the model catalog says (a model past its shutdown date, parameters a model rejects).
 * Sorted by position. Never throws.
 */
export function validatePromptFile(doc: PromptDocument, options: ValidateOptions = {}): Diagnostic[] {
  const out = [...doc.diagnostics];
  const declared = doc.inputs;
  const used = new Set<string>();

  for (const section of doc.sections) {
    if (section.role === 'messages') {
      const name = section.messagesVariable ?? 'messages';
      used.add(name);
      // `_conversation` is filled by test runs (the earlier turns), never declared.
      if (!declared.has(name) && name !== CONVERSATION_VAR && section.markerRange) {
        out.push({
          severity: 'warning',
          code: 'undeclared-variable',
          message: `The messages placeholder reads '${name}', which is not declared in inputs; declare it (type: messages) or pass it in every test case.`,
          range: section.markerRange,
        });
      }
      continue;
    }
    for (const v of section.variables) {
      used.add(v.name);
      if (declared.has(v.name) || v.name === CONVERSATION_VAR) continue;
      out.push({
        severity: 'warning',
        code: 'undeclared-variable',
        message: `'${v.name}' is not declared in inputs.${didYouMean(v.name, declared.keys())}`,
        range: v.range,
      });
    }
  }

  // A section with a syntax error lists no variables, so "never used" would be a guess.
  const complete = doc.sections.every((s) => !s.syntaxError);
  for (const input of complete ? declared.values() : []) {
    if (used.has(input.name)) continue;
    out.push({
      severity: 'warning',
      code: 'unused-input',
      message: `Input '${input.name}' is declared but no template uses it.${didYouMean(input.name, used)}`,
      range: input.range,
    });
  }

  if (options.knownProviders) {
    const known = options.knownProviders;
    for (const m of doc.models) {
      if (known.includes(m.ref.provider)) continue;
      const hint = didYouMean(m.ref.provider, known);
      out.push({
        severity: 'warning',
        code: 'unknown-provider',
        message: `Unknown provider '${m.ref.provider}'.${hint || ` Known: ${known.join(', ') || 'none'}; configure an endpoint with this name to use it.`}`,
        range: m.range,
      });
    }
  }

  const today = options.today ?? isoDay();
  for (const m of doc.models) {
    for (const f of checkModelUse(m.ref, doc.params, today)) out.push({ severity: f.severity, code: f.code, message: f.message, range: m.range });
  }

  return out.sort(compare);
}
