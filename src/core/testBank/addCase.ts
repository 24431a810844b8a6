// "Add to test bank": turns a model call (its variables and output) into a test case and plans the edits
// that append it where the cases of a prompt or a bank live — a YAML or JSON bank, a JSON Lines bank, a
// prompt file's inline `tests:` list, or a new `<name>.tests.yaml` that `tests:` then names. YAML goes
// through the yaml library's Document API, so the file's comments, key order and styles survive.
// Pure: file contents come in through `readFile`, edits go out as whole-file texts for the caller to apply.
import { Document, isMap, isSeq, parseDocument, type Node } from 'yaml';
import { parsePromptFile } from '../promptFile/parsePromptFile';
import type { PromptDocument } from '../promptFile/promptDocument';

/** The assertion the new case checks, as the user picked it. */
export type NewCaseAssertion =
  | { kind: 'equals' }
  | { kind: 'similar'; threshold?: number }
  | { kind: 'llm-rubric'; rubric: string };

/** What a case is made from: the call's variables and output, and the assertion to check. */
export interface NewCaseInput {
  vars: Record<string, unknown>;
  output: string;
  assertion: NewCaseAssertion;
  description?: string;
}

/** A case in promptfoo's shape, as it is written to the bank. */
export interface NewTestCase {
  description?: string;
  vars: Record<string, unknown>;
  assert: { type: string; value: string; threshold?: number }[];
}

/** One file to write: `text` is the whole new content. */
export interface FileEdit {
  /** Absolute path. */
  path: string;
  text: string;
  /** The file does not exist yet. */
  create: boolean;
}

/** The edits that add the case, and where it went (for the message the user sees); or why it cannot be added. */
export type AddCasePlan = { edits: FileEdit[]; target: string; targetPath: string } | { error: string };

/** Returns a file's current text (an open editor's, unsaved edits included), or undefined when it does not exist. */
export type ReadFile = (path: string) => string | undefined;

/** Default `similar` threshold: promptfoo's default for cosine similarity. */
export const DEFAULT_SIMILAR_THRESHOLD = 0.75;

const YAML_OUT = { lineWidth: 0 } as const;

/** The case `input` describes. Variables are copied; the output becomes the expected value or the reference. */
export function newTestCase(input: NewCaseInput): NewTestCase {
  const a = input.assertion;
  const assertion =
    a.kind === 'equals'
      ? { type: 'equals', value: input.output }
      : a.kind === 'similar'
        ? { type: 'similar', value: input.output, threshold: a.threshold ?? DEFAULT_SIMILAR_THRESHOLD }
        : { type: 'llm-rubric', value: a.rubric };
  const description = input.description?.trim();
  return { ...(description ? { description } : {}), vars: { ...input.vars }, assert: [assertion] };
}

function firstError(doc: Document): string | undefined {
  return doc.errors[0]?.message.split('\n')[0];
}

function caseNode(doc: Document, testCase: NewTestCase): Node {
  return doc.createNode(testCase) as Node;
}

/** The text of `value` as YAML at column `indent`, in the file's line endings. */
function yamlBlock(value: unknown, indent: number, eol: string): string {
  const text = new Document(value).toString(YAML_OUT);
  const pad = ' '.repeat(indent);
  return text
    .split('\n')
    .map((line, i, all) => (line === '' || (i === all.length - 1 && line === '') ? line : pad + line))
    .join(eol);
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Offset of the start of the line after the one holding `offset - 1` (the text's end when there is none). */
function nextLineStart(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

/**
 * Splices `testCase` into `text` as a new last item of the block sequence `seq`, at the column of its
 * other items' dashes. Every byte of the file outside the insertion stays as it was. Returns undefined for
 * layouts this cannot do (flow sequences, an empty list), which are then re-serialised.
 */
function spliceIntoSeq(text: string, seq: unknown, testCase: NewTestCase): string | undefined {
  if (!isSeq(seq) || seq.flow || seq.items.length === 0) return undefined;
  const first = seq.items[0] as { range?: [number, number, number] | null } | null;
  const last = seq.items[seq.items.length - 1] as { range?: [number, number, number] | null } | null;
  const firstStart = first?.range?.[0];
  const lastEnd = last?.range?.[1];
  if (firstStart === undefined || lastEnd === undefined) return undefined;
  const lineStart = text.lastIndexOf('\n', firstStart - 1) + 1;
  const dash = text.indexOf('-', lineStart);
  if (dash === -1 || dash >= firstStart || text.slice(lineStart, dash).trim() !== '') return undefined;
  const eol = eolOf(text);
  let at = nextLineStart(text, lastEnd);
  let prefix = '';
  if (at === text.length && !text.endsWith('\n')) prefix = eol;
  // A comment line right under the last item (at its indentation or deeper) stays with it.
  while (at < text.length) {
    const lineEnd = nextLineStart(text, at + 1);
    const line = text.slice(at, lineEnd);
    const m = /^(\s*)#/.exec(line);
    if (!m || m[1]!.length <= dash - lineStart) break;
    at = lineEnd;
  }
  if (at === text.length && !text.endsWith('\n') && prefix === '') prefix = eol;
  return text.slice(0, at) + prefix + yamlBlock([testCase], dash - lineStart, eol) + text.slice(at);
}

/** Appends to YAML bank text: a list of cases, or a mapping with `tests:`. An empty file becomes a list. */
export function appendToYamlBank(text: string, testCase: NewTestCase): { text: string } | { error: string } {
  const doc: Document = parseDocument(text);
  const problem = firstError(doc);
  if (problem) return { error: `the test bank is not valid YAML (${problem}); fix it first` };
  const root = doc.contents;
  const eol = eolOf(text);
  const tail = text === '' || text.endsWith('\n') ? '' : eol;
  if (root === null || root === undefined) {
    // Only comments (or nothing): they stay, the list starts after them.
    return { text: text + tail + yamlBlock([testCase], 0, eol) };
  }
  if (isSeq(root)) {
    const spliced = spliceIntoSeq(text, root, testCase);
    if (spliced !== undefined) return { text: spliced };
    root.items.push(caseNode(doc, testCase));
  } else if (isMap(root)) {
    const tests = root.get('tests', true);
    if (tests === undefined || tests === null) {
      if (!root.flow) return { text: text + tail + yamlBlock({ tests: [testCase] }, 0, eol) };
      root.set('tests', doc.createNode([testCase]));
    } else if (isSeq(tests)) {
      const spliced = spliceIntoSeq(text, tests, testCase);
      if (spliced !== undefined) return { text: spliced };
      tests.items.push(caseNode(doc, testCase));
    } else return { error: 'its tests: is not a list' };
  } else return { error: 'it is neither a list of cases nor a mapping with tests:' };
  return { text: doc.toString(YAML_OUT) };
}

/** Appends to a JSON bank (a list, or an object with a `tests` list); JSON has no comments to keep. */
export function appendToJsonBank(text: string, testCase: NewTestCase): { text: string } | { error: string } {
  let value: unknown;
  try {
    value = text.trim() === '' ? [] : JSON.parse(text);
  } catch (err) {
    return { error: `the test bank is not valid JSON (${(err as Error).message}); fix it first` };
  }
  if (Array.isArray(value)) value.push(testCase);
  else if (value !== null && typeof value === 'object' && Array.isArray((value as { tests?: unknown }).tests)) (value as { tests: unknown[] }).tests.push(testCase);
  else return { error: 'it is neither a list of cases nor an object with a tests list' };
  const indent = /^[[{]\s*\n(\s+)/.exec(text)?.[1] ?? '  ';
  return { text: `${JSON.stringify(value, null, indent.includes('\t') ? '\t' : indent.length)}\n` };
}

/** Appends one line to a JSON Lines bank. */
export function appendToJsonlBank(text: string, testCase: NewTestCase): { text: string } {
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return { text: `${text}${sep}${JSON.stringify(testCase)}\n` };
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function dirName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i <= 0 ? (i === 0 ? path.slice(0, 1) : '.') : path.slice(0, i);
}

/** `rel` resolved against `dir` (`..` and `.` folded), keeping the separator style of `dir`. */
function joinPath(dir: string, rel: string): string {
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) return rel;
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const out: string[] = [];
  for (const part of `${dir}${sep}${rel}`.split(/[\\/]/)) {
    if (part === '..' && out.length > 1) out.pop();
    else if (part !== '.' && !(part === '' && out.length > 0)) out.push(part);
  }
  return out.join(sep);
}

/** Appends to a bank file by its extension; CSV is refused with the reason. */
export function appendToBankText(path: string, text: string, testCase: NewTestCase): { text: string } | { error: string } {
  const lower = path.toLowerCase();
  const result = lower.endsWith('.jsonl')
    ? appendToJsonlBank(text, testCase)
    : lower.endsWith('.json')
      ? appendToJsonBank(text, testCase)
      : lower.endsWith('.yaml') || lower.endsWith('.yml')
        ? appendToYamlBank(text, testCase)
        : lower.endsWith('.csv')
          ? { error: "CSV banks hold assertions only as __expected columns in promptfoo's shorthand, which cannot carry this output safely; add the case to a .tests.yaml bank instead" }
          : { error: 'cases can be added to .yaml, .yml, .json and .jsonl banks only' };
  return 'error' in result ? { error: `${baseName(path)}: ${result.error}` } : result;
}

/** The front matter's YAML, where it sits in the file, and its parsed document; or why it cannot be edited. */
function frontMatterYaml(prompt: PromptDocument): { start: number; end: number; yaml: string; doc: Document } | { error: string } | undefined {
  const fm = prompt.frontMatter;
  if (!fm) return undefined;
  if (!fm.closed) return { error: "the prompt's front matter has no closing '---'; fix it first" };
  const start = prompt.lines.offsetAt(fm.contentRange.start);
  const end = prompt.lines.offsetAt(fm.contentRange.end);
  const yaml = prompt.text.slice(start, end);
  const doc: Document = parseDocument(yaml);
  const problem = firstError(doc) ?? (doc.contents !== null && !isMap(doc.contents) ? 'it is not a mapping' : undefined);
  if (problem) return { error: `the prompt's front matter is not valid YAML (${problem}); fix it first` };
  return { start, end, yaml, doc };
}

/** Replaces the front matter's YAML with `yaml`, keeping the newline before the closing fence. */
function withFrontMatter(prompt: PromptDocument, at: { start: number; end: number; yaml: string }, yaml: string): string {
  let next = yaml;
  if (at.yaml.endsWith('\n') && !next.endsWith('\n')) next += eolOf(prompt.text);
  return prompt.text.slice(0, at.start) + next + prompt.text.slice(at.end);
}

/** Appends `testCase` to the prompt's inline `tests:` list. */
function appendInline(prompt: PromptDocument, testCase: NewTestCase): { text: string } | { error: string } {
  const fm = frontMatterYaml(prompt);
  if (!fm) return { error: 'the prompt has no front matter' };
  if ('error' in fm) return fm;
  const seq = fm.doc.get('tests', true);
  if (!isSeq(seq)) return { error: "the prompt's tests: is not a list" };
  const spliced = spliceIntoSeq(fm.yaml, seq, testCase);
  if (spliced !== undefined) return { text: withFrontMatter(prompt, fm, spliced) };
  seq.items.push(caseNode(fm.doc, testCase));
  return { text: withFrontMatter(prompt, fm, fm.doc.toString(YAML_OUT)) };
}

/** Adds `tests: <rel>` as the front matter's last key (a front matter is created when there is none). */
function addTestsKey(prompt: PromptDocument, rel: string): { text: string } | { error: string } {
  const eol = eolOf(prompt.text);
  const line = yamlBlock({ tests: rel }, 0, eol);
  const fm = frontMatterYaml(prompt);
  if (!fm) return { text: `---${eol}${line}---${eol}${prompt.text}` };
  if ('error' in fm) return fm;
  if (isMap(fm.doc.contents) && fm.doc.contents.flow) {
    fm.doc.set('tests', rel);
    return { text: withFrontMatter(prompt, fm, fm.doc.toString(YAML_OUT)) };
  }
  const sep = fm.yaml === '' || fm.yaml.endsWith('\n') ? '' : eol;
  return { text: withFrontMatter(prompt, fm, fm.yaml + sep + line) };
}

const GLOB = /[*?[\]{}]/;

/** Where the cases of a prompt file are appended, by its `tests:` value. */
function planForPrompt(promptPath: string, promptText: string, testCase: NewTestCase, readFile: ReadFile): AddCasePlan {
  const prompt = parsePromptFile(promptText, { path: promptPath });
  const dir = dirName(promptPath);
  const tests = prompt.tests?.value;
  const list = Array.isArray(tests) ? (tests as unknown[]) : undefined;
  const inlineCount = list ? list.filter((t) => t !== null && typeof t === 'object').length : 0;
  const firstRef = typeof tests === 'string' ? tests : list?.find((t): t is string => typeof t === 'string');

  // A list holding inline cases takes the new one inline, next to them.
  if (list && (inlineCount > 0 || firstRef === undefined)) {
    const next = appendInline(prompt, testCase);
    if ('error' in next) return next;
    return { edits: [{ path: promptPath, text: next.text, create: false }], target: `${baseName(promptPath)} (inline tests:)`, targetPath: promptPath };
  }
  if (firstRef !== undefined) {
    const rel = firstRef.startsWith('file://') ? firstRef.slice('file://'.length) : firstRef;
    if (GLOB.test(rel)) return { error: `tests: names the pattern ${firstRef}; open one of its files and add the case there` };
    return planForBank(joinPath(dir, rel), testCase, readFile);
  }
  if (tests !== undefined && tests !== null) return { error: "the prompt's tests: is neither a path nor a list; fix it first" };
  if (prompt.kind === 'prompty') return { error: '.prompty files have no tests: key; create NAME.tests.yaml beside it and add the case there' };

  // No tests yet: a bank named after the prompt (reused when one is already there).
  const stem = baseName(promptPath).replace(/\.[^.]+$/, '');
  for (const ext of ['.tests.yaml', '.tests.yml']) {
    const paired = joinPath(dir, stem + ext);
    if (readFile(paired) !== undefined) return planForBank(paired, testCase, readFile);
  }
  const rel = `${stem}.tests.yaml`;
  const bankPath = joinPath(dir, rel);
  const bank = appendToYamlBank(`# Test cases for ${baseName(promptPath)}, in promptfoo's format.\n`, testCase);
  if ('error' in bank) return bank;
  const withKey = addTestsKey(prompt, rel);
  if ('error' in withKey) return withKey;
  return {
    edits: [
      { path: bankPath, text: bank.text, create: true },
      { path: promptPath, text: withKey.text, create: false },
    ],
    target: rel,
    targetPath: bankPath,
  };
}

function planForBank(bankPath: string, testCase: NewTestCase, readFile: ReadFile): AddCasePlan {
  const current = readFile(bankPath);
  const next = appendToBankText(bankPath, current ?? '', testCase);
  if ('error' in next) return next;
  return { edits: [{ path: bankPath, text: next.text, create: current === undefined }], target: baseName(bankPath), targetPath: bankPath };
}

/** Where the case goes: the cases of a prompt file (`tests:`), or a bank file directly. */
export type AddCaseTarget = { promptPath: string } | { bankPath: string };

/**
 * Plans adding the case `input` describes to `target`. Nothing is written: apply `edits` (an editor does
 * it as one undoable workspace edit). Never throws; problems come back as `{ error }`.
 */
export function planAddCase(target: AddCaseTarget, input: NewCaseInput, readFile: ReadFile): AddCasePlan {
  if (input.assertion.kind === 'llm-rubric' && input.assertion.rubric.trim() === '') return { error: 'the rubric is empty: describe what a good answer does' };
  const testCase = newTestCase(input);
  if ('bankPath' in target) return planForBank(target.bankPath, testCase, readFile);
  const text = readFile(target.promptPath);
  if (text === undefined) return { error: `${baseName(target.promptPath)} does not exist` };
  return planForPrompt(target.promptPath, text, testCase, readFile);
}
