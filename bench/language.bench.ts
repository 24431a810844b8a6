// The editor's per-request work on a parsed 2,000-line prompt file: finding the completion site (at the
// end of the file, the worst case: the scan runs over the whole last section), the key under a hover,
// and the outline and folding. Parsing itself is measured by promptFile.bench.ts. Target (ours): a
// request costs well under a millisecond on top of the cached parse, so it never delays typing.
import { performance } from 'node:perf_hooks';
import { parsePromptFile } from '../src/core/promptFile/parsePromptFile';
import { completionSite, frontMatterKeyAt } from '../src/host/language/cursorContext';
import { promptFolding, promptOutline } from '../src/host/language/outline';
import type { BenchResult, BenchSuite } from './benchTypes';

function longPrompt(lines: number): string {
  const head = ['---', 'name: long', 'models: [openai:gpt-4o-mini]', 'params:', '  temperature: 0', 'inputs:', '  question: { type: string, default: hi }', '  tone: friendly', '---', 'system:'];
  const body: string[] = [];
  for (let i = 0; body.length + head.length < lines - 2; i++) {
    if (i % 25 === 0) body.push(`Policy ${i}: answer in a {{ tone }} way and mention {{ question | trim }}.`);
    else if (i % 100 === 50) body.push('{% if tone == "formal" %}Sign off formally.{% endif %}');
    else body.push(`Line ${i} of the policy: refunds, plans, invoices and the rest of what support needs to know.`);
  }
  return [...head, ...body, 'user:', '{{ quest'].join('\n');
}

function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export const suite: BenchSuite = async () => {
  const text = longPrompt(2000);
  const doc = parsePromptFile(text);
  const bodyEnd = text.length;
  const fmKey = text.indexOf('temperature') + 3;
  const rows: [string, number][] = [
    ['completion site at the end of a 2,000-line file (median)', median(200, () => completionSite(doc, bodyEnd))],
    ['completion site at the end of a 1,990-line section (median)', median(200, () => completionSite(doc, text.lastIndexOf('user:') - 2))],
    ['front-matter key under a hover (median)', median(200, () => frontMatterKeyAt(doc, fmKey))],
    ['outline + folding of a 2,000-line file (median)', median(200, () => (promptOutline(doc), promptFolding(doc)))],
  ];
  return rows.map(([what, ms]): BenchResult => ({ what, figure: `${ms.toFixed(3)} ms`, target: '≤ 1 ms', pass: ms <= 1 }));
};
