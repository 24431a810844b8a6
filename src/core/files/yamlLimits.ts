// Alias bombs: YAML aliases share one value, so a few hundred bytes can stand for gigabytes once anything
// walks the value (case ids hash it, labels print it). Every YAML parse path turns its document into
// data here: the `yaml` alias-count limit, then a bounded walk of what the aliases expand to.
import { isAlias, parseDocument, visit, type Document, type Node } from 'yaml';

/** The `yaml` library's limit on alias resolutions (weighted by how many aliases each anchor holds). */
export const MAX_ALIAS_COUNT = 1000;
/** How much aliases may add to a document: the data it expands to may be at most this many characters more than its text. */
export const MAX_ALIAS_EXPANSION = 10 * 1024 * 1024;

/** A document whose aliases expand too far; `offset` is the first alias, for a line to point at. */
export interface AliasBomb {
  message: string;
  offset?: number;
}

/** Whether walking `value` touches more than `budget` characters (strings and keys by length, every other node as 1). Stops as soon as it does. */
export function expandsBeyond(value: unknown, budget: number): boolean {
  let left = budget;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') left -= v.length + 1;
    else if (Array.isArray(v)) {
      left -= v.length + 1;
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      left -= keys.length + 1;
      for (const k of keys) {
        left -= k.length;
        stack.push((v as Record<string, unknown>)[k]);
      }
    } else left -= 1;
    if (left < 0) return true;
  }
  return false;
}

/** The data of `value` if its aliases stay within the limit, for text of `textLength` characters (js-yaml's output, say). */
export function checkExpansion(value: unknown, textLength: number): AliasBomb | undefined {
  if (!expandsBeyond(value, textLength + MAX_ALIAS_EXPANSION)) return undefined;
  return { message: aliasMessage() };
}

function aliasMessage(): string {
  return `YAML aliases expand this file to more than ${MAX_ALIAS_EXPANSION / 1024 / 1024} MB beyond its size (an alias bomb?): write the values out or use fewer aliases`;
}

function firstAlias(doc: Document | Node): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.range) {
        offset = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

/**
 * A parsed document's (or node's) data, aliases limited: `{ value }`, or `{ bomb }` with the offset of
 * the first alias. `textLength` is the size of the YAML text. Other `toJS` failures are rethrown.
 */
export function yamlValue(doc: Document, textLength: number, node?: Node): { value: unknown } | { bomb: AliasBomb } {
  let value: unknown;
  try {
    value = node ? node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) : doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError) || !/alias/i.test(e.message) || /Unresolved alias/.test(e.message)) throw e;
    return { bomb: { message: aliasMessage(), ...withOffset(firstAlias(node ?? doc)) } };
  }
  if (!expandsBeyond(value, textLength + MAX_ALIAS_EXPANSION)) return { value };
  return { bomb: { message: aliasMessage(), ...withOffset(firstAlias(node ?? doc)) } };
}

function withOffset(offset: number | undefined): { offset?: number } {
  return offset === undefined ? {} : { offset };
}

/** `yaml.parse` with the alias limits: the data, or an error message (syntax or alias bomb). */
export function parseYamlLimited(text: string): { value: unknown } | { error: string } {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) return { error: doc.errors[0]!.message.split('\n')[0]! };
  try {
    const r = yamlValue(doc, text.length);
    return 'bomb' in r ? { error: r.bomb.message } : r;
  } catch (e) {
    return { error: (e as Error).message };
  }
}
