// A reviewer's labels file (saved from the HTML report) into history: each label becomes feedback on the
// trace of the result it marks (👍 good, 👎 bad, with the note), as if given in the trace explorer. The
// file is checked whole first: a problem anywhere imports nothing.
import { derivedId } from '../store/ids';
import type { TraceStore } from '../store/traceStore';
import { REVIEW_FORMAT_VERSION, REVIEW_LABELS_FORMAT, type ReviewLabel } from '../../shared/reviewReport';

/** Labels read from a file, or every problem found in it (one line each). */
export type ParsedLabels = { labels: ReviewLabel[] } | { problems: string[] };

function labelProblem(l: unknown, i: number): string | undefined {
  if (!l || typeof l !== 'object') return `label ${i + 1}: not an object`;
  const x = l as Record<string, unknown>;
  if (x.label !== 'good' && x.label !== 'bad') return `label ${i + 1}: "label" must be "good" or "bad"`;
  if (typeof x.note !== 'string') return `label ${i + 1}: "note" must be text`;
  if (typeof x.labeledAt !== 'string' || Number.isNaN(Date.parse(x.labeledAt))) return `label ${i + 1}: "labeledAt" must be an ISO time`;
  if (x.traceId === null)
    return `label ${i + 1} (${String(x.caseId)} on ${String(x.model)}): the report was written without history (--no-history), so the result has no trace to attach the label to`;
  if (typeof x.traceId !== 'string' || x.traceId === '') return `label ${i + 1}: "traceId" must be a trace id`;
  return undefined;
}

/** Reads a labels file's text; `file` names it in problems. */
export function parseLabelsFile(text: string, file: string): ParsedLabels {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { problems: [`${file}: not JSON (${(err as Error).message})`] };
  }
  const d = doc as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || d.format !== REVIEW_LABELS_FORMAT)
    return { problems: [`${file}: not an Assay labels file (expected "format": "${REVIEW_LABELS_FORMAT}"; save one with "Save labels" in a report from 'assay test --html')`] };
  if (d.version !== REVIEW_FORMAT_VERSION) return { problems: [`${file}: labels file version ${String(d.version)}; this Assay reads version ${REVIEW_FORMAT_VERSION}`] };
  if (!Array.isArray(d.labels)) return { problems: [`${file}: "labels" must be a list`] };
  const problems = d.labels.map(labelProblem).filter((p): p is string => p !== undefined);
  return problems.length > 0 ? { problems: problems.map((p) => `${file}: ${p}`) } : { labels: d.labels as ReviewLabel[] };
}

/** The feedback row's id: the same label imported twice is the same row. */
export function labelFeedbackId(l: ReviewLabel): string {
  return derivedId(Date.parse(l.labeledAt), JSON.stringify(['review', l.traceId, l.label, l.note, l.labeledAt]));
}

/** What an import did. */
export interface LabelImport {
  good: number;
  bad: number;
}

/**
 * Writes the labels as feedback. Every trace must be in `store` (else nothing is written and the missing
 * ones are the problems): labels from another machine's report need its history first (`assay history import`).
 */
export async function importReviewLabels(store: TraceStore, labels: readonly ReviewLabel[]): Promise<LabelImport | { problems: string[] }> {
  const problems: string[] = [];
  for (const l of labels) {
    if ((await store.getTrace(l.traceId!)) === null) problems.push(`no trace ${l.traceId} (${l.caseId} on ${l.model}) in this history: import the history of the run the report shows first ('assay history import')`);
  }
  if (problems.length > 0) return { problems };
  const out: LabelImport = { good: 0, bad: 0 };
  for (const l of labels) {
    await store.setFeedback(l.traceId!, { rating: l.label === 'good' ? 1 : -1, note: l.note === '' ? null : l.note }, labelFeedbackId(l));
    out[l.label]++;
  }
  return out;
}
