// Read-side queries of the history store: the explorer's filtered trace pages, one trace in full, runs
// with totals, chart time series. Pure functions over a `Db`; they run inside the store's worker.
import { inflateRawSync } from 'node:zlib';
import type { CallError, ErrorKind, ToolCall, Usage } from '../types';
import type { Db, Row, SqlValue } from './sqlite';
import type {
  EvaluationRecord,
  FeedbackRecord,
  LabeledVerdict,
  ModelTotals,
  Page,
  PageRequest,
  PromptVersionRecord,
  RunFilter,
  RunKind,
  RunRecord,
  RunStatus,
  RunSummary,
  RunTotals,
  TimeSeriesPoint,
  TimeSeriesQuery,
  TraceFilter,
  TraceRecord,
  TraceStatus,
  TraceSummary,
} from './storeTypes';

const PREVIEW_CHARS = 200;
const MAX_LIMIT = 1000;

/** Decodes a `trace_payloads.payload` blob. */
export function decodePayload(v: SqlValue | undefined): { request?: unknown; response?: unknown } {
  if (!(v instanceof Uint8Array)) return {};
  return JSON.parse(inflateRawSync(v).toString('utf8')) as { request?: unknown; response?: unknown };
}

function parseJson(v: SqlValue): unknown {
  return typeof v === 'string' ? (JSON.parse(v) as unknown) : undefined;
}

const num = (v: SqlValue): number | null => (typeof v === 'number' ? v : null);
const str = (v: SqlValue): string | null => (typeof v === 'string' ? v : null);

/** SQL conditions and parameters for a trace filter (table alias `t`). */
export function traceWhere(filter: TraceFilter): { sql: string[]; params: SqlValue[] } {
  const sql: string[] = [];
  const params: SqlValue[] = [];
  const eq = (column: string, value: SqlValue | undefined) => {
    if (value === undefined || value === null) return;
    sql.push(`t.${column} = ?`);
    params.push(value);
  };
  eq('model', filter.model);
  eq('provider', filter.provider);
  eq('prompt_path', filter.promptPath);
  eq('prompt_version_id', filter.promptVersionId);
  eq('run_id', filter.runId);
  eq('case_id', filter.caseId);
  eq('status', filter.status);
  eq('error_kind', filter.errorKind);
  if (filter.cacheHit !== undefined) eq('cache_hit', filter.cacheHit ? 1 : 0);
  if (typeof filter.from === 'number') {
    sql.push('t.started_at >= ?');
    params.push(Math.floor(filter.from));
  }
  if (typeof filter.to === 'number') {
    sql.push('t.started_at < ?');
    params.push(Math.ceil(filter.to));
  }
  if (filter.text) {
    sql.push("t.output LIKE ? ESCAPE '\\'");
    params.push(`%${filter.text.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  }
  if (filter.rating === 1 || filter.rating === -1) {
    sql.push('(SELECT f.rating FROM feedback f WHERE f.trace_id = t.id ORDER BY f.created_at DESC, f.id DESC LIMIT 1) = ?');
    params.push(filter.rating);
  }
  return { sql, params };
}

function encodeCursor(startedAt: number, id: string): string {
  return `${startedAt}~${id}`;
}

function decodeCursor(cursor: string): [number, string] | null {
  const i = cursor.indexOf('~');
  const t = Number(cursor.slice(0, i));
  return i > 0 && Number.isFinite(t) ? [t, cursor.slice(i + 1)] : null;
}

function clampLimit(limit: number | undefined): number {
  return Math.min(Math.max(1, Math.floor(limit ?? 100)), MAX_LIMIT);
}

const SUMMARY_COLUMNS = `t.id, t.run_id, t.prompt_version_id, t.prompt_path, t.case_id, t.repeat_index, t.provider, t.model,
  t.status, t.error_kind, substr(t.output, 1, ${PREVIEW_CHARS}) AS preview, t.input_tokens, t.output_tokens, t.cached_tokens,
  t.cost, t.latency_ms, t.ttft_ms, t.cache_hit, t.started_at,
  (SELECT f.rating FROM feedback f WHERE f.trace_id = t.id ORDER BY f.created_at DESC, f.id DESC LIMIT 1) AS rating,
  (SELECT count(*) FROM evaluations e WHERE e.trace_id = t.id AND e.pass = 1) AS passed,
  (SELECT count(*) FROM evaluations e WHERE e.trace_id = t.id AND e.pass = 0) AS failed`;

function toSummary(r: Row): TraceSummary {
  const rating = num(r.rating);
  return {
    id: r.id as string,
    runId: str(r.run_id),
    promptVersionId: str(r.prompt_version_id),
    promptPath: str(r.prompt_path),
    caseId: str(r.case_id),
    repeatIndex: num(r.repeat_index) ?? 0,
    provider: r.provider as string,
    model: r.model as string,
    status: r.status as TraceStatus,
    errorKind: str(r.error_kind) as ErrorKind | null,
    outputPreview: (r.preview as string) ?? '',
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    cachedInputTokens: num(r.cached_tokens),
    cost: num(r.cost),
    latencyMs: num(r.latency_ms) ?? 0,
    ttftMs: num(r.ttft_ms),
    cacheHit: r.cache_hit === 1,
    startedAt: num(r.started_at) ?? 0,
    rating: rating === 1 || rating === -1 ? rating : null,
    passed: num(r.passed) ?? 0,
    failed: num(r.failed) ?? 0,
  };
}

/** A page of traces, newest first. */
export function listTraces(db: Db, filter: TraceFilter = {}, page: PageRequest = {}): Page<TraceSummary> {
  const where = traceWhere(filter);
  const limit = clampLimit(page.limit);
  const sql = [...where.sql];
  const params = [...where.params];
  const cursor = page.cursor ? decodeCursor(page.cursor) : null;
  if (cursor) {
    sql.push('(t.started_at, t.id) < (?, ?)');
    params.push(cursor[0], cursor[1]);
  }
  const whereSql = sql.length ? `WHERE ${sql.join(' AND ')}` : '';
  const rows = db.all(
    `SELECT ${SUMMARY_COLUMNS} FROM traces t ${whereSql} ORDER BY t.started_at DESC, t.id DESC LIMIT ? OFFSET ?`,
    [...params, limit + 1, Math.max(0, Math.floor(page.offset ?? 0))],
  );
  const items = rows.slice(0, limit).map(toSummary);
  const out: Page<TraceSummary> = { items };
  const last = items[items.length - 1];
  if (rows.length > limit && last) out.nextCursor = encodeCursor(last.startedAt, last.id);
  if (page.withTotal) {
    const countWhere = where.sql.length ? `WHERE ${where.sql.join(' AND ')}` : '';
    out.total = Number(db.scalar(`SELECT count(*) FROM traces t ${countWhere}`, where.params));
  }
  return out;
}

/** Trace ids matching a filter, oldest first, in pages (for export). */
export function* traceIdsOldestFirst(db: Db, filter: TraceFilter, chunk = 500): Generator<string[]> {
  const where = traceWhere(filter);
  let after: [number, string] | null = null;
  for (;;) {
    const sql = [...where.sql];
    const params = [...where.params];
    if (after) {
      sql.push('(t.started_at, t.id) > (?, ?)');
      params.push(after[0], after[1]);
    }
    const rows = db.values(
      `SELECT t.started_at, t.id FROM traces t ${sql.length ? `WHERE ${sql.join(' AND ')}` : ''} ORDER BY t.started_at, t.id LIMIT ?`,
      [...params, chunk],
    );
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = [last[0] as number, last[1] as string];
    yield rows.map((r) => r[1] as string);
    if (rows.length < chunk) return;
  }
}

function toEvaluation(r: Row): EvaluationRecord {
  return {
    id: r.id as string,
    traceId: r.trace_id as string,
    caseId: str(r.case_id),
    assertionType: r.assertion_type as string,
    pass: r.pass === 1,
    score: num(r.score),
    reason: str(r.reason),
    metric: str(r.metric),
    weight: num(r.weight) ?? 1,
    createdAt: num(r.created_at) ?? 0,
  };
}

function toFeedback(r: Row): FeedbackRecord {
  return {
    id: r.id as string,
    traceId: r.trace_id as string,
    rating: r.rating as 1 | -1 | 0,
    note: str(r.note),
    createdAt: num(r.created_at) ?? 0,
  };
}

/** A prompt file's content as it was when it ran, or null. */
export function getPromptVersion(db: Db, id: string): PromptVersionRecord | null {
  const r = db.get('SELECT id, path, content, first_seen FROM prompt_versions WHERE id = ?', [id]);
  return r ? { id: r.id as string, path: r.path as string, content: r.content as string, firstSeen: num(r.first_seen) ?? 0 } : null;
}

/** One trace in full, or null. */
export function getTrace(db: Db, id: string): TraceRecord | null {
  const r = db.get('SELECT * FROM traces WHERE id = ?', [id]);
  if (!r) return null;
  const payload = decodePayload(db.scalar('SELECT payload FROM trace_payloads WHERE trace_id = ?', [id]) ?? undefined);
  const usage: Usage | null =
    r.input_tokens === null
      ? null
      : {
          inputTokens: num(r.input_tokens) ?? 0,
          outputTokens: num(r.output_tokens) ?? 0,
          cachedInputTokens: num(r.cached_tokens) ?? 0,
          cacheWriteTokens: num(r.cache_write_tokens) ?? 0,
          reasoningTokens: num(r.reasoning_tokens) ?? 0,
        };
  const record: TraceRecord = {
    id,
    runId: str(r.run_id),
    promptVersionId: str(r.prompt_version_id),
    promptPath: str(r.prompt_path),
    caseId: str(r.case_id),
    repeatIndex: num(r.repeat_index) ?? 0,
    variables: (parseJson(r.variables) as Record<string, unknown> | undefined) ?? null,
    status: r.status as TraceStatus,
    startedAt: num(r.started_at) ?? 0,
    endedAt: num(r.ended_at) ?? 0,
    model: { provider: r.provider as string, model: r.model as string },
    text: (r.output as string) ?? '',
    toolCalls: (parseJson(r.tool_calls) as ToolCall[] | undefined) ?? [],
    finishReason: str(r.finish_reason),
    usage,
    cost: num(r.cost),
    latencyMs: num(r.latency_ms) ?? 0,
    ttftMs: num(r.ttft_ms),
    request: payload.request,
    response: payload.response,
    cacheHit: r.cache_hit === 1,
    evaluations: db.all('SELECT * FROM evaluations WHERE trace_id = ? ORDER BY created_at, id', [id]).map(toEvaluation),
    feedback: null,
  };
  // `attempts` (1 + retries) is set by the runner's engine; absent on results that never reached it.
  if (typeof r.attempts === 'number') (record as { attempts?: number }).attempts = r.attempts;
  if (typeof r.error_kind === 'string') {
    const error: CallError = { kind: r.error_kind as ErrorKind, message: str(r.error_message) ?? '' };
    if (typeof r.error_status === 'number') error.status = r.error_status;
    record.error = error;
  }
  const f = db.get('SELECT * FROM feedback WHERE trace_id = ? ORDER BY created_at DESC, id DESC LIMIT 1', [id]);
  if (f) record.feedback = toFeedback(f);
  return record;
}

const TOTALS_SQL = `count(*) AS traces, total(status = 'error') AS errors, total(input_tokens) AS input_tokens,
  total(output_tokens) AS output_tokens, total(cached_tokens) AS cached_tokens, total(cost) AS cost,
  total(cost IS NULL AND status = 'ok') AS unpriced, avg(CASE WHEN status = 'ok' THEN latency_ms END) AS mean_latency`;

function emptyTotals(): RunTotals {
  return { traces: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cost: 0, unpriced: 0, meanLatencyMs: null, passed: 0, failed: 0 };
}

function toTotals(r: Row | undefined, passed = 0, failed = 0): RunTotals {
  if (!r) return { ...emptyTotals(), passed, failed };
  return {
    traces: num(r.traces) ?? 0,
    errors: num(r.errors) ?? 0,
    inputTokens: num(r.input_tokens) ?? 0,
    outputTokens: num(r.output_tokens) ?? 0,
    cachedInputTokens: num(r.cached_tokens) ?? 0,
    cost: num(r.cost) ?? 0,
    unpriced: num(r.unpriced) ?? 0,
    meanLatencyMs: num(r.mean_latency),
    passed,
    failed,
  };
}

function toRun(r: Row, totals: RunTotals): RunRecord {
  return {
    id: r.id as string,
    kind: r.kind as RunKind,
    promptPath: str(r.prompt_path),
    promptVersionId: str(r.prompt_version_id),
    bankPath: str(r.bank_path),
    models: (parseJson(r.models) as string[] | undefined) ?? [],
    config: parseJson(r.config) ?? null,
    status: r.status as RunStatus,
    summary: parseJson(r.summary) ?? null,
    startedAt: num(r.started_at) ?? 0,
    endedAt: num(r.ended_at),
    origin: str(r.origin),
    totals,
  };
}

function runTotals(db: Db, runIds: string[]): Map<string, RunTotals> {
  const json = JSON.stringify(runIds);
  const agg = new Map<string, Row>();
  for (const r of db.all(`SELECT run_id, ${TOTALS_SQL} FROM traces WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id`, [json])) {
    agg.set(r.run_id as string, r);
  }
  const evals = new Map<string, [number, number]>();
  for (const r of db.values(
    `SELECT t.run_id, total(e.pass = 1), total(e.pass = 0) FROM evaluations e JOIN traces t ON t.id = e.trace_id
     WHERE t.run_id IN (SELECT value FROM json_each(?)) GROUP BY t.run_id`,
    [json],
  )) {
    evals.set(r[0] as string, [Number(r[1]), Number(r[2])]);
  }
  const out = new Map<string, RunTotals>();
  for (const id of runIds) out.set(id, toTotals(agg.get(id), ...(evals.get(id) ?? [0, 0])));
  return out;
}

/** A page of runs with their totals, newest first. */
export function listRuns(db: Db, filter: RunFilter = {}, page: PageRequest = {}): Page<RunRecord> {
  const sql: string[] = [];
  const params: SqlValue[] = [];
  const add = (condition: string, ...values: SqlValue[]) => {
    sql.push(condition);
    params.push(...values);
  };
  if (filter.kind) add('kind = ?', filter.kind);
  if (filter.promptPath) add('prompt_path = ?', filter.promptPath);
  if (filter.bankPath) add('bank_path = ?', filter.bankPath);
  if (filter.status) add('status = ?', filter.status);
  if (typeof filter.from === 'number') add('started_at >= ?', Math.floor(filter.from));
  if (typeof filter.to === 'number') add('started_at < ?', Math.ceil(filter.to));
  const countSql = [...sql];
  const countParams = [...params];
  const cursor = page.cursor ? decodeCursor(page.cursor) : null;
  if (cursor) add('(started_at, id) < (?, ?)', cursor[0], cursor[1]);
  const limit = clampLimit(page.limit);
  const rows = db.all(
    `SELECT * FROM runs ${sql.length ? `WHERE ${sql.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...params, limit + 1, Math.max(0, Math.floor(page.offset ?? 0))],
  );
  const pageRows = rows.slice(0, limit);
  const totals = runTotals(db, pageRows.map((r) => r.id as string));
  const items = pageRows.map((r) => toRun(r, totals.get(r.id as string) ?? emptyTotals()));
  const out: Page<RunRecord> = { items };
  const last = items[items.length - 1];
  if (rows.length > limit && last) out.nextCursor = encodeCursor(last.startedAt, last.id);
  if (page.withTotal) out.total = Number(db.scalar(`SELECT count(*) FROM runs ${countSql.length ? `WHERE ${countSql.join(' AND ')}` : ''}`, countParams));
  return out;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** One run with its totals and a breakdown per model, or null. */
export function runSummary(db: Db, runId: string): RunSummary | null {
  const r = db.get('SELECT * FROM runs WHERE id = ?', [runId]);
  if (!r) return null;
  const run = toRun(r, runTotals(db, [runId]).get(runId) ?? emptyTotals());
  const evals = new Map<string, [number, number]>();
  for (const e of db.values(
    `SELECT t.provider || ':' || t.model, total(e.pass = 1), total(e.pass = 0) FROM evaluations e JOIN traces t ON t.id = e.trace_id
     WHERE t.run_id = ? GROUP BY t.provider, t.model`,
    [runId],
  )) {
    evals.set(e[0] as string, [Number(e[1]), Number(e[2])]);
  }
  const latencies = new Map<string, number[]>();
  for (const l of db.values("SELECT provider || ':' || model, latency_ms FROM traces WHERE run_id = ? AND status = 'ok' ORDER BY latency_ms", [runId])) {
    const key = l[0] as string;
    let list = latencies.get(key);
    if (!list) latencies.set(key, (list = []));
    list.push(l[1] as number);
  }
  const byModel: ModelTotals[] = db
    .all(`SELECT provider, model, ${TOTALS_SQL} FROM traces WHERE run_id = ? GROUP BY provider, model ORDER BY provider, model`, [runId])
    .map((m) => {
      const key = `${m.provider as string}:${m.model as string}`;
      const sorted = latencies.get(key) ?? [];
      return {
        provider: m.provider as string,
        model: m.model as string,
        ...toTotals(m, ...(evals.get(key) ?? [0, 0])),
        latencyP50Ms: percentile(sorted, 50),
        latencyP95Ms: percentile(sorted, 95),
      };
    });
  return { run, byModel };
}

/** Every evaluation of a trace whose latest feedback is 👍 or 👎, filtered like the explorer (see `LabeledVerdict`). */
export function labeledVerdicts(db: Db, filter: TraceFilter): LabeledVerdict[] {
  const where = traceWhere(filter);
  const rows = db.all(
    `WITH latest AS (
       SELECT f.trace_id, f.rating, f.note FROM feedback f
       WHERE f.id = (SELECT f2.id FROM feedback f2 WHERE f2.trace_id = f.trace_id ORDER BY f2.created_at DESC, f2.id DESC LIMIT 1)
     )
     SELECT t.id AS trace_id, coalesce(t.case_id, e.case_id) AS case_id, t.prompt_path, t.provider || ':' || t.model AS model, substr(t.output, 1, 500) AS output,
            e.assertion_type, e.metric, e.pass, e.score, e.reason, l.rating, l.note
     FROM latest l JOIN traces t ON t.id = l.trace_id JOIN evaluations e ON e.trace_id = t.id
     WHERE l.rating != 0 ${where.sql.length ? `AND ${where.sql.join(' AND ')}` : ''}
     ORDER BY t.started_at, t.id, e.id`,
    where.params,
  );
  return rows.map((r) => ({
    traceId: r.trace_id as string,
    caseId: (r.case_id as string | null) ?? null,
    promptPath: (r.prompt_path as string | null) ?? null,
    model: r.model as string,
    assertionType: r.assertion_type as string,
    metric: (r.metric as string | null) ?? null,
    pass: r.pass === 1,
    score: (r.score as number | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    rating: r.rating === 1 ? 1 : -1,
    note: (r.note as string | null) ?? null,
    output: r.output as string,
  }));
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** Per-bucket, per-key aggregates for charts, oldest bucket first. */
export function timeSeries(db: Db, q: TimeSeriesQuery): TimeSeriesPoint[] {
  const size = BUCKET_MS[q.bucket];
  if (!size) throw new Error(`unknown bucket '${String(q.bucket)}' (hour or day)`);
  const offset = q.bucket === 'day' ? Math.round((q.utcOffsetMinutes ?? 0) * 60_000) : 0;
  const where = traceWhere({ ...q.filter, ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}) });
  const keyExpr = q.groupBy === 'provider' ? 't.provider' : q.groupBy === 'prompt' ? "coalesce(t.prompt_path, '')" : q.groupBy === 'none' ? "'all'" : "t.provider || ':' || t.model";
  const rows = db.values(
    `SELECT ((t.started_at + ?) / ?) * ? - ?, ${keyExpr}, t.status, t.latency_ms, t.input_tokens, t.output_tokens, t.cost
     FROM traces t ${where.sql.length ? `WHERE ${where.sql.join(' AND ')}` : ''}`,
    [offset, size, size, offset, ...where.params],
  );
  interface Acc {
    point: TimeSeriesPoint;
    latencies: number[];
  }
  const groups = new Map<string, Acc>();
  for (const [start, key, status, latency, inTok, outTok, cost] of rows) {
    const k = `${start as number}|${key as string}`;
    let acc = groups.get(k);
    if (!acc) {
      acc = {
        point: { start: start as number, key: key as string, traces: 0, errors: 0, errorRate: 0, latencyP50Ms: null, latencyP95Ms: null, inputTokens: 0, outputTokens: 0, cost: 0 },
        latencies: [],
      };
      groups.set(k, acc);
    }
    const p = acc.point;
    p.traces++;
    if (status === 'error') p.errors++;
    else acc.latencies.push(latency as number);
    p.inputTokens += (inTok as number | null) ?? 0;
    p.outputTokens += (outTok as number | null) ?? 0;
    p.cost += (cost as number | null) ?? 0;
  }
  const out: TimeSeriesPoint[] = [];
  for (const { point, latencies } of groups.values()) {
    latencies.sort((a, b) => a - b);
    point.errorRate = point.errors / point.traces;
    point.latencyP50Ms = percentile(latencies, 50);
    point.latencyP95Ms = percentile(latencies, 95);
    out.push(point);
  }
  return out.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
