// A local OTLP/HTTP trace receiver on 127.0.0.1: takes `POST /v1/traces` with an ExportTraceServiceRequest
// in protobuf (decoded by ./otlpProto.ts) or JSON, as the OpenTelemetry JS exporters send them, decodes it
// and keeps the spans.
// It can answer 503 (a collector that is up but refusing, with a Retry-After beyond any export deadline)
// and can go down and come back on the same port, so tests drive outages. Tests wait on `received`.
import { EventEmitter, once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeProtobufTraceRequest } from './otlpProto';

/** A received span, decoded from the OTLP JSON encoding, with its attributes as a plain object. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  events: { name: string; timeUnixNano: string; attributes: Record<string, unknown> }[];
  status?: { code?: number; message?: string };
  resource: Record<string, unknown>;
  scope: { name?: string; version?: string };
}

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  spans: ReceivedSpan[];
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

function decodeValue(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

function decodeAttributes(kvs: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, decodeValue(kv.value)]));
}

/** The spans of one ExportTraceServiceRequest (JSON encoding); throws on a body that is not one. */
export function decodeTraceRequest(body: unknown): ReceivedSpan[] {
  const req = body as { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { scope?: { name?: string; version?: string }; spans?: Record<string, unknown>[] }[] }[] };
  if (!req || !Array.isArray(req.resourceSpans)) throw new Error('not an ExportTraceServiceRequest: no resourceSpans');
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: String(s.traceId),
          spanId: String(s.spanId),
          name: String(s.name),
          kind: Number(s.kind),
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          attributes: decodeAttributes(s.attributes as KeyValue[]),
          events: ((s.events as { name: string; timeUnixNano: string | number; attributes?: KeyValue[] }[]) ?? []).map((e) => ({
            name: e.name,
            timeUnixNano: String(e.timeUnixNano),
            attributes: decodeAttributes(e.attributes),
          })),
          ...(s.status ? { status: s.status as { code?: number; message?: string } } : {}),
          resource,
          scope: ss.scope ?? {},
        });
      }
    }
  }
  return out;
}

export class OtlpReceiver extends EventEmitter {
  readonly requests: ReceivedRequest[] = [];
  /** The body encoding of each accepted request. */
  readonly encodings: ('protobuf' | 'json')[] = [];
  /** `ok` takes spans; `unavailable` answers 503 with a Retry-After past any export deadline. */
  mode: 'ok' | 'unavailable' = 'ok';
  private server: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor() {
    super();
    this.server = this.createServer();
  }

  static async start(): Promise<OtlpReceiver> {
    const r = new OtlpReceiver();
    await r.listen(0);
    return r;
  }

  get spans(): ReceivedSpan[] {
    return this.requests.flatMap((r) => r.spans);
  }

  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get tracesUrl(): string {
    return `${this.endpoint}/v1/traces`;
  }

  /** Resolves once at least `n` spans have arrived in all. */
  async waitForSpans(n: number): Promise<ReceivedSpan[]> {
    while (this.spans.length < n) await once(this, 'received');
    return this.spans;
  }

  private createServer(): http.Server {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        if (this.mode === 'unavailable') {
          res.writeHead(503, { 'retry-after': '3600', 'content-type': 'application/json' }).end('{"code":14,"message":"unavailable"}');
          this.emit('refused');
          return;
        }
        let spans: ReceivedSpan[];
        try {
          const type = String(req.headers['content-type']);
          const body = Buffer.concat(chunks);
          if (/application\/x-protobuf/.test(type)) spans = decodeTraceRequest(decodeProtobufTraceRequest(body));
          else if (/application\/json/.test(type)) spans = decodeTraceRequest(JSON.parse(body.toString('utf8')));
          else throw new Error(`content-type ${type}`);
          this.encodings.push(/protobuf/.test(type) ? 'protobuf' : 'json');
        } catch (err) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (err as Error).message }));
          this.emit('bad', err);
          return;
        }
        this.requests.push({ headers: req.headers, spans });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        this.emit('received', spans);
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  private async listen(port: number): Promise<void> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops listening (connections are refused) until `up()`. */
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = this.createServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }
}

// Standalone (benchmarks): `node --import tsx test/support/otlpReceiver.ts` prints its endpoint as the
// first line of stdout and runs until killed.
if (process.argv[1] && /otlpReceiver\.ts$/.test(process.argv[1])) {
  void OtlpReceiver.start().then((r) => process.stdout.write(`${r.endpoint}\n`));
}
