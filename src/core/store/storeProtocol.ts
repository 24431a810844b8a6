// Messages between `TraceStore` (the caller's thread) and `storeWorker` (sql.js). Writes travel in
// coalesced batches of ops; every other call is a request with a typed result.
import type {
  EvaluationInput,
  ExportResult,
  FeedbackInput,
  ImportOptions,
  ImportResult,
  LabeledVerdict,
  OpenReport,
  Page,
  PageRequest,
  PromptVersionInput,
  PromptVersionRecord,
  RunFilter,
  RunFinish,
  RunInput,
  RunRecord,
  RunSummary,
  SaveResult,
  StoreStats,
  TimeSeriesPoint,
  TimeSeriesQuery,
  TraceFilter,
  TraceInput,
  TraceRecord,
  TraceSummary,
} from './storeTypes';
import type { LiveOtlpStats } from '../export/otlpLive';

/** Write operations and their arguments; ids are assigned by the caller's side before sending. */
export interface WriteOps {
  addPromptVersions: [versions: PromptVersionInput[]];
  startRun: [run: RunInput & { id: string }];
  finishRun: [runId: string, finish: RunFinish];
  addTraces: [traces: (TraceInput & { id: string })[]];
  addEvaluations: [evaluations: (EvaluationInput & { id: string })[]];
  setFeedback: [feedbackId: string, traceId: string, feedback: FeedbackInput];
  setRunBatch: [runId: string, state: unknown];
}

export type WriteOp = { [K in keyof WriteOps]: { op: K; args: WriteOps[K] } }[keyof WriteOps];

/** Requests answered one by one, in order after every write sent before them. */
export interface StoreCalls {
  listTraces(filter: TraceFilter, page: PageRequest): Page<TraceSummary>;
  getTrace(id: string): TraceRecord | null;
  /** An image a stored request refers to (`assay-blob` references; see blobs.ts), base64. */
  getBlob(hash: string): { mediaType: string; data: string } | null;
  getPromptVersion(id: string): PromptVersionRecord | null;
  listRuns(filter: RunFilter, page: PageRequest): Page<RunRecord>;
  runSummary(runId: string): RunSummary | null;
  /** A batch run's stored batch state, or null. */
  runBatch(runId: string): unknown;
  timeSeries(query: TimeSeriesQuery): TimeSeriesPoint[];
  labeledVerdicts(filter: TraceFilter): LabeledVerdict[];
  stats(): StoreStats;
  addSecrets(secrets: string[]): void;
  exportJsonl(filter: TraceFilter, outPath: string): ExportResult;
  importHistory(source: string, options: ImportOptions): ImportResult | { error: string };
  deleteTraces(ids: string[]): number;
  clear(): SaveResult;
  refresh(): boolean;
  flush(): SaveResult;
  close(): SaveResult;
}

export type CallName = keyof StoreCalls;

export type ToWorker =
  | { id: number; kind: 'writes'; ops: WriteOp[] }
  | { [K in CallName]: { id: number; kind: 'call'; method: K; args: Parameters<StoreCalls[K]> } }[CallName];

/** Something the store tells its listeners. */
export type StoreEvent =
  | { event: 'tracesAdded'; count: number; runIds: string[] }
  | { event: 'changed'; reason: 'merged' | 'retention' | 'deleted' | 'cleared' }
  | { event: 'saved'; result: SaveResult }
  | { event: 'problem'; message: string }
  | { event: 'savePaused' }
  /** The live OpenTelemetry export's news: a failure (once per kind), recovery, and at close its counts. */
  | { event: 'exportNotice'; level: 'warning' | 'info'; message: string; stats?: LiveOtlpStats };

export type FromWorker =
  | { kind: 'ready'; report: OpenReport }
  /** `notHistory`: the file is not an Assay history and was refused (left untouched). */
  | { kind: 'fatal'; message: string; notHistory?: boolean }
  /** For `writes`, `result` holds one error message (or null) per op. */
  | { kind: 'result'; id: number; ok: true; result: unknown }
  | { kind: 'result'; id: number; ok: false; error: string }
  | ({ kind: 'event' } & StoreEvent);
