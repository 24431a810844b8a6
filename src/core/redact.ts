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

/**
 * Strings that look like API keys: OpenAI (`sk-…`, `sk-proj-…`), Anthropic (`sk-ant-…`), bearer and basic
 * credentials (the scheme in any case), and other vendors' prefixed tokens. One alternation, so a string
 * is scanned once (redaction runs on every string of every result).
 */
const BUILTIN_PATTERN = new RegExp(
  [
    /\bsk-ant-[A-Za-z0-9_-]{8,}/.source,
    /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/.source,
    /\b([Bb][Ee][Aa][Rr][Ee][Rr]|[Bb][Aa][Ss][Ii][Cc])\s+[A-Za-z0-9._~+/=-]{8,}/.source,
    /\b(?:gsk|xai|pplx|hf|ghp|gho|github_pat|AIza)[_-]?[A-Za-z0-9_-]{20,}/.source,
  ].join('|'),
  'g',
);

/** `user:password@` (or `token@`) in a URL: the credentials go, the scheme and host stay. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"<>]+@/gi;

/** Strings shorter than this are always scanned. */
const MIN_IMAGE_CHARS = 1024;
const BASE64_IMAGE_URI = /^data:image\/[\w.+-]+;base64,[A-Za-z0-9+/=]*$/;
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;

/** A base64 image: a `data:image/…;base64,` URI, or bare base64 (Anthropic's image `data`). */
function isBase64Image(s: string): boolean {
  return s.startsWith('data:image/') ? BASE64_IMAGE_URI.test(s) : BASE64_BODY.test(s);
}

export interface Redactor {
  /** Redacts secrets in a string. */
  text(s: string): string;
  /**
   * `value` with secret fields and secret-looking strings redacted: plain objects and arrays that needed
   * no change are shared with `value`, not copied (treat both as read-only).
   */
  value<T>(value: T): T;
}

/**
 * Builds a redactor from the built-in patterns, user patterns (`assay.history.redact`, regular-expression
 * sources) and known secret values (the keys actually in use, so even an unusual key format is caught).
 */
export function createRedactor(options: { patterns?: string[]; secrets?: string[] } = {}): Redactor {
  const patterns: RegExp[] = [];
  for (const source of options.patterns ?? []) {
    try {
      patterns.push(new RegExp(source, 'g'));
    } catch {
      // An invalid user pattern is reported by the settings layer; redaction goes on without it.
    }
  }
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  const builtin = new RegExp(BUILTIN_PATTERN);
  const replaceBuiltin = (_m: string, scheme: string | undefined): string => (scheme ? `${scheme} ${REDACTED}` : REDACTED);

  const text = (s: string): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // An image's base64 is no text: patterns would cost milliseconds per megabyte and could cut into it.
    if (out.length >= MIN_IMAGE_CHARS && isBase64Image(out)) return out;
    builtin.lastIndex = 0;
    out = out.replace(builtin, replaceBuiltin);
    for (const re of patterns) {
      re.lastIndex = 0;
      out = out.replace(re, REDACTED);
    }
    if (out.includes('@')) out = out.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
    return out;
  };

  return { text, value: <T>(v: T) => redactValue(v, text) as T };
}

/** Nesting deeper than this is copied by `redactGraph`, which needs no stack and keeps cycles. */
const TREE_DEPTH = 32;
const TOO_DEEP = new Error('deeper than a plain tree');

/**
 * `root` with `text` applied to every string and secret-named fields replaced. Results are small plain
 * trees, redacted by a quick recursion that copies only what changes (copy on write): a plain object or
 * array none of whose contents needed redaction is returned as it was, so a run's results (redacted by
 * their provider, then again by the CLI before its reports) cost neither a second copy in memory nor its
 * garbage. Other objects (class instances, buffers) are copied into plain objects as before. A tree that
 * nests deeper than TREE_DEPTH, or holds a cycle (which nests without end), is copied by `redactGraph`.
 */
function redactValue(root: unknown, text: (s: string) => string): unknown {
  try {
    return redactTree(root, text, 0);
  } catch (err) {
    if (err !== TOO_DEEP) throw err;
    return redactGraph(root, text);
  }
}

function redactTree(v: unknown, text: (s: string) => string, depth: number): unknown {
  if (typeof v === 'string') return text(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth > TREE_DEPTH) throw TOO_DEEP;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const r = redactTree(x, text, depth + 1);
      if (out) out[i] = r;
      else if (r !== x) {
        out = v.slice(0, i) as unknown[];
        out[i] = r;
      }
    }
    return out ?? v;
  }
  const source = v as Record<string, unknown>;
  const proto: unknown = Object.getPrototypeOf(v);
  let out: Record<string, unknown> | undefined = proto === Object.prototype || proto === null ? undefined : {};
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = source[k];
    const r = isSecretKey(k) && x !== null && x !== undefined && x !== '' ? REDACTED : redactTree(x, text, depth + 1);
    if (out) out[k] = r;
    else if (r !== x) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = source[keys[j]!];
      out[k] = r;
    }
  }
  return out ?? v;
}

function isSecretKey(k: string): boolean {
  return SECRET_KEYS.has(k) || SECRET_KEYS.has(k.toLowerCase());
}

/**
 * `redactValue` for any graph: iterative, so no nesting depth overflows the stack or is left unredacted;
 * an object met twice (a cycle, or shared) maps to the same copy.
 */
function redactGraph(root: unknown, text: (s: string) => string): unknown {
  if (typeof root === 'string') return text(root);
  if (root === null || typeof root !== 'object') return root;
  const copies = new Map<object, unknown[] | Record<string, unknown>>();
  const work: [source: object, copy: unknown[] | Record<string, unknown>][] = [];
  const copyOf = (v: object): unknown[] | Record<string, unknown> => {
    let copy = copies.get(v);
    if (!copy) {
      copy = Array.isArray(v) ? new Array<unknown>(v.length) : {};
      copies.set(v, copy);
      work.push([v, copy]);
    }
    return copy;
  };
  const child = (x: unknown): unknown => (typeof x === 'string' ? text(x) : x === null || typeof x !== 'object' ? x : copyOf(x));
  const top = copyOf(root);
  while (work.length > 0) {
    const [source, copy] = work.pop()!;
    if (Array.isArray(source)) {
      const out = copy as unknown[];
      for (let i = 0; i < source.length; i++) out[i] = child(source[i]);
      continue;
    }
    const out = copy as Record<string, unknown>;
    for (const [k, x] of Object.entries(source as Record<string, unknown>)) {
      out[k] = isSecretKey(k) && x !== null && x !== undefined && x !== '' ? REDACTED : child(x);
    }
  }
  return top;
}

/**
 * The secrets in a URL's `user:password@`: the password, the pair, and the pair as HTTP basic auth sends
 * it (base64), so an echo of any of them is caught.
 */
export function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  if (parsed.username === '' && parsed.password === '') return [];
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const pair = `${user}:${password}`;
  const out = [pair, `${parsed.username}:${parsed.password}`, Buffer.from(pair).toString('base64')];
  // A lone token in the user part (`https://TOKEN@host`) is the secret itself.
  out.push(password !== '' ? password : user);
  if (password !== '' && parsed.password !== password) out.push(parsed.password);
  return [...new Set(out)];
}

/** `url` without its `user:password@`, for messages and copies. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    const clean = parsed.toString();
    // URL adds a trailing slash to a bare host; keep the caller's form.
    return !url.endsWith('/') && clean.endsWith('/') && parsed.pathname === '/' ? clean.slice(0, -1) : clean;
  } catch {
    return url.replace(URL_CREDENTIALS, '$1');
  }
}

/** The default redactor (built-in patterns only). */
export const defaultRedactor = createRedactor();
