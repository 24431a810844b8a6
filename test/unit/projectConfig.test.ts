import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectConfig, loadProjectConfig, parseProjectConfig } from '../../src/core/config/projectConfig';
import { tempFolder } from '../support/storeFixtures';

const FULL = `
defaultModels: [openai:gpt-4o-mini, "ollama:llama3.1:8b"]
concurrency: 8
requestTimeoutSeconds: 30
maxResponseMB: 8
endpoints:
  - name: Ollama
    baseUrl: http://localhost:11434/v1/
    maxConcurrency: 2
grader:
  model: anthropic:messages:claude-3-5-haiku-latest
  embeddingModel: openai:text-embedding-3-small
pricing:
  "ollama:*": { input: 0, output: 0 }
history:
  path: data/history.sqlite
  redact: ["ACME-\\\\d+"]
  maxTraces: 1000
  maxSizeMB: 50
tests: ["prompts/*.prompt", promptfooconfig.yaml]
limits:
  javascriptTimeoutSeconds: 10
  regexTimeoutSeconds: 2
  memoryMB: 512
`;

describe('project config (assay.config.yaml)', () => {
  const FILE = '/project/assay.config.yaml';

  it('reads every key, with paths relative to the file', () => {
    const { config, problems } = parseProjectConfig(FULL, FILE);
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(config.root, '/project');
    assert.deepStrictEqual(config.defaultModels, [
      { provider: 'openai', model: 'gpt-4o-mini' },
      { provider: 'ollama', model: 'llama3.1:8b' },
    ]);
    assert.strictEqual(config.concurrency, 8);
    assert.strictEqual(config.requestTimeoutSeconds, 30);
    assert.strictEqual(config.maxResponseMB, 8);
    assert.deepStrictEqual(config.endpoints, [{ name: 'ollama', kind: 'openai-compatible', baseUrl: 'http://localhost:11434/v1', maxConcurrency: 2 }], 'names lower-cased, trailing slash dropped');
    assert.deepStrictEqual(config.grader, { model: { provider: 'anthropic', model: 'claude-3-5-haiku-latest' }, embeddingModel: { provider: 'openai', model: 'text-embedding-3-small' } });
    assert.deepStrictEqual(config.pricing, { 'ollama:*': { input: 0, output: 0 } });
    assert.deepStrictEqual(config.history, { enabled: true, path: '/project/data/history.sqlite', redact: ['ACME-\\d+'], maxTraces: 1000, maxSizeMB: 50 });
    assert.deepStrictEqual(config.tests, ['prompts/*.prompt', 'promptfooconfig.yaml']);
    assert.deepStrictEqual(config.limits, { javascriptTimeoutMs: 10_000, regexTimeoutMs: 2000, memoryMb: 512 });
  });

  it('an empty file is the defaults', () => {
    const { config, problems } = parseProjectConfig('', FILE);
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(config, { file: FILE, root: '/project', endpoints: [], grader: {}, pricing: {}, history: { enabled: true, redact: [] }, limits: { javascriptTimeoutMs: 5000, regexTimeoutMs: 1000, memoryMb: 256 }, files: {} });
  });

  const cases: [string, string, 'error' | 'warning', RegExp][] = [
    ['a typo is a warning with a suggestion', 'concurency: 8', 'warning', /unknown key "concurency" \(did you mean "concurrency"\?\)/],
    ['a nested typo too', 'grader: { modle: openai:x }', 'warning', /grader: unknown key "modle" \(did you mean "model"\?\)/],
    ['YAML syntax', 'defaultModels: [a', 'error', /YAML: /],
    ['not a mapping', '- a\n- b', 'error', /must be a mapping/],
    ['a model without a provider', 'defaultModels: [gpt-4o]', 'error', /defaultModels\[0\]: "gpt-4o" is not a model reference/],
    ['concurrency out of range', 'concurrency: 0', 'error', /concurrency must be a whole number from 1 to 256/],
    ['reply limit out of range', 'maxResponseMB: 0', 'error', /maxResponseMB must be a whole number from 1 to 4096/],
    ['a bad endpoint URL', 'endpoints: [{ name: x, baseUrl: ftp://h }]', 'error', /^\/project\/assay\.config\.yaml: endpoint "x": baseUrl must be an http/],
    ['a bad price', 'pricing: { "openai:x": { input: 1 } }', 'error', /pricing\["openai:x"\] needs both input and output/],
    ['history.enabled not boolean', 'history: { enabled: "no" }', 'error', /history\.enabled must be true or false/],
    ['a limit that is not a whole number of seconds', 'limits: { regexTimeoutSeconds: 0.5 }', 'error', /limits\.regexTimeoutSeconds must be a whole number from 1 to 3600/],
    ['a limits typo', 'limits: { memoryMb: 64 }', 'warning', /limits: unknown key "memoryMb" \(did you mean "memoryMB"\?\)/],
    ['a bad redact pattern', 'history: { redact: ["("] }', 'error', /history\.redact: "\(" is not a regular expression/],
  ];
  for (const [why, text, severity, message] of cases) {
    it(why, () => {
      const { problems } = parseProjectConfig(text, FILE);
      assert.strictEqual(problems.length, 1, JSON.stringify(problems));
      assert.strictEqual(problems[0]!.severity, severity);
      assert.match(problems[0]!.message, message);
    });
  }

  it('rejects a key written in the file, without repeating it', () => {
    const { config, problems } = parseProjectConfig('endpoints:\n  - { name: groq, baseUrl: "https://api.groq.com/openai/v1", apiKey: gsk-secret-value-123 }', FILE);
    assert.deepStrictEqual(problems.map((p) => p.severity), ['error']);
    assert.match(problems[0]!.message, /set GROQ_API_KEY in the environment/);
    assert.ok(!JSON.stringify({ config, problems }).includes('gsk-secret'), 'the key appears nowhere');
  });

  it('history: false turns history off', () => {
    assert.strictEqual(parseProjectConfig('history: false', FILE).config.history.enabled, false);
  });

  describe('finding the file', () => {
    let folder: ReturnType<typeof tempFolder>;
    beforeEach(() => {
      folder = tempFolder('assay-config-');
    });
    afterEach(() => folder.cleanup());

    it('looks in the folder and its parents up to the repository root', () => {
      const repo = join(folder.dir, 'repo');
      const deep = join(repo, 'a', 'b');
      mkdirSync(deep, { recursive: true });
      mkdirSync(join(repo, '.git'));
      writeFileSync(join(folder.dir, 'assay.config.yaml'), 'concurrency: 1');
      assert.strictEqual(findProjectConfig(deep), undefined, 'a config above the repository root is not used');
      writeFileSync(join(repo, 'assay.config.yml'), 'concurrency: 2');
      assert.strictEqual(findProjectConfig(deep), join(repo, 'assay.config.yml'));
      writeFileSync(join(repo, 'a', 'assay.config.yaml'), 'concurrency: 3');
      assert.strictEqual(findProjectConfig(deep), join(repo, 'a', 'assay.config.yaml'), 'the nearest wins');
      const loaded = loadProjectConfig(deep);
      assert.deepStrictEqual([loaded.config.concurrency, loaded.config.root], [3, join(repo, 'a')]);
    });

    it('without a file: the defaults, rooted at the working folder; a named file that is missing is an error', () => {
      mkdirSync(join(folder.dir, '.git'));
      const none = loadProjectConfig(folder.dir);
      assert.deepStrictEqual([none.config.root, none.config.file, none.problems], [folder.dir, undefined, []]);
      const missing = loadProjectConfig(folder.dir, 'nope.yaml');
      assert.strictEqual(missing.problems[0]!.severity, 'error');
      assert.match(missing.problems[0]!.message, /cannot read the config .*nope\.yaml: no such file/);
    });
  });
});
