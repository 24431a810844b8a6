// `is-html` and `contains-html`, with promptfoo 0.121.20's rules (src/assertions/html.ts): `is-html` parses
// the output with `parse5` (the WHATWG parser promptfoo uses) and asks for at least one element the author
// wrote, with no bare text outside it; `contains-html` adds up textual signs of HTML and passes at two.
import type { AssertionDefinition } from './assertionTypes';

/** The most text either check looks at, as promptfoo: 10 MiB. */
const MAX_HTML_CHARS = 10 * 1024 * 1024;

const KNOWN_ELEMENTS = new Set(
  (
    'html head title base link meta style body article section nav aside h1 h2 h3 h4 h5 h6 header footer address p hr pre blockquote ' +
    'ol ul li dl dt dd figure figcaption main div a em strong small s cite q dfn abbr ruby rt rp data time code var samp kbd sub sup ' +
    'i b u mark bdi bdo span br wbr img iframe embed object param picture source video audio track map area svg math script noscript ' +
    'canvas ins del table caption colgroup col tbody thead tfoot tr td th form label input button select datalist optgroup option ' +
    'textarea output progress meter fieldset legend details summary dialog menu slot template'
  ).split(' '),
);

/** `<html>`, `<head>`, `<body>` written by the author, not filled in by the parser. */
const WRAPPER_WRITTEN: Readonly<Record<string, RegExp>> = {
  html: /<html(?=[\s>/])/,
  head: /<head(?=[\s>/])/,
  body: /<body(?=[\s>/])/,
};

interface HtmlNode {
  nodeName: string;
  tagName?: string;
  value?: string;
  childNodes?: HtmlNode[];
  sourceCodeLocation?: unknown;
}

function firstElement(root: HtmlNode, match: (el: HtmlNode) => boolean): HtmlNode | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.tagName !== undefined && match(node)) return node;
    const children = node.childNodes ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return undefined;
}

/** The author wrote this element: a wrapper present in the source, or a known or custom (`a-b`) element. */
function authored(el: HtmlNode, source: string): boolean {
  const tag = el.tagName!.toLowerCase();
  const wrapper = WRAPPER_WRITTEN[tag];
  if (wrapper) return wrapper.test(source) && el.sourceCodeLocation != null;
  return KNOWN_ELEMENTS.has(tag) || tag.includes('-');
}

async function validateHtml(output: string): Promise<{ valid: boolean; reason: string }> {
  const text = output.trim();
  if (!text) return { valid: false, reason: 'Output is empty' };
  if (text.length > MAX_HTML_CHARS) return { valid: false, reason: 'Output exceeds maximum size limit' };
  if (/^\s*<\?xml/i.test(text)) return { valid: false, reason: 'Output appears to be XML, not HTML' };
  // Loaded on first use: the parser is large and most runs never check HTML.
  const { parse } = await import('parse5');
  const doc = parse(text, { sourceCodeLocationInfo: true }) as unknown as HtmlNode;
  const source = text.toLowerCase();
  const body = firstElement(doc, (el) => el.tagName === 'body');
  const bodyWritten = !!body && WRAPPER_WRITTEN.body.test(source) && body.sourceCodeLocation != null;
  if (!bodyWritten && body?.childNodes?.some((n) => n.nodeName === '#text' && !!n.value?.trim())) {
    return { valid: false, reason: 'Output must be wrapped in HTML tags' };
  }
  if (!firstElement(doc, (el) => authored(el, source))) return { valid: false, reason: 'Output does not contain recognized HTML elements' };
  return { valid: true, reason: 'Output is valid HTML' };
}

/** Textual signs of HTML and what each is worth; two points make HTML. */
const HTML_SIGNS: readonly [RegExp, number][] = [
  [/<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?\/>/, 1],
  [/&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);/, 1],
  [/<!DOCTYPE\s+html/i, 2],
  [/<!--[^-]*(?:-[^-]+)*-->/, 1],
  [/\s[a-zA-Z-]+=\s*["'][^"']*["']/, 1],
  [/<(html|head|body|div|span|p|a|img|h[1-6]|ul|ol|li|table|tr|td|th|form|input|button|script|style|link|meta|br|hr)\b/i, 2],
];

function containsHtml(text: string): boolean {
  if (text.length > MAX_HTML_CHARS) return false;
  const opening = /<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>/.test(text);
  const closing = /<\/[a-zA-Z][a-zA-Z0-9-]*\s*>/.test(text);
  let points = opening && closing ? 2 : opening || closing ? 1 : 0;
  for (const [sign, worth] of HTML_SIGNS) if (sign.test(text)) points += worth;
  return points >= 2;
}

export const HTML_ASSERTIONS: AssertionDefinition[] = [
  {
    type: 'is-html',
    description: 'The whole output is HTML.',
    docs:
      'The trimmed output is parsed as HTML (WHATWG rules, `parse5`) and passes when it has at least one element the author wrote (a standard or custom element, or a written `<html>`/`<head>`/`<body>`) ' +
      'and no bare text outside the elements. Text starting with `<?xml` is XML, not HTML. Takes no value. Score 1 or 0.',
    example: 'assert:\n  - type: is-html',
    modelGraded: false,
    async evaluate(_spec, { output }) {
      const v = await validateHtml(output);
      return { pass: v.valid, score: v.valid ? 1 : 0, reason: v.reason };
    },
  },
  {
    type: 'contains-html',
    description: 'The output contains HTML somewhere.',
    docs:
      'Adds up signs of HTML in the output — an opening and a closing tag (2; one of them 1), a self-closing tag, an entity, a comment, an attribute (1 each), `<!DOCTYPE html` or a common element such as `<div` or `<p` (2 each) — ' +
      'and passes at 2 or more, as promptfoo does. Takes no value. Score 1 or 0.',
    example: 'assert:\n  - type: contains-html',
    modelGraded: false,
    evaluate(_spec, { output }) {
      const pass = containsHtml(output);
      return { pass, score: pass ? 1 : 0, reason: pass ? 'Output contains HTML' : 'Output contains no HTML' };
    },
  },
];
