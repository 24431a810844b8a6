import * as vscode from 'vscode';
import { readConfig } from './config';
import { keyTargets as keyTargetList } from '../core/providers/endpointSettings';

/** The built-in providers' standard key variables: the environment's fallback here, and what the CLI reads. */
export const ENV_FALLBACK: Readonly<Record<string, string>> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY' };

/**
 * API keys live in SecretStorage (per provider name), with the environment as fallback for the
 * built-in providers. Nothing here is ever logged or written anywhere else.
 */
export class ApiKeys implements vscode.Disposable {
  private readonly cache = new Map<string, string | undefined>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => this.cache.delete(e.key));
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private static secretName(provider: string): string {
    return `assay.apiKey.${provider}`;
  }

  async get(provider: string): Promise<string | undefined> {
    const name = ApiKeys.secretName(provider);
    if (!this.cache.has(name)) this.cache.set(name, await this.secrets.get(name));
    const stored = this.cache.get(name);
    if (stored) return stored;
    const envName = ENV_FALLBACK[provider];
    return envName ? process.env[envName] || undefined : undefined;
  }

  async set(provider: string, key: string): Promise<void> {
    await this.secrets.store(ApiKeys.secretName(provider), key);
    this.cache.delete(ApiKeys.secretName(provider));
  }

  async clear(provider: string): Promise<void> {
    await this.secrets.delete(ApiKeys.secretName(provider));
    this.cache.delete(ApiKeys.secretName(provider));
  }

  /** Every key currently in use, so redaction can catch even unusual key formats. */
  async all(): Promise<string[]> {
    const names = keyTargetList(readConfig().endpoints).map((t) => t.name);
    const keys = await Promise.all(names.map((n) => this.get(n)));
    return keys.filter((k): k is string => !!k);
  }
}

/** The providers a key can be set for: the built-ins and every configured endpoint. */
export function keyTargets(): vscode.QuickPickItem[] {
  return keyTargetList(readConfig().endpoints).map((t) => ({ label: t.name, description: t.description }));
}

/** "Assay: Set API Key": pick a provider (unless given), then a password input. */
export async function setApiKeyInteractive(keys: ApiKeys, provider?: string): Promise<boolean> {
  const target = provider ?? (await vscode.window.showQuickPick(keyTargets(), { title: 'Assay: Set API Key', placeHolder: 'Provider or endpoint' }))?.label;
  if (!target) return false;
  const key = await vscode.window.showInputBox({
    title: `API key for ${target}`,
    prompt: 'Stored in VS Code\'s secret storage; never in settings, history or logs.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim().length === 0 ? 'Enter a key' : /\s/.test(v.trim()) ? 'A key has no spaces' : undefined),
  });
  if (!key) return false;
  await keys.set(target, key.trim());
  void vscode.window.showInformationMessage(`Assay: API key for ${target} saved.`);
  return true;
}

export async function clearApiKeyInteractive(keys: ApiKeys): Promise<void> {
  const target = (await vscode.window.showQuickPick(keyTargets(), { title: 'Assay: Clear API Key' }))?.label;
  if (!target) return;
  await keys.clear(target);
  void vscode.window.showInformationMessage(`Assay: API key for ${target} removed.`);
}
