// The JSON objects `contains-json` finds in an output, found as promptfoo 0.121.20 finds them
// (extractJsonObjects in src/util/json.ts), so the same outputs pass: from each `{`, the text up to the
// brace that balances it (braces counted without regard to strings, at most 100,000 characters on), or to
// the end with the missing braces added, read as YAML in JSON mode (js-yaml 5 with promptfoo's schema,
// the library and settings promptfoo uses) after `//` comments become `#`; an
// object found is taken whole and the search goes on after it. Lists are never found, fences play no
// part, and single-quoted or unquoted keys parse (YAML flow mappings).
//
// promptfoo's search can parse the same long tail once per `{` (an output of 50,000 `{` is 50,000 parses
// of up to 50,000 characters); past a budget of parsed characters the search stops with an error rather
// than taking minutes or giving another answer.
import {
  binaryTag,
  CORE_SCHEMA,
  defineMappingTag,
  legacyMapTag,
  loadAll,
  mergeTag,
  omapTag,
  pairsTag,
  setTag,
  timestampTag,
} from 'js-yaml-5';

/**
 * promptfoo's YAML schema (src/util/yamlLoad.ts, on js-yaml 5): the core schema plus merge keys and the
 * other tags js-yaml 4 accepted, with `!!set` read as an object of null values.
 */
const PROMPTFOO_YAML_SCHEMA = CORE_SCHEMA.withTags(
  mergeTag,
  binaryTag,
  timestampTag,
  omapTag,
  pairsTag,
  defineMappingTag('tag:yaml.org,2002:set', {
    ...legacyMapTag,
    identify: setTag.identify,
    represent: setTag.represent,
    addPair: (container, key, value) => (value !== null ? 'cannot resolve a set item' : legacyMapTag.addPair(container, key, null)),
  }),
);

/** How far past a `{` promptfoo looks for the brace that balances it. */
const WINDOW = 100_000;
/** Characters handed to the YAML parser, at most, for one output. */
export const JSON_SEARCH_BUDGET = 2_000_000;

/** For each `{`, the index of the `}` that balances it, or -1; and running counts of both braces. */
function braceIndex(text: string): { match: Int32Array; opens: Int32Array; closes: Int32Array } {
  const match = new Int32Array(text.length).fill(-1);
  const opens = new Int32Array(text.length + 1);
  const closes = new Int32Array(text.length + 1);
  const stack: number[] = [];
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    opens[k + 1] = opens[k] + (c === '{' ? 1 : 0);
    closes[k + 1] = closes[k] + (c === '}' ? 1 : 0);
    if (c === '{') stack.push(k);
    else if (c === '}' && stack.length > 0) match[stack.pop()!] = k;
  }
  return { match, opens, closes };
}

const isLetter = (c: string | undefined) => c !== undefined && /[a-zA-Z]/.test(c);

function escapedQuote(line: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** One line with a `//` comment (outside quotes, not part of a `scheme://`) turned into `#` (`////` → `##`). */
function hashComment(line: string): string {
  let state: 'normal' | 'single' | 'double' = 'normal';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (state === 'single') {
      if (c === "'" && !escapedQuote(line, i) && !isLetter(line[i + 1])) state = 'normal';
    } else if (state === 'double') {
      if (c === '"' && !escapedQuote(line, i)) state = 'normal';
    } else if (c === "'" && !isLetter(line[i - 1])) state = 'single';
    else if (c === '"') state = 'double';
    else if (c === '/' && line[i + 1] === '/') {
      let tokenStart = i;
      while (tokenStart > 0 && !/\s/.test(line[tokenStart - 1])) tokenStart--;
      // `https://…` is not a comment: scanning goes on after its first slash.
      if (line.slice(tokenStart, i + 2).includes('://')) continue;
      let slashes = 2;
      while (line[i + slashes] === '/') slashes++;
      return line.slice(0, i) + '#'.repeat(Math.floor(slashes / 2)) + line.slice(i + slashes);
    }
  }
  return line;
}

function parseCandidate(candidate: string): object | undefined {
  try {
    const documents = loadAll(candidate.split('\n').map(hashComment).join('\n'), { schema: PROMPTFOO_YAML_SCHEMA, json: true });
    const value: unknown = documents.length === 1 ? documents[0] : undefined;
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The objects promptfoo's `contains-json` would find in `text`, or an error past the work budget. */
export function promptfooJsonObjects(text: string, budget = JSON_SEARCH_BUDGET): object[] | { error: string } {
  const { match, opens, closes } = braceIndex(text);
  const found: object[] = [];
  let spent = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{') continue;
    const limit = Math.min(i + WINDOW, text.length);
    const balanced = match[i] !== -1 && match[i] < limit;
    const end = balanced ? match[i] + 1 : limit;
    const missing = balanced ? 0 : opens[end] - opens[i] - (closes[end] - closes[i]);
    const candidate = text.slice(i, end) + '}'.repeat(Math.max(0, missing));
    spent += candidate.length;
    if (spent > budget) {
      return { error: `contains-json: searching this output for JSON the way promptfoo does would parse more than ${budget.toLocaleString('en-US')} characters (many unbalanced "{"); stopped` };
    }
    const value = parseCandidate(candidate);
    if (value === undefined) continue;
    found.push(value);
    i = end - 1;
  }
  return found;
}
