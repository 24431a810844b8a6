// Removes secrets from anything Assay stores, logs or shows: request payloads, responses, headers,
// error messages. Applied by the providers before a result leaves them and again by the store.

export const REDACTED = '[REDACTED]';

/** Header and field names whose values are always secret (compared case-insensitively). */
const SECRET_KEYS = new Set([
  'authorization',
  'proxy-authorization',
  'api-key',
  'x-api-key',
  'apikey',
  'api_key',
  'openai-api-key',
  'anthropic-api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
]);

/** Strings that look like API keys: OpenAI (`sk-…`, `sk-proj-…`), Anthropic (`sk-ant-…`), bearer tokens. */
const BUILTIN_PATTERNS: RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g,
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(?:gsk|xai|pplx|hf|ghp|gho|github_pat|AIza)[_-]?[A-Za-z0-9_-]{20,}/g,
];

export interface Redactor {
  /** Redacts secrets in a string. */
  text(s: string): string;
  /** Returns a deep copy of `value` with secret fields and secret-looking strings redacted. */
  value<T>(value: T): T;
}

/**
 * Builds a redactor from the built-in patterns, user patterns (`assay.history.redact`, regular-expression
 * sources) and known secret values (the keys actually in use, so even an unusual key format is caught).
 */
export function createRedactor(options: { patterns?: string[]; secrets?: string[] } = {}): Redactor {
  const patterns = [...BUILTIN_PATTERNS];
  for (const source of options.patterns ?? []) {
    try {
      patterns.push(new RegExp(source, 'g'));
    } catch {
      // An invalid user pattern is reported by the settings layer; redaction goes on without it.
    }
  }
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);

  const text = (s: string): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const re of patterns) {
      re.lastIndex = 0;
      out = out.replace(re, (_m, scheme: unknown) => (typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED));
    }
    return out;
  };

  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object' || depth > 64) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = SECRET_KEYS.has(k.toLowerCase()) && x !== null && x !== undefined && x !== '' ? REDACTED : walk(x, depth + 1);
    }
    return out;
  };

  return { text, value: <T>(v: T) => walk(v, 0) as T };
}

/** The default redactor (built-in patterns only). */
export const defaultRedactor = createRedactor();
