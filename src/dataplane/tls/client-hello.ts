import type * as net from 'node:net';

/** What routing needs from a TLS ClientHello. */
export interface ClientHello {
  /** The server_name extension's host name, lower-case without a trailing dot; '' when the client sent none. */
  readonly serverName: string;
  /** ALPN protocols offered, in the client's order. */
  readonly alpn: string[];
}

export type ClientHelloResult =
  | { readonly hello: ClientHello }
  | { readonly error: string }
  /** More bytes are needed. */
  | { readonly incomplete: true };

/** A ClientHello larger than this (post-quantum key shares make them ~2 KiB) is refused. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;
const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
/** TLSPlaintext.length may not exceed 2^14 (RFC 8446 5.1). */
const MAX_RECORD = 16384;
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/;

/**
 * Parses the ClientHello at the start of a TLS connection from the bytes received so far. The handshake
 * message may be split across several TLS records (record-layer fragmentation) and the records across TCP
 * segments: the result is `incomplete` until the whole message is there. Never reads past the buffer.
 */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  const fragments: Buffer[] = [];
  let have = 0;
  let off = 0;
  for (;;) {
    if (buf.length - off < 5) return tooLong(buf) ?? { incomplete: true };
    if (buf[off] !== RECORD_HANDSHAKE) {
      return { error: `not a TLS handshake record (first byte 0x${buf[off].toString(16).padStart(2, '0')}${off === 0 && looksLikeHttp(buf) ? ': plain HTTP on a TLS port' : ''})` };
    }
    if (buf[off + 1] !== 3) return { error: `unsupported TLS record version ${buf[off + 1]}.${buf[off + 2]}` };
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > MAX_RECORD) return { error: `TLS record length ${len} is out of range` };
    if (buf.length - off - 5 < len) return tooLong(buf) ?? { incomplete: true };
    fragments.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    if (have < 4) continue;
    const hs = fragments.length === 1 ? fragments[0] : Buffer.concat(fragments, have);
    if (hs[0] !== HANDSHAKE_CLIENT_HELLO) return { error: `the first handshake message is type ${hs[0]}, not a ClientHello` };
    const bodyLength = hs.readUIntBE(1, 3);
    if (bodyLength > MAX_CLIENT_HELLO_BYTES) return { error: `ClientHello of ${bodyLength} bytes is larger than ${MAX_CLIENT_HELLO_BYTES}` };
    if (have >= 4 + bodyLength) return parseBody(hs.subarray(4, 4 + bodyLength));
    if (fragments.length > 1) {
      fragments.length = 0;
      fragments.push(hs);
    }
  }
}

function tooLong(buf: Buffer): ClientHelloResult | undefined {
  return buf.length > MAX_CLIENT_HELLO_BYTES + 1024 ? { error: `no complete ClientHello in the first ${buf.length} bytes` } : undefined;
}

function looksLikeHttp(buf: Buffer): boolean {
  return /^[A-Z]{3,7} /.test(buf.subarray(0, 8).toString('latin1'));
}

/** A bounds-checked cursor: every read throws RangeError past the end (caught as "malformed"). */
class Reader {
  constructor(private readonly b: Buffer, public pos = 0, private readonly end = b.length) {}
  public u8(): number {
    if (this.pos + 1 > this.end) throw new RangeError();
    return this.b[this.pos++];
  }
  public u16(): number {
    if (this.pos + 2 > this.end) throw new RangeError();
    const v = this.b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  public bytes(n: number): Buffer {
    if (this.pos + n > this.end) throw new RangeError();
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A sub-reader over the next `n` bytes (a length-prefixed vector). */
  public vector(n: number): Reader {
    if (this.pos + n > this.end) throw new RangeError();
    const r = new Reader(this.b, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  public get left(): number {
    return this.end - this.pos;
  }
}

function parseBody(body: Buffer): ClientHelloResult {
  try {
    const r = new Reader(body);
    r.bytes(2 + 32); // legacy_version, random
    r.bytes(r.u8()); // legacy_session_id
    r.bytes(r.u16()); // cipher_suites
    r.bytes(r.u8()); // legacy_compression_methods
    let serverName = '';
    const alpn: string[] = [];
    if (r.left === 0) return { hello: { serverName, alpn } };
    const exts = r.vector(r.u16());
    while (exts.left > 0) {
      const type = exts.u16();
      const ext = exts.vector(exts.u16());
      if (type === 0) {
        const list = ext.vector(ext.u16());
        while (list.left > 0) {
          const nameType = list.u8();
          const name = list.bytes(list.u16()).toString('latin1');
          if (nameType !== 0) continue;
          const host = name.toLowerCase().replace(/\.$/, '');
          if (!HOST_NAME.test(host)) return { error: `server_name ${JSON.stringify(name.slice(0, 100))} is not a host name` };
          serverName = host;
        }
      } else if (type === 16) {
        const list = ext.vector(ext.u16());
        while (list.left > 0) alpn.push(list.bytes(list.u8()).toString('latin1'));
      }
    }
    return { hello: { serverName, alpn } };
  } catch (e) {
    if (e instanceof RangeError) return { error: 'malformed ClientHello (a length runs past its end)' };
    throw e;
  }
}

/**
 * Reads a connection's ClientHello without consuming it for anyone else: calls `done` once with the parse
 * result and every byte read so far (to be replayed to a TLS server or a backend). The socket is left
 * paused. Gives up when the client closes first, when the bytes are not TLS, or when the returned function is
 * called (the port's handshake deadline: see OpeningConnections).
 */
export function readClientHello(
  socket: net.Socket,
  done: (result: { hello: ClientHello } | { error: string }, bytes: Buffer) => void,
): (reason: string) => void {
  let buffered: Buffer = Buffer.alloc(0);
  let over = false;
  const finish = (result: { hello: ClientHello } | { error: string }): void => {
    if (over) return;
    over = true;
    socket.pause();
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.removeListener('close', onEnd);
    done(result, buffered);
  };
  const onData = (chunk: Buffer): void => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const r = parseClientHello(buffered);
    if (!('incomplete' in r)) finish(r);
  };
  const onEnd = (): void => finish({ error: 'the client closed the connection before its ClientHello was complete' });
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.resume();
  return (reason) => finish({ error: reason });
}

/** A fatal TLS alert record (TLS 1.0 record version, which every client accepts before negotiation). */
export function tlsAlert(description: number): Buffer {
  return Buffer.from([21, 3, 1, 0, 2, 2, description]);
}

export const ALERT_DECODE_ERROR = 50;
