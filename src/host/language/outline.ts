// The structure of a prompt file for the outline, breadcrumbs and folding: the front matter (with its
// keys) and one entry per message section. Pure (no `vscode`); symbols.ts and folding.ts convert.
import type { PromptDocument, PromptSection } from '../../core/promptFile/promptDocument';
import type { Range } from '../../core/types';

/** One entry of the outline. */
export interface OutlineNode {
  name: string;
  detail: string;
  kind: 'frontMatter' | 'key' | 'input' | 'section' | 'messages';
  /** The whole entry; contains `selectionRange`. */
  range: Range;
  /** What to reveal and highlight: the key, the role marker. */
  selectionRange: Range;
  children: OutlineNode[];
}

/** A foldable block of whole lines (zero-based, inclusive). */
export interface FoldingBlock {
  start: number;
  end: number;
  kind?: 'comment';
}

/** The last line of `[first, last]` that holds more than whitespace, or `first` when none does. */
function lastContentLine(doc: PromptDocument, first: number, last: number): number {
  for (let l = last; l > first; l--) if (doc.lines.lineText(l).trim() !== '') return l;
  return first;
}

/** The last line a range really covers: a range ending at column 0 ends on the line before. */
function endLine(range: Range): number {
  return range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
}

function lineRange(doc: PromptDocument, first: number, last: number): Range {
  return { start: { line: first, character: 0 }, end: { line: last, character: doc.lines.lineText(last).length } };
}

/** First and last line of a section: its marker (or first body line) to its last non-blank line. */
function sectionLines(doc: PromptDocument, s: PromptSection): { first: number; last: number } {
  const marker = s.markerRange?.start.line ?? s.bodyRange.start.line;
  const e = s.bodyRange.end;
  // A body ending at column 0 ends on the line before (the next marker's line is not part of it).
  const bodyEnd = Math.max(marker, e.character === 0 && e.line > marker ? e.line - 1 : e.line);
  let first = marker;
  if (!s.markerRange) while (first < bodyEnd && doc.lines.lineText(first).trim() === '') first++;
  return { first, last: lastContentLine(doc, first, bodyEnd) };
}

function preview(source: string): string {
  const line = source.split(/\r?\n|\r/).find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** Outline entries: the front matter (keys as children, inputs under `inputs`), then each section. */
export function promptOutline(doc: PromptDocument): OutlineNode[] {
  const out: OutlineNode[] = [];
  const fm = doc.frontMatter;
  if (fm) {
    const keys = [...fm.keyRanges.entries()].sort((a, b) => a[1].start.line - b[1].start.line);
    const lastYamlLine = Math.max(fm.contentRange.start.line, endLine(fm.contentRange));
    const children = keys.map(([key, r], i): OutlineNode => {
      const nextLine = i + 1 < keys.length ? keys[i + 1]![1].start.line - 1 : lastYamlLine;
      const last = lastContentLine(doc, r.start.line, Math.max(r.start.line, nextLine));
      const node: OutlineNode = { name: key, detail: '', kind: 'key', range: { start: r.start, end: lineRange(doc, last, last).end }, selectionRange: r, children: [] };
      if (key === 'inputs') {
        node.children = [...doc.inputs.values()]
          .filter((input) => input.range.start.line >= r.start.line && input.range.start.line <= last)
          .map((input) => ({ name: input.name, detail: input.type ?? '', kind: 'input', range: input.range, selectionRange: input.range, children: [] }));
      }
      if (key === 'name' && doc.name !== undefined) node.detail = doc.name;
      if ((key === 'model' || key === 'models') && doc.models.length > 0) node.detail = doc.models.map((m) => m.text).join(', ');
      return node;
    });
    const firstLine = lineRange(doc, 0, 0);
    out.push({ name: 'front matter', detail: doc.name ?? '', kind: 'frontMatter', range: fm.range, selectionRange: firstLine, children });
  }
  for (const s of doc.sections) {
    const { first, last } = sectionLines(doc, s);
    const range = lineRange(doc, first, last);
    if (s.role === 'messages') {
      const name = `messages: ${s.messagesVariable ?? 'messages'}`;
      out.push({ name, detail: 'earlier turns from a variable', kind: 'messages', range, selectionRange: s.markerRange ?? range, children: [] });
      continue;
    }
    const selection = s.markerRange ?? lineRange(doc, first, first);
    out.push({ name: s.role, detail: preview(s.source), kind: 'section', range, selectionRange: selection, children: [] });
  }
  return out;
}

/** Folding blocks: the front matter, each section, and `{# #}` comments over several lines. */
export function promptFolding(doc: PromptDocument): FoldingBlock[] {
  const out: FoldingBlock[] = [];
  const fm = doc.frontMatter;
  if (fm) {
    const last = fm.closed ? fm.range.end.line : lastContentLine(doc, 0, endLine(fm.range));
    if (last > 0) out.push({ start: 0, end: last });
  }
  for (const s of doc.sections) {
    const { first, last } = sectionLines(doc, s);
    if (last > first) out.push({ start: first, end: last });
    if (s.role === 'messages') continue;
    for (let at = s.source.indexOf('{#'); at !== -1; at = s.source.indexOf('{#', at + 2)) {
      const close = s.source.indexOf('#}', at + 2);
      if (close === -1) break;
      const a = doc.lines.positionAt(s.sourceOffset + at).line;
      const b = doc.lines.positionAt(s.sourceOffset + close).line;
      if (b > a) out.push({ start: a, end: b, kind: 'comment' });
      at = close;
    }
  }
  return out;
}
