import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PriceBook } from '../../src/core/pricing/pricing';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import { Engine } from '../../src/core/run/engine';
import { fileAccess } from '../../src/core/files/safeFiles';
import { blobRefs } from '../../src/core/store/blobs';
import { TraceStore } from '../../src/core/store/traceStore';
import { FRAME_MS } from '../../src/host/playground/runUpdateCoalescer';
import { traceDetail } from '../../src/host/traces/traceDetailData';
import { checkJson, errorAction, PlaygroundSession, type PromptSource } from '../../src/host/playground/playgroundSession';
import type { ColumnResult, RunParams, RunUpdate } from '../../src/shared/playgroundProtocol';
import { mockProviderConfigs } from '../support/mockLlmProviders';
import { startMockLlm, type MockLlm, type MockLlmOptions } from '../support/mockLlmServer';
import { tempFolder } from '../support/storeFixtures';

const PROMPT = `---
name: triage
models: [local:fast, local:slow]
params: { temperature: 0, max_tokens: 30 }
inputs:
  ticket: { type: string, default: I was charged twice }
---
system:
Route the ticket.

user:
{{ ticket }}
`;

const REASONING_PROMPT = `---
api: responses
params: { reasoning_effort: low, reasoning_summary: auto }
---
user:
{{ ticket }}
`;

const THINKING_IMAGE_PROMPT = `---
params: { thinking: adaptive, max_tokens: 2000 }
inputs:
  photo: { type: image }
---
user:
Which queue? ![the receipt]({{ photo }})
`;

const JSON_PROMPT = `---
params:
  response_format:
    type: json_schema
    json_schema: { name: r, schema: { type: object, required: [queue], properties: { queue: { type: string } } } }
---
user:
{{ ticket }}
`;

/** What one session sent, with promises for the moments tests wait on. */
class Recorder {
  readonly batches: { at: number; updates: RunUpdate[] }[] = [];
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  readonly send = (updates: RunUpdate[]): void => {
    this.batches.push({ at: performance.now(), updates });
    this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  };
  until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
  /** What streamed to a column as text (or, with `reasoningDeltas`, as reasoning). */
  text(runId: string, columnId: string, stream: 'deltas' | 'reasoningDeltas' = 'deltas'): string {
    return this.batches.flatMap((b) => b.updates.filter((u) => u.runId === runId).map((u) => u[stream]?.[columnId] ?? '')).join('');
  }
  finished(runId: string): ColumnResult[] {
    return this.batches.flatMap((b) => b.updates.filter((u) => u.runId === runId).flatMap((u) => u.finished ?? []));
  }
  updates(runId: string): RunUpdate[] {
    return this.batches.flatMap((b) => b.updates.filter((u) => u.runId === runId));
  }
  /** Resolves once the run's last update (its `done`) has been sent. */
  done(runId: string): Promise<void> {
    return this.until(() => this.updates(runId).some((u) => u.done), `the end of ${runId}`);
  }
}

describe('playground session (real engine, mock LLM server, real history store)', function () {
  this.timeout(20_000);
  let mock: MockLlm;
  let folder: ReturnType<typeof tempFolder>;
  let store: TraceStore | null;
  let trusted: boolean;
  let prompt: string;
  const sessions: PlaygroundSession[] = [];

  async function setup(mockOptions: MockLlmOptions = {}, keys: { openai?: string } = {}): Promise<{ session: PlaygroundSession; rec: Recorder; engine: Engine }> {
    mock = await startMockLlm({
      reply: (req) => (req.model === 'slow' ? { text: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ') } : req.model === 'json' ? '{"queue": 1}' : `${req.model} says billing`),
      ...mockOptions,
    });
    const engine = new Engine({
      registry: new ProviderRegistry({ providers: mockProviderConfigs(mock, keys) }),
      pricing: new PriceBook({ 'local:*': { input: 1, output: 2 } }),
    });
    const rec = new Recorder();
    const source = (): PromptSource => ({ text: prompt, path: join(folder.dir, 'triage.prompt'), label: 'triage.prompt' });
    const session = new PlaygroundSession({
      engine: () => engine,
      store: async () => store,
      readPrompt: async () => source(),
      isTrusted: () => trusted,
      restrictedReason: 'Restricted Mode: nothing runs.',
      send: rec.send,
    });
    sessions.push(session);
    return { session, rec, engine };
  }

  const run = (runId: string, columns: [string, string][], values: Record<string, string> = {}, params: Record<string, unknown> = {}): RunParams => ({
    runId,
    columns: columns.map(([id, model]) => ({ id, model, params })),
    values,
  });

  beforeEach(async () => {
    folder = tempFolder('assay-playground-');
    mkdirSync(join(folder.dir, '.assay'), { recursive: true });
    writeFileSync(join(folder.dir, 'triage.prompt'), PROMPT);
    store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
    trusted = true;
    prompt = PROMPT;
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.dispose();
    await store?.close();
    await mock?.close();
    folder.cleanup();
  });

  it('streams two columns at once and reports tokens, latency, TTFT, cost and finish reason', async () => {
    // 30 tokens/s: the three words span ~100 ms, several of the coalescer's 16.7 ms windows even on a busy machine.
    const { session, rec } = await setup({ tokensPerSecond: 30 });
    const live = await session.run(run('r1', [['a', 'local:fast'], ['b', 'local:other']], { ticket: 'You billed me twice' }));
    assert.strictEqual(live.status, 'done');
    await rec.done('r1');
    assert.strictEqual(rec.text('r1', 'a'), 'fast says billing', 'column a streamed its text in order');
    assert.strictEqual(rec.text('r1', 'b'), 'other says billing', 'column b streamed its text in order');
    const deltaBatches = rec.batches.filter((b) => b.updates.some((u) => u.deltas)).length;
    assert.ok(deltaBatches >= 2, `the text arrived over several messages (${deltaBatches}), i.e. streamed`);
    const results = rec.finished('r1');
    assert.deepStrictEqual(results.map((r) => [r.columnId, r.status, r.text, r.finishReason]).sort(), [
      ['a', 'ok', 'fast says billing', 'stop'],
      ['b', 'ok', 'other says billing', 'stop'],
    ]);
    for (const r of results) {
      assert.ok(r.inputTokens! > 0 && r.outputTokens === 3, `tokens in/out: ${r.inputTokens}/${r.outputTokens}`);
      assert.ok(r.latencyMs > 0 && r.ttftMs !== null && r.ttftMs <= r.latencyMs, `latency ${r.latencyMs}, TTFT ${r.ttftMs}`);
      assert.strictEqual(r.cost, (r.inputTokens! * 1 + r.outputTokens! * 2) / 1e6, 'priced by the local:* override');
      assert.match(r.fileHash, /^[0-9a-f]{64}$/);
    }
    const started = rec.updates('r1').find((u) => u.started);
    assert.deepStrictEqual(started?.started?.columnIds, ['a', 'b']);
    const gaps = rec.batches.slice(1).map((b, i) => b.at - rec.batches[i]!.at);
    assert.ok(gaps.every((g) => g >= FRAME_MS - 1), `messages at most one per frame (gaps ${gaps.map((g) => g.toFixed(1)).join(', ')})`);
    assert.strictEqual(rec.updates('r1').at(-1)?.done?.status, 'done');
    const body = mock.requests.find((r) => r.model === 'fast')!.body!;
    assert.deepStrictEqual([body.stream, body.temperature, body.max_tokens], [true, 0, 30], 'streamed, with the file params');
  });

  it('records the run (kind playground), its prompt version and one trace per column', async () => {
    const { session, rec } = await setup();
    await session.run(run('r1', [['a', 'local:fast'], ['b', 'local:other']], { ticket: 'hello' }));
    await rec.done('r1');
    const runs = await store!.listRuns({ kind: 'playground' });
    assert.strictEqual(runs.items.length, 1);
    const r = runs.items[0]!;
    assert.deepStrictEqual([r.kind, r.status, r.promptPath, r.models], ['playground', 'done', 'triage.prompt', ['local:fast', 'local:other']]);
    assert.strictEqual(r.totals.traces, 2);
    const traceId = rec.finished('r1').find((x) => x.columnId === 'a')!.traceId!;
    const trace = await store!.getTrace(traceId);
    assert.ok(trace, 'the trace id given to the webview is the stored one');
    assert.deepStrictEqual([trace.runId, trace.text, trace.variables], [r.id, 'fast says billing', { ticket: 'hello' }]);
    assert.strictEqual(trace.promptVersionId, rec.finished('r1')[0]!.fileHash, 'the file hash is the prompt version id');
  });

  it('saves 👍/👎 with a note and reads it back; refuses a bad rating', async () => {
    const { session, rec } = await setup();
    await session.run(run('r1', [['a', 'local:fast']]));
    await rec.done('r1');
    const traceId = rec.finished('r1')[0]!.traceId!;
    assert.deepStrictEqual(await session.setFeedback(traceId, { rating: 1, note: ' concise ' }), { ok: true });
    assert.deepStrictEqual(await session.getFeedback([traceId, 'no-such-trace']), { [traceId]: { rating: 1, note: 'concise' } });
    assert.deepStrictEqual(await session.setFeedback(traceId, { rating: -1 }), { ok: true });
    assert.deepStrictEqual(await session.getFeedback([traceId]), { [traceId]: { rating: -1 } }, 'the latest rating wins');
    assert.ok('error' in (await session.setFeedback(traceId, { rating: 5 })), 'a rating is 1, -1 or 0');
    assert.ok('error' in (await session.setFeedback(undefined, { rating: 1 })), 'no trace, no rating');
    store = null;
    assert.match((await session.setFeedback(traceId, { rating: 1 }) as { error: string }).error, /needs an open folder/);
  });

  it('Stop cancels a slow stream, keeping what arrived', async () => {
    const { session, rec } = await setup({ tokensPerSecond: 40 });
    const running = session.run(run('r1', [['slow', 'local:slow'], ['fast', 'local:fast']]));
    await rec.until(() => rec.text('r1', 'slow').length > 0, 'the slow column to start streaming');
    assert.ok(session.running, 'a call is in flight');
    session.stop();
    const live = await running;
    await rec.done('r1');
    assert.strictEqual(live.status, 'cancelled');
    const slow = rec.finished('r1').find((r) => r.columnId === 'slow')!;
    assert.strictEqual(slow.status, 'cancelled');
    assert.ok(slow.text.startsWith('w0') && slow.text.length < 200 * 4, `partial text kept (${slow.text.length} chars)`);
    assert.strictEqual(slow.error, undefined, 'a cancellation is not shown as an error');
    assert.strictEqual(slow.usageEstimated, true, 'the tokens of a stopped column are counted from what streamed');
    assert.ok(slow.outputTokens! >= slow.text.trim().split(/\s+/).length && slow.inputTokens! > 0, `tokens ${slow.inputTokens}/${slow.outputTokens}`);
    assert.ok(slow.cost !== null && slow.cost > 0, 'and priced from that count');
    assert.strictEqual(rec.updates('r1').at(-1)?.done?.status, 'cancelled');
    assert.strictEqual(session.running, false);
    const runs = await store!.listRuns({ kind: 'playground' });
    assert.strictEqual(runs.items[0]!.status, 'cancelled');
  });

  it('Stop pressed while the prompt is still being read cancels the run before any call', async () => {
    const { rec, engine } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowSession = new PlaygroundSession({
      engine: () => engine,
      store: async () => store,
      readPrompt: async () => {
        await gate;
        return { text: PROMPT, label: 'triage.prompt' };
      },
      isTrusted: () => true,
      restrictedReason: '',
      send: rec.send,
    });
    sessions.push(slowSession);
    const running = slowSession.run(run('r1', [['a', 'local:fast']]));
    slowSession.stop();
    release();
    const live = await running;
    await rec.done('r1');
    assert.strictEqual(live.status, 'cancelled');
    assert.strictEqual(rec.finished('r1')[0]!.status, 'cancelled');
    assert.strictEqual(mock.requests.length, 0, 'no call was made');
  });

  it('runs nothing in Restricted Mode', async () => {
    const { session, rec } = await setup();
    trusted = false;
    const live = await session.run(run('r1', [['a', 'local:fast']]));
    await rec.done('r1');
    assert.strictEqual(live.status, 'failed');
    assert.deepStrictEqual(rec.updates('r1'), [{ runId: 'r1', failure: { message: 'Restricted Mode: nothing runs.' }, done: { status: 'failed' } }]);
    assert.strictEqual(mock.requests.length, 0, 'no request reached the server');
    assert.strictEqual((await store!.listRuns()).items.length, 0, 'nothing recorded');
  });

  it('reports a render failure with its place and sends nothing', async () => {
    const { session, rec } = await setup();
    prompt = '---\nname: x\n---\nuser:\n{{ missing }}\n';
    await session.run(run('r1', [['a', 'local:fast']]));
    await rec.done('r1');
    const failure = rec.updates('r1')[0]!.failure!;
    assert.match(failure.message, /Missing variable 'missing'/);
    assert.deepStrictEqual(failure.range?.start, { line: 4, character: 3 }, 'points at the variable in the file');
    assert.strictEqual(mock.requests.length, 0);
  });

  it('reports a bad input value and a bad override per column, running the others', async () => {
    const { session, rec } = await setup();
    prompt = '---\ninputs:\n  n: { type: integer }\n---\nuser:\n{{ n }}\n';
    await session.run(run('r1', [['a', 'local:fast']], { n: 'two' }));
    await rec.done('r1');
    assert.match(rec.updates('r1')[0]!.failure!.message, /must be a number/);
    prompt = PROMPT;
    await session.run({ runId: 'r2', columns: [{ id: 'a', model: 'local:fast', params: { temperature: 9 } }, { id: 'b', model: 'no-provider', params: {} }, { id: 'c', model: 'local:fast', params: { temperature: 1.5 } }], values: {} });
    await rec.done('r2');
    const byId = Object.fromEntries(rec.finished('r2').map((r) => [r.columnId, r]));
    assert.deepStrictEqual([byId.a!.status, byId.a!.error?.kind], ['error', 'bad_request']);
    assert.match(byId.a!.error!.message, /temperature must be/);
    assert.match(byId.b!.error!.message, /needs a provider/);
    assert.strictEqual(byId.c!.status, 'ok');
    assert.strictEqual(mock.requests.length, 1, 'only the valid column called the model');
    assert.strictEqual(mock.requests[0]!.body!.temperature, 1.5, 'the override reached the payload');
  });

  it('turns an auth failure into a "Set API Key" step for that provider', async () => {
    const { session, rec } = await setup({ apiKey: 'the-right-key' }, { openai: 'zz-wrong-key' });
    await session.run(run('r1', [['a', 'openai:gpt-4o-mini']]));
    await rec.done('r1');
    const r = rec.finished('r1')[0]!;
    assert.deepStrictEqual([r.status, r.error?.kind, r.error?.action, r.error?.provider], ['error', 'auth', 'setApiKey', 'openai']);
    assert.ok(!JSON.stringify(rec.batches).includes('zz-wrong-key'), 'the key never reaches the webview');
  });

  it('streams a reasoning model through the Responses API: the summary apart from the text, in the result and the trace detail', async () => {
    const { session, rec } = await setup({ reply: () => ({ text: 'billing it is', reasoning: 'A double charge is a billing matter.', usage: { reasoning: 12 } }) });
    prompt = REASONING_PROMPT;
    await session.run(run('r1', [['a', 'local:thinker']], { ticket: 'charged twice' }));
    await rec.done('r1');
    assert.strictEqual(mock.requests[0]!.api, 'openai.responses');
    assert.deepStrictEqual(mock.requests[0]!.body!.reasoning, { effort: 'low', summary: 'auto' });
    assert.strictEqual(rec.text('r1', 'a'), 'billing it is', 'only the answer streams as text');
    assert.strictEqual(rec.text('r1', 'a', 'reasoningDeltas'), 'A double charge is a billing matter.', 'the summary streams apart, as it arrives');
    const r = rec.finished('r1')[0]!;
    assert.deepStrictEqual([r.status, r.text, r.reasoning], ['ok', 'billing it is', 'A double charge is a billing matter.']);
    const trace = await store!.getTrace(r.traceId!);
    const detail = traceDetail(trace!, { promptVersion: 'same' });
    assert.strictEqual(detail.reasoning, 'A double charge is a billing matter.');
    assert.strictEqual(detail.output, 'billing it is');
    assert.deepStrictEqual(detail.messages.map((m) => [m.role, m.parts.map((p) => p.text).join('')]), [['user', 'charged twice']], 'the Responses input read back as messages');
  });

  it('runs an Anthropic thinking model on an image file: thinking apart from the text, the image stored once and shown in the trace detail', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)]);
    writeFileSync(join(folder.dir, 'receipt.png'), png);
    const { session, rec } = await setup({ reply: () => ({ thinking: [{ text: 'A receipt with two charges.', signature: 'sig' }], text: 'billing' }) });
    session.dispose();
    const withFiles = new PlaygroundSession({
      engine: () => new Engine({ registry: new ProviderRegistry({ providers: mockProviderConfigs(mock) }) }),
      store: async () => store,
      readPrompt: async () => ({ text: prompt, path: join(folder.dir, 'triage.prompt'), label: 'triage.prompt' }),
      files: () => fileAccess({ roots: [folder.dir] }),
      isTrusted: () => true,
      restrictedReason: '',
      send: rec.send,
    });
    sessions.push(withFiles);
    prompt = THINKING_IMAGE_PROMPT;
    await withFiles.run(run('r1', [['a', 'anthropic:claude-opus-4-7']], { photo: 'receipt.png' }));
    await rec.done('r1');
    const sent = (mock.requests[0]!.body!.messages as { content: Record<string, unknown>[] }[])[0]!.content;
    assert.deepStrictEqual(sent[1], { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } });
    assert.deepStrictEqual(mock.requests[0]!.body!.thinking, { type: 'adaptive' });
    const r = rec.finished('r1')[0]!;
    assert.deepStrictEqual([r.status, r.text, r.thinking], ['ok', 'billing', ['A receipt with two charges.']]);
    assert.strictEqual(rec.text('r1', 'a'), 'billing', 'only the answer streams as text');
    assert.strictEqual(rec.text('r1', 'a', 'reasoningDeltas'), 'A receipt with two charges.', 'the thinking streams apart, as it arrives');
    const trace = (await store!.getTrace(r.traceId!))!;
    const [hash] = [...blobRefs(trace.request)];
    assert.ok(hash, 'the stored request refers to the image by hash');
    const detail = traceDetail(trace, { promptVersion: 'same', blobs: new Map([[hash, (await store!.getBlob(hash))!]]) });
    assert.deepStrictEqual(detail.thinking, [{ text: 'A receipt with two charges.' }]);
    assert.strictEqual(detail.messages[0]!.parts[1]!.imageUri, `data:image/png;base64,${png.toString('base64')}`);
  });

  it('checks JSON outputs against the schema the file declares', async () => {
    const { session, rec } = await setup();
    prompt = JSON_PROMPT;
    await session.run(run('r1', [['a', 'local:json']], { ticket: 't' }));
    await rec.done('r1');
    assert.deepStrictEqual(rec.finished('r1')[0]!.json, { valid: true, schema: { pass: false, errors: 'output/queue must be string' } });
  });

  it('remembers recent runs for a webview that reloads', async () => {
    const { session } = await setup();
    for (const id of ['r1', 'r2', 'r3', 'r4']) await session.run(run(id, [['a', 'local:fast']]));
    const live = session.liveRuns();
    assert.deepStrictEqual(live.map((r) => [r.runId, r.status, r.finished.length]), [['r2', 'done', 1], ['r3', 'done', 1], ['r4', 'done', 1]]);
  });

  it('diffs two outputs word by word', async () => {
    const { session } = await setup();
    const d = session.diff('billing normal', 'billing high');
    assert.deepStrictEqual(d.parts, [{ value: 'billing ', kind: 'same' }, { value: 'normal', kind: 'removed' }, { value: 'high', kind: 'added' }]);
  });
});

describe('playground output checks', () => {
  const jsonCases: { text: string; schema?: object; expected: unknown; why: string }[] = [
    { text: '{"a": 1}', expected: { valid: true }, why: 'plain JSON' },
    { text: '```json\n{"a": 1}\n```', expected: { valid: true }, why: 'a fenced block' },
    { text: '{"a": }', expected: { valid: false }, why: 'invalid JSON' },
    { text: '{"a": 1}', schema: { type: 'object', required: ['a'] }, expected: { valid: true, schema: { pass: true } }, why: 'matching the schema' },
  ];
  for (const c of jsonCases) {
    it(`checks JSON: ${c.why}`, async () => {
      const r = await checkJson(c.text, c.schema);
      assert.deepStrictEqual({ ...r, error: undefined }, { ...(c.expected as object), error: undefined });
      if (!r.valid) assert.ok(r.error && r.error.length > 0, 'the parse error is given');
    });
  }

  const actions: { kind: string; message: string; provider: string; action?: string; why: string }[] = [
    { kind: 'auth', message: 'No API key', provider: 'anthropic', action: 'setApiKey', why: 'auth → Set API Key' },
    { kind: 'bad_request', message: 'Unknown provider "x" in x:y', provider: 'x', action: 'openSettings', why: 'unknown provider → settings' },
    { kind: 'network', message: 'ECONNREFUSED', provider: 'ollama', action: 'openSettings', why: 'an endpoint unreachable → settings' },
    { kind: 'network', message: 'ECONNRESET', provider: 'openai', action: 'retry', why: 'a built-in unreachable → retry' },
    { kind: 'rate_limit', message: '429', provider: 'openai', action: 'retry', why: 'rate limit → retry' },
    { kind: 'not_found', message: 'model not found', provider: 'openai', action: undefined, why: 'not found → no button' },
  ];
  for (const a of actions) {
    it(`suggests a next step: ${a.why}`, () => {
      assert.strictEqual(errorAction({ kind: a.kind as 'auth', message: a.message }, a.provider).action, a.action);
    });
  }
});
