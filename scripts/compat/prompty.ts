// Measures how Assay renders real `.prompty` files against what Prompty's own runtime renders.
// The corpus lives outside the repo (default /work/corpus/prompty): `sources.json` lists each file
// (repo, path, commit, local file; prompty-sources.json here lists the same sources) and
// `reference.json` holds Prompty's messages for it, produced by prompty-reference.py (run in the corpus
// folder) with Prompty's Python runtimes 2.0, 1.0 and 0.1, each file's own version first. The corpus and
// the runtimes are rebuilt from a snapshot of microsoft/prompty by buildPromptyCorpus.mjs.
// Usage: npx tsx scripts/compat/prompty.ts [corpusDir] [--verbose]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';

interface RefMessage { role: string; content?: unknown; parts?: unknown[]; name?: string }
interface Ref { file: string; runtime?: string; messages?: RefMessage[]; text?: string; error?: string }

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const dir = args.find((a) => !a.startsWith('--')) ?? '/work/corpus/prompty';
const refs = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Ref[];

// The same environment prompty-reference.py renders with: every `${env:NAME}` without a default that a
// corpus file names (Prompty refuses a file whose connection names an unset variable) gets a dummy value.
for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(prompty|json)$/.test(entry.name) || /^(sources|reference)\.json$/.test(entry.name)) continue;
  const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  for (const m of text.matchAll(/\$\{env:(\w+)\}/g)) process.env[m[1]!] ??= `dummy-${m[1]!}`;
}

function refText(m: RefMessage): string {
  if (typeof m.content === 'string') return m.content.trim();
  const parts = (Array.isArray(m.content) ? m.content : m.parts ?? []) as Record<string, unknown>[];
  return parts.map((p) => (typeof p['text'] === 'string' ? p['text'] : typeof p['value'] === 'string' && p['kind'] === 'TextPart' ? p['value'] : `[${String(p['type'] ?? p['kind'])}]`)).join('\n').trim();
}

const counts = { reference: 0, identical: 0, nonChat: 0, different: 0, refused: 0, prompyRefuses: 0 };
const lines: string[] = [];
for (const ref of refs) {
  if (!ref.messages && ref.text === undefined) {
    counts.prompyRefuses++;
    continue;
  }
  counts.reference++;
  const path = join(dir, ref.file);
  const doc = parsePromptFile(readFileSync(path, 'utf8'), { path });
  const r = renderPrompt(doc, {});
  if ('error' in r) {
    counts.refused++;
    lines.push(`REFUSED ${ref.file} [${ref.runtime}]: ${r.error.message}`);
    continue;
  }
  if (ref.text !== undefined) {
    // A completion or embedding prompt: Prompty prepares its text, Assay the same text as one message
    // (sent as a chat, with a prompty-api warning). Counted apart: same text, not the same request.
    const text = r.messages.map((m) => m.content).join('\n').trim();
    if (text === ref.text.trim() && r.messages.length <= 1) counts.nonChat++;
    else {
      counts.different++;
      lines.push(`DIFFERENT ${ref.file} [${ref.runtime}] (text of a non-chat API): want ${JSON.stringify(ref.text.trim()).slice(0, 300)} got ${JSON.stringify(text).slice(0, 300)}`);
    }
    continue;
  }
  // Prompty 1.0's `thread` pseudo-message is what its executor sends as a user message after the thread's
  // messages (none here: no inputs are passed).
  const want = ref.messages!.map((m) => ({ role: m.role === 'thread' ? 'user' : m.role, content: refText(m) }));
  const got = r.messages.map((m) => ({ role: m.role, content: m.content }));
  const same = want.length === got.length && want.every((w, i) => w.role === got[i]!.role && w.content === got[i]!.content);
  if (same) counts.identical++;
  else {
    counts.different++;
    const i = want.findIndex((w, k) => !got[k] || w.role !== got[k]!.role || w.content !== got[k]!.content);
    const at = i === -1 ? want.length : i;
    lines.push(`DIFFERENT ${ref.file} [${ref.runtime}] at message ${at + 1}: want ${JSON.stringify(want[at])?.slice(0, 300)} got ${JSON.stringify(got[at])?.slice(0, 300)}`);
  }
}
if (verbose) for (const l of lines) console.log(l);
const pct = (n: number): string => `${((100 * n) / Math.max(1, counts.reference)).toFixed(1)}%`;
console.log(`files Prompty renders: ${counts.reference} (Prompty's runtimes refuse ${counts.prompyRefuses} more)`);
console.log(`identical: ${counts.identical} (${pct(counts.identical)}), same text of a non-chat API (completion/embedding, sent as chat): ${counts.nonChat} (${pct(counts.nonChat)}), different: ${counts.different} (${pct(counts.different)}), refused by Assay: ${counts.refused} (${pct(counts.refused)})`);
