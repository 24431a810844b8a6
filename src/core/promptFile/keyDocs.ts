// What each front-matter key, parameter and input field means, in the words completion items and hovers
// show (and the CLI or generated docs could reuse). Plain data with no imports, so it costs nothing to
// load; a unit test holds it equal to the key lists the parser reads (frontMatter.ts).

/** Documentation of one key. */
export interface KeyDoc {
  /** One line: completion detail and the first line of a hover. */
  summary: string;
  /** Longer Markdown for the completion's documentation panel and hovers; may hold a YAML example. */
  markdown?: string;
  /**
   * What completion inserts after the key's name and colon, as a VS Code snippet (`$1`, `${1:default}`);
   * `\n` continues on the next line at the key's indentation. Absent: a space.
   */
  snippet?: string;
}

/** Top-level keys of a `.prompt` file (PROMPT_KEYS). */
export const PROMPT_KEY_DOCS: Readonly<Record<string, KeyDoc>> = {
  name: { summary: 'The prompt\'s name, shown in lists and run reports.', snippet: ' ${1:my-prompt}' },
  description: { summary: 'What the prompt does, in a sentence.', snippet: ' $1' },
  version: { summary: 'A version label. Kept, not interpreted.' },
  tags: { summary: 'Labels for finding the prompt. Kept, not interpreted.', snippet: ' [$1]' },
  metadata: { summary: 'Anything else you want to keep with the prompt. Kept, not interpreted.' },
  model: {
    summary: 'The model that runs the prompt, as provider:model.',
    markdown:
      'One `provider:model` reference: `openai:gpt-5.5`, `anthropic:claude-haiku-4-5`, `echo:echo` (answers with the prompt, no API call), or `ENDPOINT:model` for an endpoint in the `assay.endpoints` setting (Ollama, vLLM, LM Studio, Azure OpenAI…). Use `models` for several.',
    snippet: ' ${1:openai:gpt-5.5}',
  },
  models: {
    summary: 'Models the prompt runs on, each as provider:model.',
    markdown:
      'A list of `provider:model` references; every test case runs on each model, side by side.\n\n```yaml\nmodels: [openai:gpt-5.5, anthropic:claude-haiku-4-5]\n```\nSetting both `model` and `models` runs all of them and warns.',
    snippet: ' [${1:openai:gpt-5.5}]',
  },
  api: {
    summary: 'Which OpenAI API runs the prompt: chat (chat completions, the default) or responses (the Responses API).',
    markdown:
      '`chat` sends `POST /v1/chat/completions`; `responses` sends `POST /v1/responses` (OpenAI and OpenAI-compatible endpoints only). Only the Responses API returns reasoning summaries (`reasoning_summary`); it has no `stop`, `seed` or penalties. See docs/providers.md.',
    snippet: ' ${1|responses,chat|}',
  },
  params: {
    summary: 'Generation parameters sent with every call.',
    markdown:
      '`temperature`, `max_tokens`, `top_p`, `stop`, `seed`, `response_format`, `tools`, `tool_choice`, `reasoning_effort`, `verbosity`, `reasoning_summary`.\n\n```yaml\nparams:\n  temperature: 0\n  max_tokens: 200\n```',
    snippet: '\n  ${1:temperature}: ${2:0}',
  },
  inputs: {
    summary: 'The variables the templates read, with types, descriptions and defaults.',
    markdown:
      'Each input is a name with a long form, or `name: default` for short.\n\n```yaml\ninputs:\n  ticket:\n    type: string\n    description: The customer\'s message\n    default: I was charged twice\n  tone: friendly\n```\nA variable a template reads must have a value when the prompt renders: from the caller, a test case or the default.',
    snippet: '\n  ${1:name}:\n    type: ${2:string}\n    description: $3\n    default: $4',
  },
  tests: {
    summary: 'Test cases: a file path, a list of paths, or a list of inline cases.',
    markdown:
      'promptfoo\'s case shape. A path is relative to this file (`.yaml`, `.json`, `.csv`, `.jsonl`); inline:\n\n```yaml\ntests:\n  - description: a double charge goes to billing\n    vars: { ticket: "You billed me twice" }\n    assert:\n      - type: equals\n        value: billing\n```',
    snippet: ' ${1:cases.tests.yaml}',
  },
};

/** Further top-level keys a `.prompty` file may hold (PROMPTY_KEYS). */
export const PROMPTY_KEY_DOCS: Readonly<Record<string, KeyDoc>> = {
  $schema: { summary: 'Prompty: the schema this file follows. Kept, not interpreted.' },
  id: { summary: 'Prompty: an identifier. Kept, not interpreted.' },
  kind: { summary: 'Prompty: the kind of file. Kept, not interpreted.' },
  displayName: { summary: 'Prompty: a display name. Kept, not interpreted.' },
  authors: { summary: 'Prompty: the authors. Kept, not interpreted.', snippet: ' [$1]' },
  sample: {
    summary: 'Prompty: sample values of the inputs, used as their defaults.',
    markdown: 'A mapping of input values. An input a sample names but `inputs` does not declare is declared by it. A sample file (`sample: file.json`) is not loaded.',
    snippet: '\n  ${1:name}: $2',
  },
  outputs: { summary: 'Prompty: declared outputs. Kept, not interpreted.' },
  template: { summary: 'Prompty: the template format; only jinja2 (rendered with Nunjucks) is supported.', snippet: ' jinja2' },
  tools: { summary: 'Prompty: tool declarations. Kept, not interpreted; put function tools under params.tools.' },
  base: { summary: "Prompty 0.1/1.0: a base file beside this one whose model (api, configuration, parameters, response) and sample this file inherits, its own keys winning. Not merged in 2.0 files." },
};

/** Generation parameters under `params` (PARAM_KEYS). */
export const PARAM_DOCS: Readonly<Record<string, KeyDoc>> = {
  temperature: { summary: 'Sampling temperature, 0–2. Lower is more deterministic.', snippet: ' ${1:0}' },
  max_tokens: { summary: 'The most tokens the reply may have (a whole number ≥ 1).', markdown: '`max_completion_tokens` is accepted as the same thing.', snippet: ' ${1:256}' },
  top_p: { summary: 'Nucleus sampling, 0–1: sample only from the most likely tokens covering this much probability.', snippet: ' ${1:1}' },
  stop: { summary: 'A string or a list of strings that end the reply.', snippet: ' [${1:"\\n\\n"}]' },
  seed: { summary: 'A whole number for best-effort reproducible sampling (OpenAI).', snippet: ' ${1:42}' },
  response_format: {
    summary: 'Ask for JSON: json_object, or a JSON Schema the reply must follow.',
    markdown:
      '```yaml\nresponse_format:\n  type: json_schema\n  json_schema:\n    name: answer\n    strict: true\n    schema:\n      type: object\n      properties: { total: { type: number } }\n      required: [total]\n```\nor `response_format: json_object`.',
    snippet: ' ${1|json_object,text|}',
  },
  tools: {
    summary: 'Function tools the model may call, in OpenAI\'s shape (converted for Anthropic).',
    markdown:
      '```yaml\ntools:\n  - type: function\n    function:\n      name: lookup_order\n      description: Find an order by its number\n      parameters:\n        type: object\n        properties: { order_id: { type: string } }\n        required: [order_id]\n```',
    snippet: '\n  - type: function\n    function:\n      name: ${1:tool_name}\n      description: $2\n      parameters:\n        type: object\n        properties: {$3}',
  },
  tool_choice: { summary: "Whether the model must call a tool: auto, none, required, or { type: function, function: { name } }.", snippet: ' ${1|auto,none,required|}' },
  reasoning_effort: {
    summary: 'How much a reasoning model thinks: none, minimal, low, medium, high or xhigh (which ones depends on the model).',
    markdown: 'Sent as `reasoning_effort` (chat completions) or `reasoning.effort` (Responses API). Many models take `temperature`/`top_p` only with `none`: the editor warns from the model catalog.',
    snippet: ' ${1|low,medium,high,none,minimal,xhigh|}',
  },
  verbosity: { summary: 'How long the answer is: low, medium or high (GPT-5 models).', markdown: 'Sent as `verbosity` (chat completions) or `text.verbosity` (Responses API).', snippet: ' ${1|low,medium,high|}' },
  reasoning_summary: {
    summary: 'Responses API only: ask for a summary of the reasoning (auto, concise, detailed), shown in the trace and playground, never in the graded text.',
    snippet: ' ${1|auto,concise,detailed|}',
  },
  thinking: {
    summary: "Anthropic thinking: adaptive, disabled, a token budget (≥ 1024), or the API's { type, budget_tokens, display }.",
    markdown: '```yaml\nthinking: adaptive        # Claude decides how much to think\nthinking: 4096            # { type: enabled, budget_tokens: 4096 }\n```\nThinking is shown apart from the answer and left out of what assertions check (see showThinking).',
    snippet: ' ${1|adaptive,disabled|}',
  },
  effort: { summary: "Anthropic's output_config.effort: low, medium, high, xhigh or max.", snippet: ' ${1|low,medium,high,xhigh,max|}' },
  showThinking: { summary: 'Put the thinking in front of the answer in the output that assertions check (promptfoo\'s showThinking). Off by default.', snippet: ' ${1|true,false|}' },
};

/** Keys of an input's long form (INPUT_SPEC_KEYS). */
export const INPUT_SPEC_KEY_DOCS: Readonly<Record<string, KeyDoc>> = {
  type: { summary: 'string, number, integer, boolean, object, array, list, messages, thread or any.', snippet: ' ${1|string,number,integer,boolean,object,array,messages,any|}' },
  kind: { summary: "Prompty's name for type.", snippet: ' ${1|string,number,integer,boolean,object,array,thread,any|}' },
  description: { summary: 'What the input holds; shown in hovers and the playground.', snippet: ' $1' },
  default: { summary: 'The value a render uses when it gets none for this input (null is a valid default).', snippet: ' $1' },
  sample: { summary: 'A value for trying the prompt; the default when there is none.', snippet: ' $1' },
  example: { summary: 'Like sample: a value for trying the prompt; the default when there is none.', snippet: ' $1' },
  required: { summary: 'Prompty: whether the input is required. Accepted, not checked.', snippet: ' ${1|true,false|}' },
  enum: { summary: 'Allowed values. Accepted for Prompty compatibility, not checked.', snippet: ' [$1]' },
  enumValues: { summary: "Prompty's name for enum. Accepted, not checked.", snippet: ' [$1]' },
  items: { summary: 'The schema of a list\'s items. Accepted, not checked.' },
  properties: { summary: 'The schema of an object\'s fields. Accepted, not checked.' },
  additionalProperties: { summary: 'Prompty 2.0: whether an object takes fields beyond its properties. Accepted, not checked.', snippet: ' ${1|true,false|}' },
  nullable: { summary: 'Prompty 2.0: whether the value may be null. Accepted, not checked.', snippet: ' ${1|true,false|}' },
  anyOf: { summary: 'Prompty 2.0: the value matches one of these schemas. Accepted, not checked.' },
  oneOf: { summary: 'Prompty 2.0: the value matches exactly one of these schemas. Accepted, not checked.' },
};

/** Input types (INPUT_TYPES). */
export const INPUT_TYPE_DOCS: Readonly<Record<string, string>> = {
  string: 'Text.',
  number: 'Any number.',
  float: "Prompty 2.0's name for number.",
  integer: 'A whole number.',
  boolean: 'true or false.',
  object: 'A mapping of fields.',
  array: 'A list.',
  list: 'A list (same as array).',
  messages: 'A list of chat messages { role, content } for a messages placeholder.',
  thread: "Prompty's name for messages.",
  image: 'An image: a URL, a data URI or a file path (relative to the prompt file); {{ name }} sends it as an image part.',
  audio: 'Prompty 2.0: an audio clip. Accepted in the file; a render given a value for it is an error (audio parts are not supported yet).',
  file: 'Prompty 2.0: a file. Accepted in the file; a render given a value for it is an error (file parts are not supported yet).',
  any: 'Any value.',
};
