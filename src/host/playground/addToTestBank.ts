// "Add to test bank" from a playground column: a case `{ vars, assert: [{ type: equals, value: output }] }`
// appended where the prompt file's tests live — its `tests:` file (YAML, JSON or JSONL), its inline
// `tests:` list, or a new `<name>.tests.yaml` beside it that `tests:` then names. YAML is edited through
// the yaml Document API so comments and layout survive.
// Kept apart from the panel (pure text in, text out; no `vscode`) so it can move to the test-bank UI's
// own "add case" when that exists.
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import type { PromptDocument } from '../../core/promptFile/promptDocument';

/** A case in promptfoo's shape. */
export interface NewTestCase {
  description?: string;
  vars: Record<string, unknown>;
  assert: { type: 'equals'; value: string }[];
}

/** The case a playground output becomes: its variables, and the output as the expected answer. */
export function playgroundCase(vars: Record<string, unknown>, output: string, description?: string): NewTestCase {
  return { ...(description ? { description } : {}), vars: { ...vars }, assert: [{ type: 'equals', value: output }] };
}

/** One file to write: `text` replaces the file (or creates it when `create`). */
export interface FileEdit {
  /** Absolute path. */
  path: string;
  text: string;
  create: boolean;
}

/** Where the case goes and the edits that put it there. */
export type AddCasePlan = { edits: FileEdit[]; target: string } | { error: string };

const YAML_OPTIONS = { lineWidth: 0 } as const;

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i <= 0 ? '/' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function join(dir: string, rel: string): string {
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) return rel;
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const parts = `${dir}${sep}${rel}`.split(/[\\/]/);
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.') out.push(p);
  }
  return out.join(sep);
}

function yamlErrors(doc: Document): string | undefined {
  return doc.errors.length > 0 ? doc.errors[0]!.message.split('\n')[0] : undefined;
}

/** Appends a case to a YAML bank: a list of cases, or a mapping with `tests:`; an empty file becomes a list. */
export function appendToYamlBank(text: string, testCase: NewTestCase): { text: string } | { error: string } {
  const doc: Document = parseDocument(text);
  const problem = yamlErrors(doc);
  if (problem) return { error: `the test bank is not valid YAML (${problem}); fix it first` };
  const node = doc.createNode(testCase);
  if (doc.contents === null || doc.contents === undefined) {
    doc.contents = doc.createNode([testCase]);
  } else if (isSeq(doc.contents)) {
    doc.contents.items.push(node);
  } else if (isMap(doc.contents)) {
    const tests = doc.contents.get('tests', true);
    if (tests === undefined || tests === null) doc.contents.set('tests', doc.createNode([testCase]));
    else if (isSeq(tests)) tests.items.push(node);
    else return { error: "the test bank's tests: is not a list" };
  } else {
    return { error: 'the test bank is neither a list of cases nor a mapping with tests:' };
  }
  return { text: doc.toString(YAML_OPTIONS) };
}

/** Appends a case to a JSON bank (a list, or an object with `tests`). */
export function appendToJsonBank(text: string, testCase: NewTestCase): { text: string } | { error: string } {
  let value: unknown;
  try {
    value = text.trim() === '' ? [] : JSON.parse(text);
  } catch (err) {
    return { error: `the test bank is not valid JSON (${(err as Error).message}); fix it first` };
  }
  if (Array.isArray(value)) value.push(testCase);
  else if (value && typeof value === 'object' && Array.isArray((value as { tests?: unknown }).tests)) (value as { tests: unknown[] }).tests.push(testCase);
  else return { error: 'the test bank is neither a list of cases nor an object with a tests list' };
  return { text: `${JSON.stringify(value, null, 2)}\n` };
}

/** Appends a case to a JSON Lines bank. */
export function appendToJsonlBank(text: string, testCase: NewTestCase): { text: string } {
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return { text: `${text}${sep}${JSON.stringify(testCase)}\n` };
}

function appendToBankFile(path: string, text: string, testCase: NewTestCase): { text: string } | { error: string } {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl')) return appendToJsonlBank(text, testCase);
  if (lower.endsWith('.json')) return appendToJsonBank(text, testCase);
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return appendToYamlBank(text, testCase);
  return { error: `cases can be added to .yaml, .json and .jsonl banks, not ${baseOf(path)}; add this one by hand` };
}

/** Rewrites the YAML between the prompt's `---` fences with `edit`; adds a front matter when there is none. */
function editFrontMatter(prompt: PromptDocument, edit: (doc: Document) => string | undefined): { text: string } | { error: string } {
  const fm = prompt.frontMatter;
  if (!fm) {
    const doc: Document = new Document({});
    const problem = edit(doc);
    if (problem) return { error: problem };
    return { text: `---\n${doc.toString(YAML_OPTIONS)}---\n${prompt.text}` };
  }
  if (!fm.closed) return { error: "the prompt's front matter has no closing '---'; fix it first" };
  const start = prompt.lines.offsetAt(fm.contentRange.start);
  const end = prompt.lines.offsetAt(fm.contentRange.end);
  const doc: Document = parseDocument(prompt.text.slice(start, end));
  const problem = yamlErrors(doc) ?? (doc.contents !== null && !isMap(doc.contents) ? 'the front matter is not a mapping' : undefined);
  if (problem) return { error: `the prompt's front matter is not valid (${problem}); fix it first` };
  if (doc.contents === null) doc.contents = doc.createNode({});
  const editProblem = edit(doc);
  if (editProblem) return { error: editProblem };
  let yamlText = doc.toString(YAML_OPTIONS);
  if (start === end || !prompt.text.slice(start, end).endsWith('\n')) yamlText = yamlText.replace(/\n$/, '');
  return { text: prompt.text.slice(0, start) + yamlText + prompt.text.slice(end) };
}

/**
 * Plans adding `testCase` to the bank of the prompt at `promptPath` (text as parsed in `prompt`).
 * `readFile` returns a file's current text (an open editor's, unsaved edits included) or undefined when
 * the file does not exist.
 */
export function planAddCase(prompt: PromptDocument, promptPath: string, testCase: NewTestCase, readFile: (path: string) => string | undefined): AddCasePlan {
  const dir = dirOf(promptPath);
  const tests = prompt.tests?.value;
  if (typeof tests === 'string' || (Array.isArray(tests) && tests.some((t) => typeof t === 'string'))) {
    const ref = typeof tests === 'string' ? tests : (tests as unknown[]).find((t): t is string => typeof t === 'string')!;
    const rel = ref.startsWith('file://') ? ref.slice('file://'.length) : ref;
    if (/[*?[\]{}]/.test(rel)) return { error: `tests: names a pattern (${ref}); add the case to one of its files by hand` };
    const path = join(dir, rel);
    const current = readFile(path);
    const next = appendToBankFile(path, current ?? '', testCase);
    if ('error' in next) return { error: `${baseOf(path)}: ${next.error}` };
    return { edits: [{ path, text: next.text, create: current === undefined }], target: rel };
  }
  if (Array.isArray(tests)) {
    const next = editFrontMatter(prompt, (doc) => {
      const seq = doc.get('tests', true);
      if (!isSeq(seq)) return "tests: is not a list";
      seq.items.push(doc.createNode(testCase));
      return undefined;
    });
    if ('error' in next) return next;
    return { edits: [{ path: promptPath, text: next.text, create: false }], target: `${baseOf(promptPath)} (inline tests)` };
  }
  if (tests !== undefined && tests !== null) return { error: "the prompt's tests: is neither a path nor a list; fix it first" };
  if (prompt.kind === 'prompty') return { error: '.prompty files have no tests: key; add the case to a .prompt file or a promptfoo config' };

  // No bank yet: <name>.tests.yaml beside the prompt, named by a new tests: key.
  const stem = baseOf(promptPath).replace(/\.[^.]+$/, '');
  const rel = `${stem}.tests.yaml`;
  const bankPath = join(dir, rel);
  const existing = readFile(bankPath);
  const bank = appendToYamlBank(existing ?? `# Test cases for ${baseOf(promptPath)}, in promptfoo's format.\n`, testCase);
  if ('error' in bank) return { error: `${rel}: ${bank.error}` };
  const withKey = editFrontMatter(prompt, (doc) => {
    doc.set('tests', rel);
    return undefined;
  });
  if ('error' in withKey) return withKey;
  return {
    edits: [
      { path: bankPath, text: bank.text, create: existing === undefined },
      { path: promptPath, text: withKey.text, create: false },
    ],
    target: rel,
  };
}
