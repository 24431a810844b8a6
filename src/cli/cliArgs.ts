// The argument walk every subcommand shares: `--name value` and `--name=value`, positionals, and the
// usage errors for a missing value or a bad number.
import { UsageError } from './cliTypes';

/**
 * Calls `on(name, value, arg)` for each argument in order. `name` is the option without an inline
 * `=value` (or the argument itself); `value()` consumes the option's value — inline, else the next
 * argument — and throws a `UsageError` when there is none. `usage` is appended to that error.
 */
export function eachArg(argv: readonly string[], on: (name: string, value: () => string, arg: string) => void, usage = ''): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const inline = arg.startsWith('--') && eq > 0;
    const name = inline ? arg.slice(0, eq) : arg;
    on(
      name,
      () => {
        const v = inline ? arg.slice(eq + 1) : argv[++i];
        if (v === undefined || v === '') throw new UsageError(`${name} needs a value${usage ? `\n${usage}` : ''}`);
        return v;
      },
      arg,
    );
  }
}

/** A whole number from 1 to `max`, or a usage error naming the option. */
export function positiveInt(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be a whole number from 1 to ${max} (got '${v}')`);
  return n;
}

/** A kappa threshold from −1 to 1. */
export function parseKappa(name: string, v: string): number {
  const k = Number(v);
  if (v.trim() === '' || !Number.isFinite(k) || k < -1 || k > 1) throw new UsageError(`${name} must be a kappa from -1 to 1 (got '${v}')`);
  return k;
}
