import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';

export interface SimpleResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined. */
  readonly json: any;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  /** Sets the Host header (the URL keeps 127.0.0.1:port for the socket). */
  readonly host?: string;
  readonly agent?: http.Agent | false;
}

function parseJson(body: string): any {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** An HTTP/1.1 request with Node's http client (no connection reuse unless an agent is given). */
export function request(url: string, o: RequestOptions = {}): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...(o.headers ?? {}) };
    if (o.host) headers.host = o.host;
    const req = http.request(url, { method: o.method ?? 'GET', headers, agent: o.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body, json: parseJson(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** One HTTP/2 request over a new session (cleartext prior knowledge for http:, ALPN for https:). */
export function request2(url: string, o: RequestOptions & { ca?: string; servername?: string } = {}): Promise<SimpleResponse & { alpn?: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const session = http2.connect(u.origin, u.protocol === 'https:' ? { ca: o.ca, servername: o.servername ?? o.host } : {});
    session.on('error', reject);
    const headers: http2.OutgoingHttpHeaders = { ':method': o.method ?? 'GET', ':path': u.pathname + u.search, ...(o.headers ?? {}) };
    if (o.host) headers[':authority'] = o.host;
    const req = session.request(headers);
    const chunks: Buffer[] = [];
    let status = 0;
    let resHeaders: http.IncomingHttpHeaders = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h as http.IncomingHttpHeaders;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const alpn = (session.socket as { alpnProtocol?: string }).alpnProtocol;
      session.close();
      resolve({ status, headers: resHeaders, body, json: parseJson(body), alpn });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Writes raw bytes on a new TCP connection and resolves with everything read until the server closes (or timeout). */
export function rawRequest(port: number, data: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    const done = () => resolve(Buffer.concat(chunks).toString('latin1'));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', done);
    s.on('error', () => undefined);
    setTimeout(() => {
      s.destroy();
    }, timeoutMs).unref();
  });
}
