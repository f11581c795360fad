/**
 * The ExternalAuth filter (HTTPRoute, experimental channel): before a request goes on, an authorization
 * server is asked; it allows the request (and may add headers to it) or answers the client itself.
 *
 * - HTTP protocol: the auth request has the client's method and path (behind `http.path`), its Host,
 *   Authorization and `http.allowedHeaders`, and the body up to `forwardBody.maxSize` (Content-Length says how
 *   much). A 200 lets the request continue with the auth response's headers (`http.allowedResponseHeaders`, or
 *   all but Host) set on it; any other answer goes to the client as the server sent it.
 * - GRPC protocol: Envoy's ext_authz v3 `Authorization/Check` (see ext-authz-proto.ts). Status OK allows, with
 *   the OkHttpResponse's header changes; anything else answers the DeniedHttpResponse (403 by default).
 * - Fail closed: an unreachable server is 503 GW_EXT_AUTH_UNREACHABLE, no answer in time 504
 *   GW_EXT_AUTH_TIMEOUT, a broken answer 502 GW_EXT_AUTH_FAILED, an invalid backendRef 500.
 */
import type * as net from 'node:net';
import type { BackendConfig, DataPlaneConfig, ExternalAuthFilterConfig } from '../../config/dataplane-config';
import type { GatewayErrorCode } from '../errors';
import type { ProxyContext } from './context';
import {
  CHECK_PATH, CheckRequestFields, decodeCheckResponse, encodeCheckRequest, grpcFrame, grpcMessages, HeaderAction, HeaderOption, ProtoError,
} from './ext-authz-proto';
import type { Endpoint } from '../upstream/h1-pool';
import type { UpstreamConnection, UpstreamHead, UpstreamSink } from '../upstream/sink';

/** Request body bytes buffered for the auth server at most, whatever forwardBody.maxSize says. */
export const MAX_AUTH_BODY = 1024 * 1024;
/** How long the auth server has to answer when the rule sets no backendRequest timeout. */
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000;
/** A denial body larger than this is not passed on (the check counts as failed). */
const MAX_AUTH_RESPONSE = 64 * 1024;
const MAX_STALE_RETRIES = 2;
/** Headers of the connection and the message framing: never sent as an allowed header, never set by an auth server. */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer',
  'proxy-connection', 'expect', 'http2-settings']);
/** Headers describing the auth response itself: not copied onto the request unless allowedResponseHeaders names them. */
const AUTH_RESPONSE_OWN = new Set(['content-type', 'content-encoding', 'date', 'server', 'proxy-authenticate']);

/** One ExternalAuth filter, prepared when the config loads. */
export class ExtAuthPlan {
  public readonly backend?: BackendConfig;
  public readonly grpc: boolean;
  /** `http.path` without a trailing slash ('' for none). */
  public readonly pathPrefix: string;
  /** HTTP: the headers sent besides Host and Authorization; GRPC: the headers sent (null: all). */
  public readonly allowedHeaders: ReadonlySet<string> | null;
  /** HTTP: the auth response headers copied onto the request (null: all but Host). */
  public readonly allowedResponseHeaders: ReadonlySet<string> | null;
  /** Request body bytes forwarded (0: none); larger bodies are refused with 413. */
  public readonly maxBody: number;
  public readonly label: string;

  constructor(f: ExternalAuthFilterConfig, config: DataPlaneConfig) {
    this.backend = f.backend !== undefined ? config.backends[f.backend] : undefined;
    this.label = this.backend ? this.backend.id : 'invalid';
    this.grpc = f.protocol === 'GRPC';
    const path = f.http?.path ?? '';
    this.pathPrefix = (path && !path.startsWith('/') ? `/${path}` : path).replace(/\/+$/, '');
    const allowed = this.grpc ? f.grpc?.allowedHeaders : f.http?.allowedHeaders;
    this.allowedHeaders = this.grpc && !allowed?.length ? null : new Set((allowed ?? []).map((h) => h.toLowerCase()));
    const resp = f.http?.allowedResponseHeaders;
    this.allowedResponseHeaders = resp?.length ? new Set(resp.map((h) => h.toLowerCase())) : null;
    this.maxBody = Math.min(f.forwardBodyMaxSize ?? 0, MAX_AUTH_BODY);
  }
}

/** What the exchange asking for authorization is told. */
export interface ExtAuthOwner {
  /** Allowed: headers to set on / remove from the request, and headers to add to the response. */
  onAuthAllowed(changes: HeaderOption[], remove: string[], responseHeaders: string[]): void;
  /** Denied: the answer for the client. */
  onAuthDenied(status: number, headers: string[], body: Buffer): void;
  onAuthError(code: GatewayErrorCode, detail: string): void;
}

/** The request facts an auth check is built from. */
export interface AuthSubject {
  readonly method: string;
  /** Normalised path and query, as routed. */
  readonly path: string;
  readonly query: string;
  readonly hostHeader: string;
  readonly secure: boolean;
  /** `HTTP/1.1` or `HTTP/2`. */
  readonly protocol: string;
  readonly clientIp: string;
  readonly clientPort: number;
  readonly listenerPort: number;
  readonly clientCert?: string;
  readonly rawHeaders: readonly string[];
  readonly lowerNames: readonly string[];
  /** Content-Length of the client request, -1 when unknown. */
  readonly contentLength: number;
}

/** One authorization check: an upstream request to the auth server whose answer decides the client's. */
export class ExtAuthCall implements UpstreamSink {
  public readonly upstreamHeadRequest: boolean;
  private conn: UpstreamConnection | null = null;
  private endpoint: Endpoint | null = null;
  private readonly head: UpstreamHead;
  private readonly payload: Buffer;
  private status = 0;
  private headers: string[] = [];
  private chunks: Buffer[] = [];
  private received = 0;
  private timer: NodeJS.Timeout | undefined;
  private staleRetries = 0;
  private done = false;

  constructor(
    private readonly ctx: ProxyContext, private readonly plan: ExtAuthPlan, private readonly owner: ExtAuthOwner,
    subject: AuthSubject, body: Buffer, timeoutMs: number, private readonly clusterDomain: string,
  ) {
    const backend = plan.backend!;
    const h2 = backend.protocol === 'h2c' || backend.protocol === 'h2';
    if (plan.grpc) {
      this.upstreamHeadRequest = false;
      this.payload = grpcFrame(encodeCheckRequest(checkRequest(plan, subject, body)));
      this.head = [
        ':method', 'POST',
        ':path', CHECK_PATH,
        ':authority', `${backend.name}.${backend.namespace}:${backend.port}`,
        ':scheme', backend.tls ? 'https' : 'http',
        'content-type', 'application/grpc',
        'te', 'trailers',
        'grpc-timeout', `${timeoutMs}m`,
      ];
    } else {
      this.upstreamHeadRequest = subject.method === 'HEAD';
      this.payload = body;
      this.head = httpHead(plan, subject, body.length, h2, backend);
    }
    this.timer = setTimeout(authTimeoutFired, timeoutMs, this);
    this.dispatch();
  }

  /** The exchange is over (client gone, request timeout): stop asking. */
  public abort(): void {
    if (this.done) return;
    this.done = true;
    this.cleanup();
  }

  /** @internal timer callback */
  public timeout(): void {
    this.timer = undefined;
    this.error('GW_EXT_AUTH_TIMEOUT', `the auth server ${this.plan.label} did not answer in time`);
  }

  // --- UpstreamSink --------------------------------------------------------------------------

  public onUpstreamConnection(conn: UpstreamConnection): void {
    if (this.done) {
      conn.abort();
      return;
    }
    this.conn = conn;
    const hasBody = this.payload.length > 0;
    conn.writeHead(this.head, !hasBody);
    if (hasBody) {
      conn.writeBody(this.payload, false);
      conn.endBody(false);
    }
  }

  public onUpstreamInterim(): void {}
  public onUpstreamFlush(): void {}
  public onUpstreamDrain(): void {}

  public onUpstreamHead(status: number, _reason: string, headers: string[]): void {
    this.status = status;
    this.headers = headers;
  }

  public onUpstreamBody(chunk: Buffer): void {
    if (this.done) return;
    this.received += chunk.length;
    if (this.received > MAX_AUTH_RESPONSE) {
      return this.error('GW_EXT_AUTH_FAILED', `the auth server ${this.plan.label} answered with more than ${MAX_AUTH_RESPONSE} bytes`);
    }
    this.chunks.push(chunk);
  }

  public onUpstreamEnd(trailers?: string[]): void {
    if (this.done) return;
    this.conn = null;
    const body = Buffer.concat(this.chunks);
    if (this.plan.grpc) return this.grpcAnswer(body, trailers);
    this.done = true;
    this.cleanup();
    if (this.status === 200) return this.owner.onAuthAllowed(allowedHeaders(this.plan, this.headers), [], []);
    this.owner.onAuthDenied(this.status, passOn(this.headers), body);
  }

  public onUpstreamError(code: GatewayErrorCode, detail: string, nothingSent: boolean): void {
    if (this.done) return;
    this.conn = null;
    // a reused keep-alive connection the server had closed: it never saw the check
    if (nothingSent && code !== 'GW_UPSTREAM_UNREACHABLE' && this.staleRetries++ < MAX_STALE_RETRIES) return this.dispatch();
    this.error(code === 'GW_UPSTREAM_UNREACHABLE' ? 'GW_EXT_AUTH_UNREACHABLE' : 'GW_EXT_AUTH_FAILED', `auth server ${this.plan.label}: ${detail}`);
  }

  public onUpstreamUpgrade(_s: number, _r: string, _h: string[], socket: net.Socket): void {
    socket.destroy();
    this.error('GW_EXT_AUTH_FAILED', `the auth server ${this.plan.label} switched protocols`);
  }

  // --- internals -------------------------------------------------------------------------------

  private grpcAnswer(body: Buffer, trailers: string[] | undefined): void {
    const label = this.plan.label;
    const grpcStatus = headerValue(trailers ?? [], 'grpc-status') ?? headerValue(this.headers, 'grpc-status');
    if (this.status !== 200) return this.error('GW_EXT_AUTH_FAILED', `the auth server ${label} answered HTTP ${this.status} to the gRPC Check call`);
    if (grpcStatus !== '0') {
      const message = headerValue(trailers ?? [], 'grpc-message') ?? headerValue(this.headers, 'grpc-message') ?? '';
      return this.error('GW_EXT_AUTH_FAILED', `the Check call to ${label} failed with grpc-status ${grpcStatus ?? 'missing'} ${decodeURIComponentSafe(message)}`);
    }
    let decided;
    try {
      const messages = grpcMessages(body);
      if (messages.length !== 1) throw new ProtoError(`expected one CheckResponse, got ${messages.length} messages`);
      decided = decodeCheckResponse(messages[0]);
    } catch (e) {
      return this.error('GW_EXT_AUTH_FAILED', `the auth server ${label} answered an unreadable CheckResponse: ${(e as Error).message}`);
    }
    this.done = true;
    this.cleanup();
    if (decided.code === 0) {
      const ok = decided.ok;
      const changes = (ok?.headers ?? []).filter((h) => mayChange(h.name));
      const response = (ok?.responseHeadersToAdd ?? []).flatMap((h) => (passable(h.name) ? [h.name, h.value] : []));
      return this.owner.onAuthAllowed(changes, (ok?.headersToRemove ?? []).filter(mayChange), response);
    }
    const denied = decided.denied;
    const status = denied && denied.status >= 200 && denied.status <= 599 ? denied.status : 403;
    const headers = (denied?.headers ?? []).flatMap((h) => (passable(h.name) ? [h.name, h.value] : []));
    this.owner.onAuthDenied(status, headers, Buffer.from(denied?.body ?? '', 'utf8'));
  }

  private dispatch(): void {
    this.ctx.upstreams.withEndpoint(this.plan.backend!, this.clusterDomain, (e) => this.dispatchTo(e));
  }

  private dispatchTo(e: Endpoint | Error): void {
    if (this.done) return;
    if (e instanceof Error) return this.error('GW_EXT_AUTH_UNREACHABLE', e.message);
    this.endpoint = e;
    this.status = 0;
    this.headers = [];
    this.chunks = [];
    this.received = 0;
    if (!this.ctx.upstreams.dispatch(this.plan.backend!, e, this)) {
      this.error('GW_EXT_AUTH_UNREACHABLE', `connection pool for ${e.host}:${e.port} is full`);
    }
  }

  private error(code: GatewayErrorCode, detail: string): void {
    if (this.done) return;
    this.done = true;
    this.cleanup();
    this.owner.onAuthError(code, detail);
  }

  private cleanup(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const conn = this.conn;
    if (conn) {
      this.conn = null;
      conn.abort();
    } else if (this.endpoint && this.status === 0) {
      this.ctx.upstreams.cancel(this.endpoint, this);
    }
  }
}

function authTimeoutFired(call: ExtAuthCall): void {
  call.timeout();
}

/** The HTTP auth request head: method, prefixed path, Host, Authorization, the allowed headers, Content-Length. */
function httpHead(
  plan: ExtAuthPlan, s: AuthSubject, bodyLength: number, h2: boolean, backend: BackendConfig,
): UpstreamHead {
  const target = plan.pathPrefix + s.path + (s.query ? `?${s.query}` : '');
  const allowed = plan.allowedHeaders!;
  const pairs: string[] = [];
  let xff = '';
  for (let i = 0, j = 0; i < s.rawHeaders.length; i += 2, j++) {
    const n = s.lowerNames[j];
    if (n === 'x-forwarded-for') xff = `${s.rawHeaders[i + 1]}, `;
    if (n.startsWith('x-forwarded-')) continue; // what the backend would get, below
    if (n === 'authorization' || (allowed.has(n) && !FRAMING.has(n))) pairs.push(n, s.rawHeaders[i + 1]);
  }
  if (allowed.has('x-forwarded-for')) pairs.push('x-forwarded-for', xff + s.clientIp);
  if (allowed.has('x-forwarded-proto')) pairs.push('x-forwarded-proto', s.secure ? 'https' : 'http');
  if (allowed.has('x-forwarded-host')) pairs.push('x-forwarded-host', s.hostHeader);
  if (h2) {
    return [':method', s.method, ':path', target, ':authority', s.hostHeader, ':scheme', backend.tls ? 'https' : 'http',
      'content-length', String(bodyLength), ...pairs];
  }
  let head = `${s.method} ${target} HTTP/1.1\r\nhost: ${s.hostHeader}\r\n`;
  for (let i = 0; i < pairs.length; i += 2) head += `${pairs[i]}: ${pairs[i + 1]}\r\n`;
  return `${head}content-length: ${bodyLength}\r\n\r\n`;
}

/** The CheckRequest attributes of a request: all headers, or only `grpc.allowedHeaders`. */
function checkRequest(plan: ExtAuthPlan, s: AuthSubject, body: Buffer): CheckRequestFields {
  const merged = new Map<string, string>();
  for (let i = 0, j = 0; i < s.rawHeaders.length; i += 2, j++) {
    const n = s.lowerNames[j];
    if (plan.allowedHeaders && !plan.allowedHeaders.has(n)) continue;
    const prev = merged.get(n);
    merged.set(n, prev === undefined ? s.rawHeaders[i + 1] : `${prev}${n === 'cookie' ? '; ' : ','}${s.rawHeaders[i + 1]}`);
  }
  const headers: Array<[string, string]> = [];
  const pseudo: Array<[string, string]> = [[':authority', s.hostHeader], [':method', s.method], [':path', s.path + (s.query ? `?${s.query}` : '')],
    [':scheme', s.secure ? 'https' : 'http']];
  // Envoy sends the pseudo-headers with the others; a filtered list sends what it names
  for (const [k, v] of pseudo) if (!plan.allowedHeaders || plan.allowedHeaders.has(k)) headers.push([k, v]);
  for (const [k, v] of merged) if (k !== 'host') headers.push([k, v]);
  return {
    sourceAddress: s.clientIp,
    sourcePort: s.clientPort,
    sourceCertificate: s.clientCert,
    destinationPort: s.listenerPort,
    timeMs: Date.now(),
    id: merged.get('x-request-id'),
    method: s.method,
    headers,
    path: s.path + (s.query ? `?${s.query}` : ''),
    host: s.hostHeader,
    scheme: s.secure ? 'https' : 'http',
    size: s.contentLength,
    protocol: s.protocol,
    body: body.length > 0 ? body : undefined,
  };
}

/** HTTP protocol, allowed: the auth response headers to set on the request. */
function allowedHeaders(plan: ExtAuthPlan, headers: string[]): HeaderOption[] {
  const out: HeaderOption[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i].toLowerCase();
    if (plan.allowedResponseHeaders ? plan.allowedResponseHeaders.has(n) && mayChange(n) : mayChange(n) && !AUTH_RESPONSE_OWN.has(n)) {
      out.push({ name: n, value: headers[i + 1], action: HeaderAction.OVERWRITE_IF_EXISTS_OR_ADD });
    }
  }
  // several values of one header: the first replaces the client's, the others are added
  const seen = new Set<string>();
  return out.map((h) => {
    if (!seen.has(h.name)) {
      seen.add(h.name);
      return h;
    }
    return { ...h, action: HeaderAction.APPEND_IF_EXISTS_OR_ADD };
  });
}

function mayChange(name: string): boolean {
  return name.length > 0 && name.charCodeAt(0) !== 58 /* : */ && !FRAMING.has(name);
}

/** Response headers of a denial that go to the client: framing and hop-by-hop ones are the gateway's. */
function passOn(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (passable(headers[i].toLowerCase())) out.push(headers[i], headers[i + 1]);
  return out;
}

function passable(name: string): boolean {
  return name.length > 0 && name.charCodeAt(0) !== 58 && !FRAMING.has(name) && name !== 'proxy-authenticate';
}

function headerValue(headers: string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === name) return headers[i + 1];
  return undefined;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
