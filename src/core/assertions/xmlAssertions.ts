// `is-xml` and `contains-xml`, with promptfoo 0.121.20's rules (src/assertions/xml.ts): well-formedness by
// `saxes` (namespaces on, DTD internal subsets refused, a malformed DOCTYPE an error), then the structure by
// `fast-xml-parser`, which also answers the optional required element paths (`root.child.leaf`).
// `contains-xml` looks for balanced elements inside the text and accepts the first that parses.
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import type { AssertionDefinition, AssertionSpec, RawAssertionResult } from './assertionTypes';
import { isRecord } from './valueUtils';

interface Verdict {
  valid: boolean;
  reason: string;
  /** The text parsed (so an enclosing well-formed candidate need not be tried again). */
  wellFormed?: boolean;
}

// --- XML names (XML 1.0, fifth edition, productions 4 and 4a) ---

function isNameStart(c: number | undefined): boolean {
  if (c === undefined) return false;
  return (
    c === 0x3a || c === 0x5f || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff)
  );
}

function isNameChar(c: number | undefined): boolean {
  if (c === undefined) return false;
  return isNameStart(c) || c === 0x2d || c === 0x2e || (c >= 0x30 && c <= 0x39) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040);
}

/** The XML name at `start`, and where it ends. */
function readName(text: string, start: number): { name: string; end: number } | undefined {
  let c = text.codePointAt(start);
  if (!isNameStart(c)) return undefined;
  let end = start;
  while (isNameChar(c)) {
    end += c! > 0xffff ? 2 : 1;
    c = text.codePointAt(end);
  }
  return { name: text.slice(start, end), end };
}

// --- DOCTYPE checks (saxes reports the declaration's body; promptfoo judges it) ---

const isSpace = (ch: string | undefined) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

function skipSpace(text: string, i: number): number {
  while (isSpace(text[i])) i++;
  return i;
}

/** Index just past the first occurrence of `stop` outside quotes, or -1. */
function findUnquoted(text: string, from: number, stop: (ch: string) => boolean): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (stop(ch)) return i;
  }
  return -1;
}

function quoted(text: string, start: number): { value: string; end: number } | undefined {
  const q = text[start];
  if (q !== '"' && q !== "'") return undefined;
  const close = text.indexOf(q, start + 1);
  return close === -1 ? undefined : { value: text.slice(start + 1, close), end: close + 1 };
}

/** ` "system-id"` running to the end of the declaration. */
function systemLiteralEnds(text: string, start: number): boolean {
  const at = skipSpace(text, start);
  if (at === start) return false;
  const lit = quoted(text, at);
  return !!lit && !lit.value.includes('#') && skipSpace(text, lit.end) === text.length;
}

/** `<!DOCTYPE name>`, `… SYSTEM "id"` or `… PUBLIC "pubid" "id"`, and nothing else. */
function wellFormedDoctype(body: string): boolean {
  let i = skipSpace(body, 0);
  if (i === 0) return false;
  const name = readName(body, i);
  if (!name) return false;
  i = skipSpace(body, name.end);
  if (i === body.length) return true;
  if (i === name.end) return false;
  if (body.startsWith('SYSTEM', i)) return systemLiteralEnds(body, i + 6);
  if (!body.startsWith('PUBLIC', i)) return false;
  const at = skipSpace(body, i + 6);
  if (at === i + 6) return false;
  const pub = quoted(body, at);
  if (!pub || !/^[\x20\r\na-zA-Z0-9'()+,./:=?;!*#@$_%-]*$/.test(pub.value)) return false;
  return systemLiteralEnds(body, pub.end);
}

function hasExternalSubset(body: string): boolean {
  const name = readName(body, skipSpace(body, 0));
  if (!name) return false;
  const at = skipSpace(body, name.end);
  return body.startsWith('SYSTEM', at) || body.startsWith('PUBLIC', at);
}

/** Entities an external DTD might declare stay as written instead of failing, as promptfoo arranges. */
function keepUnknownEntities(parser: SaxesParser): void {
  const known = parser.ENTITIES;
  parser.ENTITIES = new Proxy(known, {
    get(target, key, receiver) {
      if (typeof key === 'string' && readName(key, 0)?.end === key.length && !Reflect.has(target, key)) return `&${key};`;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

// --- structure and required elements ---

function hasPath(value: unknown, path: string[]): boolean {
  let cur = value;
  for (const key of path) {
    if (Array.isArray(cur)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || String(index) !== key || cur[index] === undefined) return false;
      cur = cur[index];
    } else if (isRecord(cur) && cur[key] !== undefined) cur = cur[key];
    else return false;
  }
  return true;
}

function checkStructure(xml: string, required: string[] | undefined): Verdict {
  const parser = new XMLParser({ allowBooleanAttributes: true, ignoreAttributes: false, parseAttributeValue: true, parseTagValue: true });
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (e) {
    return { valid: false, reason: `XML parsing failed: ${(e as Error).message}`, wellFormed: false };
  }
  const missing = (required ?? []).filter((el) => !hasPath(parsed, el.split('.')));
  return missing.length > 0
    ? { valid: false, reason: `XML is missing required elements: ${missing.join(', ')}`, wellFormed: true }
    : { valid: true, reason: 'XML is valid and contains all required elements', wellFormed: true };
}

function validateXml(xml: string, required: string[] | undefined): Verdict {
  let refusal: string | undefined;
  let standalone = false;
  try {
    const parser = new SaxesParser({ xmlns: true });
    parser.on('xmldecl', (decl) => {
      standalone = decl.standalone === 'yes';
    });
    parser.on('doctype', (body) => {
      if (findUnquoted(body, 0, (ch) => ch === '[') !== -1) refusal = 'DTD internal subsets are not supported by is-xml validation';
      else if (!wellFormedDoctype(body)) refusal = 'XML parsing failed: Malformed DOCTYPE declaration';
      if (refusal) throw new Error(refusal);
      if (hasExternalSubset(body) && !standalone) keepUnknownEntities(parser);
    });
    parser.write(xml).close();
  } catch (e) {
    return { valid: false, reason: refusal ?? `XML parsing failed: ${(e as Error).message}` };
  }
  const { valid, reason } = checkStructure(xml, required);
  return { valid, reason };
}

// --- finding XML inside text (contains-xml) ---

interface Tag {
  kind: 'open' | 'close' | 'other';
  end: number;
  name?: string;
  selfClosing?: boolean;
}

/** Index of the `>` closing a tag that starts at `start` (quotes respected; a `<` first means no tag). */
function tagEnd(text: string, start: number): number {
  const i = findUnquoted(text, start + 1, (ch) => ch === '<' || ch === '>');
  return i === -1 || text[i] === '<' ? -1 : i;
}

function delimitedEnd(text: string, from: number, delimiter: string): number {
  const i = text.indexOf(delimiter, from);
  return i === -1 ? text.length - 1 : i + delimiter.length - 1;
}

/** End of `<!…>`: comments and CDATA to their terminator, declarations to the `>` outside brackets. */
function declarationEnd(text: string, start: number): number {
  if (text.startsWith('<!--', start)) return delimitedEnd(text, start + 4, '-->');
  if (text.startsWith('<![CDATA[', start)) return delimitedEnd(text, start + 9, ']]>');
  let depth = 0;
  const i = findUnquoted(text, start + 2, (ch) => {
    if (ch === '[') depth++;
    else if (ch === ']' && depth > 0) depth--;
    else return ch === '>' && depth === 0;
    return false;
  });
  return i === -1 ? text.length - 1 : i;
}

function readTag(text: string, start: number): Tag | undefined {
  const next = text[start + 1];
  if (next === undefined) return undefined;
  if (next === '!') return { kind: 'other', end: declarationEnd(text, start) };
  if (next === '?') return { kind: 'other', end: delimitedEnd(text, start + 2, '?>') };
  const closing = next === '/';
  const name = readName(text, start + (closing ? 2 : 1));
  if (!name) return undefined;
  const end = tagEnd(text, start);
  if (end === -1) return undefined;
  if (closing) return { kind: 'close', end, name: name.name };
  let last = end - 1;
  while (last > start && /\s/.test(text[last])) last--;
  return { kind: 'open', end, name: name.name, selfClosing: text[last] === '/' };
}

interface Span {
  start: number;
  end: number;
  parent?: number;
}

/** Balanced elements in the text, each with the start of the element enclosing it. */
function balancedElements(text: string): Span[] {
  const open: { name: string; start: number }[] = [];
  const spans: Span[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '<') continue;
    const tag = readTag(text, i);
    if (!tag) continue;
    if (tag.kind === 'open' && tag.selfClosing) spans.push({ start: i, end: tag.end + 1, parent: open.at(-1)?.start });
    else if (tag.kind === 'open') open.push({ name: tag.name!, start: i });
    else if (tag.kind === 'close') {
      if (open.at(-1)?.name === tag.name) {
        const o = open.pop()!;
        spans.push({ start: o.start, end: tag.end + 1, parent: open.at(-1)?.start });
      } else open.length = 0;
    }
    i = tag.end;
  }
  return spans;
}

/**
 * Candidates in the order promptfoo tries them: first each run of top-level siblings taken together (one
 * document with several roots parses for fast-xml-parser), then each outermost element.
 */
function xmlCandidates(text: string): Span[] {
  const spans = balancedElements(text);
  const starts = new Set(spans.map((s) => s.start));
  const ordered: Span[] = [];
  const seen = new Set<string>();
  const add = (s: Span) => {
    const key = `${s.start}:${s.end}`;
    if (seen.has(key)) return;
    seen.add(key);
    ordered.push(s);
  };
  const byParent = new Map<number | undefined, Span[]>();
  for (const s of spans) byParent.set(s.parent, [...(byParent.get(s.parent) ?? []), s]);
  for (const [parent, siblings] of byParent) {
    if (siblings.length <= 1 || (parent !== undefined && starts.has(parent))) continue;
    siblings.sort((a, b) => a.start - b.start || a.end - b.end);
    add({ start: siblings[0].start, end: siblings[siblings.length - 1].end, parent });
  }
  spans
    .filter((s) => s.parent === undefined || !starts.has(s.parent))
    .sort((a, b) => a.start - b.start || b.end - a.end)
    .forEach(add);
  return ordered;
}

function containsXml(text: string, required: string[] | undefined): Verdict {
  const candidates = xmlCandidates(text);
  if (candidates.length === 0) return { valid: false, reason: 'No XML content found in the output' };
  const wellFormed: Span[] = [];
  for (const c of candidates) {
    if (wellFormed.some((w) => c.start >= w.start && c.end <= w.end)) continue;
    const v = checkStructure(text.slice(c.start, c.end), required);
    if (v.valid) return v;
    if (v.wellFormed) wellFormed.push(c);
  }
  return { valid: false, reason: 'No valid XML content found matching the requirements' };
}

// --- the assertions ---

/** Required element paths: a comma-separated string, a list, or `{ requiredElements: [...] }`. */
function requiredElements(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(',').map((el) => el.trim());
  if (Array.isArray(value) && value.length > 0) return value.map(String);
  if (isRecord(value) && Array.isArray(value.requiredElements)) return value.requiredElements.map(String);
  return undefined;
}

function checkRequired(spec: AssertionSpec): string | undefined {
  const v = spec.value;
  if (v === undefined || v === null || typeof v === 'string' || Array.isArray(v)) return undefined;
  if (isRecord(v) && (Object.keys(v).length === 0 || Array.isArray(v.requiredElements))) return undefined;
  return `"${spec.type}" value must be element paths: a comma-separated string, a list, or { requiredElements: [...] }`;
}

function judge(v: Verdict): RawAssertionResult {
  return { pass: v.valid, score: v.valid ? 1 : 0, reason: v.valid ? 'Output is valid XML with the required elements' : v.reason };
}

const ELEMENTS_DOC =
  '`value` (optional) lists element paths that must exist, dot-separated from the root (`analysis.summary`; a numeric step indexes repeated elements): ' +
  'a comma-separated string, a list, or `{ requiredElements: [...] }`. Score 1 or 0.';

export const XML_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'is-xml',
    description: 'The whole output is well-formed XML, optionally with required elements.',
    docs:
      'The output must be one well-formed XML document (namespaces checked; a DOCTYPE may name an external DTD but an internal subset `[...]` is refused), as promptfoo checks it. ' +
      ELEMENTS_DOC,
    example: 'assert:\n  - type: is-xml\n    value: analysis.summary, analysis.sentiment',
    modelGraded: false,
    check: checkRequired,
    evaluate: (spec, { output }) => judge(validateXml(output, requiredElements(spec.value))),
  },
  {
    type: 'contains-xml',
    description: 'The output contains well-formed XML somewhere, optionally with required elements.',
    docs:
      'Looks for balanced elements inside the output (prose around them is ignored) and passes when one of them, or a run of sibling elements taken together, parses and has the required elements. ' +
      ELEMENTS_DOC,
    example: 'assert:\n  - type: contains-xml\n    value: [order.id]',
    modelGraded: false,
    check: checkRequired,
    evaluate: (spec, { output }) => judge(containsXml(output, requiredElements(spec.value))),
  },
];
