import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { dynamicTools, splitDynamicTools } from './dynamicTools';
import { resolveInheritance } from '../template/jinjaInheritance';
import { compileJinja } from '../template/jinjaRenderer';
import { analyzeTemplate } from '../template/templateAnalysis';
import { cacheAttribute, roleAttributes } from './roleAttributes';
import type { Diagnostic, Range, Role } from '../types';
import { editDistance } from './didYouMean';
import { readFrontMatter, type FrontMatterFields } from './frontMatter';
import { applyBase } from './promptyBase';
import { LineIndex } from './lineIndex';
import type { FrontMatter, PromptDocument, PromptFileKind, PromptSection } from './promptDocument';

/** Options for `parsePromptFile`. */
export interface ParseOptions {
  /** The file's path: sets `kind` from the extension (`.prompty`) and `dir` for relative test paths. */
  path?: string;
  /** Overrides the kind the extension implies. */
  kind?: PromptFileKind;
}

/** A role marker: a line holding only `system:`, `user:` or `assistant:` (optional `#`, any case). */
const ROLE_MARKER = /^\s*#?\s*(system|user|assistant)(\[[^\]\n]*\])?\s*:\s*$/i;
/** A messages placeholder: `messages:` or `messages: NAME` alone on a line. */
const MESSAGES_MARKER = /^\s*#?\s*messages\s*:\s*([A-Za-z_][A-Za-z0-9_]*)?\s*$/i;
/** A line that looks like a marker: one word and a colon. */
const MARKER_LIKE = /^\s*#?\s*([A-Za-z_][\w-]*)\s*:\s*$/;
/** Role names of other tools that are not roles here. */
const FOREIGN_ROLES = new Set(['developer', 'tool', 'function', 'human', 'ai', 'bot', 'model', 'chatbot', 'assistent']);
const ROLE_NAMES = ['system', 'user', 'assistant'];

type Marker = { line: number; role: Role | 'messages'; variable?: string; attrs?: string };

/** Prompty's `template`: `mustache` (v1), `{ format: mustache }` or `{ format: { kind: mustache } }` (v2). */
function templateFormatOf(data: Record<string, unknown> | undefined): string | undefined {
  let t: unknown = data?.['template'];
  if (t && typeof t === 'object' && !Array.isArray(t)) t = (t as Record<string, unknown>)['format'] ?? (t as Record<string, unknown>)['type'];
  if (t && typeof t === 'object' && !Array.isArray(t)) t = (t as Record<string, unknown>)['kind'];
  return typeof t === 'string' ? t.toLowerCase() : undefined;
}

function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i <= 0 ? (i === 0 ? path.slice(0, 1) : '.') : path.slice(0, i);
}

function classifyLine(text: string): { role: Role; attrs?: string } | { variable: string | undefined } | 'unknown' | undefined {
  if (!text.includes(':')) return undefined;
  const role = ROLE_MARKER.exec(text);
  if (role) return role[2] ? { role: role[1]!.toLowerCase() as Role, attrs: role[2] } : { role: role[1]!.toLowerCase() as Role };
  const msgs = MESSAGES_MARKER.exec(text);
  if (msgs) return { variable: msgs[1] };
  const like = MARKER_LIKE.exec(text);
  if (like) {
    const word = like[1]!.toLowerCase();
    if (FOREIGN_ROLES.has(word)) return 'unknown';
    if (word.length >= 3 && ROLE_NAMES.some((r) => editDistance(word, r, 1) === 1)) return 'unknown';
  }
  return undefined;
}

/** Finds the markers of the body starting at `fromLine`, reporting look-alikes (other than the words in `roleWords`, roles of the file's own format). */
function findMarkers(lines: LineIndex, fromLine: number, diagnostics: Diagnostic[], roleWords: ReadonlySet<string> = new Set()): Marker[] {
  const markers: Marker[] = [];
  for (let line = fromLine; line < lines.lineCount; line++) {
    const text = lines.lineText(line);
    const c = classifyLine(text);
    if (c === undefined) continue;
    if (c === 'unknown') {
      const word = MARKER_LIKE.exec(text)![1]!;
      if (roleWords.has(word.toLowerCase())) continue;
      const start = lines.lineStart(line) + text.indexOf(word);
      diagnostics.push({
        severity: 'warning',
        code: 'unknown-role',
        message: `'${word}:' is not a role marker, so this line stays text of the message above. Roles are system:, user: and assistant:${word.toLowerCase() === 'tool' || word.toLowerCase() === 'function' ? '; put tool turns in a messages placeholder' : ''}.`,
        range: lines.range(start, start + word.length + 1),
      });
    } else if ('role' in c) markers.push({ line, ...c });
    else markers.push({ line, role: 'messages', variable: c.variable ?? 'messages' });
  }
  return markers;
}

interface Fence {
  frontMatter?: { start: number; contentStart: number; contentEnd: number; end: number; closed: boolean };
  bodyLine: number;
  bodyStart: number;
}

/** Locates the front matter: `---` on the first line, up to the next `---` line. */
function findFence(text: string, lines: LineIndex, diagnostics: Diagnostic[]): Fence {
  const first = lines.lineText(0).replace(/^\uFEFF/, '');
  if (first.trimEnd() !== '---') return { bodyLine: 0, bodyStart: 0 };
  const contentStart = lines.lineCount > 1 ? lines.lineStart(1) : text.length;
  for (let line = 1; line < lines.lineCount; line++) {
    if (lines.lineText(line).trimEnd() === '---') {
      const bodyLine = line + 1;
      const bodyStart = bodyLine < lines.lineCount ? lines.lineStart(bodyLine) : text.length;
      return { frontMatter: { start: 0, contentStart, contentEnd: lines.lineStart(line), end: lines.lineEnd(line), closed: true }, bodyLine, bodyStart };
    }
  }
  // No closing fence: assume the front matter stops at the first role marker, so the body still parses.
  let stop = lines.lineCount;
  for (let line = 1; line < lines.lineCount; line++) {
    const c = classifyLine(lines.lineText(line));
    if (c !== undefined && c !== 'unknown') {
      stop = line;
      break;
    }
  }
  const end = stop < lines.lineCount ? lines.lineStart(stop) : text.length;
  diagnostics.push({
    severity: 'error',
    code: 'frontmatter-unclosed',
    message: "The front matter is not closed: add a line holding only '---' after the YAML.",
    range: lines.range(lines.lineStart(0), lines.lineEnd(0)),
  });
  return { frontMatter: { start: 0, contentStart, contentEnd: end, end, closed: false }, bodyLine: stop, bodyStart: end };
}

function buildSections(text: string, lines: LineIndex, fence: Fence, markers: Marker[], diagnostics: Diagnostic[]): PromptSection[] {
  const sections: PromptSection[] = [];
  const add = (role: PromptSection['role'], start: number, end: number, markerRange?: Range, variable?: string): void => {
    const source = text.slice(start, end);
    const section: PromptSection = { role, bodyRange: lines.range(start, end), source, sourceOffset: start, variables: [] };
    if (markerRange) section.markerRange = markerRange;
    if (variable !== undefined) section.messagesVariable = variable;
    sections.push(section);
  };
  const firstMarkerStart = markers.length > 0 ? lines.lineStart(markers[0]!.line) : text.length;
  if (text.slice(fence.bodyStart, firstMarkerStart).trim() !== '') add('system', fence.bodyStart, firstMarkerStart);
  markers.forEach((m, i) => {
    const start = m.line + 1 < lines.lineCount ? lines.lineStart(m.line + 1) : text.length;
    const end = i + 1 < markers.length ? lines.lineStart(markers[i + 1]!.line) : text.length;
    const markerRange = lines.range(lines.lineStart(m.line) + (lines.lineText(m.line).length - lines.lineText(m.line).trimStart().length), lines.lineEnd(m.line));
    add(m.role, start, Math.max(start, end), markerRange, m.variable);
    if (m.attrs) readCache(sections[sections.length - 1]!, m.attrs, markerRange, diagnostics);
    const body = text.slice(start, Math.max(start, end));
    if (m.role === 'messages') {
      const lead = body.length - body.trimStart().length;
      if (body.trim() !== '') {
        diagnostics.push({
          severity: 'error',
          code: 'messages-placeholder',
          message: 'A messages placeholder takes no text: add a role marker (user:, assistant:…) before this text.',
          range: lines.range(start + lead, start + body.trimEnd().length),
        });
      }
    } else if (body.trim() === '') {
      diagnostics.push({ severity: 'warning', code: 'empty-section', message: `This ${m.role} message is empty and is left out.`, range: markerRange });
    }
  });
  return sections;
}

/** A role line's `[cache]` attribute onto its section. */
function readCache(section: PromptSection, attrs: string, markerRange: Range, diagnostics: Diagnostic[]): void {
  const cache = cacheAttribute(roleAttributes(attrs));
  if (cache === undefined) return;
  if ('error' in cache) diagnostics.push({ severity: 'error', code: 'role-attribute', message: `${cache.error}.`, range: markerRange });
  else section.cache = cache;
}

/** Parses a `.prompt` or `.prompty` file. Never throws: every problem becomes a diagnostic. */
export function parsePromptFile(text: string, options: ParseOptions = {}): PromptDocument {
  const src = typeof text === 'string' ? text : String(text);
  const lines = new LineIndex(src);
  const diagnostics: Diagnostic[] = [];
  const kind: PromptFileKind = options.kind ?? (options.path && /\.prompty$/i.test(options.path) ? 'prompty' : 'prompt');
  const fence = findFence(src, lines, diagnostics);

  let frontMatter: FrontMatter | undefined;
  let fields: FrontMatterFields = { keyRanges: new Map(), models: [], params: {}, inputs: new Map() };
  if (fence.frontMatter) {
    const f = fence.frontMatter;
    const range = lines.range(f.start, f.end);
    fields = readFrontMatter(src.slice(f.contentStart, f.contentEnd), f.contentStart, lines, kind, diagnostics, range, options.path !== undefined ? dirname(options.path) : undefined);
    if (kind === 'prompty') fields = applyBase(fields, options.path, diagnostics);
    frontMatter = { range, contentRange: lines.range(f.contentStart, f.contentEnd), closed: f.closed, keyRanges: fields.keyRanges };
    if (fields.data) frontMatter.data = fields.data;
  }

  // Prompty 2.0's developer role; 1.0's leading tools: block (see dynamicTools.ts).
  const roleWords = new Set(kind !== 'prompty' ? [] : fields.promptyVersion === 1 ? ['tools'] : ['developer']);
  const markers = findMarkers(lines, fence.bodyLine, diagnostics, roleWords);
  const sections = buildSections(src, lines, fence, markers, diagnostics);
  // A .prompty body is one Jinja2 template: its syntax is Jinja2's, checked on the whole body.
  const bodySource = src.slice(fence.bodyStart);
  const format = kind === 'prompty' ? templateFormatOf(fields.data) : undefined;
  const inherited = kind === 'prompty' && format !== 'mustache' ? resolveInheritance(bodySource, baseLoader(options.path)) : undefined;
  const template = inherited && 'template' in inherited ? inherited.template : bodySource;
  const jinja = kind === 'prompty' && format !== 'mustache' ? compileJinja(template) : undefined;
  if (inherited && 'error' in inherited) {
    diagnostics.push({ severity: 'error', code: 'template-syntax', message: `${inherited.error}.`, range: lines.range(fence.bodyStart, src.length) });
  } else if (jinja && 'error' in jinja) {
    diagnostics.push({ severity: 'error', code: 'template-syntax', message: jinja.error.message, range: lines.range(fence.bodyStart, src.length) });
  }
  for (const s of sections) {
    if (s.role === 'messages') continue;
    const a = analyzeTemplate(s.source);
    const at = (start: number, end: number): Range => lines.range(s.sourceOffset + start, s.sourceOffset + end);
    s.variables = a.variables.map((v) => ({ name: v.name, range: at(v.start, v.end), guarded: v.guarded }));
    if (a.error && format === 'mustache') {
      // Mustache, not Jinja2: rendered by the Mustache renderer.
    } else if (a.error && jinja && !('error' in jinja)) {
      // Nunjucks cannot read this Jinja2 (e.g. a section split inside a block); Jinja2 can, which is what counts.
    } else if (a.error) {
      s.syntaxError = { message: a.error.message, range: at(a.error.start, a.error.end) };
      diagnostics.push({ severity: 'error', code: 'template-syntax', ...s.syntaxError });
    }
    // `.prompty` bodies render with Jinja2's inheritance (jinjaInheritance.ts): only include and import have nothing to load.
    const unsupported = kind === 'prompty' && jinja ? a.loaderTags.filter((t) => !/^\{%-?\s*extends\b/.test(s.source.slice(t.start, t.end))) : a.loaderTags;
    for (const t of unsupported) {
      diagnostics.push({
        severity: 'warning',
        code: 'template-include',
        message: 'include, import and extends are not supported: a prompt file is one self-contained template.',
        range: at(t.start, t.end),
      });
    }
  }

  const doc: PromptDocument = {
    text: src,
    kind,
    lines,
    models: fields.models,
    params: fields.params,
    inputs: fields.inputs,
    sections,
    body: template === bodySource ? { source: bodySource, offset: fence.bodyStart } : { source: bodySource, offset: fence.bodyStart, template },
    diagnostics,
  };
  if (options.path !== undefined) {
    doc.path = options.path;
    doc.dir = dirname(options.path);
  }
  if (frontMatter) doc.frontMatter = frontMatter;
  if (fields.name !== undefined) doc.name = fields.name;
  if (fields.description !== undefined) doc.description = fields.description;
  if (fields.tests) doc.tests = fields.tests;
  if (format === 'mustache') doc.templateFormat = 'mustache';
  if (fields.promptyVersion !== undefined) doc.promptyVersion = fields.promptyVersion;
  if (kind === 'prompty' && doc.promptyVersion === 1) readDynamicTools(doc, diagnostics);
  return doc;
}

/**
 * Reads the base template `{% extends "NAME" %}` names, as Prompty's loader holds it: the body of the
 * prompty file NAME beside this one (its front matter left out, as Prompty's loader splits it).
 */
function baseLoader(path: string | undefined): (name: string) => { text: string } | { error: string } {
  return (name) => {
    if (path === undefined) return { error: 'the prompt file has no folder (save it first)' };
    try {
      const text = readFileSync(isAbsolute(name) ? name : join(dirname(path), name), 'utf8');
      const m = /^\s*(?:---|\+\+\+)(.*?)(?:---|\+\+\+)\s*(.+)$/s.exec(text);
      return { text: m ? m[2]! : text };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  };
}

/** Prompty 0.1/1.0: tools from a leading `tools:` block of the body join the request's tools. */
function readDynamicTools(doc: PromptDocument, diagnostics: Diagnostic[]): void {
  const { block } = splitDynamicTools(doc.body!.source);
  if (block === undefined) return;
  const r = dynamicTools(block);
  const at = doc.body!.offset + doc.body!.source.length - doc.body!.source.trimStart().length;
  if ('error' in r) diagnostics.push({ severity: 'error', code: 'unsupported-tool', message: `${r.error}.`, range: doc.lines.range(at, at + block.length + 7) });
  else if (r.tools.length > 0) doc.params = { ...doc.params, tools: [...(doc.params.tools ?? []), ...r.tools] };
}
