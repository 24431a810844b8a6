// `exec:` providers (promptfoo's script provider): run a command with the prompt, promptfoo's options and
// context as its last three arguments; what it prints on stdout is the output. Workspace code: trusted
// workspaces and the CLI only.
import type { CallError, ChatRequest } from '../types';
import { callContext, callOptions, cleanOutput, customRedactor, noEmbeddings, promptText, runProcess, singleModel, tail, untrustedCodeError } from './customProviderSupport';
import type { ChatCallOptions, DirectCallOptions, EmbeddingOutcome, ModelListResult, PreparedChat, Provider, ProviderConfig, ProviderOutcome } from './providerTypes';
import { blankResult, redactResult, since, type ProviderEnv } from './sdkProvider';

/** Splits a command line into words: spaces separate, single or double quotes group (no shell). */
export function commandWords(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/[^\s"']+|"([^"]*)"|'([^']*)'/g)) words.push(m[1] ?? m[2] ?? m[0]);
  return words;
}

/** Provider for kind `exec`. */
export class ExecProvider implements Provider {
  readonly endpointId: string;

  constructor(
    readonly config: Readonly<ProviderConfig>,
    private readonly env: ProviderEnv,
    private readonly trusted: boolean,
  ) {
    this.endpointId = `${config.name} exec ${config.custom?.target ?? ''}`;
  }

  prepare(request: ChatRequest, stream: boolean): PreparedChat | { error: CallError } {
    if (!this.trusted) return { error: untrustedCodeError(this.config) };
    const spec = this.config.custom;
    if (!spec) return { error: { kind: 'bad_request', message: `${this.config.name}: no command configured` } };
    const prompt = promptText(request.messages);
    const words = commandWords(spec.target);
    const args = [...words.slice(1), prompt, JSON.stringify(callOptions(spec)), JSON.stringify(callContext(request, prompt))];
    return { request, payload: { command: words[0], args, cwd: spec.basePath }, stream };
  }

  async chat(prepared: PreparedChat, options: ChatCallOptions): Promise<ProviderOutcome> {
    const start = performance.now();
    const spec = this.config.custom!;
    const redactor = customRedactor(spec, this.env.redactPatterns, this.env.environment ?? process.env);
    const result = blankResult(prepared.request.model, prepared.payload);
    const { command, args, cwd } = prepared.payload as { command: string; args: string[]; cwd: string };
    const ran = await runProcess({ command, args, cwd, signal: options.signal, timeoutMs: options.timeoutMs, what: spec.id, env: this.env.environment ?? process.env });
    result.latencyMs = since(start);
    if ('error' in ran) {
      result.error = ran.error;
      return { result: redactResult(result, redactor), retryAfterMs: null };
    }
    const stdout = cleanOutput(ran.stdout);
    const stderr = cleanOutput(ran.stderr);
    result.response = { stdout: ran.stdout, stderr: ran.stderr, exitCode: ran.exitCode };
    if (ran.exitCode !== 0) {
      const how = ran.signal ? `was killed by ${ran.signal}` : `exited with code ${ran.exitCode}`;
      result.error = { kind: 'bad_request', message: `${spec.id} ${how}${stderr ? `: ${tail(stderr)}` : ''}` };
    } else if (stdout === '' && stderr !== '') {
      result.error = { kind: 'bad_request', message: `${spec.id} printed only to stderr: ${tail(stderr)}` };
    } else {
      result.text = stdout;
      result.finishReason = 'stop';
    }
    return { result: redactResult(result, redactor), retryAfterMs: null };
  }

  embed(model: string): Promise<EmbeddingOutcome> {
    return noEmbeddings(this.config, model);
  }

  listModels(options?: DirectCallOptions): Promise<ModelListResult> {
    return singleModel(this.config, options);
  }
}
