import * as vscode from 'vscode';
import type { AssertionLimits } from '../core/assertions/assertionTypes';

/** An OpenAI-compatible endpoint from `assay.endpoints`. */
export interface EndpointSetting {
  name: string;
  baseUrl: string;
  kind?: 'openai-compatible' | 'azure-openai';
  apiVersion?: string;
  headers?: Record<string, string>;
  maxConcurrency?: number;
  models?: string[];
}

export interface PriceSetting {
  input?: number;
  output?: number;
  cachedInput?: number;
  cacheWrite?: number;
}

/** Every `assay.*` setting, typed, read in one place (STYLE.md, "Config and logging"). */
export interface AssayConfig {
  defaultModels: string[];
  endpoints: EndpointSetting[];
  concurrency: number;
  requestTimeoutSeconds: number;
  maxResponseMB: number;
  pricing: Record<string, PriceSetting>;
  graderModel: string;
  embeddingModel: string;
  historyPath: string;
  historyRedact: string[];
  historyMaxTraces: number;
  historyMaxSizeMB: number;
  /** `assay.otlp.*`: the live OpenTelemetry export (machine settings; headers only from the environment). */
  otlp: { endpoint: string; captureMessageContent: boolean | undefined };
  alertLatencyMs: number;
  alertErrorRate: number;
  /** `assay.limits.*`: time and memory limits of `javascript` and `regex` assertions. */
  limits: AssertionLimits;
}

export function readConfig(): AssayConfig {
  const c = vscode.workspace.getConfiguration('assay');
  return {
    defaultModels: c.get<string[]>('defaultModels', ['openai:gpt-5.5']),
    endpoints: (c.get<EndpointSetting[]>('endpoints', []) ?? []).filter((e) => e && typeof e.name === 'string' && typeof e.baseUrl === 'string'),
    concurrency: Math.max(1, c.get<number>('concurrency', 4)),
    requestTimeoutSeconds: Math.max(1, c.get<number>('requestTimeoutSeconds', 120)),
    maxResponseMB: Math.min(4096, Math.max(1, c.get<number>('maxResponseMB', 32))),
    pricing: c.get<Record<string, PriceSetting>>('pricing', {}),
    graderModel: c.get<string>('grader.model', 'openai:gpt-5.5'),
    embeddingModel: c.get<string>('grader.embeddingModel', 'openai:text-embedding-3-small'),
    historyPath: c.get<string>('history.path', '.assay/history.sqlite'),
    historyRedact: c.get<string[]>('history.redact', []),
    historyMaxTraces: c.get<number>('history.maxTraces', 50_000),
    historyMaxSizeMB: c.get<number>('history.maxSizeMB', 200),
    otlp: {
      endpoint: c.get<string>('otlp.endpoint', ''),
      // Only an explicit true/false overrides the environment's opt-in.
      captureMessageContent: c.inspect<boolean>('otlp.captureMessageContent')?.globalValue,
    },
    alertLatencyMs: c.get<number>('alerts.latencyMs', 0),
    alertErrorRate: c.get<number>('alerts.errorRate', 0),
    limits: {
      javascriptTimeoutMs: Math.max(1, c.get<number>('limits.javascriptTimeoutSeconds', 5)) * 1000,
      regexTimeoutMs: Math.max(1, c.get<number>('limits.regexTimeoutSeconds', 1)) * 1000,
      memoryMb: Math.max(16, c.get<number>('limits.memoryMB', 256)),
    },
  };
}

/** Fires `listener` when any `assay.*` setting changes. */
export function onConfigChange(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('assay')) listener();
  });
}
