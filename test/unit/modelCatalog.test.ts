import * as assert from 'node:assert/strict';
import { acceptsSamplingDefault, checkModelUse } from '../../src/core/models/modelChecks';
import { catalogProblems, findModel, MODEL_CATALOG, type ModelCatalog } from '../../src/core/models/modelCatalog';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { validatePromptFile } from '../../src/core/promptFile/validatePromptFile';
import { PRICE_TABLE } from '../../src/core/pricing/priceTable';
import { PriceBook } from '../../src/core/pricing/pricing';
import type { ModelParams } from '../../src/core/types';

/** A small catalog of made-up models: the rules must follow the data, whatever the model is called. */
const FIXTURE: ModelCatalog = {
  sources: [{ id: 's', url: 'https://example.test/models', checked: '2026-12-07', what: 'shutdown 2026-12-11; effort none only for temperature; max output' }],
  models: [
    { provider: 'openai', id: 'thinker', status: 'active', maxOutput: 1000, capabilities: { reasoningEffort: ['none', 'low', 'high'], defaultEffort: 'none', sampling: 'effort-none' }, sources: ['s'] },
    { provider: 'openai', id: 'deep', status: 'active', capabilities: { reasoningEffort: ['low', 'high'], defaultEffort: 'high', sampling: 'never' }, sources: ['s'] },
    { provider: 'anthropic', id: 'old', aliases: ['old-2024'], status: 'deprecated', shutdown: '2026-12-11', sources: ['s'] },
    { provider: 'openai', id: 'plain', status: 'active', sources: ['s'] },
  ],
};

describe('model catalog', () => {
  it('is sound: every model sourced, every date and price well formed, capabilities consistent', () => {
    assert.deepEqual(catalogProblems(MODEL_CATALOG), []);
  });

  it('dates every source and gives every priced model a source with a URL', () => {
    for (const s of MODEL_CATALOG.sources) assert.match(s.checked, /^\d{4}-\d{2}-\d{2}$/, s.id);
    for (const e of PRICE_TABLE) assert.match(e.source, /^https:\/\//, e.models[0]);
  });

  const broken: [string, (c: ModelCatalog) => void, RegExp][] = [
    ['an unknown source', (c) => (c.models[0]!.sources = ['nope']), /thinker: unknown source nope/],
    ['a bad shutdown date', (c) => (c.models[2]!.shutdown = '11/12/2026'), /old: shutdown must be YYYY-MM-DD/],
    ['a negative price', (c) => (c.models[3]!.price = { input: -1, output: 1 }), /plain: price.input must be a number/],
    ['a default effort it does not take', (c) => (c.models[1]!.capabilities!.defaultEffort = 'xhigh'), /deep: default effort xhigh is not one of its efforts/],
    ['effort-none sampling without effort none', (c) => (c.models[1]!.capabilities!.sampling = 'effort-none'), /deep: sampling effort-none needs 'none'/],
    ['an id listed twice', (c) => (c.models[3]!.aliases = ['thinker']), /plain: thinker is listed twice/],
    ['a retired model without a date', (c) => (c.models[3]!.status = 'retired'), /plain: retired without a shutdown date/],
  ];
  for (const [why, spoil, expected] of broken) {
    it(`catalogProblems finds ${why}`, () => {
      const c = structuredClone(FIXTURE);
      assert.deepEqual(catalogProblems(c), [], 'the fixture itself is sound');
      spoil(c);
      assert.match(catalogProblems(c).join('\n'), expected);
    });
  }

  it('finds models by id or alias, case-insensitively, per provider', () => {
    assert.equal(findModel('anthropic', 'OLD-2024', FIXTURE)?.id, 'old');
    assert.equal(findModel('openai', 'old', FIXTURE), undefined);
    assert.equal(findModel('openai', 'gpt-5-nano-2025-08-07')?.id, 'gpt-5-nano');
  });

  it('prices from the catalog: the promptfoo default grader gpt-5.5 is priced, its first source named', () => {
    const price = new PriceBook().priceOf({ provider: 'openai', model: 'gpt-5.5-2026-04-23' });
    assert.equal(price?.input, 5);
    assert.equal(price?.output, 30);
    assert.equal(price?.source, 'https://www.npmjs.com/package/promptfoo/v/0.121.20');
    assert.equal(new PriceBook().priceOf({ provider: 'openai', model: 'gpt-5.4-mini' }), null, 'a model with only an input price is not priced');
  });
});

describe('model checks (from the catalog data)', () => {
  const cases: [string, string, ModelParams, string, string[]][] = [
    ['temperature with the default effort none is fine', 'openai:thinker', { temperature: 0 }, '2026-12-07', []],
    ['temperature with effort low', 'openai:thinker', { temperature: 0, reasoning_effort: 'low' }, '2026-12-07', ['model-param: openai:thinker takes temperature only with reasoning_effort none, and reasoning_effort is low']],
    ['top_p on a model that takes no sampling', 'openai:deep', { top_p: 0.5 }, '2026-12-07', ['model-param: openai:deep rejects top_p (only the default is accepted)']],
    ['temperature with a default effort other than none', 'openai:deep', { reasoning_effort: 'low' }, '2026-12-07', []],
    ['an effort the model does not take', 'openai:thinker', { reasoning_effort: 'xhigh' }, '2026-12-07', ['model-param: openai:thinker takes reasoning_effort none, low, high, not xhigh']],
    ['max_tokens above the output limit', 'openai:thinker', { max_tokens: 2000 }, '2026-12-07', ["model-param: max_tokens 2000 is more than openai:thinker's output limit of 1000"]],
    ['a shutdown date ahead', 'anthropic:old-2024', {}, '2026-12-10', ['model-deprecated: anthropic:old-2024 is deprecated and shuts down on 2026-12-11']],
    ['on the shutdown date', 'anthropic:old', {}, '2026-12-11', ['model-shutdown: anthropic:old was shut down on 2026-12-11']],
    ['a model the catalog does not list', 'openai:someday', { temperature: 3 }, '2030-01-01', []],
    ['a catalog model on another endpoint', 'azure:deep', { top_p: 0.5 }, '2026-12-07', []],
    ['unknown capabilities are not checked', 'openai:plain', { temperature: 0, reasoning_effort: 'ultra' }, '2026-12-07', []],
    ['api: responses on an Anthropic model', 'anthropic:anything', { api: 'responses' }, '2026-12-07', ["model-param: api: responses is OpenAI's Responses API; anthropic:anything runs on Anthropic's Messages API"]],
    ['reasoning summaries without the Responses API', 'openai:plain', { reasoning_summary: 'auto' }, '2026-12-07', ["model-param: reasoning_summary comes only from OpenAI's Responses API: add api: responses"]],
    ['reasoning summaries through the Responses API', 'openai:plain', { reasoning_summary: 'auto', api: 'responses' }, '2026-12-07', []],
  ];
  for (const [why, text, params, today, expected] of cases) {
    it(why, () => {
      const [provider, model] = text.split(':') as [string, string];
      const found = checkModelUse({ provider, model }, params, today, FIXTURE).map((f) => `${f.code}: ${f.message}`);
      assert.equal(found.length, expected.length, found.join('\n'));
      expected.forEach((e, i) => assert.ok(found[i]!.startsWith(e), `${found[i]}\n  should start with\n${e}`));
    });
  }

  it("lets Assay add its own temperature default (graders') only where the catalog says the model takes it", () => {
    const ok = (text: string, params: ModelParams = {}): boolean => {
      const [provider, model] = text.split(':') as [string, string];
      return acceptsSamplingDefault({ provider, model }, params, FIXTURE);
    };
    assert.deepEqual(
      [ok('openai:thinker'), ok('openai:thinker', { reasoning_effort: 'low' }), ok('openai:deep'), ok('openai:plain'), ok('openai:unlisted'), ok('azure:deep')],
      [true, false, false, true, true, true],
    );
    assert.equal(acceptsSamplingDefault({ provider: 'openai', model: 'gpt-5.5' }, {}), false, 'gpt-5.5: effort-none sampling, default effort not known');
  });

  it('cites the source and the day it was read', () => {
    const [f] = checkModelUse({ provider: 'anthropic', model: 'old' }, {}, '2027-01-01', FIXTURE);
    assert.match(f!.message, /\(https:\/\/example\.test\/models, read 2026-12-07\): requests to it fail\. Choose a current model\.$/);
  });

  it('the shipped catalog: gpt-5 is past its shutdown on 2026-12-11, and rejects temperature before it', () => {
    const codes = (today: string, params: ModelParams): string[] => checkModelUse({ provider: 'openai', model: 'gpt-5' }, params, today).map((f) => f.code);
    assert.deepEqual(codes('2026-12-07', {}), ['model-deprecated']);
    assert.deepEqual(codes('2026-12-11', { temperature: 0 }), ['model-shutdown', 'model-param']);
  });
});

describe('prompt-file diagnostics from the model catalog', () => {
  const text = (front: string): string => `---\n${front}\n---\nuser:\nhello\n`;

  it('warns on the model reference: a shut-down model, and temperature with a reasoning effort other than none', () => {
    const doc = parsePromptFile(text('models: [openai:gpt-5-nano, openai:gpt-5.4-nano]\nparams: { temperature: 0, reasoning_effort: low }'), { path: '/w/a.prompt' });
    const diags = validatePromptFile(doc, { today: '2026-12-20' }).filter((d) => d.code.startsWith('model-'));
    assert.deepEqual(
      diags.map((d) => [d.code, d.severity, doc.text.split('\n')[d.range.start.line]!.slice(d.range.start.character, d.range.end.character)]),
      [
        ['model-param', 'warning', 'openai:gpt-5-nano'],
        ['model-shutdown', 'warning', 'openai:gpt-5-nano'],
        ['model-param', 'warning', 'openai:gpt-5.4-nano'],
      ],
    );
    assert.match(diags[1]!.message, /shut down on 2026-12-11 \(https:\/\/developers\.openai\.com\/api\/docs\/deprecations, read 2026-12-07\)/);
    assert.match(diags[2]!.message, /only with reasoning_effort none, and reasoning_effort is low/);
  });

  it('reads a Prompty model.api: responses as api: responses', () => {
    const doc = parsePromptFile(text('model:\n  api: responses\n  configuration: { type: openai, name: gpt-5.5 }'), { path: '/w/d.prompty' });
    assert.equal(doc.params.api, 'responses');
    assert.deepEqual(validatePromptFile(doc, { today: '2026-12-07' }).map((d) => d.code), []);
  });

  it('reads api, reasoning_effort, verbosity and reasoning_summary, and rejects values they do not take', () => {
    const doc = parsePromptFile(text('model: openai:gpt-5.5\napi: responses\nparams: { reasoning_effort: low, verbosity: low, reasoning_summary: auto, max_output_tokens: 50 }'), { path: '/w/b.prompt' });
    assert.deepEqual(doc.params, { api: 'responses', reasoning_effort: 'low', verbosity: 'low', reasoning_summary: 'auto', max_tokens: 50 });
    assert.deepEqual(validatePromptFile(doc, { today: '2026-12-07' }), []);
    const bad = parsePromptFile(text('model: openai:gpt-5.5\napi: batch\nparams: { reasoning_effort: hihg }'), { path: '/w/c.prompt' });
    const messages = validatePromptFile(bad, { today: '2026-12-07' }).map((d) => `${d.code}: ${d.message}`);
    assert.deepEqual(messages, [
      "wrong-type: 'api' must be chat or responses, not a string ('batch').",
      "wrong-type: 'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh, not a string ('hihg'). Did you mean 'high'?",
    ]);
  });
});
