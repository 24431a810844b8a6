// Text-overlap and edit-distance measures behind `levenshtein`, `rouge-n` and `bleu`.

/** Levenshtein edit distance (insertions, deletions, substitutions; each costs 1), over UTF-16 code units. */
export function levenshteinDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** Lower-cased words: runs of letters, digits, apostrophes and underscores (punctuation is dropped). */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_']+/gu) ?? [];
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join('\u0000');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

function clippedOverlap(candidate: Map<string, number>, reference: Map<string, number>): number {
  let overlap = 0;
  for (const [gram, count] of candidate) overlap += Math.min(count, reference.get(gram) ?? 0);
  return overlap;
}

/**
 * ROUGE-N recall: the share of the reference's n-grams (clipped counts) that also occur in the candidate.
 * Case-insensitive, punctuation ignored. 0 when the reference has no n-gram.
 */
export function rougeN(candidate: string, reference: string, n = 1): number {
  const ref = ngramCounts(wordTokens(reference), n);
  let total = 0;
  for (const c of ref.values()) total += c;
  if (total === 0) return 0;
  return clippedOverlap(ngramCounts(wordTokens(candidate), n), ref) / total;
}

/**
 * Sentence BLEU (Papineni et al. 2002): geometric mean of clipped n-gram precisions for n = 1…4 (the best
 * reference per order), times a brevity penalty against the reference closest in length. A zero precision
 * is smoothed to 1e-7 as promptfoo does. Orders longer than the candidate are left out and the weights
 * spread uniformly over the rest, so a 2-word exact match scores 1 (promptfoo scores it near 0).
 * Tokens are lower-cased whitespace-separated words. Blank references are ignored; 0 when the candidate or
 * every reference is blank.
 */
export function bleu(candidate: string, references: string[]): number {
  const split = (s: string) => s.toLowerCase().trim().split(/\s+/).filter((w) => w.length > 0);
  const cand = split(candidate);
  const refs = references.map(split).filter((r) => r.length > 0);
  if (cand.length === 0 || refs.length === 0) return 0;
  let closest = refs[0].length;
  for (const r of refs) {
    const d = Math.abs(r.length - cand.length);
    const best = Math.abs(closest - cand.length);
    if (d < best || (d === best && r.length < closest)) closest = r.length;
  }
  const maxN = Math.min(4, cand.length);
  let logSum = 0;
  for (let n = 1; n <= maxN; n++) {
    const candGrams = ngramCounts(cand, n);
    const total = cand.length - n + 1;
    let best = 0;
    for (const r of refs) best = Math.max(best, clippedOverlap(candGrams, ngramCounts(r, n)));
    const precision = best / total;
    logSum += Math.log(precision === 0 ? 1e-7 : precision) / maxN;
  }
  const brevity = cand.length > closest ? 1 : Math.exp(1 - closest / cand.length);
  return brevity * Math.exp(logSum);
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
