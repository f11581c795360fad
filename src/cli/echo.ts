/**
 * `cdk8s-gateway echo`: a small backend that answers every request with JSON describing it (method,
 * path, host, headers, namespace, pod, tls...). It speaks HTTP/1.1 and HTTP/2 with prior knowledge on
 * one port (or TLS with ALPN h2/http1.1 given --tls-cert/--tls-key) and echoes WebSocket messages.
 *
 * Query parameters shape the answer (for demos and tests):
 *   status=<code>        answer with this status
 *   delay=<ms>           wait before answering
 *   size=<bytes>         answer with that many bytes of 'x' instead of JSON
 *   chunks=<n>           stream the JSON in n parts, `interval` ms apart (default 20)
 *   header=<name>:<val>  add a response header (repeatable)
 *   fail=<n>&key=<k>     the first n requests with key k answer 503
 *   drop=1               close the connection without answering
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type * as tls from 'node:tls';

const USAGE = `usage: cdk8s-gateway echo --port <n> --name <pod-name> [options]

  --port <n>            port to listen on (0: any free port)
  --name <pod>          pod name reported in every answer
  --namespace <ns>      namespace reported in every answer (default "default")
  --address <ip>        address to bind (default 0.0.0.0)
  --tls-cert <file>     serve TLS (ALPN h2, http/1.1) with this certificate...
  --tls-key <file>      ...and key
`;

interface EchoOptions {
  port: number;
  name: string;
  namespace: string;
  address: string;
  tlsCert?: string;
  tlsKey?: string;
}

function parse(argv: string[]): EchoOptions | string {
  const o: Partial<EchoOptions> = { namespace: 'default', address: '0.0.0.0' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[++i];
    if (v === undefined) return `${flag} needs a value`;
    switch (flag) {
      case '--port':
        if (!/^\d+$/.test(v) || Number(v) > 65535) return `--port "${v}" is not a port number`;
        o.port = Number(v);
        break;
      case '--name': o.name = v; break;
      case '--namespace': o.namespace = v; break;
      case '--address': o.address = v; break;
      case '--tls-cert': o.tlsCert = v; break;
      case '--tls-key': o.tlsKey = v; break;
      default: return `unknown option "${flag}"`;
    }
  }
  if (o.port === undefined) return '--port is required';
  if (!o.name) return '--name is required';
  if (!!o.tlsCert !== !!o.tlsKey) return '--tls-cert and --tls-key go together';
  return o as EchoOptions;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const o = parse(argv);
  if (typeof o === 'string') {
    process.stderr.write(`echo: ${o}\n\n${USAGE}`);
    return 2;
  }
  const server = new EchoServer(o);
  const port = await server.listen();
  process.stdout.write(`listening ${o.tlsCert ? 'TLS' : 'HTTP'} ${o.address.includes(':') ? `[${o.address}]` : o.address}:${port}\nready\n`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

export class EchoServer {
  private readonly failures = new Map<string, number>();
  private readonly server: net.Server;
  private readonly h1 = http.createServer((req, res) => this.handle(req, res));
  private readonly h2 = http2.createServer((req, res) => this.handle(req, res));

  constructor(private readonly o: EchoOptions) {
    this.h1.keepAliveTimeout = 30_000;
    this.h1.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.websocket(req, socket, head));
    if (o.tlsCert && o.tlsKey) {
      const secure = http2.createSecureServer({
        cert: fs.readFileSync(o.tlsCert), key: fs.readFileSync(o.tlsKey), allowHTTP1: true,
      }, (req, res) => this.handle(req, res));
      secure.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.websocket(req, socket, head));
      this.server = secure;
    } else {
      // HTTP/1.1 and h2c prior knowledge on one port, told apart by the first bytes
      this.server = net.createServer((socket) => {
        socket.once('data', (chunk) => {
          socket.pause();
          socket.unshift(chunk);
          if (chunk.toString('latin1', 0, 3) === 'PRI') {
            // the HTTP/2 session reads the socket natively (and takes the unshifted bytes first)
            this.h2.emit('connection', socket);
          } else {
            this.h1.emit('connection', socket);
            socket.resume();
          }
        });
      });
    }
  }

  public listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.o.address, port: this.o.port }, () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  public close(cb: () => void): void {
    this.h1.closeAllConnections();
    this.server.close(() => cb());
    setTimeout(cb, 1000).unref();
  }

  private handle(req: Req, res: Res): void {
    const url = new URL(req.url ?? '/', 'http://echo.invalid');
    const q = url.searchParams;
    if (q.get('drop') === '1') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delay = Number(q.get('delay') ?? 0);
      if (delay > 0) setTimeout(() => this.answer(req, res, q, Buffer.concat(chunks)), delay);
      else this.answer(req, res, q, Buffer.concat(chunks));
    });
  }

  private answer(req: Req, res: Res, q: URLSearchParams, body: Buffer): void {
    let status = Number(q.get('status') ?? 200);
    const key = q.get('key');
    const fail = Number(q.get('fail') ?? 0);
    if (key && fail > 0) {
      const n = this.failures.get(key) ?? 0;
      this.failures.set(key, n + 1);
      if (n < fail) status = 503;
    }
    const headers: Record<string, string> = {};
    for (const h of q.getAll('header')) {
      const i = h.indexOf(':');
      if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    const size = q.get('size');
    if (size !== null) {
      res.writeHead(status, { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(Number(size)) });
      res.end(Buffer.alloc(Number(size), 'x'));
      return;
    }
    const socket = req.socket as net.Socket & Partial<tls.TLSSocket>;
    const info = {
      pod: this.o.name,
      namespace: this.o.namespace,
      method: req.method,
      path: req.url,
      host: req.headers[':authority'] ?? req.headers.host,
      protocol: req.httpVersion === '2.0' ? 'HTTP/2' : `HTTP/${req.httpVersion}`,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !k.startsWith(':'))),
      tls: socket.encrypted ? { servername: socket.servername || null, alpn: socket.alpnProtocol || null } : null,
      bodyBytes: body.length,
      body: body.length <= 65536 ? body.toString('utf8') : undefined,
      remoteAddress: socket.remoteAddress,
      // the client's port: which of a pool's connections carried the request
      remotePort: socket.remotePort,
    };
    const json = Buffer.from(JSON.stringify(info) + '\n');
    const parts = Number(q.get('chunks') ?? 0);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', ...(parts > 1 ? {} : { 'content-length': String(json.length) }) });
    if (parts <= 1 || req.method === 'HEAD') {
      if (req.method === 'HEAD') res.end();
      else res.end(json);
      return;
    }
    const step = Math.ceil(json.length / parts);
    const interval = Number(q.get('interval') ?? 20);
    let i = 0;
    const next = () => {
      if (i >= json.length) {
        res.end();
        return;
      }
      (res as http.ServerResponse).write(json.subarray(i, i + step));
      i += step;
      setTimeout(next, interval);
    };
    next();
  }

  /** A minimal RFC 6455 echo: text and binary frames come back, ping gets pong, close is answered. */
  private websocket(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n` +
      `x-echo-pod: ${this.o.name}\r\n\r\n`);
    socket.write(frame(1, Buffer.from(JSON.stringify({ pod: this.o.name, namespace: this.o.namespace, path: req.url, headers: req.headers }))));
    let buf = head;
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const f = readFrame(buf);
        if (!f) return;
        buf = buf.subarray(f.length);
        if (f.opcode === 8) {
          socket.end(frame(8, f.payload));
          return;
        }
        if (f.opcode === 9) socket.write(frame(10, f.payload));
        else if (f.opcode === 1 || f.opcode === 2) socket.write(frame(f.opcode, f.payload));
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    if (head.length) onData(Buffer.alloc(0));
  }
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const header = len < 126 ? Buffer.from([0x80 + opcode, len])
    : len < 65536 ? Buffer.from([0x80 + opcode, 126, Math.floor(len / 256), len % 256])
      : Buffer.concat([Buffer.from([0x80 + opcode, 127]), bigLen(len)]);
  return Buffer.concat([header, payload]);
}

function bigLen(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function readFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0] % 16;
  const masked = buf[1] >= 128;
  let len = buf[1] % 128;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const maskOff = off;
  if (masked) off += 4;
  if (buf.length < off + len) return undefined;
  const payload = Buffer.from(buf.subarray(off, off + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] = payload[i] ^ buf[maskOff + (i % 4)]; // eslint-disable-line no-bitwise
  return { opcode, payload, length: off + len };
}
