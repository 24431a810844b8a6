// The status-bar text and tooltip for a prompt file's token estimate. Pure (no `vscode`).
import { formatUsd } from './hoverText';

/** One model's figure in the tooltip. */
export interface ModelTokens {
  model: string;
  tokens: number;
  exact: boolean;
  /** USD for the prompt tokens at the model's input price, or null when the price is unknown. */
  inputUsd: number | null;
}

/** What the status item reports. */
export type TokenStatus =
  | { kind: 'restricted'; reason: string }
  | { kind: 'binary' }
  | { kind: 'large'; bytes: number }
  | { kind: 'error'; message: string; line?: number }
  | { kind: 'counted'; models: ModelTokens[]; method: string };

/** The status item: `text` may hold `$(icon)` codes; `tooltip` is Markdown. */
export interface TokenStatusView {
  text: string;
  tooltip: string;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A cost with enough digits to be read (prompt costs are often fractions of a cent). */
function usd(n: number): string {
  return n >= 0.01 ? `$${n.toFixed(2)}` : formatUsd(n);
}

export function tokenStatusView(s: TokenStatus): TokenStatusView {
  switch (s.kind) {
    case 'restricted':
      return { text: '$(shield) tokens off', tooltip: s.reason };
    case 'binary':
      return { text: '$(warning) binary file', tooltip: 'This file looks binary, so Assay does not read it as a prompt.' };
    case 'large':
      return {
        text: '$(file) not parsed',
        tooltip: `This file is ${(s.bytes / 1024 / 1024).toFixed(1)} MB. Assay parses prompt files over 1 MB only on request: run **Assay: Parse Large Prompt File**.`,
      };
    case 'error':
      return {
        text: '$(warning) tokens n/a',
        tooltip: `Cannot render with the default inputs${s.line !== undefined ? ` (line ${s.line + 1})` : ''}: ${s.message}`,
      };
    case 'counted': {
      const first = s.models[0];
      if (!first) return { text: '$(symbol-numeric) tokens n/a', tooltip: 'No model to count for.' };
      const text = `$(symbol-numeric) ${first.exact ? '' : '~'}${count(first.tokens)} tokens`;
      const rows = s.models.map(
        (m) => `- ${m.model}: ${m.exact ? '' : '≈ '}${count(m.tokens)} tokens${m.exact ? '' : ' (estimate)'}, ${m.inputUsd === null ? 'cost unknown' : `${usd(m.inputUsd)} input`}`,
      );
      const tooltip = [
        `**Prompt tokens** of the rendered prompt with the default inputs (click to preview it).`,
        '',
        ...rows,
        '',
        `Counted with ${s.method}.${s.models.some((m) => !m.exact) ? ' Other providers\' tokenizers are not public, so their figures are estimates.' : ''}`,
      ].join('\n');
      return { text, tooltip };
    }
  }
}
