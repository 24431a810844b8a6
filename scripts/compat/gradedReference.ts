// Runs the model-graded and script assertion cases (test/support/gradedCases.ts) through promptfoo itself,
// against the same local servers the unit tests use, and saves promptfoo's verdicts and the grader requests
// it sent as test/fixtures/graded/promptfoo-reference.json. test/unit/assertionsGraded.test.ts checks Assay
// against that file: the same pass/fail, the same scores to 4 decimals, the same grader messages.
//
//   node --import tsx scripts/compat/gradedReference.ts [--promptfoo ~/.cache/assay-promptfoo] [--only name,name]
//
// `--only` re-runs some cases and keeps the others' reference as it is.
//
// Nothing leaves the machine: promptfoo reaches the mock only through OPENAI_BASE_URL and a dummy key, with
// telemetry, updates, sharing, remote grading and its cache off.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dump } from 'js-yaml';
import { caseOptions, gradedCases, graderReply, startServiceServer, type GradedCase } from '../../test/support/gradedCases';
import { startMockLlm } from '../../test/support/mockLlmServer';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const OUT = path.join(repoRoot, 'test', 'fixtures', 'graded', 'promptfoo-reference.json');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** One promptfoo test for a case: the output comes back from `echo` as the rendered prompt. */
function promptfooTest(c: GradedCase): Record<string, unknown> {
  const outputs = Array.isArray(c.output) ? { a: c.output[0], b: c.output[1] } : { out: c.output };
  const options = caseOptions(c);
  return {
    description: c.name,
    vars: { ...outputs, ...c.vars },
    ...(options ? { options } : {}),
    ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
    assert: c.assert,
  };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

interface PromptfooResult {
  testIdx: number;
  promptIdx: number;
  success: boolean;
  score: number;
  error?: string;
  gradingResult?: { pass: boolean; score: number; reason?: string; componentResults?: { pass: boolean; score: number; reason?: string; assertion?: { type: string } }[] };
}

async function main(): Promise<void> {
  const promptfooDir = arg('--promptfoo') ?? path.join(os.homedir(), '.cache', 'assay-promptfoo');
  const bin = path.join(promptfooDir, 'node_modules', 'promptfoo', 'dist', 'src', 'entrypoint.js');
  const version = (JSON.parse(fs.readFileSync(path.join(promptfooDir, 'node_modules', 'promptfoo', 'package.json'), 'utf8')) as { version: string }).version;
  const service = await startServiceServer();
  const cases = gradedCases(service.url);
  const mock = await startMockLlm({ reply: (req) => graderReply(cases, req) });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-graded-ref-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/(_API_KEY|_TOKEN|_SECRET|_BASE_URL|_API_HOST|_API_BASE|PROXY)$/i.test(k) || k.startsWith('PROMPTFOO_')) continue;
    env[k] = v;
  }
  Object.assign(env, {
    OPENAI_API_KEY: 'sk-graded-mock',
    OPENAI_BASE_URL: mock.openaiBaseUrl,
    OPENAI_API_BASE_URL: mock.openaiBaseUrl,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_DISABLE_REMOTE_GENERATION: 'true',
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_CONFIG_DIR: work,
    PROMPTFOO_PYTHON: 'python3',
    NO_PROXY: '127.0.0.1,localhost',
    CI: 'true',
  });
  const only = arg('--only')?.split(',');
  const previous = only && fs.existsSync(OUT) ? (JSON.parse(fs.readFileSync(OUT, 'utf8')) as { cases: Record<string, unknown> }).cases : {};
  const reference: Record<string, unknown> = { ...previous };
  try {
    // One run per case, so each case's grader requests are its own and one case's crash spares the others.
    for (const c of cases) {
      if (only && !only.includes(c.name)) continue;
      const dir = path.join(work, c.name);
      fs.mkdirSync(dir);
      const prompts = Array.isArray(c.output) ? ['{{a}}', '{{b}}'] : ['{{out}}'];
      fs.writeFileSync(path.join(dir, 'promptfooconfig.yaml'), dump({ prompts, providers: ['echo'], tests: [promptfooTest(c)] }, { lineWidth: -1 }));
      mock.requests.length = 0;
      const out = path.join(dir, 'out.json');
      const r = await run(process.execPath, [bin, 'eval', '-c', 'promptfooconfig.yaml', '-o', out, '--no-cache', '--no-table', '--no-progress-bar', '--no-write', '--no-share', '-j', '1'], dir, env);
      if (!fs.existsSync(out)) {
        reference[c.name] = { crashed: `promptfoo exited ${r.code}: ${r.stderr.slice(-500)}` };
        continue;
      }
      const results = (JSON.parse(fs.readFileSync(out, 'utf8')) as { results: { results: PromptfooResult[] } }).results.results.sort((a, b) => a.promptIdx - b.promptIdx);
      reference[c.name] = {
        outputs: results.map((x) => ({
          pass: x.success,
          score: x.score,
          ...(x.error ? { error: x.error.slice(0, 300) } : {}),
          components: (x.gradingResult?.componentResults ?? []).map((k) => ({ type: k.assertion?.type ?? null, pass: k.pass, score: k.score, reason: (k.reason ?? '').slice(0, 300) })),
        })),
        graderRequests: mock.requests
          .filter((q) => q.api === 'openai.chat')
          .map((q) => ({ model: q.model, messages: (q.body?.messages as unknown[]) ?? [] })),
      };
      process.stdout.write(`${c.name}: ${JSON.stringify((reference[c.name] as { outputs: unknown[] }).outputs.map((o) => o))}\n`);
    }
  } finally {
    await mock.close();
    await service.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const ordered = Object.fromEntries(cases.filter((c) => reference[c.name] !== undefined).map((c) => [c.name, reference[c.name]]));
  fs.writeFileSync(OUT, `${JSON.stringify({ promptfoo: version, generatedBy: 'scripts/compat/gradedReference.ts', cases: ordered }, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(repoRoot, OUT)}\n`);
}

void main();
