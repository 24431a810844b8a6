import * as assert from 'node:assert/strict';
import { formatCost as formatUsd } from '../../src/shared/format';
import type { ColumnResult, PromptFileInfo } from '../../src/shared/playgroundProtocol';
import {
  addColumn,
  anyRunning,
  applyUpdate,
  initialState,
  isViewState,
  latest,
  MAX_HISTORY,
  mergeLive,
  moveColumn,
  removeColumn,
  setFeedback,
  shown,
  startRun,
  syncValues,
  traceIds,
} from '../../webview-ui/src/playground/playgroundState';

const FILE: PromptFileInfo = {
  uri: 'file:///w/triage.prompt',
  label: 'triage.prompt',
  name: 'triage',
  fileHash: 'h1',
  inputs: [
    { name: 'ticket', kind: 'text', declared: true, initial: 'charged twice' },
    { name: 'urgent', kind: 'boolean', declared: true },
  ],
  models: ['openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku-latest'],
  modelsFromFile: true,
  params: {},
  hasTests: false,
  hasSchema: false,
  problems: [],
};

function done(columnId: string, text: string, extra: Partial<ColumnResult> = {}): ColumnResult {
  return { columnId, model: 'm', status: 'ok', text, finishReason: 'stop', inputTokens: 3, outputTokens: 2, cost: null, latencyMs: 9, ttftMs: 2, traceId: `t-${columnId}-${text}`, fileHash: 'h1', ...extra };
}

describe('playground view state', () => {
  it('starts with a column per model and the form at its defaults', () => {
    const s = initialState(FILE);
    assert.deepStrictEqual(s.columns.map((c) => c.model), FILE.models);
    assert.deepStrictEqual(s.values, { ticket: 'charged twice', urgent: false });
    assert.strictEqual(new Set(s.columns.map((c) => c.id)).size, 2, 'unique column ids');
    assert.deepStrictEqual([s.diff.left, s.diff.right], [s.columns[0]!.id, s.columns[1]!.id], 'the diff starts on the first two columns');
    assert.ok(isViewState(JSON.parse(JSON.stringify(s))), 'the state survives a JSON round trip');
    assert.ok(!isViewState({ version: 2 }) && !isViewState(undefined), 'other shapes are rejected');
  });

  it('streams deltas into the running columns, then takes the results', () => {
    const s = initialState(FILE);
    const [a, b] = s.columns.map((c) => c.id) as [string, string];
    startRun(s, 'r1');
    assert.ok(anyRunning(s));
    let e = applyUpdate(s, { runId: 'r1', started: { columnIds: [a, b], fileHash: 'h1' }, deltas: { [a]: 'bil', [b]: 'Bil' } });
    e = applyUpdate(s, { runId: 'r1', deltas: { [a]: 'ling' } });
    assert.strictEqual(latest(s)!.results[a]!.text, 'billing');
    assert.deepStrictEqual([...e.appended], [[a, 'ling']], 'the view appends only the new text');
    e = applyUpdate(s, { runId: 'r1', finished: [done(a, 'billing normal')], done: undefined });
    assert.deepStrictEqual([...e.changed], [a]);
    e = applyUpdate(s, { runId: 'r1', finished: [done(b, 'Billing high')], done: { status: 'done' } });
    assert.deepStrictEqual(e.ended, { runId: 'r1', status: 'done' });
    assert.ok(!anyRunning(s));
    assert.strictEqual(latest(s)!.results[b]!.text, 'Billing high');
  });

  it('streams reasoning apart from the text while a column runs; the result then holds it', () => {
    const s = initialState(FILE);
    const [a] = s.columns.map((c) => c.id) as [string];
    startRun(s, 'r1');
    applyUpdate(s, { runId: 'r1', started: { columnIds: [a], fileHash: 'h1' }, reasoningDeltas: { [a]: 'The user ' } });
    const e = applyUpdate(s, { runId: 'r1', reasoningDeltas: { [a]: 'wants tea.' }, deltas: { [a]: 'Tea' } });
    const running = latest(s)!.results[a]!;
    assert.deepStrictEqual([running.status, running.text, 'reasoning' in running ? running.reasoning : undefined], ['running', 'Tea', 'The user wants tea.']);
    assert.deepStrictEqual([...(e.reasoning ?? [])], [[a, 'wants tea.']], 'the view appends only the new reasoning');
    assert.deepStrictEqual([...e.appended], [[a, 'Tea']], 'and the text on its own');
    const finished = applyUpdate(s, { runId: 'r1', finished: [{ ...done(a, 'Tea'), reasoning: 'The user wants tea.' }], reasoningDeltas: { [a]: 'late' } });
    assert.deepStrictEqual([...(finished.reasoning ?? [])], [], 'a finished column shows its result, not the stream');
    assert.strictEqual((latest(s)!.results[a] as ColumnResult).reasoning, 'The user wants tea.');
  });

  it('a single-column run carries the other columns over', () => {
    const s = initialState(FILE);
    const [a, b] = s.columns.map((c) => c.id) as [string, string];
    startRun(s, 'r1');
    applyUpdate(s, { runId: 'r1', finished: [done(a, 'one'), done(b, 'two')], done: { status: 'done' } });
    startRun(s, 'r2', [b]);
    assert.strictEqual(latest(s)!.results[a]!.text, 'one', 'column a keeps its result');
    assert.strictEqual(latest(s)!.results[b]!.status, 'running', 'column b runs again');
    assert.strictEqual(s.history.length, 2);
  });

  it('a refused run leaves no snapshot and reports the failure', () => {
    const s = initialState(FILE);
    startRun(s, 'r1');
    const e = applyUpdate(s, { runId: 'r1', failure: { message: "Missing variable 'ticket'" }, done: { status: 'failed' } });
    assert.strictEqual(s.history.length, 0, 'nothing ran');
    assert.strictEqual(e.failure?.message, "Missing variable 'ticket'");
    assert.deepStrictEqual(e.ended, { runId: 'r1', status: 'failed' });
  });

  it('Stop turns columns without a result into cancelled ones, keeping their text', () => {
    const s = initialState(FILE);
    const [a] = s.columns.map((c) => c.id) as [string];
    startRun(s, 'r1');
    applyUpdate(s, { runId: 'r1', started: { columnIds: [a], fileHash: 'h1' }, deltas: { [a]: 'half an ans' } });
    applyUpdate(s, { runId: 'r1', done: { status: 'cancelled' } });
    const r = latest(s)!.results[a] as ColumnResult;
    assert.deepStrictEqual([r.status, r.text, r.error?.kind], ['cancelled', 'half an ans', 'cancelled']);
  });

  it('keeps at most MAX_HISTORY snapshots and steps through them', () => {
    const s = initialState(FILE);
    for (let i = 0; i < MAX_HISTORY + 5; i++) {
      startRun(s, `r${i}`);
      applyUpdate(s, { runId: `r${i}`, done: { status: 'done' } });
    }
    assert.strictEqual(s.history.length, MAX_HISTORY);
    assert.strictEqual(s.history[0]!.runId, 'r5', 'the oldest went first');
    s.historyIndex = 3;
    assert.strictEqual(shown(s)!.runId, 'r8');
    startRun(s, 'new');
    assert.strictEqual(s.historyIndex, -1, 'a new run shows the latest');
  });

  it('catches up with runs the host went on with, and marks lost ones interrupted', () => {
    const s = initialState(FILE);
    const [a, b] = s.columns.map((c) => c.id) as [string, string];
    startRun(s, 'lost');
    startRun(s, 'live');
    mergeLive(s, [{ runId: 'live', fileHash: 'h1', columnIds: [a, b], partial: { [b]: 'still stre' }, partialReasoning: { [b]: 'thinking so f' }, finished: [done(a, 'finished meanwhile')], status: 'running' }]);
    const live = latest(s)!;
    assert.strictEqual((live.results[b] as { reasoning?: string }).reasoning, 'thinking so f', 'the reasoning streamed so far too');
    assert.strictEqual(live.results[a]!.text, 'finished meanwhile');
    assert.deepStrictEqual([live.results[b]!.status, live.results[b]!.text], ['running', 'still stre']);
    const lost = s.history[0]!.results[a] as ColumnResult;
    assert.strictEqual(lost.status, 'cancelled', 'a run the host does not know was interrupted by a reload');
    assert.match(lost.error!.message, /reloaded/);
  });

  it('reads feedback back by trace id', () => {
    const s = initialState(FILE);
    const [a] = s.columns.map((c) => c.id) as [string];
    startRun(s, 'r1');
    applyUpdate(s, { runId: 'r1', finished: [done(a, 'x', { traceId: 'T1' })], done: { status: 'done' } });
    startRun(s, 'r2', []);
    assert.deepStrictEqual(traceIds(s), ['T1'], 'each trace once, although two snapshots show it');
    setFeedback(s, 'T1', { rating: 1, note: 'good' });
    assert.deepStrictEqual((s.history[0]!.results[a] as ColumnResult).feedback, { rating: 1, note: 'good' });
    assert.deepStrictEqual((s.history[1]!.results[a] as ColumnResult).feedback, { rating: 1, note: 'good' });
    setFeedback(s, 'T1', undefined);
    assert.strictEqual((s.history[1]!.results[a] as ColumnResult).feedback, undefined);
  });

  it('adds, moves and removes columns, keeping the diff on existing ones', () => {
    const s = initialState(FILE);
    const [a, b] = s.columns.map((c) => c.id) as [string, string];
    const c = addColumn(s, 'echo:echo');
    assert.strictEqual(moveColumn(s, c.id, -1), true);
    assert.deepStrictEqual(s.columns.map((x) => x.id), [a, c.id, b]);
    assert.strictEqual(moveColumn(s, a, -1), false, 'the first column cannot move left');
    removeColumn(s, b);
    assert.deepStrictEqual(s.columns.map((x) => x.id), [a, c.id]);
    assert.strictEqual(s.diff.right, c.id, 'the diff moves off a removed column');
  });

  it('adds form values for inputs the file gained and keeps typed ones', () => {
    const s = initialState(FILE);
    s.values.ticket = 'typed';
    syncValues(s, [...FILE.inputs, { name: 'lang', kind: 'text', declared: true, initial: 'en' }]);
    assert.deepStrictEqual(s.values, { ticket: 'typed', urgent: false, lang: 'en' });
  });

  it('formats costs without exponents', () => {
    const cases: [number | null, string][] = [
      [null, 'cost unknown'],
      [0, '$0'],
      [0.000016, '$0.000016'],
      [0.0000821, '$0.000082'],
      [0.0099, '$0.0099'],
      [0.5, '$0.50'],
      [12.345, '$12.35'],
    ];
    for (const [cost, text] of cases) assert.strictEqual(formatUsd(cost), text, String(cost));
  });
});
