// The custom provider kinds of promptfoo configs, each through the registry as the engine calls it: http
// against a real local app server, exec: and Python against real child processes, JavaScript/TypeScript in
// real worker threads, with the fixtures in test/fixtures/customProviders.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { customProviderConfig, describeCustomProvider, runsWorkspaceCode } from '../../src/core/providers/customProviderSpec';
import { compileInlineJs, promptText } from '../../src/core/providers/customProviderSupport';
import { commandWords } from '../../src/core/providers/execProvider';
import { pythonExecutable } from '../../src/core/providers/pythonProvider';
import { ProviderRegistry } from '../../src/core/providers/providerRegistry';
import type { Provider } from '../../src/core/providers/providerTypes';
import { checkModels } from '../../src/core/run/preflight';
import type { CallResult, ChatMessage } from '../../src/core/types';
import { APP_KEY, startAppServer, type AppServer } from '../support/appServer';
import { exited, waitForChild } from '../support/processes';

const FIXTURES = join(__dirname, '..', 'fixtures', 'customProviders');

function providerFor(id: string, config: Record<string, unknown> = {}, trusted = true): Provider {
  const spec = customProviderConfig(id, config, FIXTURES);
  assert.ok(spec && !('error' in spec), `${id}: ${spec && 'error' in spec ? spec.error : 'not a custom id'}`);
  // The environment custom providers see: the process's, plus the key the app server wants.
  const registry = new ProviderRegistry({ providers: [{ ...spec.config, name: 'custom' }], trustedCode: trusted, environment: { ...process.env, ASSAY_TEST_APP_KEY: APP_KEY } });
  return registry.get('custom')!;
}

interface CallOptions {
  vars?: Record<string, unknown>;
  signal?: AbortSignal;
  timeoutMs?: number;
  messages?: ChatMessage[];
}

async function call(p: Provider, prompt: string, options: CallOptions = {}): Promise<CallResult> {
  const prepared = p.prepare({ model: { provider: 'custom', model: 'm' }, messages: options.messages ?? [{ role: 'user', content: prompt }], params: {}, vars: options.vars ?? {} }, false);
  if ('error' in prepared) return { error: prepared.error } as CallResult;
  const outcome = await p.chat(prepared, { signal: options.signal ?? new AbortController().signal, timeoutMs: options.timeoutMs ?? 20_000 });
  return outcome.result;
}

describe('custom providers: reading promptfoo ids', () => {
  const cases: [string, Record<string, unknown>, { kind?: string; target?: RegExp; functionName?: string; error?: RegExp }][] = [
    ['https://example.com/api/{{id}}', {}, { kind: 'http', target: /^https:\/\/example\.com\/api\/\{\{id\}\}$/ }],
    ['https', { url: 'https://example.com/generate', body: { q: '{{prompt}}' } }, { kind: 'http', target: /generate$/ }],
    ['http', {}, { error: /config\.url is required/ }],
    ['https', { url: 'https://x', request: 'POST / HTTP/1.1' }, { error: /raw HTTP requests/ }],
    ['https', { url: 'https://x', method: 'POST' }, { error: /config\.body is required for method POST/ }],
    ['https', { url: 'https://x', body: {}, tls: { caPath: 'ca.pem' } }, { error: /config\.tls is not supported/ }],
    ['exec: node execProvider.js', {}, { kind: 'exec', target: /^node execProvider\.js$/ }],
    ['exec:', {}, { error: /needs a command/ }],
    ['python:pyProvider.py', {}, { kind: 'python', target: /pyProvider\.py$/ }],
    ['file://pyProvider.py:raises', {}, { kind: 'python', functionName: 'raises' }],
    ['file://jsProvider.js', {}, { kind: 'javascript', target: /jsProvider\.js$/ }],
    ['file://fnProviders.cjs:shout', {}, { kind: 'javascript', functionName: 'shout' }],
    ['file://tsProvider.ts', {}, { kind: 'javascript' }],
    ['file://missing.py', {}, { error: /script not found: missing\.py/ }],
    ['file://provider.go', {}, { error: /only http\(s\), exec:, and file:\/\/ JavaScript/ }],
    ['echo', {}, { kind: 'echo' }],
  ];
  for (const [id, config, want] of cases) {
    it(`${id} ${want.error ? 'is refused' : `is ${want.kind}`}`, () => {
      const r = customProviderConfig(id, config, FIXTURES);
      assert.ok(r);
      if (want.error) {
        assert.ok('error' in r, 'an error');
        assert.match(r.error, want.error);
        return;
      }
      assert.ok(!('error' in r), 'error' in r ? r.error : '');
      assert.equal(r.config.kind, want.kind);
      if (want.target) assert.match(r.config.custom!.target, want.target);
      if (want.functionName) assert.equal(r.config.custom!.functionName, want.functionName);
    });
  }

  it('says where calls go, for plans', () => {
    const line = (id: string) => {
      const r = customProviderConfig(id, {}, FIXTURES);
      assert.ok(r && !('error' in r));
      return describeCustomProvider(r.config);
    };
    assert.equal(line('https://app.example/chat'), 'https://app.example/chat, your app (no key: credentials go in its headers)');
    assert.equal(line('exec: node execProvider.js'), `${FIXTURES}, a command (workspace code)`);
    assert.equal(line('file://pyProvider.py'), `${FIXTURES}, a Python script (workspace code)`);
  });

  it('leaves vendor ids to the vendor providers', () => {
    assert.equal(customProviderConfig('openai:gpt-4o-mini', {}, FIXTURES), undefined);
    assert.equal(customProviderConfig('anthropic:messages:claude-3-5-haiku-latest', {}, FIXTURES), undefined);
    assert.equal(customProviderConfig('file://providers/list.yaml', {}, FIXTURES), undefined, 'a file of providers is the loader\'s');
  });

  it('splits exec: command lines like promptfoo (quotes group, no shell)', () => {
    assert.deepEqual(commandWords(`python3 "my script.py" --flag 'a b' plain`), ['python3', 'my script.py', '--flag', 'a b', 'plain']);
  });

  it("finds Python as promptfoo does: config.pythonExecutable, then PROMPTFOO_PYTHON, then python3", () => {
    assert.equal(pythonExecutable({ pythonExecutable: '/venv/bin/python' }, { PROMPTFOO_PYTHON: '/other' }), '/venv/bin/python');
    assert.equal(pythonExecutable({}, { PROMPTFOO_PYTHON: '/other' }), '/other');
    assert.equal(pythonExecutable({}, {}), process.platform === 'win32' ? 'python' : 'python3');
  });

  it('passes a lone user message as its text and anything else as a JSON message list', () => {
    assert.equal(promptText([{ role: 'user', content: 'hi' }]), 'hi');
    assert.equal(promptText([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }]), '[{"role":"system","content":"s"},{"role":"user","content":"u"}]');
  });

  const inline: [string, string, unknown][] = [
    ['an expression', 'json.a.b', 2],
    ['an expression with a trailing ;', 'json.a.b;', 2],
    ['an expression over several lines', '{\n  output: json.a.b,\n  extra: text\n}', { output: 2, extra: 'raw' }],
    ['an arrow function', '(json, text) => json.a.b + text.length', 5],
    ['an arrow function with a trailing ;', '(json) => json.a.b * 2;', 4],
    ['a function expression', 'function (json) { return json.a.b + 1; }', 3],
    ['a body with return', 'const x = json.a.b;\nreturn x * 10;', 20],
    ['a one-line body with return and no ;', 'return json.a.b + 100', 102],
    ['an expression mentioning return in a string', "text.includes('return') ? 1 : json.a.b", 2],
  ];
  for (const [what, code, want] of inline) {
    it(`inline JavaScript: ${what}`, () => {
      assert.deepEqual(compileInlineJs(code, ['json', 'text'])({ a: { b: 2 } }, 'raw'), want);
    });
  }
});

describe('custom providers: http against a local app', function () {
  this.timeout(20_000);
  let app: AppServer;
  before(async () => {
    app = await startAppServer();
  });
  after(() => app.close());
  beforeEach(() => {
    app.requests.length = 0;
  });

  const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    url: `${app.url}/chat`,
    method: 'POST',
    headers: { 'x-api-key': '{{env.ASSAY_TEST_APP_KEY}}', 'x-user': '{{user}}' },
    body: { message: '{{prompt}}', user: '{{user}}', history: '{{history | dump}}' },
    ...extra,
  });

  it('renders a JSON body per value (quotes and newlines stay valid), headers from vars and env', async () => {
    const prompt = 'say "hi"\nthen stop';
    const result = await call(providerFor('https', chat({ transformResponse: 'json.reply.text' })), prompt, { vars: { user: 'ann', history: [{ role: 'user', content: 'x' }] } });
    assert.equal(result.error, undefined, result.error?.message);
    assert.equal(result.text, `app: ${prompt} (for ann)`);
    const sent = app.requests[0]!;
    assert.equal(sent.headers['content-type'], 'application/json', 'an object body defaults to JSON');
    assert.equal(sent.headers['x-user'], 'ann');
    assert.deepEqual(JSON.parse(sent.body), { message: prompt, user: 'ann', history: [{ role: 'user', content: 'x' }] }, 'a dumped list is sent as a list');
    assert.ok(!JSON.stringify(result.request).includes(APP_KEY), 'the key read from the environment is redacted in the recorded request');
  });

  it('keeps secrets read from the environment out of the payload the engine records and caches by', () => {
    const p = providerFor('https', chat({ headers: { 'x-app-token': '{{env.ASSAY_TEST_APP_KEY}}' }, queryParams: { key: '{{env.ASSAY_TEST_APP_KEY}}' } }));
    const prepared = p.prepare({ model: { provider: 'custom', model: 'm' }, messages: [{ role: 'user', content: 'x' }], params: {} }, false);
    assert.ok(!('error' in prepared));
    const recorded = JSON.stringify(prepared.payload);
    assert.ok(!recorded.includes(APP_KEY), recorded);
    assert.match(recorded, /"x-app-token":"\[REDACTED\]"/);
  });

  const transforms: [string, unknown, string, boolean][] = [
    ['an expression', 'json.reply.text', 'app: hello', false],
    ['an expression with a trailing ;', 'json.reply.text;', 'app: hello', false],
    ['an arrow function over json, text and context', '(json, text, context) => `${json.reply.text} ${context.response.status} ${text.length}`', 'app: hello 200 57', false],
    ['a ProviderResponse object', '({ output: json.reply.text, tokenUsage: { prompt: json.usage.in, completion: json.usage.out } })', 'app: hello', true],
    ['a file:// module', 'file://transforms.js', 'app: hello', false],
    ['a named export of a file:// module', 'file://transforms.js:withUsage', 'app: hello', true],
    ['none: the JSON answer as text', undefined, '{"reply":{"text":"app: hello"},"usage":{"in":11,"out":5}}', false],
  ];
  for (const [what, transform, want, usage] of transforms) {
    it(`transformResponse as ${what}`, async () => {
      const result = await call(providerFor('https', chat(transform === undefined ? {} : { transformResponse: transform })), 'hello');
      assert.equal(result.error, undefined, result.error?.message);
      assert.equal(result.text, want);
      if (usage) assert.deepEqual([result.usage?.inputTokens, result.usage?.outputTokens], [11, 5]);
      else assert.equal(result.usage, null);
    });
  }

  it('a string body with a JSON content type is a JSON template; transformRequest reshapes the prompt first', async () => {
    const p = providerFor('https', {
      url: `${app.url}/chat`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-api-key': APP_KEY },
      body: '{"message": "{{prompt}}"}',
      transformRequest: 'prompt.toUpperCase();',
      transformResponse: 'json.reply.text',
    });
    const result = await call(p, 'quiet "please"');
    assert.equal(result.error, undefined, result.error?.message);
    assert.equal(result.text, 'app: QUIET "PLEASE"');
  });

  it('sends a string body as form text and GETs with rendered query parameters', async () => {
    const form = await call(providerFor(`${app.url}/form`, { body: 'q={{prompt}}&lang={{lang}}' }), 'hello', { vars: { lang: 'fr' } });
    assert.equal(form.text, 'form: q=hello&lang=fr');
    assert.equal(app.requests[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
    const get = await call(providerFor(`${app.url}/search`, { method: 'GET', queryParams: { q: '{{prompt}} & more' } }), 'cats');
    assert.equal(get.text, 'search: cats & more');
    assert.equal(app.requests[1]!.method, 'GET');
  });

  it('renders the URL itself from the variables', async () => {
    const result = await call(providerFor(`${app.url}/{{route}}`, { method: 'GET' }), 'x', { vars: { route: 'search' } });
    assert.equal(result.text, 'search: ');
  });

  const statuses: [number, string, number | null][] = [
    [500, 'server', null],
    [429, 'rate_limit', 0],
    [401, 'auth', null],
    [404, 'not_found', null],
  ];
  for (const [status, kind, retryAfter] of statuses) {
    it(`HTTP ${status} is a ${kind} error with the status`, async () => {
      const p = providerFor(`${app.url}/status/${status}`, { method: 'GET' });
      const prepared = p.prepare({ model: { provider: 'custom', model: 'm' }, messages: [{ role: 'user', content: 'x' }], params: {} }, false);
      assert.ok(!('error' in prepared));
      const outcome = await p.chat(prepared, { signal: new AbortController().signal, timeoutMs: 5_000 });
      assert.equal(outcome.result.error?.kind, kind);
      assert.equal(outcome.result.error?.status, status);
      assert.match(outcome.result.error!.message, new RegExp(`HTTP ${status}.*status ${status}`));
      assert.equal(outcome.retryAfterMs, retryAfter);
    });
  }

  it('validateStatus decides which statuses are answers; sessionParser records the session id', async () => {
    const accepted = await call(providerFor(`${app.url}/status/500`, { method: 'GET', validateStatus: 'status < 600', transformResponse: 'json.error' }), 'x');
    assert.equal(accepted.text, 'status 500');
    const session = await call(providerFor(`${app.url}/session`, { method: 'GET', sessionParser: 'data.headers["x-session-id"]', transformResponse: 'json.answer' }), 'x');
    assert.equal(session.text, 'hello');
    assert.equal((session.response as { sessionId?: string }).sessionId, 'sess-42');
  });

  it('a transform that throws is an error trace, not a crash', async () => {
    const result = await call(providerFor('https', chat({ transformResponse: 'json.nothing.here' })), 'x');
    assert.equal(result.error?.kind, 'bad_request');
    assert.match(result.error!.message, /transformResponse failed: .*Cannot read properties of undefined/);
  });

  it('abort ends a call in flight as cancelled; the timeout as timeout', async () => {
    const p = providerFor(`${app.url}/hang`, { method: 'GET' });
    const controller = new AbortController();
    const pending = call(p, 'x', { signal: controller.signal });
    await app.hung();
    controller.abort();
    assert.equal((await pending).error?.kind, 'cancelled');
    const timedOut = await call(p, 'x', { timeoutMs: 200 });
    assert.equal(timedOut.error?.kind, 'timeout');
  });

  it('refuses JavaScript transforms outside trusted code, before any request; plain templates still run', async () => {
    const refused = await call(providerFor('https', chat({ transformResponse: 'json.reply.text' }), false), 'x');
    assert.match(refused.error!.message, /runs only in a trusted workspace or the CLI/);
    assert.equal(app.requests.length, 0);
    const plain = await call(providerFor('https', chat(), false), 'x');
    assert.equal(plain.error, undefined, plain.error?.message);
  });
});

describe('custom providers: exec:', function () {
  this.timeout(30_000);

  it("runs the command with the prompt, promptfoo's options and context; stdout without colours is the output", async () => {
    const result = await call(providerFor('exec: node execProvider.js', { flavour: 'mint' }), 'hello "world"', { vars: { topic: 'cats' } });
    assert.equal(result.error, undefined, result.error?.message);
    assert.equal(result.text, 'exec: hello "world" | cats | mint');
  });

  it('a failing command is an error trace with its stderr', async () => {
    const result = await call(providerFor('exec: node execProvider.js fail'), 'x');
    assert.equal(result.error?.kind, 'bad_request');
    assert.match(result.error!.message, /exited with code 3: the model is down/);
  });

  it('a missing command is an error trace', async () => {
    const result = await call(providerFor('exec: assay-no-such-command-here'), 'x');
    assert.match(result.error!.message, /command not found: assay-no-such-command-here/);
  });

  it('abort and the timeout kill the child process', async () => {
    const p = providerFor('exec: node execProvider.js hang');
    const controller = new AbortController();
    const prepared = p.prepare({ model: { provider: 'custom', model: 'm' }, messages: [{ role: 'user', content: 'x' }], params: {} }, false);
    assert.ok(!('error' in prepared));
    const pending = p.chat(prepared, { signal: controller.signal, timeoutMs: 20_000 });
    // The fixture prints its pid when it has started: wait for the process to exist, then abort.
    const pid = await waitForChild('execProvider.js hang');
    controller.abort();
    const outcome = await pending;
    assert.equal(outcome.result.error?.kind, 'cancelled');
    assert.equal(await exited(pid), true, 'the child is gone');
    const timedOut = await call(p, 'x', { timeoutMs: 300 });
    assert.equal(timedOut.error?.kind, 'timeout');
    assert.match(timedOut.error!.message, /did not finish within 300 ms and was stopped/);
  });

  it('refuses outside trusted code before starting anything', async () => {
    const result = await call(providerFor('exec: node execProvider.js', {}, false), 'x');
    assert.match(result.error!.message, /exec: node execProvider\.js runs code from the workspace: it runs only in a trusted workspace or the CLI/);
  });
});

describe('custom providers: Python', function () {
  this.timeout(60_000);

  it('calls call_api(prompt, options, context): output, token usage and cost; what it prints stays out', async () => {
    const result = await call(providerFor('file://pyProvider.py', { flavour: 'mint' }), 'hello', { vars: { topic: 'cats' } });
    assert.equal(result.error, undefined, result.error?.message);
    assert.equal(result.text, 'py: hello | cats | mint');
    assert.deepEqual([result.usage?.inputTokens, result.usage?.outputTokens], [7, 3]);
    assert.equal(result.cost, 0.25);
  });

  const functions: [string, string, { text?: string; error?: RegExp }][] = [
    ['python:pyProvider.py:call_async', 'hi', { text: 'async: hi' }],
    ['file://pyProvider.py:as_object', 'hi', { text: '{"answer":"HI","n":2}' }],
    ['file://pyProvider.py:raises', 'hi', { error: /raised ValueError: the index is not built\n[\s\S]*Traceback[\s\S]*pyProvider\.py", line \d+, in raises/ }],
    ['file://pyProvider.py:reports_error', 'hi', { error: /reports_error\(\): quota exceeded/ }],
    ['file://pyProvider.py:no_such_function', 'hi', { error: /AttributeError: pyProvider\.py has no function no_such_function/ }],
  ];
  for (const [id, prompt, want] of functions) {
    it(`${id} → ${want.text ?? 'an error trace'}`, async () => {
      const result = await call(providerFor(id), prompt);
      if (want.text !== undefined) {
        assert.equal(result.error, undefined, result.error?.message);
        assert.equal(result.text, want.text);
      } else {
        assert.equal(result.error?.kind, 'bad_request');
        assert.match(result.error!.message, want.error!);
      }
    });
  }

  it('abort kills the interpreter', async () => {
    const controller = new AbortController();
    const pending = call(providerFor('file://pyProvider.py:slow'), 'x', { signal: controller.signal });
    const pid = await waitForChild('assay-python-result');
    controller.abort();
    assert.equal((await pending).error?.kind, 'cancelled');
    assert.equal(await exited(pid), true);
  });
});

describe('custom providers: JavaScript and TypeScript', function () {
  this.timeout(30_000);

  const cases: [string, Record<string, unknown>, string, { text?: string; error?: RegExp }][] = [
    ['file://jsProvider.js', { flavour: 'mint' }, 'hello', { text: 'js: hello | cats | mint' }],
    ['file://jsProvider.js', {}, 'throw', { error: /threw: the provider broke/ }],
    ['file://esmProvider.mjs', {}, 'hello', { text: 'esm: hello' }],
    ['file://fnProviders.cjs:shout', {}, 'hello', { text: 'HELLO! (cats)' }],
    ['file://fnProviders.cjs:plain', {}, 'hello', { text: 'plain: hello' }],
    ['file://fnProviders.cjs:missing', {}, 'hello', { error: /the module exports no missing/ }],
    ['file://tsProvider.ts', { flavour: 'lime' }, 'hello', { text: 'ts: hello | lime' }],
  ];
  for (const [id, config, prompt, want] of cases) {
    it(`${id} with "${prompt}" → ${want.text ?? 'an error trace'}`, async () => {
      const result = await call(providerFor(id, config), prompt, { vars: { topic: 'cats' } });
      if (want.text !== undefined) {
        assert.equal(result.error, undefined, result.error?.message);
        assert.equal(result.text, want.text);
      } else assert.match(result.error!.message, want.error!);
    });
  }

  it('abort and the timeout terminate the worker', async () => {
    const p = providerFor('file://jsProvider.js');
    const controller = new AbortController();
    const pending = call(p, 'hang', { signal: controller.signal });
    controller.abort();
    assert.equal((await pending).error?.kind, 'cancelled');
    const timedOut = await call(p, 'hang', { timeoutMs: 300 });
    assert.equal(timedOut.error?.kind, 'timeout');
  });
});

describe("custom providers: promptfoo's echo, and trust", () => {
  it('echo answers with the prompt as promptfoo passes it, no tokens, no cost', async () => {
    const single = await call(providerFor('echo'), 'Ticket: hello');
    assert.equal(single.text, 'Ticket: hello');
    assert.equal(single.cost, 0);
    assert.deepEqual([single.usage?.inputTokens, single.usage?.outputTokens], [0, 0]);
    const chatPrompt = await call(providerFor('echo'), '', { messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }] });
    assert.equal(chatPrompt.text, '[{"role":"system","content":"s"},{"role":"user","content":"u"}]');
  });

  it('preflight refuses code-running providers in an untrusted registry, naming them', async () => {
    const make = (trustedCode: boolean) => {
      const configs = ['exec: node execProvider.js', 'file://pyProvider.py', 'echo'].map((id, i) => {
        const spec = customProviderConfig(id, {}, FIXTURES);
        assert.ok(spec && !('error' in spec));
        return { ...spec.config, name: `c${i}` };
      });
      return new ProviderRegistry({ providers: configs, trustedCode });
    };
    const uses = ['c0', 'c1', 'c2'].map((name) => ({ ref: { provider: name, model: 'm' }, label: name, purpose: 'model' as const, suite: 's' }));
    const untrusted = await checkModels(uses, make(false), () => undefined);
    assert.deepEqual(
      untrusted.map((p) => [p.kind, p.use.label]),
      [
        ['untrusted-code', 'c0'],
        ['untrusted-code', 'c1'],
      ],
    );
    assert.match(untrusted[0]!.message, /runs only in a trusted workspace or the CLI/);
    assert.deepEqual(await checkModels(uses, make(true), () => undefined), []);
    assert.equal(runsWorkspaceCode({ kind: 'http', custom: { id: 'h', basePath: '.', target: 'u', options: { transformResponse: 'json' } } }), true);
    assert.equal(runsWorkspaceCode({ kind: 'http', custom: { id: 'h', basePath: '.', target: 'u', options: {} } }), false);
  });
});
