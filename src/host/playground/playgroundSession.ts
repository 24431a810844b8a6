// What a playground panel does, without the panel: render the prompt file once per run, call every column's
// model at once through the engine (streaming, uncached), coalesce the progress into at most one message
// per frame, record the run in the history (run kind `playground`), and keep recent runs so a webview
// that reloads can catch up. No `vscode` here: the unit tests and the benchmark run it as it ships.
import type { FileAccess } from '../../core/files/safeFiles';
import { schemaErrors } from '../../core/assertions/jsonSchema';
import { wordDiff, type WordDiff } from '../../core/diff/wordDiff';
import { parseModelRef } from '../../core/promptFile/frontMatter';
import { parsePromptFile } from '../../core/promptFile/parsePromptFile';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import { renderPrompt } from '../../core/promptFile/renderPrompt';
import type { Engine } from '../../core/run/engine';
import { newId, promptVersionId } from '../../core/store/ids';
import type { TraceStore } from '../../core/store/traceStore';
import type { CallResult, ChatMessage } from '../../core/types';
import type {
  ColumnConfig,
  ColumnError,
  ColumnResult,
  Feedback,
  JsonCheck,
  LiveRun,
  RunFailure,
  RunParams,
  RunUpdate,
} from '../../shared/playgroundProtocol';
import { checkColumnParams, coerceValues, inputFields, mergeParams, outputSchema } from './playgroundInputs';
import { RunUpdateCoalescer, type CoalescerClock } from './runUpdateCoalescer';

/** The prompt file's text as it is now (unsaved edits included). */
export interface PromptSource {
  text: string;
  /** File-system path, for relative `tests:` paths and the `.prompty` kind. */
  path?: string;
  /** Workspace-relative path, as the history records it. */
  label: string;
}

export interface PlaygroundSessionOptions {
  engine: () => Engine;
  /** The history store; null runs without history. */
  store: () => Promise<TraceStore | null>;
  readPrompt: () => Promise<PromptSource | { error: string }>;
  /** What image files a prompt may read (the workspace policy); without it image files are not sent. */
  files?: () => FileAccess;
  isTrusted: () => boolean;
  /** Shown when a run is refused because the workspace is not trusted. */
  restrictedReason: string;
  /** Posts one coalesced batch to the webview. */
  send: (updates: RunUpdate[]) => void;
  /** Minimum gap between two batches; one frame by default. */
  intervalMs?: number;
  clock?: CoalescerClock;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** How many finished runs a reloaded webview can catch up on. */
const LIVE_RUNS_KEPT = 3;
const MAX_NOTE = 2000;
const BUILTIN = new Set(['openai', 'anthropic', 'echo']);

/** Parses an output as JSON (a ```json fence around it is allowed) and checks it against `schema`. */
export async function checkJson(text: string, schema: object | undefined): Promise<JsonCheck> {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?[^\n]*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  let value: unknown;
  try {
    value = JSON.parse(fenced ? fenced[1]! : trimmed);
  } catch (err) {
    return { valid: false, error: (err as Error).message };
  }
  if (!schema) return { valid: true };
  const errors = await schemaErrors(schema, value);
  if (errors === undefined) return { valid: true, schema: { pass: true } };
  return { valid: true, schema: { pass: false, errors: typeof errors === 'string' ? errors : errors.error } };
}

/** The next step for a failed call. */
export function errorAction(error: NonNullable<CallResult['error']>, provider: string): ColumnError {
  const out: ColumnError = { kind: error.kind, message: error.message };
  switch (error.kind) {
    case 'auth':
      return { ...out, action: 'setApiKey', provider };
    case 'bad_request':
      if (/Unknown provider/.test(error.message)) return { ...out, action: 'openSettings', provider };
      return out;
    case 'network':
      return { ...out, action: BUILTIN.has(provider.toLowerCase()) ? 'retry' : 'openSettings', provider };
    case 'rate_limit':
    case 'timeout':
    case 'server':
    case 'malformed':
      return { ...out, action: 'retry' };
    default:
      return out;
  }
}

interface OpenRun {
  store: TraceStore;
  runId: string;
  promptVersionId: string;
}

/** One panel's runs. */
export class PlaygroundSession {
  private readonly coalescer: RunUpdateCoalescer;
  private readonly controllers = new Map<string, AbortController>();
  private readonly live: LiveRun[] = [];
  private disposed = false;
  /** Bumped by `stop()`: a run still reading or rendering when Stop came calls nothing. */
  private stops = 0;

  constructor(private readonly options: PlaygroundSessionOptions) {
    this.coalescer = new RunUpdateCoalescer(options.send, options.intervalMs, options.clock);
  }

  /** Batches sent to the webview so far. */
  get messagesSent(): number {
    return this.coalescer.messages;
  }

  /** Whether any call is in flight. */
  get running(): boolean {
    return this.controllers.size > 0;
  }

  /**
   * Runs `params.columns` with the form's values; resolves when every column has finished. Progress goes to
   * `send`; problems come back as data (a run failure or a column error), never as a rejection.
   */
  async run(params: RunParams): Promise<LiveRun> {
    const stopsAtStart = this.stops;
    const runId = typeof params?.runId === 'string' && params.runId !== '' ? params.runId : newId();
    const columns = sanitizeColumns(params?.columns);
    const live: LiveRun = { runId, fileHash: null, columnIds: columns.map((c) => c.id), partial: {}, finished: [], status: 'running' };
    this.remember(live);
    const fail = (failure: RunFailure): LiveRun => {
      live.failure = failure;
      live.status = 'failed';
      this.coalescer.failed(runId, failure);
      this.coalescer.done(runId, 'failed');
      return live;
    };
    if (this.disposed) return fail({ message: 'The playground was closed.' });
    if (!this.options.isTrusted()) return fail({ message: this.options.restrictedReason });
    if (columns.length === 0) return fail({ message: 'Add a model column to run.' });

    const source = await this.options.readPrompt();
    if ('error' in source) return fail({ message: source.error });
    const doc = parsePromptFile(source.text, source.path ? { path: source.path } : {});
    const values = params.values && typeof params.values === 'object' ? params.values : {};
    const coerced = coerceValues(inputFields(doc), values);
    if ('error' in coerced) return fail({ message: coerced.error });
    const rendered = renderPrompt(doc, coerced.vars, this.options.files ? { files: this.options.files() } : {});
    if ('error' in rendered) return fail({ message: rendered.error.message, ...(rendered.error.range ? { range: rendered.error.range } : {}) });

    const fileHash = promptVersionId(source.text);
    live.fileHash = fileHash;
    for (const c of columns) this.controllers.get(c.id)?.abort();
    this.coalescer.started(runId, live.columnIds, fileHash);
    const history = this.openRun(source, columns, coerced.vars);
    const schema = outputSchema(doc);
    const results = await Promise.all(
      columns.map((c) => this.runColumn({ live, column: c, doc, messages: rendered.messages, vars: coerced.vars, fileHash, source, schema, history, stopsAtStart })),
    );
    const status = results.some((r) => r.status === 'cancelled') ? 'cancelled' : 'done';
    live.status = status;
    this.coalescer.done(runId, status);
    const opened = await history;
    if (opened) {
      await opened.store
        .finishRun(opened.runId, { status, summary: { columns: results.map((r) => ({ model: r.model, status: r.status, cost: r.cost })) } })
        .catch((err: unknown) => this.log('error', `history: cannot finish run: ${String(err)}`));
    }
    return live;
  }

  /** Cancels every call in flight. */
  stop(): void {
    this.stops++;
    for (const c of this.controllers.values()) c.abort();
  }

  /** Rates a trace; `{ error }` without a history or for a bad rating. */
  async setFeedback(traceId: unknown, feedback: unknown): Promise<{ ok: true } | { error: string }> {
    const f = feedback as Partial<Feedback> | undefined;
    if (typeof traceId !== 'string' || traceId === '') return { error: 'No trace to rate: run the column first.' };
    if (!f || (f.rating !== 1 && f.rating !== -1 && f.rating !== 0)) return { error: 'A rating is 1 (👍), -1 (👎) or 0 (none).' };
    const note = typeof f.note === 'string' && f.note.trim() !== '' ? f.note.trim().slice(0, MAX_NOTE) : null;
    const store = await this.options.store();
    if (!store) return { error: 'Feedback is kept in the history, which needs an open folder.' };
    try {
      await store.setFeedback(traceId, { rating: f.rating, note });
      return { ok: true };
    } catch (err) {
      this.log('error', `history: cannot save feedback: ${String(err)}`);
      return { error: `Could not save the feedback: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** The saved ratings of these traces (read back from the history). */
  async getFeedback(traceIds: unknown): Promise<Record<string, Feedback>> {
    const ids = Array.isArray(traceIds) ? traceIds.filter((t): t is string => typeof t === 'string').slice(0, 500) : [];
    const store = ids.length > 0 ? await this.options.store() : null;
    if (!store) return {};
    const out: Record<string, Feedback> = {};
    const traces = await Promise.all(ids.map((id) => store.getTrace(id).catch(() => null)));
    traces.forEach((t, i) => {
      if (t?.feedback) out[ids[i]!] = { rating: t.feedback.rating, ...(t.feedback.note ? { note: t.feedback.note } : {}) };
    });
    return out;
  }

  /** A word-level diff of two outputs. */
  diff(left: unknown, right: unknown): WordDiff {
    return wordDiff(typeof left === 'string' ? left : '', typeof right === 'string' ? right : '');
  }

  /** Recent runs, for a webview that reloaded while they went on. */
  liveRuns(): LiveRun[] {
    return this.live.map((r) => ({
      ...r,
      columnIds: [...r.columnIds],
      partial: { ...r.partial },
      ...(r.partialReasoning ? { partialReasoning: { ...r.partialReasoning } } : {}),
      finished: [...r.finished],
    }));
  }

  /** Sends what is pending at once. */
  flush(): void {
    this.coalescer.flush();
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.coalescer.dispose();
  }

  private remember(run: LiveRun): void {
    this.live.push(run);
    // Runs still going are always kept; of the finished ones, the latest few.
    while (this.live.length > LIVE_RUNS_KEPT) {
      const i = this.live.findIndex((r) => r.status !== 'running');
      if (i < 0) break;
      this.live.splice(i, 1);
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, message);
  }

  /** Starts the history run; resolves to null without a store (or when it fails, logged). */
  private async openRun(source: PromptSource, columns: ColumnConfig[], vars: Record<string, unknown>): Promise<OpenRun | null> {
    try {
      const store = await this.options.store();
      if (!store) return null;
      const versionId = await store.addPromptVersion({ path: source.label, content: source.text });
      const runId = await store.startRun({
        kind: 'playground',
        promptPath: source.label,
        promptVersionId: versionId,
        models: columns.map((c) => c.model),
        config: { columns: columns.map((c) => ({ model: c.model, params: c.params })), vars },
      });
      return { store, runId, promptVersionId: versionId };
    } catch (err) {
      this.log('error', `history: cannot record the playground run: ${String(err)}`);
      return null;
    }
  }

  private async runColumn(job: {
    live: LiveRun;
    column: ColumnConfig;
    doc: PromptDocument;
    messages: ChatMessage[];
    vars: Record<string, unknown>;
    fileHash: string;
    source: PromptSource;
    schema: object | undefined;
    history: Promise<OpenRun | null>;
    stopsAtStart: number;
  }): Promise<ColumnResult> {
    const { live, column, fileHash } = job;
    const base = { columnId: column.id, model: column.model, fileHash };
    const finish = (result: ColumnResult): ColumnResult => {
      delete live.partial[column.id];
      if (live.partialReasoning) delete live.partialReasoning[column.id];
      live.finished.push(result);
      this.coalescer.finished(live.runId, result);
      return result;
    };
    const noCall = (error: ColumnError): ColumnResult =>
      finish({ ...base, status: 'error', text: '', finishReason: null, inputTokens: null, outputTokens: null, cost: null, latencyMs: 0, ttftMs: null, error, traceId: null });

    const ref = parseModelRef(column.model);
    if ('error' in ref) return noCall({ kind: 'bad_request', message: ref.error });
    const params = checkColumnParams(column.params);
    if ('error' in params) return noCall({ kind: 'bad_request', message: params.error });

    const controller = new AbortController();
    this.controllers.set(column.id, controller);
    if (this.stops !== job.stopsAtStart) controller.abort();
    live.partial[column.id] = '';
    const startedAt = Date.now();
    const engine = this.options.engine();
    const called = await engine.call(
      { model: ref, messages: job.messages, params: mergeParams(job.doc.params, params.params) },
      {
        signal: controller.signal,
        stream: true,
        useCache: false,
        tag: `playground ${live.runId}`,
        onDelta: (text) => {
          live.partial[column.id] += text;
          this.coalescer.delta(live.runId, column.id, text);
        },
        onReasoning: (text) => {
          const reasoning = (live.partialReasoning ??= {});
          reasoning[column.id] = (reasoning[column.id] ?? '') + text;
          this.coalescer.reasoning(live.runId, column.id, text);
        },
      },
    );
    if (this.controllers.get(column.id) === controller) this.controllers.delete(column.id);
    // Stopped: every column counts what it streamed the same way, whatever its server had sent by then.
    const result = await engine.estimateStopped(called, job.messages);

    const traceId = await this.recordTrace(job.history, result, job, startedAt);
    const status: ColumnResult['status'] = !result.error ? 'ok' : result.error.kind === 'cancelled' ? 'cancelled' : 'error';
    const out: ColumnResult = {
      ...base,
      status,
      text: result.text,
      finishReason: result.finishReason,
      inputTokens: result.usage?.inputTokens ?? null,
      outputTokens: result.usage?.outputTokens ?? null,
      ...(result.usageEstimated ? { usageEstimated: true } : {}),
      cost: result.cost,
      latencyMs: result.latencyMs,
      ttftMs: result.ttftMs,
      traceId,
    };
    if (result.reasoning) out.reasoning = result.reasoning;
    if (result.error && status !== 'cancelled') out.error = errorAction(result.error, ref.provider);
    if (result.thinking && result.thinking.length > 0) out.thinking = result.thinking.map((t) => (t.redacted ? '(redacted thinking: encrypted, nothing readable)' : t.text));
    if (status === 'ok' && result.text.trim() !== '') out.json = await checkJson(result.text, job.schema);
    return finish(out);
  }

  /** Writes the trace (not awaited past the id: the store applies writes in order, so feedback lands after it). */
  private async recordTrace(
    history: Promise<OpenRun | null>,
    result: CallResult,
    job: { vars: Record<string, unknown>; source: PromptSource },
    startedAt: number,
  ): Promise<string | null> {
    const opened = await history;
    if (!opened) return null;
    const id = newId(startedAt);
    opened.store
      .addTraces([{ ...result, id, runId: opened.runId, promptVersionId: opened.promptVersionId, promptPath: job.source.label, variables: job.vars, startedAt }])
      .catch((err: unknown) => this.log('error', `history: cannot record a playground trace: ${String(err)}`));
    return id;
  }
}

/** Columns from the webview, checked: string ids (unique) and model references. */
function sanitizeColumns(raw: unknown): ColumnConfig[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const out: ColumnConfig[] = [];
  for (const c of raw.slice(0, 16)) {
    if (!c || typeof c !== 'object') continue;
    const { id, model, params } = c as Partial<ColumnConfig>;
    if (typeof id !== 'string' || id === '' || seen.has(id) || typeof model !== 'string') continue;
    seen.add(id);
    out.push({ id, model, params: params && typeof params === 'object' ? params : {} });
  }
  return out;
}
