// A decoder for OTLP's ExportTraceServiceRequest in the protobuf wire format (opentelemetry-proto,
// trace/v1/trace.proto and common/v1/common.proto), written from the .proto field numbers so the test
// receiver checks the exporter's bytes with an implementation of its own. It yields the same plain shape
// as the JSON encoding (ids as hex, times as decimal strings, 64-bit integers as strings).

type Field = { no: number; wire: number; value: bigint | Buffer | number };

/** The fields of one message, in order. */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 1) {
      out.push({ no, wire, value: buf.readBigUInt64LE(pos) });
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('truncated field');
      out.push({ no, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      out.push({ no, wire, value: buf.readUInt32LE(pos) });
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const bytes = (f: Field): Buffer => f.value as Buffer;
const str = (f: Field): string => bytes(f).toString('utf8');

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number; arrayValue?: { values: AnyValue[] } };
export type KeyValue = { key: string; value: AnyValue };

function anyValue(buf: Buffer): AnyValue {
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1:
        return { stringValue: str(f) };
      case 2:
        return { boolValue: f.value !== 0n };
      case 3:
        return { intValue: BigInt.asIntN(64, f.value as bigint).toString() };
      case 4: {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(f.value as bigint);
        return { doubleValue: b.readDoubleLE(0) };
      }
      case 5:
        return { arrayValue: { values: fields(bytes(f)).filter((x) => x.no === 1).map((x) => anyValue(bytes(x))) } };
    }
  }
  return {};
}

function keyValue(buf: Buffer): KeyValue {
  const kv: KeyValue = { key: '', value: {} };
  for (const f of fields(buf)) {
    if (f.no === 1) kv.key = str(f);
    else if (f.no === 2) kv.value = anyValue(bytes(f));
  }
  return kv;
}

function span(buf: Buffer): Record<string, unknown> {
  const s: Record<string, unknown> = { attributes: [] as KeyValue[], events: [] as unknown[] };
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1:
        s.traceId = bytes(f).toString('hex');
        break;
      case 2:
        s.spanId = bytes(f).toString('hex');
        break;
      case 5:
        s.name = str(f);
        break;
      case 6:
        s.kind = Number(f.value);
        break;
      case 7:
        s.startTimeUnixNano = (f.value as bigint).toString();
        break;
      case 8:
        s.endTimeUnixNano = (f.value as bigint).toString();
        break;
      case 9:
        (s.attributes as KeyValue[]).push(keyValue(bytes(f)));
        break;
      case 11: {
        const e: { timeUnixNano: string; name: string; attributes: KeyValue[] } = { timeUnixNano: '0', name: '', attributes: [] };
        for (const g of fields(bytes(f))) {
          if (g.no === 1) e.timeUnixNano = (g.value as bigint).toString();
          else if (g.no === 2) e.name = str(g);
          else if (g.no === 3) e.attributes.push(keyValue(bytes(g)));
        }
        (s.events as unknown[]).push(e);
        break;
      }
      case 15: {
        const st: { code?: number; message?: string } = {};
        for (const g of fields(bytes(f))) {
          if (g.no === 2) st.message = str(g);
          else if (g.no === 3) st.code = Number(g.value);
        }
        s.status = st;
        break;
      }
    }
  }
  return s;
}

/** An ExportTraceServiceRequest's protobuf bytes → its JSON-encoding shape. */
export function decodeProtobufTraceRequest(buf: Buffer): unknown {
  const resourceSpans = fields(buf)
    .filter((f) => f.no === 1)
    .map((rs) => {
      const out: { resource: { attributes: KeyValue[] }; scopeSpans: unknown[] } = { resource: { attributes: [] }, scopeSpans: [] };
      for (const f of fields(bytes(rs))) {
        if (f.no === 1) out.resource.attributes = fields(bytes(f)).filter((g) => g.no === 1).map((g) => keyValue(bytes(g)));
        else if (f.no === 2) {
          const ss: { scope: { name?: string; version?: string }; spans: unknown[] } = { scope: {}, spans: [] };
          for (const g of fields(bytes(f))) {
            if (g.no === 1) {
              for (const h of fields(bytes(g))) {
                if (h.no === 1) ss.scope.name = str(h);
                else if (h.no === 2) ss.scope.version = str(h);
              }
            } else if (g.no === 2) ss.spans.push(span(bytes(g)));
          }
          out.scopeSpans.push(ss);
        }
      }
      return out;
    });
  return { resourceSpans };
}
