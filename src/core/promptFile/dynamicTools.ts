// Prompty 0.1/1.0 read a body that opens with a `tools:` role line as tool definitions, not as a message:
// 1.0's chat parser (`process`) parses that first block as YAML (`tools:` + the block) and merges its tools
// into the prompt's. Assay reads the block as written, when the file is parsed, so the tools reach every
// request; a block with template tags (which Prompty renders first) is an error rather than a guess.
import { parse as parseYaml } from 'yaml';
import { promptyTools } from './promptyTools';

const TOOLS_LINE = /^[ \t]*#?[ \t]*tools(\[[^\]\n]*\])?[ \t]*:[ \t]*$/i;
const ROLE_LINE = /^[ \t]*#?[ \t]*(system|user|assistant|function|tools|developer)(\[[^\]\n]*\])?[ \t]*:[ \t]*$/i;

/** The leading `tools:` block of a 0.1/1.0 body: its YAML text, and the body without it. */
export function splitDynamicTools(body: string): { block?: string; rest: string } {
  const text = body.replace(/\r\n?/g, '\n');
  const lead = text.length - text.trimStart().length;
  const lines = text.slice(lead).split('\n');
  if (lines.length === 0 || !TOOLS_LINE.test(lines[0]!)) return { rest: body };
  let end = 1;
  while (end < lines.length && !ROLE_LINE.test(lines[end]!)) end++;
  return { block: lines.slice(1, end).join('\n'), rest: lines.slice(end).join('\n') };
}

/** The tools of a leading `tools:` block, as OpenAI function tools, or why they cannot be read. */
export function dynamicTools(block: string): { tools: Record<string, unknown>[] } | { error: string } {
  if (/\{[{%]/.test(block)) return { error: 'The dynamic tools block holds template tags, which Prompty renders before reading it; Assay reads the block as written: write the values out' };
  let parsed: unknown;
  try {
    parsed = parseYaml(`tools:\n${block}`);
  } catch (err) {
    return { error: `The dynamic tools block is not valid YAML: ${err instanceof Error ? err.message : String(err)}` };
  }
  const r = promptyTools((parsed as { tools?: unknown } | null)?.tools ?? [], 1);
  return 'error' in r ? { error: `In the dynamic tools block: ${r.error}` } : r;
}
