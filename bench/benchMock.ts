// The mock LLM server (test/support/mockLlmServer.ts) in a process of its own, so a benchmark measures
// only its own process's CPU, as it would against a remote server.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * Starts the mock with `args` (e.g. `--latency 100`) and resolves with its URL, once it prints it. Another
 * server of test/support that prints its URL first (the OTLP receiver) runs the same way with `script`.
 */
export async function startMockProcess(args: string[], script = 'test/support/mockLlmServer.ts'): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      if (buffered.includes('\n')) resolve(buffered.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`mock server exited (${code})`)));
  });
  return { url, child };
}
