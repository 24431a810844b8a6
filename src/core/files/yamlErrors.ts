// Where a YAML syntax error is. The parser notices a missing `"` or `]` where the text runs out (often one
// character on the line after the last one); the mistake is where the quote or bracket opened.
import { Lexer } from 'yaml';

const UNCLOSED: [RegExp, string][] = [
  [/closing "quote/, '"'],
  [/closing 'quote/, "'"],
  [/end with a \]/, '['],
  [/end with a \}/, '{'],
];

/** The lexer's zero-width markers (document start, flow end, scalar): not part of the source text. */
const MARKERS = new Set(['\u0002', '\u0018', '\u001f']);

function isClosedQuote(token: string, quote: string): boolean {
  return quote === '"' ? /^"(?:[^"\\]|\\[\s\S])*"$/.test(token) : /^'(?:[^']|'')*'$/.test(token);
}

/** Offset of the first quoted scalar that is never closed, by the lexer's tokens. */
function unclosedQuote(yaml: string, quote: string): number | undefined {
  let offset = 0;
  for (const token of new Lexer().lex(yaml)) {
    if (MARKERS.has(token)) continue;
    if (token.startsWith(quote) && !isClosedQuote(token, quote)) return offset;
    offset += token.length;
  }
  return undefined;
}

/** Offset of the `"`, `'`, `[` or `{` an "unclosed" YAML error is about, or undefined for other errors. */
export function unclosedOpener(message: string, yaml: string, errorAt: number): number | undefined {
  const ch = UNCLOSED.find(([re]) => re.test(message))?.[1];
  if (!ch) return undefined;
  if (ch === '"' || ch === "'") {
    const at = unclosedQuote(yaml, ch);
    if (at !== undefined) return at;
  }
  const at = yaml.lastIndexOf(ch, Math.max(0, errorAt - 1));
  return at === -1 ? undefined : at;
}

/**
 * The offsets `[start, end)` to show a YAML error at: from an unclosed quote or bracket to the end of its
 * line; an error past the last text (the end of the file) at the last character written; otherwise the
 * parser's own span, at least one character wide.
 */
export function yamlErrorSpan(yaml: string, error: { message: string; pos: [number, number] }): [number, number] {
  const [start, end] = error.pos;
  const opener = unclosedOpener(error.message, yaml, start);
  if (opener !== undefined) {
    const eol = yaml.slice(opener).search(/\r?\n|\r/);
    return [opener, eol === -1 ? yaml.length : opener + eol];
  }
  const last = yaml.trimEnd().length;
  if (start >= last && last > 0) return [last - 1, last];
  return [start, Math.max(start + 1, end)];
}
