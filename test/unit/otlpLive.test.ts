import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { liveOtlpConfig, otlpHeaders } from '../../src/core/export/otlpConfig';
import { otlpRequest, traceToSpan } from '../../src/core/export/otlpExport';
import { LiveOtlpExport, type LiveOtlpNotice, type LiveOtlpOptions } from '../../src/core/export/otlpLive';
import type { StoreOptions, TraceRecord } from '../../src/core/store/storeTypes';
import { TraceStore } from '../../src/core/store/traceStore';
import { decodeTraceRequest, OtlpReceiver, type ReceivedSpan } from '../support/otlpReceiver';
import { eachHistoryFile, makeTrace, tempFolder } from '../support/storeFixtures';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Notice = Parameters<Parameters<TraceStore['onExportNotice']>[0]>[0];

/** The next export notice whose message matches. */
function nextNotice(store: TraceStore, pattern: RegExp): Promise<Notice> {
  return new Promise((resolve) => {
    const sub = store.onExportNotice((n) => {
      if (!pattern.test(n.message)) return;
      sub.dispose();
      resolve(n);
    });
  });
}

/** What a span says, as the file export writes it for `trace` and a collector decodes it. */
function asFileExportWrites(trace: TraceRecord): Omit<ReceivedSpan, 'status' | 'resource' | 'scope'> {
  const { status: _status, resource: _resource, scope: _scope, ...span } = decodeTraceRequest(otlpRequest([traceToSpan(trace)]))[0]!;
  return span;
}

function withoutEnvelope(span: ReceivedSpan): Omit<ReceivedSpan, 'status' | 'resource' | 'scope'> {
  const { status: _status, resource: _resource, scope: _scope, ...rest } = span;
  return rest;
}

function queued(dir: string): number {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).length : 0;
}

describe('live OpenTelemetry export', () => {
  const history = eachHistoryFile();
  let receiver: OtlpReceiver;
  const stores: TraceStore[] = [];

  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    await receiver.close();
  });

  function otlpOptions(overrides: Partial<LiveOtlpOptions> = {}): LiveOtlpOptions {
    return { url: receiver.tracesUrl, includeMessages: false, queueDir: `${history.file}.otlp-queue`, timeoutMs: 500, settleMs: 50, ...overrides };
  }

  async function open(otlp: LiveOtlpOptions, extra: Partial<StoreOptions> = {}): Promise<TraceStore> {
    const store = await TraceStore.open({ path: history.file, otlp, ...extra });
    stores.push(store);
    return store;
  }

  it('sends each stored call as a GenAI client span with its assertion outcomes, decoded by a collector as the file export writes it', async () => {
    const store = await open(otlpOptions());
    const runId = await store.startRun({ kind: 'cli', models: ['openai:gpt-4o-mini'], startedAt: Date.now() });
    const [id] = await store.addTraces([makeTrace({ runId, caseId: 'case-1' })]);
    await store.addEvaluations([{ traceId: id!, assertionType: 'equals', pass: true, score: 1, reason: 'matched' }]);
    const [span] = await receiver.waitForSpans(1);
    const stored = (await store.getTrace(id!)) as TraceRecord;
    const expected = traceToSpan(stored);

    assert.equal(span!.traceId, expected.traceId);
    assert.equal(span!.spanId, expected.spanId);
    assert.equal(span!.name, 'chat gpt-4o-mini');
    assert.equal(span!.kind, 3, 'SPAN_KIND_CLIENT');
    assert.equal(span!.startTimeUnixNano, expected.startTimeUnixNano);
    assert.equal(span!.endTimeUnixNano, expected.endTimeUnixNano);
    assert.equal(span!.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(span!.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(span!.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    assert.equal(span!.attributes['gen_ai.usage.input_tokens'], 52);
    assert.equal(span!.attributes['gen_ai.usage.output_tokens'], 1);
    assert.equal(span!.attributes['assay.run.id'], runId);
    assert.equal(span!.attributes['assay.case.id'], 'case-1');
    assert.deepEqual(
      span!.events.map((e) => [e.name, e.attributes['gen_ai.evaluation.name'], e.attributes['gen_ai.evaluation.score.label'], e.attributes['gen_ai.evaluation.explanation']]),
      [['gen_ai.evaluation.result', 'equals', 'pass', 'matched']],
      'the assertion outcome rides on the span',
    );
    assert.equal(span!.resource['service.name'], 'assay');
    assert.equal(span!.scope.name, 'assay');
    assert.equal(span!.attributes['gen_ai.input.messages'], undefined, 'prompts stay out unless asked for');
    assert.equal(span!.attributes['gen_ai.output.messages'], undefined);    assert.deepEqual(withoutEnvelope(span!), asFileExportWrites(stored), 'every attribute and event as the file export writes them');
  });

  it('speaks both OTLP/HTTP encodings: protobuf by default, JSON when asked, decoded to the same span', async () => {
    const viaProto = await open(otlpOptions());
    await viaProto.addTraces([makeTrace({ caseId: 'same' })]);
    await receiver.waitForSpans(1);
    await viaProto.close();
    stores.pop();
    const viaJson = await open(otlpOptions({ protocol: 'http/json' }));
    await viaJson.addTraces([makeTrace({ caseId: 'same' })]);
    const [a, b] = await receiver.waitForSpans(2);
    assert.deepEqual(receiver.encodings, ['protobuf', 'json']);
    const comparable = (s: typeof a) => ({ ...s!, traceId: '', spanId: '', startTimeUnixNano: '', endTimeUnixNano: '', attributes: { ...s!.attributes, 'assay.trace.id': '' } });
    assert.deepEqual(comparable(a), comparable(b));
  });

  it("sends a tool loop's earlier steps as children of the case's span, each with its step", async () => {
    const store = await open(otlpOptions());
    const runId = await store.startRun({ kind: 'cli', models: ['openai:gpt-4o-mini'], startedAt: Date.now() });
    const [last] = await store.addTraces([makeTrace({ runId, caseId: 'loop', step: 1 })]);
    const [first] = await store.addTraces([makeTrace({ runId, caseId: 'loop', step: 0, parentId: last! })]);
    const spans = await receiver.waitForSpans(2);
    const caseSpan = traceToSpan((await store.getTrace(last!))!);
    const stepSpan = spans.find((x) => x.attributes['assay.trace.id'] === first)!;
    assert.equal(stepSpan.parentSpanId, caseSpan.spanId, 'the step is a child of the case');
    assert.equal(stepSpan.attributes['assay.tool_loop.step'], 0);
    const top = spans.find((x) => x.attributes['assay.trace.id'] === last)!;
    assert.equal(top.parentSpanId, undefined, 'the case span is a root');
    assert.equal(top.attributes['assay.tool_loop.step'], 1);
  });

  it('sends prompts and outputs only when asked, redacted as the history keeps them, with the collector headers', async () => {
    const store = await open(otlpOptions({ includeMessages: true, headers: { authorization: 'Bearer collector-key' } }), { redactSecrets: ['sk-live-12345678901234567890'] });
    await store.addTraces([makeTrace({ text: 'your key sk-live-12345678901234567890 is billing' })]);
    const [span] = await receiver.waitForSpans(1);
    const output = String(span!.attributes['gen_ai.output.messages']);
    assert.match(output, /billing/);
    assert.doesNotMatch(output, /sk-live-1234/, 'a secret in the reply is redacted before it leaves');
    assert.match(String(span!.attributes['gen_ai.input.messages']), /charged twice/);
    assert.equal(receiver.requests[0]!.headers.authorization, 'Bearer collector-key');
  });

  it('keeps spans on disk while the collector refuses them, sends them once it answers, and says so', async () => {
    receiver.mode = 'unavailable';
    const queueDir = `${history.file}.otlp-queue`;
    const store = await open(otlpOptions());
    const failing = nextNotice(store, /OpenTelemetry export failed/);
    await store.addTraces([makeTrace(), makeTrace(), makeTrace()]);
    const warning = await failing;
    assert.equal(warning.level, 'warning');
    assert.match(warning.message, /retryable status/);
    assert.ok(queued(queueDir) > 0, 'the refused batch is on disk');
    for (const f of readdirSync(queueDir)) assert.equal(statSync(join(queueDir, f)).mode & 0o077, 0, 'queue files are the user’s only');

    receiver.mode = 'ok';
    const resumed = nextNotice(store, /resumed/);
    await store.addTraces([makeTrace()]);
    await resumed;
    const spans = receiver.spans;
    assert.equal(new Set(spans.map((s) => s.spanId)).size, 4, 'every call arrives, none twice');
    assert.equal(queued(queueDir), 0, 'the queue is empty once sent');
  });

  it('hands spans a down collector never took to the next process that opens the history', async () => {
    await receiver.down();
    const queueDir = `${history.file}.otlp-queue`;
    const first = await open(otlpOptions());
    const ids = await first.addTraces([makeTrace(), makeTrace()]);
    await first.addEvaluations(ids.map((traceId) => ({ traceId, assertionType: 'contains', pass: false, score: 0, reason: 'not found' })));
    const summary = nextNotice(first, /spans sent/);
    await first.close();
    stores.splice(stores.indexOf(first), 1);
    assert.match((await summary).message, /0 spans sent, 2 queued in .*otlp-queue for the next run/);
    assert.ok(queued(queueDir) > 0);

    await receiver.up();
    const second = await open(otlpOptions());
    const spans = await receiver.waitForSpans(2);
    assert.equal(spans.length, 2);
    for (const span of spans) {
      const stored = (await second.getTrace(String(span.attributes['assay.trace.id'])))!;
      assert.deepEqual(withoutEnvelope(span), asFileExportWrites(stored), 'a queued span arrives whole, with its assertion outcomes');
    }
  });

  it('drops a queue file it cannot read (damaged, or not spans of this version) and sends the rest', async () => {
    const queueDir = `${history.file}.otlp-queue`;
    await receiver.down();
    const first = await open(otlpOptions());
    await first.addTraces([makeTrace()]);
    await first.close();
    stores.splice(stores.indexOf(first), 1);
    mkdirSync(queueDir, { recursive: true });
    writeFileSync(join(queueDir, '000000000000000-1-000000.json'), JSON.stringify([{ traceId: 'ab', spanId: 'cd', name: 'x', attributes: [] }]));
    writeFileSync(join(queueDir, '000000000000000-1-000001.json'), '[{"name": ');
    assert.equal(queued(queueDir), 3);

    await receiver.up();
    const second = await open(otlpOptions());
    const [span] = await receiver.waitForSpans(1);
    assert.equal(span!.name, 'chat gpt-4o-mini');
    await second.close();
    stores.pop();
    assert.equal(receiver.spans.length, 1, 'nothing of the unreadable files went out');
    assert.equal(queued(queueDir), 0, 'the unreadable files are gone, the sent one too');
  });

  it('bounds the queue: the oldest spans are dropped and counted, with a warning', async () => {
    const notices: LiveOtlpNotice[] = [];
    const refusing = { send: () => Promise.resolve('refused'), shutdown: () => Promise.resolve() };
    const queueDir = `${history.file}.otlp-queue`;
    const live = new LiveOtlpExport({ includeMessages: false, queueDir, maxQueueBytes: 1, settleMs: 0, batchSize: 1 }, (n) => notices.push(n), refusing);
    const stored = (i: number): TraceRecord => ({
      ...makeTrace(),
      id: `01JTRACE00000000000000000${i}`,
      runId: null,
      promptVersionId: null,
      promptPath: null,
      caseId: null,
      repeatIndex: 0,
      parentId: null,
      step: null,
      variables: null,
      status: 'ok',
      startedAt: Date.now(),
      endedAt: Date.now(),
      evaluations: [],
      feedback: null,
    });
    for (let i = 0; i < 3; i++) live.add(stored(i));
    const stats = await live.close(1_000);
    assert.equal(stats.sent, 0);
    assert.equal(stats.dropped, 2, 'all but the newest batch dropped to stay within 1 byte');
    assert.equal(queued(queueDir), 1);
    assert.ok(notices.some((n) => n.level === 'warning' && /queue .* is full; 2 oldest spans dropped/.test(n.message)), JSON.stringify(notices));
  });

  it('never sends anything when no endpoint is configured, or when OpenTelemetry is disabled', async () => {
    assert.equal(liveOtlpConfig({}, '/h.sqlite'), undefined);
    assert.equal(liveOtlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' }, '/h.sqlite'), undefined);
    assert.equal(liveOtlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_TRACES_EXPORTER: 'none' }, '/h.sqlite'), undefined);
    const store = await open(otlpOptions());
    await store.close();
    stores.pop();
    assert.equal(receiver.requests.length, 0, 'no calls, no requests');
  });
});

describe('live OpenTelemetry export: configuration from the standard variables', () => {
  it('reads the endpoint, headers, service name and the GenAI content opt-in', () => {
    const c = liveOtlpConfig(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, tenant = t1', OTEL_SERVICE_NAME: 'evals', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
      '/w/.assay/history.sqlite',
    );
    assert.ok(c && 'options' in c);
    assert.deepEqual(c.options, {
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: { 'x-api-key': 'abc==', tenant: 't1' },
      includeMessages: true,
      queueDir: '/w/.assay/history.sqlite.otlp-queue',
      serviceName: 'evals',
    });
  });

  it('takes the traces endpoint as written, and a setting over the environment', () => {
    const signal = liveOtlpConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c.example/otlp/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318' }, '/h');
    assert.ok(signal && 'options' in signal);
    assert.equal(signal.options.url, 'https://c.example/otlp/traces');
    const setting = liveOtlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' }, '/h', { endpoint: 'http://setting:4318', captureMessageContent: false });
    assert.ok(setting && 'options' in setting);
    assert.equal(setting.options.url, 'http://setting:4318/v1/traces');
    assert.equal(setting.options.includeMessages, false);
  });

  it('refuses gRPC and a malformed endpoint before any call; sends protobuf unless JSON is asked for', () => {
    const grpc = liveOtlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, '/h');
    assert.ok(grpc && 'error' in grpc && /port 4318/.test(grpc.error));
    const bad = liveOtlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, '/h');
    assert.ok(bad && 'error' in bad && /is not a URL/.test(bad.error));
    const json = liveOtlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, '/h');
    assert.ok(json && 'options' in json && json.options.protocol === 'http/json');
  });

  it('parses header lists as the specification writes them', () => {
    assert.equal(otlpHeaders(undefined), undefined);
    assert.equal(otlpHeaders(' '), undefined);
    assert.deepEqual(otlpHeaders('a=1,b=x%20y,=bad,c'), { a: '1', b: 'x y' });
  });
});

describe('live OpenTelemetry export from `assay test`', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let folder: ReturnType<typeof tempFolder>;
  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
    folder = tempFolder('assay-cli-otlp-');
    writeFileSync(
      join(folder.dir, 'promptfooconfig.yaml'),
      'prompts: ["Route: {{ticket}}"]\nproviders: [echo]\ntests:\n  - vars: { ticket: a }\n    assert: [{ type: contains, value: a }]\n  - vars: { ticket: b }\n    assert: [{ type: equals, value: nope }]\n',
    );
  });
  afterEach(async () => {
    await receiver.close();
    folder.cleanup();
  });

  async function run(env: NodeJS.ProcessEnv): Promise<{ code: number; err: string }> {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['test', 'promptfooconfig.yaml', '--history', 'h.sqlite'], { cwd: folder.dir, env: { PATH: process.env.PATH, ...env }, stdout, stderr, signal: new AbortController().signal });
    return { code, err: stderr.text };
  }

  it('sends every call of the run, with its verdicts, to OTEL_EXPORTER_OTLP_ENDPOINT with OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token' });
    assert.equal(r.code, 1, 'one test fails, as without the export');
    const spans = receiver.spans;
    assert.equal(spans.length, 2, r.err);
    assert.deepEqual(spans.map((s) => s.events.map((e) => e.attributes['gen_ai.evaluation.score.label'])).sort(), [['fail'], ['pass']]);
    assert.ok(receiver.requests.every((q) => q.headers.authorization === 'Bearer collector-token'));
    assert.match(r.err, /OpenTelemetry export: 2 spans sent/);
    assert.doesNotMatch(r.err, /collector-token/);
  });

  it('a collector that is down never fails the run: the spans wait in the queue, and the run says where', async () => {
    await receiver.down();
    const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '300' });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /warning: OpenTelemetry export failed/);
    assert.match(r.err, /0 spans sent, 2 queued in .*h\.sqlite\.otlp-queue for the next run/);
  });

  it('refuses a gRPC endpoint before any call', async () => {
    const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    assert.equal(r.code, 2);
    assert.match(r.err, /error: OTEL_EXPORTER_OTLP_PROTOCOL is grpc.*Nothing was run/);
  });
});
