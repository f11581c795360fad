/**
 * An HTTP/1.1 request to a backend through node:http's client: the fallback when the native parser's Node
 * internal is missing or changed (see src/dataplane/http1/native-support.ts). It takes the request head the
 * exchange serialised for a raw connection and re-issues it through http.request on a keep-alive agent.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { GatewayErrorCode } from '../errors';
import type { Endpoint } from './h1-pool';
import type { UpstreamConnection, UpstreamHead, UpstreamSink } from './sink';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The keep-alive agent of one endpoint's fallback requests. */
export function fallbackAgent(endpoint: Endpoint, maxSockets: number): http.Agent {
  return endpoint.tls ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
}

export class NodeHttpUpstream implements UpstreamConnection {
  public readonly http2 = false;
  private req: http.ClientRequest | undefined;
  private res: http.IncomingMessage | undefined;
  private done = false;
  private gotResponse = false;

  constructor(private readonly endpoint: Endpoint, private readonly agent: http.Agent, private readonly sink: UpstreamSink) {}

  public writeHead(head: UpstreamHead, endStream: boolean): boolean {
    const lines = String(head).split('\r\n');
    const [method, path] = lines[0].split(' ');
    const headers: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (!line) continue;
      const colon = line.indexOf(':');
      headers.push(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const { host, port, tls } = this.endpoint;
    // a flat [name, value, ...] list keeps repeated headers as they were
    const flat = headers as unknown as http.OutgoingHttpHeaders;
    const options: https.RequestOptions = { ...tls, host, port, method, path, headers: flat, agent: this.agent, setHost: false };
    const req = (tls ? https : http).request(options);
    this.req = req;
    req.on('response', (res) => {
      this.gotResponse = true;
      this.res = res;
      if (this.done) return;
      this.sink.onUpstreamHead(res.statusCode ?? 502, res.statusMessage ?? '', res.rawHeaders);
      this.sink.onUpstreamFlush();
      res.on('data', (chunk: Buffer) => {
        if (!this.done) this.sink.onUpstreamBody(chunk);
      });
      res.on('end', () => this.end(() => this.sink.onUpstreamEnd()));
      res.on('error', (e) => this.fail(e));
    });
    req.on('information', (info) => {
      if (!this.done && info.statusCode !== 101) this.sink.onUpstreamInterim(info.statusCode, info.rawHeaders);
    });
    req.on('upgrade', (res, socket: net.Socket, rest: Buffer) => {
      this.gotResponse = true;
      if (this.done) {
        socket.destroy();
        return;
      }
      this.end(() => this.sink.onUpstreamUpgrade(res.statusCode ?? 101, res.statusMessage ?? '', res.rawHeaders, socket, rest));
    });
    req.on('drain', () => {
      if (!this.done) this.sink.onUpstreamDrain();
    });
    req.on('error', (e) => this.fail(e));
    if (endStream) req.end();
    else req.flushHeaders();
    return true;
  }

  public writeBody(chunk: Buffer): boolean {
    return this.req ? this.req.write(chunk) : true;
  }

  public endBody(): void {
    this.req?.end();
  }

  public pause(): void {
    this.res?.pause();
  }

  public resume(): void {
    this.res?.resume();
  }

  public abort(): void {
    this.done = true;
    this.req?.destroy();
  }

  private end(report: () => void): void {
    if (this.done) return;
    this.done = true;
    report();
  }

  private fail(e: Error & { code?: string }): void {
    const code: GatewayErrorCode = UNREACHABLE.has(e.code ?? '') ? 'GW_UPSTREAM_UNREACHABLE'
      : this.endpoint.tls && !this.gotResponse && /certificate|SSL|TLS/i.test(`${e.code} ${e.message}`) ? 'GW_UPSTREAM_TLS'
        : 'GW_UPSTREAM_RESET';
    this.end(() => this.sink.onUpstreamError(code, `${this.endpoint.host}:${this.endpoint.port}: ${e.message}`, code === 'GW_UPSTREAM_UNREACHABLE'));
  }
}
