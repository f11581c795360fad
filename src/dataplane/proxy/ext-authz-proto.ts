/**
 * The Envoy ext_authz v3 messages an ExternalAuth filter of protocol GRPC exchanges
 * (`envoy.service.auth.v3.Authorization/Check`), encoded and decoded by hand in the protobuf wire format:
 * the data plane has no runtime dependencies. Only the fields this data plane sends or reads are here;
 * field numbers are those of envoy/service/auth/v3/{external_auth,attribute_context}.proto,
 * envoy/config/core/v3/{base,address}.proto, envoy/type/v3/http_status.proto and google/rpc/status.proto.
 */

export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

/** What the gateway tells the authorization server about a request (AttributeContext, abridged). */
export interface CheckRequestFields {
  readonly sourceAddress: string;
  readonly sourcePort: number;
  /** The verified client certificate (frontend mTLS), when there is one. */
  readonly sourceCertificate?: string;
  readonly destinationPort: number;
  readonly timeMs: number;
  readonly id?: string;
  readonly method: string;
  /** Lower-case names; repeated headers already merged. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The request target: path and query. */
  readonly path: string;
  readonly host: string;
  readonly scheme: string;
  /** Body size in bytes, -1 when unknown. */
  readonly size: number;
  readonly protocol: string;
  readonly body?: Buffer;
}

/** HeaderValueOption.append_action, and what the deprecated `append` BoolValue maps to. */
export enum HeaderAction {
  APPEND_IF_EXISTS_OR_ADD = 0,
  ADD_IF_ABSENT = 1,
  OVERWRITE_IF_EXISTS_OR_ADD = 2,
  OVERWRITE_IF_EXISTS = 3,
}

export interface HeaderOption {
  readonly name: string;
  readonly value: string;
  readonly action: HeaderAction;
}

export interface CheckResponseFields {
  /** google.rpc.Status code of the decision: 0 (OK) allows. */
  readonly code: number;
  readonly message: string;
  readonly denied?: { readonly status: number; readonly headers: HeaderOption[]; readonly body: string };
  readonly ok?: { readonly headers: HeaderOption[]; readonly headersToRemove: string[]; readonly responseHeadersToAdd: HeaderOption[] };
}

// --- encoding ------------------------------------------------------------------------------------

class Writer {
  private readonly parts: Buffer[] = [];
  private length = 0;

  public varint(field: number, value: number): this {
    this.tag(field, 0);
    this.raw(varint(value));
    return this;
  }

  /** A non-negative int64, or -1 (ten bytes of two's complement, as protobuf encodes negative int64s). */
  public int64(field: number, value: number): this {
    this.tag(field, 0);
    this.raw(value >= 0 ? varint(value) : MINUS_ONE);
    return this;
  }

  public bytes(field: number, value: Buffer | string | undefined): this {
    if (value === undefined || value.length === 0) return this;
    const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.tag(field, 2);
    this.raw(varint(b.length));
    this.raw(b);
    return this;
  }

  public message(field: number, w: Writer): this {
    this.tag(field, 2);
    this.raw(varint(w.length));
    for (const p of w.parts) this.raw(p);
    return this;
  }

  public finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }

  private tag(field: number, wireType: number): void {
    this.raw(varint(field * 8 + wireType));
  }

  private raw(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
}

const MINUS_ONE = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) + 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function peer(address: string, port: number, certificate?: string): Writer {
  const socket = new Writer().bytes(2, address).varint(4, port); // SocketAddress.address, .port_value
  const w = new Writer().message(1, new Writer().message(1, socket)); // Peer.address → Address.socket_address
  return certificate ? w.bytes(5, certificate) : w; // Peer.certificate
}

/** CheckRequest, serialized. */
export function encodeCheckRequest(r: CheckRequestFields): Buffer {
  const http = new Writer().bytes(1, r.id).bytes(2, r.method);
  for (const [k, v] of r.headers) http.message(3, new Writer().bytes(1, k).bytes(2, v)); // map entries
  http.bytes(4, r.path).bytes(5, r.host).bytes(6, r.scheme).int64(9, r.size).bytes(10, r.protocol);
  if (r.body && r.body.length > 0) {
    // `body` is a string field: binary bodies go in raw_body, as Envoy's pack_as_bytes does
    if (isUtf8(r.body)) http.bytes(11, r.body);
    else http.bytes(12, r.body);
  }
  const seconds = Math.floor(r.timeMs / 1000);
  const time = new Writer().varint(1, seconds).varint(2, Math.round((r.timeMs - seconds * 1000) * 1e6));
  const request = new Writer().message(1, time).message(2, http);
  const attributes = new Writer()
    .message(1, peer(r.sourceAddress, r.sourcePort, r.sourceCertificate))
    .message(2, peer('', r.destinationPort))
    .message(4, request);
  return new Writer().message(1, attributes).finish();
}

function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** One gRPC message frame (uncompressed). */
export function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

// --- decoding ------------------------------------------------------------------------------------

export class ProtoError extends Error {}

interface Field {
  readonly n: number;
  readonly int?: number;
  readonly bytes?: Buffer;
}

/** The fields of one message, in order; unknown wire types are an error. */
function fields(b: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const readVarint = (): number => {
    let result = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      if (i >= b.length) throw new ProtoError('truncated varint');
      const byte = b[i++];
      result += (byte % 0x80) * mul;
      mul *= 128;
      if (byte < 0x80) return result;
    }
    throw new ProtoError('varint too long');
  };
  while (i < b.length) {
    const tag = readVarint();
    const n = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      out.push({ n, int: readVarint() });
    } else if (wire === 2) {
      const len = readVarint();
      if (i + len > b.length) throw new ProtoError('truncated field');
      out.push({ n, bytes: b.subarray(i, i + len) });
      i += len;
    } else if (wire === 1 || wire === 5) {
      i += wire === 1 ? 8 : 4;
      if (i > b.length) throw new ProtoError('truncated fixed field');
    } else {
      throw new ProtoError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

const str = (f: Field | undefined): string => (f?.bytes ? f.bytes.toString('utf8') : '');
const int = (f: Field | undefined): number => (f?.int ?? 0);
const first = (list: Field[], n: number): Field | undefined => list.find((f) => f.n === n && (f.bytes !== undefined || f.int !== undefined));

function headerOption(b: Buffer): HeaderOption {
  const f = fields(b);
  const hv = fields(first(f, 1)?.bytes ?? Buffer.alloc(0));
  const raw = first(hv, 3)?.bytes;
  const value = raw && raw.length > 0 ? raw.toString('latin1') : str(first(hv, 2));
  const append = first(f, 2);
  let action = int(first(f, 3)) as HeaderAction;
  if (append?.bytes) {
    // the deprecated google.protobuf.BoolValue `append` wins when it is set
    action = int(first(fields(append.bytes), 1)) ? HeaderAction.APPEND_IF_EXISTS_OR_ADD : HeaderAction.OVERWRITE_IF_EXISTS_OR_ADD;
  } else if (action === HeaderAction.APPEND_IF_EXISTS_OR_ADD) {
    // neither set: in ext_authz responses `append` defaults to false, i.e. the value replaces the header
    action = HeaderAction.OVERWRITE_IF_EXISTS_OR_ADD;
  }
  return { name: str(first(hv, 1)).toLowerCase(), value, action };
}

/** CheckResponse from its serialized form. Throws ProtoError on malformed input. */
export function decodeCheckResponse(b: Buffer): CheckResponseFields {
  const f = fields(b);
  const status = fields(first(f, 1)?.bytes ?? Buffer.alloc(0));
  const out: { -readonly [K in keyof CheckResponseFields]: CheckResponseFields[K] } = { code: int(first(status, 1)), message: str(first(status, 2)) };
  const denied = first(f, 2)?.bytes;
  if (denied) {
    const d = fields(denied);
    const httpStatus = first(d, 1)?.bytes;
    out.denied = {
      status: httpStatus ? int(first(fields(httpStatus), 1)) : 0,
      headers: d.filter((x) => x.n === 2 && x.bytes).map((x) => headerOption(x.bytes!)),
      body: str(first(d, 3)),
    };
  }
  const ok = first(f, 3)?.bytes;
  if (ok) {
    const o = fields(ok);
    out.ok = {
      headers: o.filter((x) => x.n === 2 && x.bytes).map((x) => headerOption(x.bytes!)),
      headersToRemove: o.filter((x) => x.n === 5 && x.bytes).map((x) => x.bytes!.toString('utf8').toLowerCase()),
      responseHeadersToAdd: o.filter((x) => x.n === 6 && x.bytes).map((x) => headerOption(x.bytes!)),
    };
  }
  return out;
}

/** The messages of a gRPC response body; throws ProtoError when the framing is broken or compressed. */
export function grpcMessages(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    if (i + 5 > body.length) throw new ProtoError('truncated gRPC frame header');
    if (body[i] !== 0) throw new ProtoError('compressed gRPC message (no grpc-encoding was offered)');
    const len = body.readUInt32BE(i + 1);
    if (i + 5 + len > body.length) throw new ProtoError('truncated gRPC message');
    out.push(body.subarray(i + 5, i + 5 + len));
    i += 5 + len;
  }
  return out;
}
