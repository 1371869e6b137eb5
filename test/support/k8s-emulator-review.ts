// Reads the SelfSubjectAccessReview of `kubectl auth can-i`, which kubectl sends as Kubernetes
// protobuf (JSON from other clients): just enough of the wire format for resourceAttributes.

export interface ResourceAttributes {
  readonly namespace?: string;
  readonly verb?: string;
  readonly group?: string;
  readonly resource?: string;
  readonly name?: string;
}

export interface AccessReviewSpec {
  readonly resourceAttributes: ResourceAttributes;
}

// "k8s\0" starts every protobuf-encoded Kubernetes object (runtime.Unknown envelope).
const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function parseAccessReview(body: Buffer, contentType: string | undefined): AccessReviewSpec | undefined {
  try {
    if ((contentType ?? "").startsWith("application/vnd.kubernetes.protobuf")) return fromProtobuf(body);
    const spec = (JSON.parse(body.toString("utf8")) as { spec?: AccessReviewSpec }).spec;
    return spec && typeof spec.resourceAttributes === "object" && spec.resourceAttributes !== null ? spec : undefined;
  } catch {
    return undefined;
  }
}

function fromProtobuf(body: Buffer): AccessReviewSpec | undefined {
  if (!body.subarray(0, 4).equals(PROTOBUF_MAGIC)) return undefined;
  // Unknown{1: typeMeta, 2: raw} -> SelfSubjectAccessReview{2: spec} -> spec{1: resourceAttributes}.
  const raw = fields(body.subarray(4)).get(2)?.[0];
  const spec = raw && fields(raw).get(2)?.[0];
  const attrs = spec && fields(spec).get(1)?.[0];
  if (!attrs) return undefined;
  const f = fields(attrs);
  const text = (n: number) => f.get(n)?.[0]?.toString("utf8");
  return {
    resourceAttributes: { namespace: text(1), verb: text(2), group: text(3), resource: text(5), name: text(7) },
  };
}

/** Length-delimited fields by number; varints are skipped, other wire types are not expected. */
function fields(buf: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = varint(buf, pos);
    const wireType = key & 7;
    if (wireType === 0) {
      pos = varint(buf, afterKey)[1];
    } else if (wireType === 2) {
      const [length, start] = varint(buf, afterKey);
      const list = out.get(key >>> 3) ?? [];
      list.push(buf.subarray(start, start + length));
      out.set(key >>> 3, list);
      pos = start + length;
    } else {
      throw new Error(`unexpected protobuf wire type ${wireType}`);
    }
  }
  return out;
}

function varint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  for (let shift = 0; pos < buf.length; shift += 7) {
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, pos];
  }
  throw new Error("truncated protobuf varint");
}
