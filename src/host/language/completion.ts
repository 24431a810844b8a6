import * as vscode from 'vscode';
import type { LiveModels } from '../../core/models/liveModels';
import type { KeyDoc } from '../../core/promptFile/keyDocs';
import type { PromptDocument } from '../../core/promptFile/promptDocument';
import { completionSite, type CompletionSite } from './cursorContext';
import { formatUsd, inputMarkdown, keyMarkdown, modelMarkdown } from './hoverText';
import type { Core } from './lazyCore';
import type { PromptDocuments } from './promptDocuments';
import { withoutCredentials } from '../../core/redact';

/** Typing these may open completion (quick suggestions are off in prompt files, which are mostly prose). */
export const COMPLETION_TRIGGERS = ['{', '%', ' ', '|', ':', '-', '[', ','];

const STATEMENT_KEYWORDS = ['if', 'elif', 'else', 'endif', 'for', 'endfor', 'set', 'endset', 'raw', 'endraw', 'macro', 'endmacro', 'call', 'endcall', 'filter', 'endfilter'];

/** Nunjucks' built-in filters and `tojson`, with what they do. */
const FILTERS: Record<string, string> = {
  default: 'A fallback when the value is undefined: `x | default("none")`. Makes the variable optional.',
  tojson: 'The value as JSON (Jinja2\'s name for dump): `order | tojson(2)`.',
  dump: 'The value as JSON: `order | dump(2)`.',
  trim: 'Strips leading and trailing whitespace.',
  upper: 'Upper case.',
  lower: 'Lower case.',
  capitalize: 'First letter upper case, the rest lower case.',
  title: 'Each word capitalised.',
  join: 'A list joined into text: `tags | join(", ")`.',
  length: 'The number of items or characters.',
  first: 'The first item.',
  last: 'The last item.',
  replace: 'Replaces text: `x | replace("a", "b")`.',
  truncate: 'Cuts text to a length: `x | truncate(100)`.',
  indent: 'Indents every line after the first: `x | indent(2)`.',
  wordcount: 'The number of words.',
  round: 'Rounds a number: `x | round(2)`.',
  int: 'The value as a whole number.',
  float: 'The value as a number.',
  string: 'The value as text.',
  list: 'The value as a list.',
  sort: 'The items sorted.',
  reverse: 'The items (or characters) reversed.',
  batch: 'Groups items into lists of a size.',
  slice: 'Splits items into a number of lists.',
  groupby: 'Groups objects by an attribute.',
  selectattr: 'Objects whose attribute is truthy.',
  rejectattr: 'Objects whose attribute is falsy.',
  select: 'Items passing a test.',
  reject: 'Items failing a test.',
  sum: 'The sum of the items.',
  abs: 'The absolute value.',
  center: 'Text centred in a width.',
  dictsort: 'A mapping\'s entries sorted.',
  escape: 'HTML-escaped text.',
  safe: 'Marks text as safe (no escaping; prompts are not escaped anyway).',
  striptags: 'Text with HTML tags removed.',
  nl2br: 'Line breaks as <br />.',
  urlencode: 'URL-encoded text.',
  urlize: 'URLs as links.',
  random: 'A random item.',
};

function md(text: string): vscode.MarkdownString {
  return new vscode.MarkdownString(text);
}

/** A snippet as written in a `.code-snippets` file. */
interface SnippetSpec {
  prefix: string | string[];
  body: string | string[];
  description?: string;
}

/**
 * Completion in prompt files: variables and filters in templates; keys, params, input fields and models in
 * the front matter; the file's snippets anywhere but inside a template tag (`{{ }}`, `{% %}`, `{# #}`),
 * where only variables and filters make sense. The snippets are offered here rather than contributed in
 * package.json, because VS Code offers contributed snippets at every position.
 */
export class PromptCompletion implements vscode.CompletionItemProvider {
  private snippetSpecs: Promise<Record<string, SnippetSpec>> | undefined;

  constructor(
    private readonly docs: PromptDocuments,
    private readonly snippetsFile: vscode.Uri,
    /** Models endpoints list live; absent in tests that need no network. */
    private readonly live?: LiveModels,
  ) {}

  async provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
    context: vscode.CompletionContext = { triggerKind: vscode.CompletionTriggerKind.Invoke, triggerCharacter: undefined },
  ): Promise<vscode.CompletionItem[] | undefined> {
    const offset = document.offsetAt(position);
    // Snippets on request (Ctrl+Space), not at every trigger character typed in prose.
    const wantSnippets = context.triggerKind !== vscode.CompletionTriggerKind.TriggerCharacter && !insideTemplateTag(document.getText(), offset);
    const snippets = wantSnippets ? await this.snippets() : [];
    const state = await this.docs.get(document);
    if (token.isCancellationRequested) return undefined;
    if (state.kind !== 'parsed' || state.version !== document.version) return orNothing(snippets);
    const { doc, core } = state;
    const site = completionSite(doc, offset);
    if (site.kind === 'none') return orNothing(snippets);
    const range = { inserting: new vscode.Range(document.positionAt(site.start), position), replacing: new vscode.Range(document.positionAt(site.start), document.positionAt(Math.max(site.end, offset))) };
    const flow = document.lineAt(position.line).text.slice(0, position.character).includes('{');
    const items = this.itemsFor(site, doc, core, flow);
    for (const item of items) item.range = range;
    return [...items, ...snippets];
  }

  /** One item per prefix of each snippet in the shipped snippets file (read once). */
  private async snippets(): Promise<vscode.CompletionItem[]> {
    this.snippetSpecs ??= Promise.resolve(vscode.workspace.fs.readFile(this.snippetsFile)).then((bytes) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, SnippetSpec>);
    const specs = await this.snippetSpecs.catch(() => ({}) as Record<string, SnippetSpec>);
    return Object.entries(specs).flatMap(([name, s]) =>
      (Array.isArray(s.prefix) ? s.prefix : [s.prefix]).map((prefix) => {
        const item = new vscode.CompletionItem({ label: prefix, description: name }, vscode.CompletionItemKind.Snippet);
        item.insertText = new vscode.SnippetString(Array.isArray(s.body) ? s.body.join('\n') : s.body);
        item.documentation = s.description;
        item.sortText = `9${prefix}`;
        return item;
      }),
    );
  }

  private itemsFor(site: Exclude<CompletionSite, { kind: 'none' }>, doc: PromptDocument, core: Core, flow: boolean): vscode.CompletionItem[] {
    const docs = core.keyDocs;
    switch (site.kind) {
      case 'variable':
        return [...this.variables(doc), ...(site.tag === 'statement' && site.firstWord ? STATEMENT_KEYWORDS.map((k) => keyword(k)) : [])];
      case 'filter':
        return Object.entries(FILTERS).map(([name, text], i) => {
          const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Function);
          item.documentation = md(text);
          item.sortText = String(i).padStart(3, '0');
          return item;
        });
      case 'topKey': {
        const keys: readonly string[] = doc.kind === 'prompty' ? [...core.PROMPT_KEYS, ...core.PROMPTY_KEYS] : core.PROMPT_KEYS;
        return keys
          .filter((k) => !site.present.includes(k))
          .map((k, i) => keyItem(k, docs.PROMPT_KEY_DOCS[k] ?? docs.PROMPTY_KEY_DOCS[k], 'front-matter key', i, false));
      }
      case 'paramKey':
        return core.PARAM_KEYS.map((k, i) => keyItem(k, docs.PARAM_DOCS[k], 'generation parameter', i, flow));
      case 'inputSpecKey':
        return core.INPUT_SPEC_KEYS.map((k, i) => keyItem(k, docs.INPUT_SPEC_KEY_DOCS[k], 'input field', i, flow));
      case 'inputType':
        return core.INPUT_TYPES.map((t, i) => {
          const item = new vscode.CompletionItem(t, vscode.CompletionItemKind.EnumMember);
          item.detail = docs.INPUT_TYPE_DOCS[t];
          item.sortText = String(i).padStart(3, '0');
          return item;
        });
      case 'modelRef':
        return this.models(core);
    }
  }

  private variables(doc: PromptDocument): vscode.CompletionItem[] {
    const uses = new Map<string, number>();
    for (const s of doc.sections) for (const v of s.variables) uses.set(v.name, (uses.get(v.name) ?? 0) + 1);
    const items: vscode.CompletionItem[] = [];
    for (const input of doc.inputs.values()) {
      const item = new vscode.CompletionItem(input.name, vscode.CompletionItemKind.Variable);
      item.detail = input.type ? `${input.type} input` : 'input';
      item.documentation = md(inputMarkdown(input.name, input, uses.get(input.name) ?? 0));
      item.sortText = `0${input.name}`;
      items.push(item);
    }
    for (const [name, n] of uses) {
      if (doc.inputs.has(name)) continue;
      const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Variable);
      item.detail = 'used, not declared in inputs';
      item.documentation = md(inputMarkdown(name, undefined, n));
      item.sortText = `1${name}`;
      items.push(item);
    }
    return items;
  }

  private models(core: Core): vscode.CompletionItem[] {
    const book = this.docs.priceBook(core);
    const items: vscode.CompletionItem[] = [];
    const seen = new Set<string>();
    const add = (provider: string, model: string, order: number): vscode.CompletionItem | undefined => {
      const label = `${provider}:${model}`;
      if (seen.has(label)) return undefined;
      seen.add(label);
      const ref = { provider, model };
      const price = book.priceOf(ref);
      const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.Value);
      item.detail = provider === 'echo' ? 'no API call, free' : price ? `${formatUsd(price.input)} in · ${formatUsd(price.output)} out per 1M tokens` : 'price unknown';
      item.documentation = md(modelMarkdown(ref, this.docs.providerInfo(core, provider), price));
      item.sortText = `${order}${String(items.length).padStart(4, '0')}`;
      items.push(item);
      return item;
    };
    for (const endpoint of this.docs.endpoints()) {
      for (const m of endpoint.models ?? []) add(endpoint.name, m, 0);
      if (!endpoint.models?.length) {
        const item = new vscode.CompletionItem(`${endpoint.name}:`, vscode.CompletionItemKind.Module);
        item.detail = `endpoint at ${withoutCredentials(endpoint.baseUrl)}: type the model name`;
        item.sortText = `0${String(items.length).padStart(4, '0')}`;
        items.push(item);
      }
    }
    // What the endpoints list live, before the catalog's ids; only in a trusted workspace (listing sends the key).
    if (this.live && vscode.workspace.isTrusted) {
      for (const provider of this.docs.knownProviders(core).filter((p) => p !== 'echo')) {
        for (const m of this.live.peek(provider)) {
          const item = add(provider, m.id, 0);
          if (item && m.shutdownDate) item.detail = `${item.detail ?? ''} · shuts down ${m.shutdownDate}`;
        }
      }
    }
    for (const entry of core.PRICE_TABLE) for (const m of entry.models) add(entry.provider, m, entry.provider === 'openai' ? 1 : 2);
    add('echo', 'echo', 3);
    return items;
  }
}

function orNothing(items: vscode.CompletionItem[]): vscode.CompletionItem[] | undefined {
  return items.length > 0 ? items : undefined;
}

/** Whether `offset` is inside an unclosed `{{`, `{%` or `{#` (scanning back from the cursor). */
export function insideTemplateTag(text: string, offset: number): boolean {
  const before = text.slice(0, offset);
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'), before.lastIndexOf('{#'));
  if (open < 0) return false;
  const close = Math.max(before.lastIndexOf('}}'), before.lastIndexOf('%}'), before.lastIndexOf('#}'));
  return close < open;
}

function keyword(k: string): vscode.CompletionItem {
  const item = new vscode.CompletionItem(k, vscode.CompletionItemKind.Keyword);
  item.sortText = `2${k}`;
  return item;
}

/** A key item inserting `key:` and the key's snippet for its value (one-line snippets only inside `{ }`). */
function keyItem(key: string, doc: KeyDoc | undefined, where: string, order: number, flow: boolean): vscode.CompletionItem {
  const item = new vscode.CompletionItem(key, vscode.CompletionItemKind.Property);
  item.sortText = String(order).padStart(3, '0');
  if (doc) {
    item.detail = doc.summary;
    item.documentation = md(keyMarkdown(key, doc, where));
  }
  const snippet = !doc?.snippet || (flow && doc.snippet.includes('\n')) ? ' ' : doc.snippet;
  item.insertText = new vscode.SnippetString(`${key.replace(/\$/g, '\\$')}:${snippet}`);
  return item;
}
