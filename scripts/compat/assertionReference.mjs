// Runs promptfoo's own assertion code over a table of inputs and writes what it decides (pass, score, or
// an error) to test/fixtures/promptfoo-assertion-reference.json. test/unit/assertionParity.test.ts runs
// Assay on the same inputs and checks it agrees. Re-run after changing the table or upgrading promptfoo:
//
//   mkdir -p ~/.cache/assay-promptfoo && cd ~/.cache/assay-promptfoo && npm init -y && npm i promptfoo@0.121.20
//   node scripts/compat/assertionReference.mjs            # or PROMPTFOO_DIR=/path/with/node_modules
//
// Rows: `assert` (one assertion, promptfoo's runAssertion) or `case` (a case's list and threshold,
// runAssertions); `output` is the provider's output (a string, or a list of OpenAI tool calls);
// `response` adds provider-response fields (logProbs, finishReason); `tools` / `functions` are what the
// provider declared. `assay` marks a row where Assay deliberately differs, with the reason (docs/assertions.md).
import { createRequire, register } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const promptfooDir = process.env.PROMPTFOO_DIR ?? join(homedir(), '.cache', 'assay-promptfoo');
const requireFromCache = createRequire(join(promptfooDir, 'package.json'));

// promptfoo 0.121.20's meteor does `await import('natural')` and reads `PorterStemmer` and `WordNet` as
// named exports, but natural 8 (CommonJS) offers only a default export to import(), so every meteor
// assertion throws "PorterStemmer should be loaded". To get the scores its code means to give, promptfoo's
// import of natural is answered with a module that also exports those two names; nothing else changes.
const naturalPath = requireFromCache.resolve('natural');
const shim = `import natural from ${JSON.stringify(pathToFileURL(naturalPath).href)}; export default natural; export const PorterStemmer = natural.PorterStemmer; export const WordNet = natural.WordNet;`;
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'natural' && context.parentURL?.includes('/promptfoo/dist/')) return { url: ${JSON.stringify(`data:text/javascript,${encodeURIComponent(shim)}`)}, shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
const promptfoo = requireFromCache('promptfoo');
const { version } = JSON.parse(readFileSync(join(promptfooDir, 'node_modules', 'promptfoo', 'package.json'), 'utf8'));

const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const call = (name, args) => ({ id: 'call_1', type: 'function', function: { name, arguments: args } });
const FUNCTIONS = [{ name: 'get_weather', parameters: WEATHER.function.parameters }];

const SENT = 'the cat sat on the mat';
const XML = '<analysis><summary>Good</summary><sentiment>positive</sentiment></analysis>';

/** The input table: [id, assertion, output, extra?]. */
const ASSERT_ROWS = [
  // equals / contains family
  ['equals pass', { type: 'equals', value: 'billing' }, 'billing'],
  ['equals case-sensitive', { type: 'equals', value: 'billing' }, 'Billing'],
  ['not-equals', { type: 'not-equals', value: 'billing' }, 'bug'],
  ['equals object', { type: 'equals', value: { a: 1, b: 2 } }, '{"b":2,"a":1}'],
  ['contains', { type: 'contains', value: 'refund' }, 'a refund'],
  ['contains number', { type: 'contains', value: 0 }, '0 items'],
  ['not-contains', { type: 'not-contains', value: 'sorry' }, 'so sorry'],
  ['contains no value', { type: 'contains' }, 'x'],
  ['icontains', { type: 'icontains', value: 'REFUND' }, 'a refund'],
  ['contains-any', { type: 'contains-any', value: ['x', 'refund'] }, 'a refund'],
  ['contains-any csv quoted', { type: 'contains-any', value: '"1,000", none' }, 'costs 1,000'],
  ['contains-all missing', { type: 'contains-all', value: 'a, zz' }, 'a b'],
  ['icontains-all', { type: 'icontains-all', value: ['A', 'B'] }, 'a b'],
  ['not-icontains-any', { type: 'not-icontains-any', value: ['X'] }, 'a b'],
  ['starts-with', { type: 'starts-with', value: 'Yes' }, 'Yes, sure'],
  ['not-starts-with', { type: 'not-starts-with', value: 'Yes' }, 'Yes, sure'],
  ['regex', { type: 'regex', value: '^\\d{4}$' }, '2024'],
  ['not-regex', { type: 'not-regex', value: 'error' }, 'fine'],
  ['is-json', { type: 'is-json' }, '{"a": 1}'],
  ['is-json bad', { type: 'is-json' }, '{a: 1}'],
  ['is-json schema', { type: 'is-json', value: { type: 'object', required: ['route'] } }, '{"other": 1}'],
  ['contains-json', { type: 'contains-json' }, 'Here: {"a": 1} done'],
  ['not-contains-json', { type: 'not-contains-json' }, 'no json'],
  ['word-count exact', { type: 'word-count', value: 3 }, 'one two three'],
  ['word-count range fail', { type: 'word-count', value: { min: 5, max: 10 } }, 'one two'],
  ['not-word-count max', { type: 'not-word-count', value: { max: 1 } }, 'one two'],
  ['finish-reason', { type: 'finish-reason', value: 'stop' }, 'x', { response: { finishReason: 'stop' } }],
  ['finish-reason other', { type: 'finish-reason', value: 'length' }, 'x', { response: { finishReason: 'stop' } }],
  // edges of the older types
  ['equals number', { type: 'equals', value: 42 }, '42'],
  ['equals boolean', { type: 'equals', value: true }, 'true'],
  ['equals array', { type: 'equals', value: [1, 2] }, '[1, 2]'],
  ['equals object not json', { type: 'equals', value: { a: 1 } }, 'a=1'],
  ['not-equals object not json', { type: 'not-equals', value: { a: 1 } }, 'a=1'],
  ['starts-with number', { type: 'starts-with', value: 5 }, '5 apples'],
  ['icontains-any numbers', { type: 'icontains-any', value: [1, 2] }, 'has 2'],
  ['contains-any backslash quote', { type: 'contains-any', value: '"say \\"hi\\"", x' }, 'they say "hi"'],
  ['contains-all repeated commas', { type: 'contains-all', value: 'a,, b ,' }, 'a b'],
  ['contains-any unterminated quote', { type: 'contains-any', value: '"a, b' }, 'a'],
  ['contains-any empty list', { type: 'contains-any', value: [] }, 'x', undefined, 'promptfoo fails an empty list; Assay reports the empty list as a configuration error'],
  ['regex invalid', { type: 'regex', value: '(' }, 'x', undefined, 'promptfoo fails an invalid pattern; Assay reports it as a configuration error'],
  ['regex lookahead', { type: 'regex', value: '^(?=.*a)(?=.*b)' }, 'b then a'],
  ['is-json schema yaml text', { type: 'is-json', value: 'type: object\nrequired: [a]' }, '{"a": 1}'],
  ['not-is-json schema', { type: 'not-is-json', value: { type: 'object', required: ['a'] } }, '{"b": 1}'],
  ['not-is-json invalid json', { type: 'not-is-json' }, 'nope'],
  ['contains-json fenced', { type: 'contains-json' }, 'Result:\n```json\n{"a": [1, 2]}\n```'],
  ['contains-json array', { type: 'contains-json' }, 'list: [1, 2, 3]'],
  ['contains-json schema second object', { type: 'contains-json', value: { type: 'object', required: ['b'] } }, '{"a": 1} and {"b": 2}'],
  ['not-contains-json schema', { type: 'not-contains-json', value: { type: 'object', required: ['b'] } }, '{"a": 1}'],
  ['contains-json brace in string', { type: 'contains-json', value: { type: 'object', required: ['a'] } }, 'x {"a": "}{"} y'],
  ['contains-json invalid then valid', { type: 'contains-json', value: { type: 'object', required: ['b'] } }, '{bad} then {"b": 1}'],
  ['contains-json nested', { type: 'contains-json', value: { type: 'object', required: ['inner'] } }, 'out {"outer": {"inner": 1}}'],
  ['contains-json array schema', { type: 'contains-json', value: { type: 'array' } }, 'list: [1, 2, 3]'],
  ['contains-json fenced array schema', { type: 'contains-json', value: { type: 'array' } }, '```json\n[1, 2]\n```'],
  ['contains-json braces before an object', { type: 'contains-json', value: { type: 'object', required: ['ok'] } }, `${'{'.repeat(60)} {"ok": true}`],
  ['contains-json comment and unquoted keys', { type: 'contains-json', value: { type: 'object', required: ['route'] } }, 'Result: {route: other, // chosen\n url: "https://x.y/z"}'],
  ['contains-json unclosed at end', { type: 'contains-json', value: { type: 'object', required: ['a'] } }, 'partial {"a": {"b": 1}'],
  ['contains-json single quotes', { type: 'contains-json' }, "{'a': 1}"],
  ['contains-json number only', { type: 'contains-json' }, 'the answer is 42'],
  ['is-json number', { type: 'is-json' }, '42'],
  ['is-json with fence', { type: 'is-json' }, '```json\n{"a": 1}\n```'],
  ['word-count numeric string', { type: 'word-count', value: '3' }, 'a b c'],
  ['word-count min only', { type: 'word-count', value: { min: 2 } }, 'a'],
  ['word-count min above max', { type: 'word-count', value: { min: 5, max: 1 } }, 'a'],
  ['finish-reason missing', { type: 'finish-reason', value: 'stop' }, 'x', undefined, 'promptfoo fails when the provider gives no finish reason (and passes not-finish-reason); Assay reports the missing reason as an error'],
  ['finish-reason case', { type: 'finish-reason', value: 'STOP' }, 'x', { response: { finishReason: 'stop' } }],
  ['latency within', { type: 'latency', threshold: 200 }, 'x'],
  ['latency over', { type: 'latency', threshold: 50 }, 'x'],
  ['not-latency', { type: 'not-latency', threshold: 50 }, 'x'],
  ['latency no threshold', { type: 'latency' }, 'x'],
  ['cost within', { type: 'cost', threshold: 0.01 }, 'x', { response: { cost: 0.002 } }],
  ['cost over', { type: 'cost', threshold: 0.001 }, 'x', { response: { cost: 0.002 } }],
  ['cost unknown', { type: 'cost', threshold: 0.001 }, 'x'],
  // levenshtein
  ['levenshtein within', { type: 'levenshtein', value: 'hello world', threshold: 2 }, 'hallo world'],
  ['levenshtein default threshold', { type: 'levenshtein', value: 'kitten' }, 'sitting on a mat'],
  ['not-levenshtein', { type: 'not-levenshtein', value: 'abc', threshold: 1 }, 'xyz'],
  ['levenshtein unicode', { type: 'levenshtein', value: 'café', threshold: 0 }, 'cafe'],
  ['levenshtein emoji', { type: 'levenshtein', value: 'a😀b', threshold: 1 }, 'ab'],
  ['levenshtein number value', { type: 'levenshtein', value: 12 }, '12'],
  // rouge-n (js-rouge tokens, clipped F1)
  ['rouge-n identical repeated tokens', { type: 'rouge-n', value: SENT }, SENT],
  ['rouge-n partial', { type: 'rouge-n', value: 'the quick brown fox jumps over the lazy dog' }, 'the quick fox is lazy'],
  ['rouge-n punctuation', { type: 'rouge-n', value: "The order ships on Monday, doesn't it?", threshold: 0.5 }, "the order ships Monday. It doesn't?"],
  ['rouge-n threshold', { type: 'rouge-n', value: 'alpha beta gamma delta', threshold: 0.3 }, 'alpha gamma omega'],
  ['not-rouge-n', { type: 'not-rouge-n', value: 'alpha beta gamma delta', threshold: 0.9 }, 'alpha gamma omega'],
  ['rouge-n empty output', { type: 'rouge-n', value: 'alpha' }, ''],
  ['rouge-n number value', { type: 'rouge-n', value: 5 }, '5'],
  // bleu
  ['bleu identical', { type: 'bleu', value: SENT }, SENT],
  ['bleu two words', { type: 'bleu', value: 'hello world' }, 'hello world'],
  ['bleu partial', { type: 'bleu', value: 'the cat is on the mat', threshold: 0.3 }, 'the cat sat on the mat'],
  ['bleu references', { type: 'bleu', value: ['the cat sat on the mat', 'a cat was sitting on the mat'], threshold: 0.4 }, 'a cat sat on the mat'],
  ['bleu short candidate', { type: 'bleu', value: 'the quick brown fox jumps over' }, 'the quick'],
  ['not-bleu', { type: 'not-bleu', value: 'completely different words here' }, 'nothing alike at all'],
  ['bleu bad value', { type: 'bleu', value: { a: 1 } }, 'x'],
  // gleu
  ['gleu identical', { type: 'gleu', value: SENT }, SENT],
  ['gleu trailing period', { type: 'gleu', value: 'The cat sat.' }, 'the cat sat'],
  ['gleu partial', { type: 'gleu', value: 'the cat is on the mat', threshold: 0.3 }, 'the cat sat on the mat'],
  ['gleu references', { type: 'gleu', value: ['a b c d', 'the cat sat on the mat'] }, 'the cat sat on a mat'],
  ['gleu below threshold', { type: 'gleu', value: SENT, threshold: 0.9 }, 'the dog sat on a rug'],
  ['not-gleu', { type: 'not-gleu', value: 'alpha beta', threshold: 0.2 }, 'gamma delta'],
  ['gleu empty output', { type: 'gleu', value: 'alpha' }, ''],
  // is-refusal
  ['is-refusal prefix', { type: 'is-refusal' }, "I'm sorry, but I can't help with that."],
  ['is-refusal curly apostrophe', { type: 'is-refusal' }, 'I’m unable to provide that.'],
  ['is-refusal phrase', { type: 'is-refusal' }, 'Well, as an AI I cannot do that'],
  ['is-refusal no', { type: 'is-refusal' }, 'Paris is the capital of France.'],
  ['not-is-refusal', { type: 'not-is-refusal' }, 'Paris is the capital of France.'],
  ['is-refusal empty', { type: 'is-refusal' }, '  '],
  ['not-is-refusal empty', { type: 'not-is-refusal' }, ''],
  // xml
  ['is-xml', { type: 'is-xml' }, XML],
  ['is-xml required', { type: 'is-xml', value: 'analysis.summary, analysis.sentiment' }, XML],
  ['is-xml missing element', { type: 'is-xml', value: ['analysis.score'] }, XML],
  ['is-xml requiredElements object', { type: 'is-xml', value: { requiredElements: ['analysis.summary'] } }, XML],
  ['is-xml malformed', { type: 'is-xml' }, '<a><b></a>'],
  ['is-xml prose', { type: 'is-xml' }, 'Here is XML: ' + XML],
  ['is-xml internal dtd', { type: 'is-xml' }, '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
  ['is-xml external dtd', { type: 'is-xml' }, '<!DOCTYPE a SYSTEM "a.dtd"><a>&ext;</a>'],
  ['is-xml unbound prefix', { type: 'is-xml' }, '<x:a>1</x:a>'],
  ['not-is-xml', { type: 'not-is-xml' }, 'plain text'],
  ['contains-xml', { type: 'contains-xml' }, 'Here is XML: ' + XML + ' thanks'],
  ['contains-xml required', { type: 'contains-xml', value: 'analysis.sentiment' }, 'Result:\n' + XML],
  ['contains-xml siblings', { type: 'contains-xml', value: 'a,b' }, 'x <a>1</a><b>2</b> y'],
  ['contains-xml none', { type: 'contains-xml' }, 'no markup here'],
  ['contains-xml broken', { type: 'contains-xml' }, 'text <a><b>1</a>'],
  ['not-contains-xml', { type: 'not-contains-xml' }, 'a < b and c > d'],
  ['is-xml bad value', { type: 'is-xml', value: { other: 1 } }, XML],
  // html
  ['is-html', { type: 'is-html' }, '<div><p>Hello</p></div>'],
  ['is-html document', { type: 'is-html' }, '<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>'],
  ['is-html bare text', { type: 'is-html' }, 'Hello <b>world</b>'],
  ['is-html plain', { type: 'is-html' }, 'just text'],
  ['is-html xml', { type: 'is-html' }, '<?xml version="1.0"?><a/>'],
  ['is-html custom element', { type: 'is-html' }, '<my-widget>1</my-widget>'],
  ['is-html unknown element', { type: 'is-html' }, '<foo>1</foo>'],
  ['not-is-html', { type: 'not-is-html' }, 'just text'],
  ['contains-html', { type: 'contains-html' }, 'Use <div class="x">this</div> please'],
  ['contains-html entity only', { type: 'contains-html' }, 'Tom &amp; Jerry'],
  ['contains-html comparison', { type: 'contains-html' }, 'a < b and b > c'],
  ['not-contains-html', { type: 'not-contains-html' }, 'plain'],
  // sql
  ['is-sql', { type: 'is-sql' }, 'SELECT id, name FROM users WHERE id = 1'],
  ['is-sql invalid', { type: 'is-sql' }, 'SELECT FROM WHERE'],
  ['is-sql missing comma', { type: 'is-sql' }, 'SELECT id name FROM users'],
  ['is-sql postgres', { type: 'is-sql', value: { databaseType: 'PostgreSQL' } }, 'SELECT * FROM generate_series(1, 3)'],
  ['is-sql mysql generate_series', { type: 'is-sql' }, 'SELECT * FROM generate_series(1, 3)'],
  ['is-sql allowed tables', { type: 'is-sql', value: { allowedTables: ['select::null::users'] } }, 'SELECT id FROM users'],
  ['is-sql unauthorized table', { type: 'is-sql', value: { allowedTables: ['select::null::users'] } }, 'SELECT id FROM orders'],
  ['is-sql allowed columns', { type: 'is-sql', value: { allowedColumns: ['select::users::id'] } }, 'SELECT id FROM users'],
  ['is-sql unauthorized column', { type: 'is-sql', value: { allowedColumns: ['select::null::id'] } }, 'SELECT name FROM users'],
  ['not-is-sql', { type: 'not-is-sql' }, 'hello there'],
  ['is-sql odd backticks', { type: 'is-sql' }, 'SELECT `id FROM users'],
  ['is-sql string value', { type: 'is-sql', value: 'MySQL' }, 'SELECT 1'],
  ['contains-sql fenced', { type: 'contains-sql' }, 'Try this:\n```sql\nSELECT id FROM users;\n```\nok'],
  ['contains-sql whole output', { type: 'contains-sql' }, 'SELECT 1'],
  ['contains-sql other language', { type: 'contains-sql' }, '```python\nprint(1)\n```'],
  ['not-contains-sql', { type: 'not-contains-sql' }, 'no sql here'],
  // meteor (promptfoo's code with its natural import fixed, see above)
  ['meteor identical', { type: 'meteor', value: SENT }, SENT],
  ['meteor stems', { type: 'meteor', value: 'the cats were sitting on the mats' }, 'the cat was sitting on the mat'],
  ['meteor synonyms', { type: 'meteor', value: 'the cat sat on the mat', threshold: 0.3 }, 'the feline sat on the rug'],
  ['meteor reordered', { type: 'meteor', value: 'on the mat the cat sat' }, 'the cat sat on the mat'],
  ['meteor references', { type: 'meteor', value: ['a quick brown fox', 'the fast brown fox jumps'] }, 'the quick brown fox'],
  ['meteor parameters', { type: 'meteor', value: 'the cat sat on the mat', alpha: 0.5, beta: 2, gamma: 0.9 }, 'the cat on the mat sat'],
  ['meteor below threshold', { type: 'meteor', value: 'the cat sat on the mat', threshold: 0.9 }, 'a dog lay under the table'],
  ['not-meteor', { type: 'not-meteor', value: 'completely unrelated words' }, 'the cat sat on the mat'],
  ['meteor empty output', { type: 'meteor', value: 'alpha' }, ''],
  ['meteor bad value', { type: 'meteor', value: 3 }, 'x'],
  // perplexity
  ['perplexity', { type: 'perplexity', threshold: 2 }, 'x', { response: { logProbs: [-0.1, -0.5, -0.2] } }],
  ['perplexity over', { type: 'perplexity', threshold: 1.1 }, 'x', { response: { logProbs: [-0.1, -0.5, -0.2] } }],
  ['not-perplexity', { type: 'not-perplexity', threshold: 1.1 }, 'x', { response: { logProbs: [-0.1, -0.5, -0.2] } }],
  ['perplexity no threshold', { type: 'perplexity' }, 'x', { response: { logProbs: [-1] } }],
  ['perplexity no logprobs', { type: 'perplexity', threshold: 2 }, 'x'],
  ['perplexity-score', { type: 'perplexity-score', threshold: 0.4 }, 'x', { response: { logProbs: [-0.1, -0.5, -0.2] } }],
  ['perplexity-score below', { type: 'perplexity-score', threshold: 0.5 }, 'x', { response: { logProbs: [-0.1, -0.5, -0.2] } }],
  ['not-perplexity-score', { type: 'not-perplexity-score', threshold: 0.4 }, 'x', { response: { logProbs: [-0.1, -0.5, -0.2] } }],
  ['perplexity-score no threshold', { type: 'perplexity-score' }, 'x', { response: { logProbs: [-2, -3] } }],
  ['not-perplexity no threshold', { type: 'not-perplexity' }, 'x', { response: { logProbs: [-1] } }, 'promptfoo passes a not- with nothing to negate; Assay refuses it as a configuration error'],
  // tool calls
  ['tool-call-f1 exact', { type: 'tool-call-f1', value: ['get_weather'] }, [call('get_weather', '{"city":"Paris"}')]],
  ['tool-call-f1 partial', { type: 'tool-call-f1', value: 'get_weather, get_time', threshold: 0.5 }, [call('get_weather', '{}')]],
  ['tool-call-f1 extra', { type: 'tool-call-f1', value: ['get_weather'] }, [call('get_weather', '{}'), call('get_time', '{}')]],
  ['tool-call-f1 none', { type: 'tool-call-f1', value: ['get_weather'] }, 'no tools'],
  ['not-tool-call-f1', { type: 'not-tool-call-f1', value: ['get_weather'], threshold: 0.9 }, [call('get_time', '{}')]],
  ['tool-call-f1 text json', { type: 'tool-call-f1', value: ['search'] }, '{"type":"tool_use","name":"search","input":{}}'],
  ['tool-call-f1 no value', { type: 'tool-call-f1' }, 'x'],
  ['tools-call valid', { type: 'is-valid-openai-tools-call' }, [call('get_weather', '{"city":"Paris"}')], { tools: [WEATHER] }],
  ['tools-call bad args', { type: 'is-valid-openai-tools-call' }, [call('get_weather', '{"town":"Paris"}')], { tools: [WEATHER] }],
  ['tools-call unknown tool', { type: 'is-valid-openai-tools-call' }, [call('get_time', '{}')], { tools: [WEATHER] }],
  ['tools-call no call', { type: 'is-valid-openai-tools-call' }, 'The weather is nice', { tools: [WEATHER] }],
  ['function-call valid', { type: 'is-valid-function-call' }, { name: 'get_weather', arguments: '{"city":"Paris"}' }, { functions: FUNCTIONS }],
  ['function-call bad args', { type: 'is-valid-openai-function-call' }, { name: 'get_weather', arguments: '{}' }, { functions: FUNCTIONS }],
  ['function-call unknown', { type: 'is-valid-function-call' }, { name: 'nope', arguments: '{}' }, { functions: FUNCTIONS }],
];

/** Case rows: a whole assertion list (assert-set, weights, metrics, case threshold) through runAssertions. */
const CASE_ROWS = [
  ['weights and case threshold', { threshold: 0.6, assert: [{ type: 'contains', value: 'a', weight: 3 }, { type: 'contains', value: 'zz' }] }, 'a b'],
  ['weight 0 never fails', { assert: [{ type: 'contains', value: 'a' }, { type: 'contains', value: 'zz', weight: 0 }] }, 'a b'],
  ['assert-set all pass', { assert: [{ type: 'assert-set', assert: [{ type: 'contains', value: 'a' }, { type: 'icontains', value: 'B' }] }] }, 'a b'],
  ['assert-set threshold', { assert: [{ type: 'assert-set', threshold: 0.5, assert: [{ type: 'contains', value: 'a' }, { type: 'contains', value: 'zz' }] }] }, 'a b'],
  ['assert-set fails', { assert: [{ type: 'assert-set', assert: [{ type: 'contains', value: 'a' }, { type: 'contains', value: 'zz' }] }, { type: 'contains', value: 'b' }] }, 'a b'],
  ['assert-set weighted', { assert: [{ type: 'assert-set', weight: 2, threshold: 0.3, assert: [{ type: 'rouge-n', value: SENT, weight: 2 }, { type: 'contains', value: 'zz' }] }, { type: 'equals', value: 'nope' }] }, 'the cat sat'],
  ['scoring function', { threshold: 0.6, assertScoringFunction: 'scoring/scoring.cjs', assert: [{ type: 'contains', value: 'a', metric: 'accuracy' }, { type: 'contains', value: 'zz', metric: 'accuracy' }, { type: 'icontains', value: 'B', metric: 'style' }] }, 'a b'],
  ['scoring function below threshold', { threshold: 0.9, assertScoringFunction: 'scoring/scoring.cjs', assert: [{ type: 'contains', value: 'a', metric: 'accuracy' }, { type: 'icontains', value: 'B', metric: 'style', weight: 0 }] }, 'a c'],
  ['scoring function named export', { assertScoringFunction: 'scoring/scoring.cjs:strict', assert: [{ type: 'rouge-n', value: 'a b c d', metric: 'r' }, { type: 'contains', value: 'a', metric: 'c' }] }, 'a b'],
  ['scoring function bad return', { assertScoringFunction: 'scoring/scoring.cjs:broken', assert: [{ type: 'contains', value: 'a' }] }, 'a', 'promptfoo fails the case with "Scoring function error"; Assay reports an evaluation error'],
  ['metric names rendered with vars', { vars: { topic: 'billing' }, assert: [{ type: 'contains', value: 'a', metric: '{{ topic }}_acc' }, { type: 'contains', value: 'zz', metric: '{{ topic }}_acc' }] }, 'a'],
  ['metrics', { assert: [{ type: 'contains', value: 'a', metric: 'm' }, { type: 'contains', value: 'zz', metric: 'm', weight: 3 }, { type: 'bleu', value: 'a b c', metric: 'n' }] }, 'a b c'],
];

function providerFor(extra) {
  if (extra?.functions) return promptfoo.loadApiProvider('openai:chat:gpt-4o-mini', { options: { config: { functions: extra.functions } } });
  return { id: () => 'assay-reference', callApi: async () => ({}), config: { tools: extra?.tools } };
}

async function judge(run) {
  try {
    const r = await run();
    return { pass: r.pass, score: r.score };
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
}

const rows = [];
for (const [id, assertion, output, extra, assayDiffers] of ASSERT_ROWS) {
  const provider = await providerFor(extra);
  const expected = await judge(() =>
    promptfoo.assertions.runAssertion({
      assertion,
      test: { vars: {}, assert: [assertion] },
      provider,
      providerResponse: { output, ...(extra?.response ?? {}) },
      latencyMs: 100,
    }),
  );
  const note = assertion.type.replace(/^not-/, '') === 'meteor' ? { note: "promptfoo's meteor code with its import of natural fixed" } : {};
  rows.push({ id, kind: 'assert', assertion, output, ...(extra ? { extra } : {}), expected, ...note, ...(assayDiffers ? { assay: { error: true, why: assayDiffers } } : {}) });
}
/** `assertScoringFunction: 'scoring/x.cjs[:name]'` (relative to test/fixtures) as the function promptfoo would load. */
function scoringFunction(ref) {
  if (!ref) return undefined;
  const [file, name] = ref.split(':');
  const mod = requireFromCache(join(root, 'test', 'fixtures', file));
  return name ? mod[name] : mod;
}

for (const [id, test, output, assayDiffers] of CASE_ROWS) {
  const r = await promptfoo.assertions
    .runAssertions({ test: { vars: {}, ...test }, assertScoringFunction: scoringFunction(test.assertScoringFunction), providerResponse: { output }, latencyMs: 100 })
    .catch((e) => ({ error: String(e.message ?? e) }));
  const expected = 'error' in r ? { error: r.error } : { pass: r.pass, score: r.score, ...(Object.keys(r.namedScores ?? {}).length > 0 ? { namedScores: r.namedScores } : {}), ...(assayDiffers ? { reason: r.reason } : {}) };
  rows.push({ id, kind: 'case', test, output, expected, ...(assayDiffers ? { assay: { error: true, why: assayDiffers } } : {}) });
}

const out = join(root, 'test', 'fixtures', 'promptfoo-assertion-reference.json');
writeFileSync(out, `${JSON.stringify({ promptfoo: version, generatedBy: 'scripts/compat/assertionReference.mjs', rows }, null, 2)}\n`);
console.log(`${rows.length} rows from promptfoo ${version} → ${out}`);
