// The assertion conformance suite (test/fixtures/conformance/): runs it through `promptfoo eval` and through
// `assay test` against one local mock server (scripts/compat/conformanceReplies.ts) and compares every
// assertion verdict — (case, provider, assertion): pass/fail and score to 4 decimals — then prints the
// agreement and every difference.
//
//   npm run build && node --import tsx scripts/compat/conformance.ts [--promptfoo ~/.cache/assay-promptfoo]
//     [--assay dist/cli.js] [--out /tmp/assay-conformance] [--update-fixture]
//
// `--update-fixture` saves promptfoo's results (the fields the comparison reads) as
// test/fixtures/conformance/promptfoo-results.json, which test/unit/conformance.test.ts checks Assay against
// without promptfoo installed. Nothing leaves the machine: both tools reach the mock only through
// OPENAI_BASE_URL and a dummy key, with promptfoo's telemetry, updates, sharing and cache off.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startMockLlm } from '../../test/support/mockLlmServer';
import { conformanceReply } from './conformanceReplies';
import { compareAssertions, renderAgreement, trimPromptfooResults, type ExplainedDifference } from './promptfooCompare';
import { arg, locateTools, readJson, run, toolEnv } from './promptfoo';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
/** The suite, and promptfoo's saved results for it. */
export const CONFORMANCE_DIR = path.join(repoRoot, 'test', 'fixtures', 'conformance');
export const CONFORMANCE_CONFIG = path.join(CONFORMANCE_DIR, 'promptfooconfig.yaml');
export const CONFORMANCE_FIXTURE = path.join(CONFORMANCE_DIR, 'promptfoo-results.json');

/** Where Assay deliberately differs from promptfoo on the suite; every other difference is a defect. */
export const CONFORMANCE_DIFFERENCES: readonly ExplainedDifference[] = [
  {
    test: 'a tool call without a required argument',
    what: 'not-is-valid-openai-tools-call',
    why: 'promptfoo ignores not- on is-valid-openai-tools-call (its handler never reads `inverse`), so the negation grades like the type itself',
  },
];

async function main(): Promise<void> {
  const { pfDir, promptfooBin, assayCli } = locateTools();
  const out = path.resolve(arg('--out') ?? path.join(os.tmpdir(), 'assay-conformance'));
  fs.mkdirSync(out, { recursive: true });
  const mock = await startMockLlm({ reply: conformanceReply });
  try {
    const env = toolEnv({ OPENAI_API_KEY: 'sk-conformance-mock', OPENAI_BASE_URL: mock.openaiBaseUrl, OPENAI_API_BASE_URL: mock.openaiBaseUrl }, path.join(out, '.promptfoo-home'), promptfooBin);
    const pfOut = path.join(out, 'promptfoo.json');
    const assayOut = path.join(out, 'assay.json');
    fs.rmSync(pfOut, { force: true });
    fs.rmSync(assayOut, { force: true });
    const pf = await run(process.execPath, [promptfooBin, 'eval', '-c', CONFORMANCE_CONFIG, '-o', pfOut, '--no-cache', '--no-table', '--no-progress-bar', '--no-write', '--no-share'], CONFORMANCE_DIR, env, 600_000);
    const pfJson = readJson(pfOut);
    if (pfJson === null) throw new Error(`promptfoo wrote no results (exit ${pf.exitCode}):\n${pf.stderr.slice(-2000)}`);
    const assayPfOut = path.join(out, 'assay-promptfoo-format.json');
    const assay = await run(process.execPath, [assayCli, 'test', CONFORMANCE_CONFIG, '--json', assayOut, '-o', assayPfOut, '--no-history', '--no-cache'], CONFORMANCE_DIR, env, 600_000);
    const assayJson = readJson(assayOut);
    if (assayJson === null) throw new Error(`Assay wrote no results (exit ${assay.exitCode}):\n${assay.stderr.slice(-2000)}`);

    const rows = compareAssertions(pfJson, assayJson);
    fs.writeFileSync(path.join(out, 'comparison.json'), JSON.stringify(rows, null, 1));
    process.stdout.write(renderAgreement(rows, CONFORMANCE_DIFFERENCES));
    // The same run as `assay test -o` writes it in promptfoo's format, for scripts written against promptfoo's.
    const asPromptfoo = compareAssertions(pfJson, readJson(assayPfOut));
    process.stdout.write(`\nassay test -o (promptfoo's format; metrics include each case's):\n${renderAgreement(asPromptfoo, CONFORMANCE_DIFFERENCES)}`);
    if (process.argv.includes('--update-fixture')) {
      const version = (readJson(path.join(pfDir, 'node_modules', 'promptfoo', 'package.json')) as { version?: string } | null)?.version ?? '?';
      fs.writeFileSync(CONFORMANCE_FIXTURE, `${JSON.stringify({ promptfoo: version, generatedBy: 'scripts/compat/conformance.ts', ...trimPromptfooResults(pfJson) }, null, 1)}\n`);
      process.stdout.write(`wrote ${path.relative(repoRoot, CONFORMANCE_FIXTURE)}\n`);
    }
  } finally {
    await mock.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
