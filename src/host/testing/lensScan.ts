// Where the CodeLens goes in a test bank or an inline `tests:` list, found by scanning lines rather than
// parsing YAML: `provideCodeLenses` runs on every edit and must stay cheap (≤ 5 ms for a 500-case file,
// bench/testLens.bench.ts). Each case keeps the index the loaders give it (its position in the list),
// which is how a lens names the case it runs. Pure: no `vscode`.

/** A case's first line and its position in its list. */
export interface CaseLine {
  line: number;
  index: number;
}

/** Where a bank's lenses go: "Run all" above the list, one pair per case. */
export interface BankLayout {
  /** The line of `tests:` (or of the first case, for a top-level list). */
  listLine: number;
  cases: CaseLine[];
}

const ITEM = /^( *)-(?:[ \t]|$)/;

function isComment(text: string): boolean {
  const t = text.trimStart();
  return t === '' || t.startsWith('#');
}

/** Sequence items at the smallest indentation between `from` and `to` (exclusive); path entries keep their index but get no line. */
export function listItems(lines: readonly string[], from: number, to: number): CaseLine[] {
  let indent = Infinity;
  for (let i = from; i < to; i++) {
    const m = ITEM.exec(lines[i]!);
    if (m && m[1]!.length < indent) indent = m[1]!.length;
  }
  if (indent === Infinity) return [];
  const out: CaseLine[] = [];
  let index = 0;
  for (let i = from; i < to; i++) {
    const text = lines[i]!;
    const m = ITEM.exec(text);
    if (!m || m[1]!.length !== indent) continue;
    const rest = text.slice(m[0].length).trim();
    // `- path/to/bank.yaml` names a file, not a case: it keeps its index but gets no lens.
    const isPath = rest !== '' && !rest.startsWith('{') && !rest.startsWith('#') && !/^[^'"]*?:(\s|$)/.test(rest) && !rest.startsWith('-');
    if (!isPath) out.push({ line: i, index });
    index++;
  }
  return out;
}

/** Cases of a YAML bank: a top-level list, or the list under a top-level `tests:`. */
export function scanYamlBank(text: string): BankLayout | undefined {
  const lines = text.split(/\r\n|\n|\r/);
  const testsLine = lines.findIndex((l) => /^tests\s*:/.test(l));
  if (testsLine >= 0) {
    let end = testsLine + 1;
    while (end < lines.length && (isComment(lines[end]!) || /^[ -]/.test(lines[end]!))) end++;
    return { listLine: testsLine, cases: listItems(lines, testsLine + 1, end) };
  }
  const first = lines.findIndex((l) => ITEM.test(l) && !l.startsWith(' '));
  if (first < 0) return undefined;
  return { listLine: first, cases: listItems(lines, first, lines.length) };
}

/** Cases of a JSON Lines bank: every line holding something (the loader's indexes). */
export function scanJsonlBank(text: string): BankLayout | undefined {
  const lines = text.split(/\r\n|\n|\r/);
  const cases: CaseLine[] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== '' && l.trimStart().startsWith('{')) cases.push({ line: i, index: cases.length });
  });
  return cases.length > 0 ? { listLine: cases[0]!.line, cases } : undefined;
}

/** Inline cases of a prompt file's `tests:`, whose value spans `fromLine`…`toLine` (inclusive). */
export function scanInlineTests(lineAt: (line: number) => string, fromLine: number, toLine: number): CaseLine[] {
  const lines: string[] = [];
  for (let i = 0; i <= toLine; i++) lines.push(i < fromLine ? '' : lineAt(i));
  return listItems(lines, fromLine, toLine + 1);
}
