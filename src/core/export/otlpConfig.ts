// Whether and where the live OpenTelemetry export sends: the standard OTEL_* variables (endpoint, headers,
// protocol, service name, the GenAI content opt-in; the exporter itself reads the timeout and certificate
// ones), or the editor's endpoint setting. Headers (often an API key) come only from the environment, never
// from settings.
import type { LiveOtlpOptions } from './otlpLive';

/** The editor's settings for it (`assay.otlp.endpoint`, `assay.otlp.captureMessageContent`). */
export interface OtlpSettings {
  /** The collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it (`/v1/traces` is added). */
  endpoint?: string;
  captureMessageContent?: boolean;
}

export type LiveOtlpConfig = { options: LiveOtlpOptions } | { error: string } | undefined;

const truthy = (v: string | undefined): boolean => v !== undefined && /^(true|1|yes)$/i.test(v.trim());

/** OTEL_EXPORTER_OTLP_HEADERS: `key=value` pairs separated by commas, values percent-encoded. */
export function otlpHeaders(raw: string | undefined): Record<string, string> | undefined {
  if (!raw?.trim()) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The live export's options for a history at `historyPath`, `undefined` when it is off, or why it cannot run. */
export function liveOtlpConfig(env: NodeJS.ProcessEnv, historyPath: string, settings: OtlpSettings = {}): LiveOtlpConfig {
  if (truthy(env.OTEL_SDK_DISABLED) || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;
  const setting = settings.endpoint?.trim();
  const fromEnv = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!setting && !fromEnv) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim().toLowerCase();
  if (protocol !== undefined && protocol !== '' && protocol !== 'http/protobuf' && protocol !== 'http/json') {
    return { error: `OTEL_EXPORTER_OTLP_PROTOCOL is ${protocol}, but Assay sends OTLP over HTTP: point the endpoint at the collector's HTTP receiver (port 4318) and set the protocol to http/protobuf or http/json` };
  }
  // Resolved here rather than left to the exporter's own reading of process.env, so the environment a
  // command was given (the CLI's, the editor's) is the one that counts; the exporter's rules, same result.
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = setting || (signal ? undefined : env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
  const raw = base ? `${base.replace(/\/+$/, '')}/v1/traces` : signal!;
  let url: string;
  try {
    url = new URL(raw).toString();
  } catch {
    return { error: `the OpenTelemetry endpoint "${base ?? signal}" is not a URL: write it as OTEL_EXPORTER_OTLP_ENDPOINT takes it, e.g. http://localhost:4318` };
  }
  const headers = otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS);
  const timeout = Number((env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT)?.trim());
  const options: LiveOtlpOptions = {
    url,
    protocol: protocol === 'http/json' ? 'http/json' : 'http/protobuf',
    ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMs: timeout } : {}),
    ...(headers ? { headers } : {}),
    includeMessages: settings.captureMessageContent ?? truthy(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT),
    queueDir: `${historyPath}.otlp-queue`,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'assay',
  };
  return { options };
}
