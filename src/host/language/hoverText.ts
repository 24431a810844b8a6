// The Markdown of hovers and completion documentation: inputs, model references, front-matter keys.
// Pure (no `vscode`) so the wording is unit-tested; hover.ts and completion.ts wrap it.
import type { KeyDoc } from '../../core/promptFile/keyDocs';
import type { PromptInput } from '../../core/promptFile/promptDocument';
import type { ResolvedPrice } from '../../core/pricing/pricing';
import type { ModelRef } from '../../core/types';
import { withoutCredentials } from '../../core/redact';

/** Where a provider name comes from. */
export type ProviderInfo =
  | { kind: 'builtin'; name: string }
  | { kind: 'endpoint'; name: string; baseUrl: string; endpointKind?: string }
  | { kind: 'unknown'; name: string };

const BUILTIN_LABELS: Record<string, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  echo: 'Echo, a local provider that answers with the prompt (no API call, free)',
};

/** Markdown special characters escaped, for user text inside hovers. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

/** A value as short inline code, JSON for anything but plain strings, cut at `max` characters. */
export function shortValue(value: unknown, max = 120): string {
  let s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  return `\`${s.replace(/`/g, "'")}\``;
}

/** US dollars per 1M tokens: cents for ordinary prices, more digits for tiny ones. */
export function formatUsd(n: number): string {
  if (n === 0) return '$0';
  if (n >= 0.01 && Math.abs(n * 100 - Math.round(n * 100)) < 1e-9) return `$${n.toFixed(2)}`;
  return `$${Number(n.toPrecision(3))}`;
}

/** Hover for a variable or an input: declared type, description, default, uses. */
export function inputMarkdown(name: string, input: PromptInput | undefined, uses: number): string {
  const lines: string[] = [];
  if (!input) {
    lines.push(`**${escapeMarkdown(name)}** — not declared in \`inputs\``);
    lines.push('', 'Declare it under `inputs:` with a description and a default, or pass it in every test case; rendering stops when it has no value.');
    return lines.join('\n');
  }
  lines.push(`**${escapeMarkdown(name)}**${input.type ? ` — ${escapeMarkdown(input.type)} input` : ' — input'}`);
  if (input.description) lines.push('', escapeMarkdown(input.description));
  lines.push('', input.hasDefault ? `Default: ${shortValue(input.default)}` : 'No default: every render and test case must pass a value.');
  lines.push('', uses === 0 ? 'No template reads it.' : `Read ${uses === 1 ? 'once' : `${uses} times`} in this file.`);
  return lines.join('\n');
}

/** Hover for a `provider:model` reference: the provider, and the price per 1M tokens when known. */
export function modelMarkdown(ref: ModelRef, provider: ProviderInfo, price: ResolvedPrice | null): string {
  const lines = [`**${escapeMarkdown(ref.provider)}:${escapeMarkdown(ref.model)}**`, ''];
  if (provider.kind === 'builtin') lines.push(`Provider: ${BUILTIN_LABELS[provider.name] ?? provider.name}`);
  else if (provider.kind === 'endpoint' && BUILTIN_LABELS[provider.name] && (provider.endpointKind ?? provider.name) === provider.name) {
    // A built-in re-pointed by an endpoint setting (a gateway or proxy) still speaks the built-in's API.
    lines.push(`Provider: ${BUILTIN_LABELS[provider.name]} via \`${withoutCredentials(provider.baseUrl).replace(/`/g, '')}\` (from \`assay.endpoints\`)`);
  } else if (provider.kind === 'endpoint') {
    lines.push(`Provider: endpoint **${escapeMarkdown(provider.name)}** (${provider.endpointKind ?? 'openai-compatible'}) at \`${withoutCredentials(provider.baseUrl).replace(/`/g, '')}\``);
  } else {
    lines.push(`Provider: **${escapeMarkdown(provider.name)}** is not configured. Add an endpoint with this name to the \`assay.endpoints\` setting to run it.`);
  }
  lines.push('');
  if (ref.provider === 'echo') lines.push('Price: free (no API call).');
  else if (price) {
    const parts = [`input ${formatUsd(price.input)}`, `output ${formatUsd(price.output)}`];
    if (price.cachedInput !== undefined) parts.push(`cached input ${formatUsd(price.cachedInput)}`);
    if (price.cacheWrite !== undefined) parts.push(`cache write ${formatUsd(price.cacheWrite)}`);
    lines.push(`Price per 1M tokens: ${parts.join(' · ')}`);
    if (price.source === 'assay.pricing') lines.push('', 'From your `assay.pricing` setting.');
    else if (/^https:\/\//.test(price.source)) lines.push('', `List price${price.asOf ? ` as of ${price.asOf}` : ''} ([source](${price.source})); override it in \`assay.pricing\`.`);
  } else {
    lines.push('Price unknown: runs show tokens and "cost unknown". Add the price to the `assay.pricing` setting to see costs.');
  }
  return lines.join('\n');
}

/** Hover or completion documentation for a key: its summary, then the longer text. */
export function keyMarkdown(key: string, doc: KeyDoc, where: string): string {
  const lines = [`**${escapeMarkdown(key)}** — ${where}`, '', doc.summary];
  if (doc.markdown) lines.push('', doc.markdown);
  return lines.join('\n');
}
