// Text-overlap and edit-distance measures behind `levenshtein`, `rouge-n`, `bleu` and `gleu`, defined as
// promptfoo 0.121.20 defines them so the scores agree to the last decimal: the edit distance is
// `fastest-levenshtein`'s and ROUGE's tokenizer and F-measure are `js-rouge`'s (the libraries promptfoo uses);
// BLEU and GLEU follow promptfoo's own definitions (src/assertions/bleu.ts, gleu.ts).
import { distance } from 'fastest-levenshtein';
import { fMeasure, nGram, treeBankTokenize } from 'js-rouge';

/** Levenshtein edit distance (insertions, deletions, substitutions; each costs 1), over UTF-16 code units. */
export function levenshteinDistance(a: string, b: string): number {
  return distance(a, b);
}

/** Contiguous n-grams of `words`, each joined with a space. */
function ngrams(words: readonly string[], n: number): string[] {
  const grams: string[] = [];
  for (let i = 0; i + n <= words.length; i++) grams.push(words.slice(i, i + n).join(' '));
  return grams;
}

function counts(grams: readonly string[]): Map<string, number> {
  const c = new Map<string, number>();
  for (const g of grams) c.set(g, (c.get(g) ?? 0) + 1);
  return c;
}

/** Matches between two n-gram lists, each n-gram counted at most as often as it occurs in both. */
function clippedOverlap(candidate: readonly string[], reference: readonly string[]): number {
  const ref = counts(reference);
  let overlap = 0;
  for (const [gram, count] of counts(candidate)) overlap += Math.min(count, ref.get(gram) ?? 0);
  return overlap;
}

/**
 * ROUGE-N F1 (β = 1) of clipped n-gram matches over js-rouge's Penn Treebank tokens, after lower-casing
 * both texts. 0 when either side has fewer than `n` tokens or nothing matches.
 */
export function rougeN(candidate: string, reference: string, n = 1): number {
  const cand = treeBankTokenize(candidate.toLowerCase());
  const ref = treeBankTokenize(reference.toLowerCase());
  if (cand.length < n || ref.length < n) return 0;
  const candGrams = nGram(cand, n);
  const refGrams = nGram(ref, n);
  const overlap = clippedOverlap(candGrams, refGrams);
  if (overlap === 0) return 0;
  return fMeasure(overlap / candGrams.length, overlap / refGrams.length, 1);
}

const words = (text: string) => text.toLowerCase().trim().split(/\s+/);

/**
 * Sentence BLEU (Papineni et al. 2002): weighted geometric mean of clipped 1- to 4-gram precisions (the best
 * reference per order) times a brevity penalty against the reference closest in length (the shorter on a
 * tie). Orders the candidate is too short for are left out and the uniform weights renormalised; a zero
 * precision counts as 1e-7. Tokens are lower-cased whitespace-separated words; a blank candidate scores 0.
 */
export function bleu(candidate: string, references: readonly string[]): number {
  if (candidate.trim() === '' || references.length === 0) return 0;
  const cand = words(candidate);
  const refs = references.map(words);
  let closest = refs[0].length;
  for (const r of refs.slice(1)) {
    const d = Math.abs(r.length - cand.length);
    const best = Math.abs(closest - cand.length);
    if (d < best || (d === best && r.length < closest)) closest = r.length;
  }
  let logSum = 0;
  let orders = 0;
  for (let n = 1; n <= 4 && n <= cand.length; n++) {
    const candGrams = ngrams(cand, n);
    let best = 0;
    for (const r of refs) best = Math.max(best, clippedOverlap(candGrams, ngrams(r, n)));
    const precision = best / candGrams.length;
    logSum += Math.log(precision === 0 ? 1e-7 : precision);
    orders++;
  }
  const brevity = cand.length > closest ? 1 : Math.exp(1 - closest / cand.length);
  return brevity * Math.exp(logSum / orders);
}

/**
 * Google-BLEU (Wu et al. 2016) against the best of the references: min(precision, recall) of clipped 1- to
 * 4-gram matches, summed over the orders. Lower-cased whitespace-separated words with trailing periods
 * removed; an identical word sequence scores 1.
 */
export function gleu(candidate: string, references: readonly string[]): number {
  const strip = (text: string) => words(text).map((w) => w.replace(/\.+$/, ''));
  const cand = strip(candidate);
  let best = 0;
  for (const reference of references) {
    const ref = strip(reference);
    if (cand.length === ref.length && cand.every((w, i) => w === ref[i])) return 1;
    let matches = 0;
    let candTotal = 0;
    let refTotal = 0;
    for (let n = 1; n <= 4; n++) {
      const c = ngrams(cand, n);
      const r = ngrams(ref, n);
      matches += clippedOverlap(c, r);
      candTotal += c.length;
      refTotal += r.length;
    }
    if (candTotal > 0 && refTotal > 0) best = Math.max(best, Math.min(matches / candTotal, matches / refTotal));
  }
  return best;
}

/** Cosine similarity of two vectors; 0 when either is all zeros or their lengths differ. */
export function cosineSimilarity(a: number[], b: number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return 0;
  return dot / (Math.sqrt(na) * Math.sqrt(nb));
}
