// What the cursor is on in a prompt file: which completion fits there, which key a hover is about.
// Pure functions of the parsed document and an offset (no `vscode`), so they are unit-tested in Node.
// Front-matter questions are answered from the text line by line (indentation and flow brackets), not
// from the YAML tree, because the YAML is usually half-typed while completion runs.
import type { PromptDocument, PromptSection } from '../../core/promptFile/promptDocument';

/** A completion site: what to offer, and the offsets `[start, end)` of the word it replaces. */
export type CompletionSite =
  | { kind: 'variable'; start: number; end: number; tag: 'expression' | 'statement'; firstWord: boolean }
  | { kind: 'filter'; start: number; end: number }
  | { kind: 'topKey'; start: number; end: number; present: string[] }
  | { kind: 'paramKey'; start: number; end: number }
  | { kind: 'inputSpecKey'; start: number; end: number }
  | { kind: 'inputType'; start: number; end: number }
  | { kind: 'modelRef'; start: number; end: number }
  | { kind: 'none' };

/** Where the cursor is relative to template tags, from the start of its section. */
type TagState = { tag: 'expression' | 'statement'; contentStart: number } | 'outside' | 'literal';

const NONE: CompletionSite = { kind: 'none' };
const IDENT_TAIL = /[A-Za-z_][A-Za-z0-9_]*$/;
const IDENT_HEAD = /^[A-Za-z0-9_]*/;
const RAW_OPEN = /^\{%-?\s*raw\s*-?%\}/;
const RAW_CLOSE = /\{%-?\s*endraw\s*-?%\}/g;

/** Scans `src` up to `upTo` and says whether that point is inside `{{ }}`/`{% %}`, in text, or in a literal. */
function tagStateAt(src: string, upTo: number): TagState {
  let i = 0;
  while (i < upTo) {
    const brace = src.indexOf('{', i);
    if (brace === -1 || brace >= upTo) return 'outside';
    const next = src[brace + 1];
    if (brace + 1 >= upTo || (next !== '{' && next !== '%' && next !== '#')) {
      i = brace + 1;
      continue;
    }
    if (next === '#') {
      const close = src.indexOf('#}', brace + 2);
      if (close === -1 || close + 2 > upTo) return 'literal';
      i = close + 2;
      continue;
    }
    const raw = next === '%' ? RAW_OPEN.exec(src.slice(brace, brace + 64)) : null;
    if (raw) {
      RAW_CLOSE.lastIndex = brace + raw[0].length;
      const close = RAW_CLOSE.exec(src);
      if (!close || close.index + close[0].length > upTo) return 'literal';
      i = close.index + close[0].length;
      continue;
    }
    const tag = next === '{' ? 'expression' : 'statement';
    const closer = next === '{' ? '}}' : '%}';
    const contentStart = brace + 2;
    let j = contentStart;
    let closed = false;
    while (j < upTo) {
      const c = src[j];
      if (c === '"' || c === "'") {
        let k = j + 1;
        while (k < src.length && src[k] !== c) k += src[k] === '\\' ? 2 : 1;
        if (k >= upTo) return 'literal';
        j = k + 1;
      } else if (src.startsWith(closer, j) && j + 2 <= upTo) {
        closed = true;
        j += 2;
        break;
      } else j++;
    }
    if (!closed) return { tag, contentStart };
    i = j;
  }
  return 'outside';
}

/** The section whose template source holds `offset` (its end included, so the end of the file counts). */
export function sectionAt(doc: PromptDocument, offset: number): PromptSection | undefined {
  return doc.sections.find((s) => s.role !== 'messages' && offset >= s.sourceOffset && offset <= s.sourceOffset + s.source.length);
}

function templateSite(doc: PromptDocument, section: PromptSection, offset: number): CompletionSite {
  const local = offset - section.sourceOffset;
  const state = tagStateAt(section.source, local);
  if (typeof state === 'string') return NONE;
  const typed = section.source.slice(state.contentStart, local).replace(/^-/, '');
  const prefix = IDENT_TAIL.exec(typed)?.[0] ?? '';
  const before = typed.slice(0, typed.length - prefix.length);
  const start = offset - prefix.length;
  const end = offset + (IDENT_HEAD.exec(doc.text.slice(offset))?.[0].length ?? 0);
  if (/[.\d]$/.test(before)) return NONE;
  if (/\|\s*$/.test(before)) return { kind: 'filter', start, end };
  if (/\bis\s+(not\s+)?$/.test(before)) return NONE;
  return { kind: 'variable', start, end, tag: state.tag, firstWord: before.trim() === '' };
}

function isBlankOrComment(text: string): boolean {
  const t = text.trim();
  return t === '' || t.startsWith('#');
}

const KEY_LINE = /^(\s*)(-\s+)?(["']?)([A-Za-z_$][\w$.-]*)\3\s*:(?:\s|$)/;

/**
 * The key that owns `line` (indented `indent`) in block YAML: the nearest line above with less
 * indentation, or (for a list item, which may sit at its key's indentation) the same indentation.
 */
function parentKey(doc: PromptDocument, firstLine: number, line: number, indent: number, isListItem: boolean): { key: string; line: number; indent: number } | undefined {
  for (let l = line - 1; l >= firstLine; l--) {
    const text = doc.lines.lineText(l);
    if (isBlankOrComment(text)) continue;
    const ind = text.length - text.trimStart().length;
    const m = KEY_LINE.exec(text);
    if (ind < indent || (isListItem && ind === indent && m && !m[2])) {
      if (!m) return undefined;
      // `- name: x` owns lines indented past its dash.
      return { key: m[4]!, line: l, indent: m[2] ? ind + m[2].length : ind };
    }
  }
  return undefined;
}

/** The chain of keys above `line`, outermost first. */
function keyPath(doc: PromptDocument, firstLine: number, line: number, indent: number, isListItem: boolean): string[] {
  const path: string[] = [];
  let at = parentKey(doc, firstLine, line, indent, isListItem);
  for (let guard = 0; at && guard < 32; guard++) {
    path.unshift(at.key);
    if (at.indent === 0) break;
    const text = doc.lines.lineText(at.line);
    at = parentKey(doc, firstLine, at.line, text.length - text.trimStart().length, /^\s*-\s/.test(text));
  }
  return path;
}

/** Offsets of the front matter's YAML, or undefined when `offset` is not in it. */
function frontMatterBounds(doc: PromptDocument, offset: number): { start: number; end: number; firstLine: number } | undefined {
  const fm = doc.frontMatter;
  if (!fm) return undefined;
  const start = doc.lines.offsetAt(fm.contentRange.start);
  const end = doc.lines.offsetAt(fm.contentRange.end);
  const inside = offset >= start && (offset < end || (offset === end && !fm.closed && end === doc.text.length));
  return inside ? { start, end, firstLine: fm.contentRange.start.line } : undefined;
}

function frontMatterSite(doc: PromptDocument, offset: number, firstLine: number): CompletionSite {
  const pos = doc.lines.positionAt(offset);
  const lineStart = doc.lines.lineStart(pos.line);
  const prefix = doc.text.slice(lineStart, offset);
  const tail = /^[^\s,\]}"']*/.exec(doc.text.slice(offset, doc.lines.lineEnd(pos.line)))?.[0].length ?? 0;
  const word = (typed: string, chars = IDENT_HEAD): { start: number; end: number } => ({
    start: offset - typed.length,
    end: offset + (chars.exec(doc.text.slice(offset))?.[0].length ?? 0),
  });
  if (/(^|\s)#/.test(prefix)) return NONE;
  const indent = prefix.length - prefix.trimStart().length;

  let m = /^([A-Za-z_$][\w$.-]*)?$/.exec(prefix);
  if (m) {
    const present = [...(doc.frontMatter?.keyRanges.entries() ?? [])].filter(([, r]) => r.start.line !== pos.line).map(([k]) => k);
    return { kind: 'topKey', ...word(m[1] ?? '', /^[\w$.-]*/), present };
  }
  const ref = (typed: string): CompletionSite => ({ kind: 'modelRef', start: offset - typed.length, end: offset + tail });
  if ((m = /^model\s*:\s*["']?([^\s"']*)$/.exec(prefix))) return ref(m[1]!);
  if ((m = /^models\s*:\s*\[(?:[^\]]*,)?\s*["']?([^\s,"'\]]*)$/.exec(prefix))) return ref(m[1]!);
  if ((m = /^models\s*:\s*["']?([^\s"'[]*)$/.exec(prefix))) return ref(m[1]!);
  if ((m = /^(\s*)-\s*["']?([^\s"']*)$/.exec(prefix))) {
    const path = keyPath(doc, firstLine, pos.line, indent, true);
    return path.length === 1 && path[0] === 'models' ? ref(m[2]!) : NONE;
  }
  if ((m = /^params\s*:\s*\{(?:[^}]*,)?\s*([A-Za-z_]*)$/.exec(prefix))) return { kind: 'paramKey', ...word(m[1]!) };

  const path = keyPath(doc, firstLine, pos.line, indent, false);
  if ((m = /^\s+([A-Za-z_]*)$/.exec(prefix))) {
    if (path.length === 1 && path[0] === 'params') return { kind: 'paramKey', ...word(m[1]!) };
    if (path.length === 2 && path[0] === 'inputs') return { kind: 'inputSpecKey', ...word(m[1]!) };
    return NONE;
  }
  const inInputs = path.length === 1 && path[0] === 'inputs';
  if (inInputs && (m = /^\s+[\w$.-]+\s*:\s*\{(?:[^}]*,)?\s*([A-Za-z_]*)$/.exec(prefix))) return { kind: 'inputSpecKey', ...word(m[1]!) };
  if (inInputs && (m = /^\s+[\w$.-]+\s*:\s*\{(?:[^}]*,)?\s*(?:type|kind)\s*:\s*(\w*)$/.exec(prefix))) return { kind: 'inputType', ...word(m[1]!) };
  if (path.length === 2 && path[0] === 'inputs' && (m = /^\s+(?:type|kind)\s*:\s*(\w*)$/.exec(prefix))) return { kind: 'inputType', ...word(m[1]!) };
  return NONE;
}

/** What completion should offer at `offset`. Never throws; `none` where nothing fits. */
export function completionSite(doc: PromptDocument, offset: number): CompletionSite {
  const o = Math.max(0, Math.min(offset, doc.text.length));
  const fm = frontMatterBounds(doc, o);
  if (fm) return frontMatterSite(doc, o, fm.firstLine);
  const section = sectionAt(doc, o);
  return section ? templateSite(doc, section, o) : NONE;
}

/** A front-matter key under the cursor and the keys above it (outermost first). */
export interface KeyAt {
  key: string;
  path: string[];
  start: number;
  end: number;
}

/** The YAML key the cursor is on, in block (`key: value`) or flow (`{ key: value }`) style. */
export function frontMatterKeyAt(doc: PromptDocument, offset: number): KeyAt | undefined {
  const fm = frontMatterBounds(doc, offset);
  if (!fm) return undefined;
  const pos = doc.lines.positionAt(offset);
  const lineStart = doc.lines.lineStart(pos.line);
  const text = doc.lines.lineText(pos.line);
  const col = offset - lineStart;
  const re = /[A-Za-z_$][\w$.-]*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (col < m.index || col > m.index + m[0].length) continue;
    const after = text.slice(m.index + m[0].length);
    const before = text.slice(0, m.index);
    if (!/^\s*:(\s|$)/.test(after)) return undefined;
    const opened = (before.match(/\{/g)?.length ?? 0) - (before.match(/\}/g)?.length ?? 0);
    const indent = text.length - text.trimStart().length;
    const isListItem = /^\s*-\s/.test(text);
    const ownKey = KEY_LINE.exec(text);
    let path: string[];
    if (opened > 0 && ownKey) path = [...keyPath(doc, fm.firstLine, pos.line, indent, isListItem), ownKey[4]!];
    else if (/^\s*(-\s+)?["']?$/.test(before)) path = keyPath(doc, fm.firstLine, pos.line, indent, isListItem);
    else return undefined;
    return { key: m[0], path, start: lineStart + m.index, end: lineStart + m.index + m[0].length };
  }
  return undefined;
}
