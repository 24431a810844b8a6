import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { exportOtlp, otlpIds, traceToSpan, tracesToOtlpLines, type OtlpAnyValue, type OtlpExportRequest, type OtlpSpan } from '../../src/core/export/otlpExport';
import { payloadConversation, payloadParams } from '../../src/core/export/payloadMessages';
import type { TraceRecord } from '../../src/core/store/storeTypes';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempFolder } from '../support/storeFixtures';

const T = Date.UTC(2025, 0, 15, 10, 0, 0);

/** A stored trace as `getTrace` returns it. */
function record(overrides: Partial<TraceRecord> = {}): TraceRecord {
  const input = makeTrace();
  return {
    ...input,
    id: '01JTRACE0000000000000000AA',
    runId: 'run-1',
    promptVersionId: 'v1',
    promptPath: 'prompts/triage.prompt',
    caseId: 'triage.tests.yaml#abcd1234',
    repeatIndex: 0,
    parentId: null,
    step: null,
    variables: input.variables ?? null,
    status: 'ok',
    startedAt: T,
    endedAt: T + 320,
    evaluations: [],
    feedback: null,
    ...overrides,
  };
}

/** Attribute values by key, unwrapped to plain JS. */
function attrs(span: OtlpSpan | { attributes: { key: string; value: OtlpAnyValue }[] }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const unwrap = (v: OtlpAnyValue): unknown => {
    const keys = Object.keys(v);
    assert.strictEqual(keys.length, 1, `an AnyValue holds exactly one field, got ${keys.join(',')}`);
    if ('stringValue' in v) return v.stringValue;
    if ('intValue' in v) {
      assert.match(v.intValue, /^-?\d+$/, 'int64 values are decimal strings (proto3 JSON)');
      return Number(v.intValue);
    }
    if ('doubleValue' in v) return v.doubleValue;
    if ('boolValue' in v) return v.boolValue;
    return v.arrayValue.values.map(unwrap);
  };
  for (const a of span.attributes) {
    assert.ok(!(a.key in out), `attribute ${a.key} appears once`);
    out[a.key] = unwrap(a.value);
  }
  return out;
}

describe('OTLP/JSON export (GenAI semantic conventions)', () => {
  it('maps an OpenAI chat trace to one client span with gen_ai.* attributes', () => {
    const span = traceToSpan(record({ response: { id: 'chatcmpl-abc123', model: 'gpt-4o-mini-2024-07-18', choices: [] } }));
    const a = attrs(span);
    const expected: [string, unknown][] = [
      ['gen_ai.operation.name', 'chat'],
      ['gen_ai.provider.name', 'openai'],
      ['gen_ai.system', 'openai'],
      ['gen_ai.request.model', 'gpt-4o-mini'],
      ['gen_ai.request.temperature', 0],
      ['gen_ai.request.max_tokens', 20],
      ['gen_ai.response.model', 'gpt-4o-mini-2024-07-18'],
      ['gen_ai.response.id', 'chatcmpl-abc123'],
      ['gen_ai.response.finish_reasons', ['stop']],
      ['gen_ai.usage.input_tokens', 52],
      ['gen_ai.usage.output_tokens', 1],
      ['assay.trace.id', '01JTRACE0000000000000000AA'],
      ['assay.run.id', 'run-1'],
      ['assay.prompt.path', 'prompts/triage.prompt'],
      ['assay.case.id', 'triage.tests.yaml#abcd1234'],
      ['assay.cost.usd', 0.0000084],
      ['assay.cache_hit', false],
      ['assay.ttft_ms', 180],
    ];
    for (const [key, value] of expected) assert.deepStrictEqual(a[key], value, key);
    assert.strictEqual(span.name, 'chat gpt-4o-mini', 'span name is "{operation} {model}"');
    assert.strictEqual(span.kind, 3, 'SPAN_KIND_CLIENT');
    assert.strictEqual(span.startTimeUnixNano, `${T}000000`, 'start in nanoseconds');
    assert.strictEqual(span.endTimeUnixNano, `${T + 320}000000`, 'end in nanoseconds');
    assert.strictEqual(span.status, undefined, 'success leaves the status unset');
    assert.strictEqual(a['error.type'], undefined, 'no error.type on success');
  });

  it('keeps prompts and outputs out unless messages are asked for', () => {
    const json = JSON.stringify(traceToSpan(record()));
    assert.ok(!json.includes('charged twice'), 'the user message is not exported by default');
    assert.ok(!json.includes('You route tickets'), 'the system prompt is not exported by default');
    const a = attrs(traceToSpan(record(), { includeMessages: true }));
    assert.deepStrictEqual(JSON.parse(a['gen_ai.system_instructions'] as string), [{ type: 'text', content: 'You route tickets. Answer with one word: billing, bug or other.' }]);
    assert.deepStrictEqual(JSON.parse(a['gen_ai.input.messages'] as string), [
      { role: 'user', parts: [{ type: 'text', content: 'I was charged twice for my subscription this month' }] },
    ]);
    assert.deepStrictEqual(JSON.parse(a['gen_ai.output.messages'] as string), [{ role: 'assistant', parts: [{ type: 'text', content: 'billing' }], finish_reason: 'stop' }]);
  });

  it('reads Anthropic payloads: system, tool use and tool results, cache tokens', () => {
    const request = {
      model: 'claude-3-5-haiku-latest',
      system: [{ type: 'text', text: 'Be brief.' }],
      max_tokens: 64,
      top_k: 5,
      stop_sequences: ['END'],
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: [{ type: 'text', text: '4°C' }] }] },
      ],
    };
    const trace = record({
      model: { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },
      request,
      response: { id: 'msg_1', model: 'claude-3-5-haiku-20241022' },
      text: '',
      toolCalls: [{ id: 'tu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Bergen"}' } }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 900, outputTokens: 20, cachedInputTokens: 800, cacheWriteTokens: 50, reasoningTokens: 0 },
    });
    const a = attrs(traceToSpan(trace, { includeMessages: true }));
    const expected: [string, unknown][] = [
      ['gen_ai.provider.name', 'anthropic'],
      ['gen_ai.request.max_tokens', 64],
      ['gen_ai.request.top_k', 5],
      ['gen_ai.request.stop_sequences', ['END']],
      ['gen_ai.response.model', 'claude-3-5-haiku-20241022'],
      ['gen_ai.usage.cache_read.input_tokens', 800],
      ['gen_ai.usage.cache_creation.input_tokens', 50],
      ['gen_ai.response.finish_reasons', ['tool_calls']],
    ];
    for (const [key, value] of expected) assert.deepStrictEqual(a[key], value, key);
    assert.deepStrictEqual(JSON.parse(a['gen_ai.system_instructions'] as string), [{ type: 'text', content: 'Be brief.' }]);
    assert.deepStrictEqual(JSON.parse(a['gen_ai.input.messages'] as string), [
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Oslo?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'tu_1', name: 'weather', arguments: { city: 'Oslo' } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 'tu_1', response: '4°C' }] },
    ]);
    assert.deepStrictEqual(JSON.parse(a['gen_ai.output.messages'] as string), [
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'tu_2', name: 'weather', arguments: { city: 'Bergen' } }], finish_reason: 'tool_calls' },
    ]);
  });

  it('marks failed calls with error.type and an error status', () => {
    const span = traceToSpan(record({ status: 'error', error: { kind: 'rate_limit', message: 'Rate limit reached', status: 429 }, usage: null, finishReason: null, text: '' }), { includeMessages: true });
    const a = attrs(span);
    assert.strictEqual(a['error.type'], 'rate_limit', 'error.type is the error kind');
    assert.deepStrictEqual(span.status, { code: 2, message: 'Rate limit reached' }, 'STATUS_CODE_ERROR with the message');
    assert.strictEqual(a['gen_ai.usage.input_tokens'], undefined, 'no usage without usage');
    assert.strictEqual(a['gen_ai.output.messages'], undefined, 'a failed call has no output message');
  });

  it('turns assertion outcomes into gen_ai.evaluation.result events', () => {
    const span = traceToSpan(
      record({
        evaluations: [
          { id: 'e1', traceId: 'x', caseId: null, assertionType: 'equals', pass: true, score: 1, reason: 'matched', metric: null, weight: 1, createdAt: T + 400 },
          { id: 'e2', traceId: 'x', caseId: null, assertionType: 'llm-rubric', pass: false, score: 0.2, reason: 'too long', metric: 'tone', weight: 1, createdAt: T + 500 },
        ],
      }),
    );
    assert.deepStrictEqual(
      span.events.map((e) => [e.name, e.timeUnixNano, attrs(e)]),
      [
        ['gen_ai.evaluation.result', `${T + 400}000000`, { 'gen_ai.evaluation.name': 'equals', 'gen_ai.evaluation.score.label': 'pass', 'gen_ai.evaluation.score.value': 1, 'gen_ai.evaluation.explanation': 'matched', 'assay.assertion.type': 'equals' }],
        ['gen_ai.evaluation.result', `${T + 500}000000`, { 'gen_ai.evaluation.name': 'tone', 'gen_ai.evaluation.score.label': 'fail', 'gen_ai.evaluation.score.value': 0.2, 'gen_ai.evaluation.explanation': 'too long', 'assay.assertion.type': 'llm-rubric' }],
      ],
    );
  });

  it('derives stable hex ids; the traces of one run share a trace id', () => {
    const a = otlpIds({ id: 't1', runId: 'r1' });
    const b = otlpIds({ id: 't2', runId: 'r1' });
    const c = otlpIds({ id: 't3', runId: null });
    assert.match(a.traceId, /^[0-9a-f]{32}$/, 'trace id: 16 bytes hex');
    assert.match(a.spanId, /^[0-9a-f]{16}$/, 'span id: 8 bytes hex');
    assert.strictEqual(a.traceId, b.traceId, 'same run, same trace id');
    assert.notStrictEqual(a.spanId, b.spanId, 'one span id per trace');
    assert.notStrictEqual(c.traceId, a.traceId, 'a trace outside any run gets its own trace id');
    assert.deepStrictEqual(otlpIds({ id: 't1', runId: 'r1' }), a, 'ids are the same on every export');
  });

  it('wraps spans in ExportTraceServiceRequests of at most batchSize spans', () => {
    const lines = tracesToOtlpLines([record({ id: 'a' }), record({ id: 'b' }), record({ id: 'c' })], { batchSize: 2, serviceName: 'triage-bot' });
    const requests = lines.map((l) => JSON.parse(l) as OtlpExportRequest);
    assert.deepStrictEqual(requests.map((r) => r.resourceSpans[0]!.scopeSpans[0]!.spans.length), [2, 1], 'two requests: 2 spans, then 1');
    assert.deepStrictEqual(attrs(requests[0]!.resourceSpans[0]!.resource)['service.name'], 'triage-bot', 'service.name on the resource');
    assert.strictEqual(requests[0]!.resourceSpans[0]!.scopeSpans[0]!.scope.name, 'assay', 'instrumentation scope');
  });

  it('reads messages and parameters from both wire formats', () => {
    const cases: [string, unknown, ReturnType<typeof payloadConversation>][] = [
      ['not an object', 'nope', { system: [], messages: [] }],
      ['OpenAI with a leading system message', { messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }] }, { system: [{ type: 'text', content: 'S' }], messages: [{ role: 'user', parts: [{ type: 'text', content: 'U' }] }] }],
      [
        'OpenAI tool call and tool answer',
        { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }] },
        { system: [], messages: [{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }] }, { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'ok' }] }] },
      ],
    ];
    for (const [why, payload, expected] of cases) assert.deepStrictEqual(payloadConversation(payload), expected, why);
    assert.deepStrictEqual(payloadParams({ temperature: 0.5, max_completion_tokens: 10, stop: 'X', response_format: { type: 'json_object' }, stream: true }), { temperature: 0.5, maxTokens: 10, stop: ['X'], outputType: 'json', stream: true });
  });

  describe('from the history store', function () {
    this.timeout(20_000);
    let folder: ReturnType<typeof tempFolder>;
    let store: TraceStore;
    before(async () => {
      folder = tempFolder('assay-otlp-');
      store = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
      const runId = await store.startRun({ kind: 'test', models: ['openai:gpt-4o-mini'], startedAt: T });
      await store.addTraces([
        makeTrace({ runId, startedAt: T, caseId: 'a', request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], api_key: 'sk-proj-abcdefghijklmnopqrstuvwxyz' } }),
        makeTrace({ runId, startedAt: T + 1000, caseId: 'b', model: { provider: 'anthropic', model: 'claude-3-5-haiku-latest' } }),
        makeTrace({ runId, startedAt: T + 2000, caseId: 'c', error: { kind: 'timeout', message: 'timed out' } }),
      ]);
      await store.close();
    });
    after(() => folder.cleanup());

    it('exports the filtered traces oldest first, one request per line', async () => {
      const s = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
      try {
        const out = join(folder.dir, 'out', 'all.otlp.json');
        const r = await exportOtlp(s, {}, out, { batchSize: 2 });
        assert.deepStrictEqual(r, { count: 3, path: out });
        const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
        const spans = lines.flatMap((l) => (JSON.parse(l) as OtlpExportRequest).resourceSpans[0]!.scopeSpans[0]!.spans);
        assert.deepStrictEqual(spans.map((sp) => attrs(sp)['assay.case.id']), ['a', 'b', 'c'], 'oldest first');
        assert.strictEqual(lines.length, 2, 'batches of 2');
        assert.strictEqual(new Set(spans.map((sp) => sp.traceId)).size, 1, 'one run, one trace id');
        assert.ok(!readFileSync(out, 'utf8').includes('abcdefghijklmnop'), 'no secret reaches the export');

        const only = await exportOtlp(s, { provider: 'anthropic' }, join(folder.dir, 'out', 'one.json'));
        assert.strictEqual('count' in only && only.count, 1, 'filters apply');
        const none = await exportOtlp(s, { model: 'nothing' }, join(folder.dir, 'out', 'none.json'));
        assert.strictEqual('count' in none && none.count, 0, 'no match');
        assert.deepStrictEqual(JSON.parse(readFileSync(join(folder.dir, 'out', 'none.json'), 'utf8')), { resourceSpans: [] }, 'an empty export is still a valid request');
      } finally {
        await s.close();
      }
    });

    it('reports an unwritable target as an error, never a throw', async () => {
      const s = await TraceStore.open({ path: join(folder.dir, '.assay', 'history.sqlite') });
      try {
        const blocker = join(folder.dir, 'blocker');
        writeFileSync(blocker, 'a file, not a folder');
        const r = await exportOtlp(s, {}, join(blocker, 'x.json'));
        assert.ok('error' in r && /cannot write/.test(r.error), `got ${JSON.stringify(r)}`);
      } finally {
        await s.close();
      }
    });

    it('assay history export --format otlp [--messages]', async () => {
      const run = async (...argv: string[]) => {
        let out = '';
        let err = '';
        const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, done) => (f(c.toString()), done()) });
        const code = await runCli(['history', 'export', ...argv], { cwd: folder.dir, env: {}, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), signal: new AbortController().signal });
        return { code, out, err };
      };
      mkdirSync(join(folder.dir, 'cli'), { recursive: true });
      const plain = await run('--format', 'otlp', '--out', 'cli/plain.json');
      assert.strictEqual(plain.code, 0, plain.err);
      assert.match(plain.err, /exported 3 traces/);
      const plainSpans = (JSON.parse(readFileSync(join(folder.dir, 'cli', 'plain.json'), 'utf8')) as OtlpExportRequest).resourceSpans[0]!.scopeSpans[0]!.spans;
      assert.strictEqual(plainSpans.length, 3);
      assert.ok(plainSpans.every((sp) => attrs(sp)['gen_ai.input.messages'] === undefined), 'no messages without --messages');
      const withMessages = await run('--format=otlp', '--messages', '--status', 'ok', '--out', 'cli/messages.json');
      assert.strictEqual(withMessages.code, 0, withMessages.err);
      const spans = (JSON.parse(readFileSync(join(folder.dir, 'cli', 'messages.json'), 'utf8')) as OtlpExportRequest).resourceSpans[0]!.scopeSpans[0]!.spans;
      assert.strictEqual(spans.length, 2, '--status ok leaves the timeout out');
      assert.ok(spans.every((sp) => typeof attrs(sp)['gen_ai.input.messages'] === 'string'), '--messages adds the conversation');
      const bad = await run('--format', 'otel', '--out', 'x.json');
      assert.strictEqual(bad.code, 2, 'an unknown format is a usage error');
      assert.match(bad.err, /unknown format 'otel' \(jsonl, otlp\)/);
    });
  });
});
