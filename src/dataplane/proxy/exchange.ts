import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ListenerConfig } from '../../config/dataplane-config';
import { normalizeHost } from '../../router';
import type { RouteDecision, RouteRequest } from '../../router';
import { ERROR_HEADER, errorBody, errorGrpcStatus, errorStatus, GatewayErrorCode } from '../errors';
import type { Generation, PortRuntime } from '../generation';
import type { ProxyContext } from './context';
import { connectionTokens, HOP_BY_HOP, RESPONSE_HOP_BY_HOP } from './hop-by-hop';
import { MirrorRequest } from './mirror';
import { normalizeTarget } from './path';
import { modifyPath } from './path-rewrite';
import type { BackendChoice, RulePlan } from './rule-plan';
import type { Endpoint } from '../upstream/h1-pool';
import type { UpstreamConnection, UpstreamSink } from '../upstream/sink';

/** Request bodies up to this size are kept so that a retry can resend them. */
const MAX_REPLAY_BYTES = 64 * 1024;
/** Body buffered while no upstream connection is ready, before reading from the client pauses. */
const MAX_PENDING_BYTES = 256 * 1024;
/** Transparent re-sends when a reused keep-alive connection turned out to be closed. */
const MAX_STALE_RETRIES = 3;
const NO_HEADERS: string[] = [];

/**
 * One request/response through the gateway, independent of the downstream protocol (HTTP/1.1 or
 * HTTP/2, subclasses) and the upstream one (UpstreamConnection). The request is routed once, then
 * filters, backend choice, upstream attempts (with retries and timeouts) and the response run as
 * methods of this object: no closures per request.
 *
 * The exchange is its own RouteRequest (method, host, path, query, headers).
 */
export abstract class Exchange implements UpstreamSink, RouteRequest {
  // --- request, filled by the downstream before begin() ---------------------------------------
  public method = '';
  public host = '';
  public path = '';
  public query = '';
  /** Lower-case names → value(s), for routing and lookups. */
  public headers: Record<string, string | string[] | undefined> = {};
  /** As received: [name, value, ...]. */
  public rawHeaders: string[] = NO_HEADERS;
  /** Lower-case names, parallel to the names in rawHeaders. */
  public lowerNames: string[] = NO_HEADERS;
  public rawTarget = '';
  /** The Host header (or :authority) as received, port included. */
  public hostHeader = '';
  /** Request body framing: a Content-Length (-1: none given), or chunked (HTTP/1.1) / unknown length (HTTP/2). */
  public contentLength = -1;
  public bodyChunked = false;
  public clientIp = '';
  public secure = false;
  /** Upgrade protocol requested (HTTP/1.1 Upgrade), '' when none. */
  public upgrade = '';
  public readonly upstreamHeadRequest: boolean = false;

  // --- routing -------------------------------------------------------------------------------
  protected gen!: Generation;
  protected port!: PortRuntime;
  protected listener: ListenerConfig | undefined;
  protected decision: RouteDecision | undefined;
  protected plan: RulePlan | undefined;
  protected choice: BackendChoice | undefined;
  private sessionIssued = 0;
  private sessionFresh = false;

  // --- request body --------------------------------------------------------------------------
  private bodyChunks: Buffer[] = [];
  private written = 0;
  private bodyBytes = 0;
  private replayable = true;
  private requestEnded = false;
  private pendingBytes = 0;
  private requestPaused = false;
  private mirrors: MirrorRequest[] | null = null;

  // --- upstream ------------------------------------------------------------------------------
  private conn: UpstreamConnection | null = null;
  private endpoint: Endpoint | null = null;
  private upstreamHead: string | Record<string, string | string[]> = '';
  private attempts = 0;
  private staleRetries = 0;
  private attemptStart = 0;
  private upstreamMs = -1;
  private requestTimer: NodeJS.Timeout | undefined;
  private backendTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  // --- response ------------------------------------------------------------------------------
  protected headSent = false;
  protected status = 0;
  protected bytesIn = 0;
  protected bytesOut = 0;
  private error: GatewayErrorCode | undefined;
  private errorDetail = '';
  private extraResponseHeaders: string[] | null = null;
  protected done = false;
  private readonly startedAt = performance.now();

  constructor(protected readonly ctx: ProxyContext) {
    ctx.activeRequests.inc();
  }

  /** Routes the request and starts answering it. The body may follow through onRequestBody/onRequestEnd. */
  public begin(gen: Generation, port: PortRuntime, tlsListener: ListenerConfig | undefined): void {
    this.gen = gen;
    this.port = port;
    const target = normalizeTarget(this.rawTarget);
    if (!target) return this.fail('GW_BAD_REQUEST', `malformed request target ${JSON.stringify(this.rawTarget.slice(0, 200))}`);
    this.path = target.path;
    this.query = target.query;
    if (target.authority !== undefined) this.hostHeader = target.authority;
    this.host = hostOf(this.hostHeader);
    let listener: ListenerConfig | undefined;
    if (tlsListener) {
      if (port.router.listenerFor(this.host) !== tlsListener) {
        return this.fail('GW_MISDIRECTED_REQUEST', `host ${this.host} is not served by listener ${tlsListener.id} chosen by SNI`);
      }
      listener = tlsListener;
    } else {
      listener = port.router.listenerFor(this.host);
      if (!listener) return this.fail('GW_UNKNOWN_HOST', `no listener on port ${port.config.port} accepts host ${this.host}`);
    }
    this.listener = listener;
    const decision = port.router.match(this, listener);
    if (!decision) return this.fail('GW_NO_ROUTE', `no route of listener ${listener.id} matches ${this.method} ${this.path}`);
    this.decision = decision;
    const plan = gen.rules[decision.ruleIndex];
    this.plan = plan;
    if (plan.requestTimeoutMs > 0) this.requestTimer = setTimeout(requestTimeoutFired, plan.requestTimeoutMs, this);
    if (plan.unsupported) return this.fail('GW_UNSUPPORTED_FILTER', plan.unsupported.message);
    if (plan.cors) {
      const origin = this.headers.origin;
      if (typeof origin === 'string') {
        const allowed = plan.cors.allows(origin);
        const acrm = this.headers['access-control-request-method'];
        if (this.method === 'OPTIONS' && typeof acrm === 'string') {
          const acrh = this.headers['access-control-request-headers'];
          return this.respondLocal(200, allowed ? plan.cors.preflightHeaders(origin, acrm, typeof acrh === 'string' ? acrh : undefined) : NO_HEADERS);
        }
        if (allowed) this.extraResponseHeaders = plan.cors.responseHeaders(origin);
      }
    }
    if (plan.redirect) return this.redirect(plan);
    let choice: BackendChoice | undefined;
    if (plan.session) {
      const s = plan.session.backendOf(this.headers[plan.session.cookie ? 'cookie' : plan.session.headerName], Date.now());
      if (s) {
        choice = plan.byBackendId(s.backend);
        if (choice) this.sessionIssued = s.issued;
      }
      this.sessionFresh = !choice;
    }
    choice ??= plan.pick();
    if (!choice) return this.fail('GW_NO_BACKEND', `${plan.routeLabel} rule ${plan.ruleLabel} has no backends`);
    this.choice = choice;
    if (choice.unsupported) return this.fail('GW_UNSUPPORTED_FILTER', choice.unsupported.message);
    if (!choice.backend) return this.fail('GW_INVALID_BACKEND', `${choice.invalid?.reason ?? 'invalid'}: ${choice.invalid?.message ?? ''}`);
    if (plan.session && !this.sessionIssued) this.sessionIssued = Date.now();
    if (choice.mirrors.length) this.startMirrors(choice);
    this.upstreamHead = choice.backend.protocol === 'h2c' || choice.backend.protocol === 'h2' ? this.buildH2Head(choice) : this.buildH1Head(choice);
    this.dispatch();
  }

  // --- request body from the downstream ---------------------------------------------------------

  public onRequestBody(chunk: Buffer): void {
    if (this.done) return;
    this.bytesIn += chunk.length;
    if (this.mirrors) for (const m of this.mirrors) m.body(chunk);
    if (this.replayable) {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes > MAX_REPLAY_BYTES) this.replayable = false;
    }
    const conn = this.conn;
    if (conn && this.written === this.bodyChunks.length) {
      // fast path: connected and nothing queued
      if (this.replayable) {
        this.bodyChunks.push(chunk);
        this.written++;
      }
      if (!conn.writeBody(chunk, this.bodyChunked)) this.pauseRequest();
      return;
    }
    this.bodyChunks.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) this.pauseRequest();
  }

  public onRequestEnd(): void {
    if (this.done) return;
    this.requestEnded = true;
    if (this.mirrors) for (const m of this.mirrors) m.end();
    const conn = this.conn;
    if (conn && this.written === this.bodyChunks.length && this.hasBody()) conn.endBody(this.bodyChunked);
  }

  /** The client went away (or the downstream connection failed): cancel everything upstream. */
  public onDownstreamAbort(): void {
    if (this.done) return;
    this.abortUpstream();
    this.error ??= 'GW_CLIENT_ABORTED';
    if (!this.headSent) this.status = 499;
    this.finish();
  }

  // --- UpstreamSink ----------------------------------------------------------------------------

  public onUpstreamConnection(conn: UpstreamConnection): void {
    if (this.done) {
      conn.abort();
      return;
    }
    this.conn = conn;
    this.attemptStart = performance.now();
    const hasBody = this.hasBody();
    conn.writeHead(this.upstreamHead, !hasBody);
    if (!hasBody) return;
    const chunks = this.bodyChunks;
    for (let i = 0; i < chunks.length; i++) conn.writeBody(chunks[i], this.bodyChunked);
    this.written = chunks.length;
    if (!this.replayable) {
      this.bodyChunks = [];
      this.written = 0;
    }
    this.pendingBytes = 0;
    if (this.requestPaused) this.resumeRequest();
    if (this.requestEnded) conn.endBody(this.bodyChunked);
  }

  public onUpstreamInterim(status: number, headers: string[]): void {
    if (status === 100 && !this.headSent) this.sendInterim(status, headers);
  }

  public onUpstreamHead(status: number, reason: string, headers: string[]): void {
    if (this.done) return;
    this.upstreamMs = performance.now() - this.attemptStart;
    this.choice?.upstreamDuration.observe(this.upstreamMs / 1000);
    const plan = this.plan!;
    if (plan.retryCodes?.has(status) && this.canRetry()) {
      this.abortUpstream();
      return this.retry();
    }
    this.clearTimers();
    this.status = status;
    // nothing to add or remove beyond hop-by-hop headers: the downstream may serialise them in one pass
    if (!this.choice?.responseOps && !this.extraResponseHeaders && !plan.session) return this.sendUpstreamHead(status, reason, headers);
    this.sendHead(status, reason, this.responseHeaders(headers), this.responseLength(status, headers));
  }

  public onUpstreamFlush(): void {
    if (this.headSent && !this.done) this.flushHead();
  }

  public onUpstreamBody(chunk: Buffer): void {
    if (this.done) return;
    this.bytesOut += chunk.length;
    if (!this.sendBody(chunk)) this.conn?.pause();
  }

  public onUpstreamEnd(trailers?: string[]): void {
    if (this.done) return;
    this.conn = null;
    this.sendEnd(trailers);
    this.finish();
  }

  public onUpstreamError(code: GatewayErrorCode, detail: string, nothingSent: boolean): void {
    if (this.done) return;
    this.conn = null;
    this.choice?.upstreamError(code).inc();
    if (this.headSent) {
      this.error = code;
      this.errorDetail = detail;
      this.destroyDownstream();
      return this.finish();
    }
    if (nothingSent && this.staleRetries < MAX_STALE_RETRIES && this.bodyReplayable()) {
      this.staleRetries++;
      return this.dispatch();
    }
    // connection errors are always retried (when the rule has a retry policy)
    if (this.plan?.retryCodes && this.canRetry()) return this.retry();
    this.fail(code, detail);
  }

  public onUpstreamDrain(): void {
    if (this.requestPaused) this.resumeRequest();
  }

  public onUpstreamUpgrade(status: number, reason: string, headers: string[], socket: net.Socket, head: Buffer): void {
    if (this.done) {
      socket.destroy();
      return;
    }
    this.clearTimers();
    this.status = status;
    const out = this.responseHeaders(headers);
    out.push('connection', 'upgrade', 'upgrade', this.upgradeOf(headers));
    this.tunnel(status, reason, out, socket, head);
    this.finish();
  }

  // --- called by the downstream ------------------------------------------------------------------

  /** The downstream can take more response body. */
  public onDownstreamDrain(): void {
    this.conn?.resume();
  }

  /** Answers a gateway error (before anything was sent) or closes the stream (after). */
  public fail(code: GatewayErrorCode, detail: string): void {
    if (this.done) return;
    this.error = code;
    this.errorDetail = detail;
    this.clearTimers();
    this.abortUpstream();
    this.ctx.countError(code);
    if (this.headSent) {
      this.destroyDownstream();
      return this.finish();
    }
    const status = errorStatus(code);
    this.status = status;
    if (this.plan?.rule.grpc) {
      this.sendHead(200, 'OK', ['content-type', 'application/grpc', 'grpc-status', String(errorGrpcStatus(code)),
        'grpc-message', encodeURIComponent(detail), ERROR_HEADER, code], 0);
      this.sendEnd();
      return this.finish();
    }
    const body = errorBody(code);
    const h = ['content-type', 'application/json', ERROR_HEADER, code];
    if (this.extraResponseHeaders) h.push(...this.extraResponseHeaders);
    this.sendHead(status, '', h, this.method === 'HEAD' ? 0 : body.length);
    if (this.method !== 'HEAD') this.sendBody(body);
    this.sendEnd();
    this.finish();
  }

  // --- downstream protocol hooks -------------------------------------------------------------------

  /** Sends the response head. `length`: body bytes (Content-Length), 0 for none, -1 unknown (chunked or close). */
  protected abstract sendHead(status: number, reason: string, headers: string[], length: number): void;
  /** A backend's response head as received (no response filters apply); the downstream drops hop-by-hop headers. */
  protected sendUpstreamHead(status: number, reason: string, headers: string[]): void {
    this.sendHead(status, reason, this.responseHeaders(headers), this.responseLength(status, headers));
  }

  /** Returns false when the downstream is congested (onDownstreamDrain follows). */
  protected abstract sendBody(chunk: Buffer): boolean;
  protected abstract sendEnd(trailers?: string[]): void;
  protected abstract sendInterim(status: number, headers: string[]): void;
  /** Writes a response head held back for coalescing (the upstream has nothing more for now). */
  protected abstract flushHead(): void;
  /** Abort the response mid-way (the client sees a reset, not a truncated success). */
  protected abstract destroyDownstream(): void;
  protected abstract pauseDownstream(): void;
  protected abstract resumeDownstream(): void;
  /** Bridges the client connection to an upgraded backend connection. */
  protected abstract tunnel(status: number, reason: string, headers: string[], upstream: net.Socket, head: Buffer): void;
  /** The exchange is over (response sent or aborted); the downstream may serve the next request. */
  protected abstract completed(): void;

  // --- internals -------------------------------------------------------------------------------

  /** Retries need the whole body: no body, or one small enough to have been kept. */
  private bodyReplayable(): boolean {
    return !this.hasBody() || this.replayable;
  }

  private canRetry(): boolean {
    return this.attempts < this.plan!.retryAttempts && this.bodyReplayable() && !this.headSent;
  }

  private hasBody(): boolean {
    return this.contentLength > 0 || this.bodyChunked;
  }

  private dispatch(): void {
    const choice = this.choice!;
    const backend = choice.backend!;
    const r = this.ctx.upstreams.resolve(backend, this.gen.config.options.clusterDomain);
    if (r instanceof Error) return this.fail('GW_UPSTREAM_UNREACHABLE', r.message);
    if (r instanceof Promise) {
      r.then((e) => this.dispatchTo(e), (e: Error) => this.dispatchTo(e));
      return;
    }
    this.dispatchTo(r);
  }

  private dispatchTo(e: Endpoint | Error): void {
    if (this.done) return;
    if (e instanceof Error) return this.fail('GW_UPSTREAM_UNREACHABLE', e.message);
    this.endpoint = e;
    this.written = 0;
    if (this.plan!.backendTimeoutMs > 0) {
      // one timer per attempt (a re-send on a fresh connection is a new attempt)
      if (this.backendTimer) clearTimeout(this.backendTimer);
      this.backendTimer = setTimeout(backendTimeoutFired, this.plan!.backendTimeoutMs, this);
    }
    if (!this.ctx.upstreams.dispatch(this.choice!.backend!, e, this)) {
      this.fail('GW_UPSTREAM_UNREACHABLE', `connection pool for ${e.host}:${e.port} is full`);
    }
  }

  private retry(): void {
    this.attempts++;
    this.choice!.retries.inc();
    if (this.backendTimer) {
      clearTimeout(this.backendTimer);
      this.backendTimer = undefined;
    }
    const base = this.plan!.retryBackoffMs;
    const delay = Math.min(base * 2 ** (this.attempts - 1), base * 10);
    this.retryTimer = setTimeout(retryFired, delay, this);
  }

  /** @internal timer callback */
  public retryNow(): void {
    this.retryTimer = undefined;
    if (this.done) return;
    // another backend of the rule, when there is one (not when a session pins the backend)
    const plan = this.plan!;
    const next = plan.session ? undefined : plan.pickOther(this.choice!);
    if (next) {
      this.choice = next;
      this.upstreamHead = next.backend!.protocol === 'h2c' || next.backend!.protocol === 'h2' ? this.buildH2Head(next) : this.buildH1Head(next);
    }
    this.dispatch();
  }

  /** @internal timer callback */
  public backendTimeout(): void {
    this.backendTimer = undefined;
    if (this.done || this.headSent) return;
    this.abortUpstream();
    this.choice?.upstreamError('GW_UPSTREAM_TIMEOUT').inc();
    if (this.plan!.retryCodes?.has(504) && this.canRetry()) return this.retry();
    this.fail('GW_UPSTREAM_TIMEOUT', `no response within ${this.plan!.backendTimeoutMs} ms (backendRequest timeout)`);
  }

  /** @internal timer callback */
  public requestTimeout(): void {
    this.requestTimer = undefined;
    if (this.done || this.headSent) return;
    this.fail('GW_REQUEST_TIMEOUT', `no response within ${this.plan!.requestTimeoutMs} ms (request timeout)`);
  }

  private abortUpstream(): void {
    const conn = this.conn;
    if (conn) {
      this.conn = null;
      conn.abort();
    } else if (this.endpoint) {
      this.ctx.upstreams.cancel(this.endpoint, this);
    }
  }

  private clearTimers(): void {
    if (this.requestTimer) clearTimeout(this.requestTimer);
    if (this.backendTimer) clearTimeout(this.backendTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.requestTimer = this.backendTimer = this.retryTimer = undefined;
  }

  private pauseRequest(): void {
    if (!this.requestPaused) {
      this.requestPaused = true;
      this.pauseDownstream();
    }
  }

  private resumeRequest(): void {
    if (this.requestPaused) {
      this.requestPaused = false;
      this.resumeDownstream();
    }
  }

  private redirect(plan: RulePlan): void {
    const r = plan.redirect!;
    const scheme = r.scheme ?? (this.secure ? 'https' : 'http');
    const port = r.port ?? (r.scheme ? (r.scheme === 'https' ? 443 : 80) : this.port.config.port);
    const defaultPort = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
    const hostname = r.hostname ?? this.host;
    const path = r.path ? modifyPath(this.path, r.path, this.decision!.entry.path) : this.path;
    const location = `${scheme}://${hostname}${defaultPort ? '' : ':' + port}${path}${this.query ? '?' + this.query : ''}`;
    this.respondLocal(r.statusCode, ['location', location]);
  }

  /** A response the gateway makes itself (redirect, CORS preflight), empty body. */
  private respondLocal(status: number, headers: string[]): void {
    this.clearTimers();
    this.status = status;
    this.sendHead(status, '', headers, 0);
    this.sendEnd();
    this.finish();
  }

  private startMirrors(choice: BackendChoice): void {
    for (const m of choice.mirrors) {
      if (m.fraction < 1 && Math.random() >= m.fraction) continue;
      m.series.inc();
      const mirror = new MirrorRequest(this.ctx, m.backend, this.gen.config.options.clusterDomain,
        m.backend.protocol === 'h2c' || m.backend.protocol === 'h2' ? this.buildH2Head(choice) : this.buildH1Head(choice),
        this.bodyChunked || this.contentLength < 0, this.hasBody());
      (this.mirrors ??= []).push(mirror);
    }
  }

  private upstreamPath(choice: BackendChoice): string {
    const rw = choice.rewrite;
    const path = rw?.path ? modifyPath(this.path, rw.path, this.decision!.entry.path) : this.path;
    return this.query ? path + '?' + this.query : path;
  }

  private upstreamHost(choice: BackendChoice): string {
    return choice.rewrite?.hostname ?? this.hostHeader;
  }

  /** The HTTP/1.1 request head for the backend: hop-by-hop headers dropped, filters applied, X-Forwarded-* set. */
  private buildH1Head(choice: BackendChoice): string {
    const raw = this.rawHeaders;
    const lower = this.lowerNames;
    const ops = choice.requestOps;
    const conn = this.headers.connection;
    const listed = conn === undefined ? undefined : connectionTokens(conn);
    let xff = '';
    let head = `${this.method} ${this.upstreamPath(choice)} HTTP/1.1\r\nhost: ${this.upstreamHost(choice)}\r\n`;
    for (let i = 0, j = 0; i < raw.length; i += 2, j++) {
      const n = lower[j];
      if (HOP_BY_HOP.has(n)) {
        if (n === 'x-forwarded-for') xff = raw[i + 1] + ', ';
        continue;
      }
      if (listed?.has(n) || ops?.remove.has(n)) continue;
      head += raw[i] + ': ' + raw[i + 1] + '\r\n';
    }
    if (ops) for (let i = 0; i < ops.append.length; i += 2) head += ops.append[i] + ': ' + ops.append[i + 1] + '\r\n';
    head += 'x-forwarded-for: ' + xff + this.clientIp + '\r\nx-forwarded-proto: ' + (this.secure ? 'https' : 'http') +
      '\r\nx-forwarded-host: ' + this.hostHeader + '\r\n';
    if (this.bodyChunked) head += 'transfer-encoding: chunked\r\n';
    else if (this.contentLength < 0 && this.hasBody()) head += 'transfer-encoding: chunked\r\n';
    if (this.upgrade) head += 'connection: upgrade\r\nupgrade: ' + this.upgrade + '\r\n';
    return head + '\r\n';
  }

  /** The same for an HTTP/2 backend, as a header object. */
  private buildH2Head(choice: BackendChoice): Record<string, string | string[]> {
    const raw = this.rawHeaders;
    const lower = this.lowerNames;
    const ops = choice.requestOps;
    const conn = this.headers.connection;
    const listed = conn === undefined ? undefined : connectionTokens(conn);
    const out: Record<string, string | string[]> = {
      ':method': this.method, ':path': this.upstreamPath(choice), ':authority': this.upstreamHost(choice), ':scheme': 'http',
    };
    let xff = '';
    const add = (n: string, v: string) => {
      const prev = out[n];
      out[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    };
    for (let i = 0, j = 0; i < raw.length; i += 2, j++) {
      const n = lower[j];
      if (n === 'te' && raw[i + 1].trim().toLowerCase() === 'trailers') {
        out.te = 'trailers';
        continue;
      }
      if (HOP_BY_HOP.has(n)) {
        if (n === 'x-forwarded-for') xff = raw[i + 1] + ', ';
        continue;
      }
      if (n === 'expect' || listed?.has(n) || ops?.remove.has(n)) continue;
      add(n, raw[i + 1]);
    }
    if (ops) for (let i = 0; i < ops.append.length; i += 2) add(ops.append[i].toLowerCase(), ops.append[i + 1]);
    out['x-forwarded-for'] = xff + this.clientIp;
    out['x-forwarded-proto'] = this.secure ? 'https' : 'http';
    out['x-forwarded-host'] = this.hostHeader;
    return out;
  }

  /** Response headers for the client: hop-by-hop dropped, response filters, CORS and session headers added. */
  private responseHeaders(headers: string[]): string[] {
    const ops = this.choice?.responseOps;
    const out: string[] = [];
    let listed: Set<string> | undefined;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      const n = name.toLowerCase();
      if (n === 'connection') {
        listed = connectionTokens(headers[i + 1]);
        continue;
      }
      // framing is the downstream's business (sendHead writes Content-Length from `length`)
      if (RESPONSE_HOP_BY_HOP.has(n) || n === 'content-length') continue;
      if (ops?.remove.has(n)) continue;
      out.push(name, headers[i + 1]);
    }
    if (listed) {
      for (let i = out.length - 2; i >= 0; i -= 2) if (listed.has(out[i].toLowerCase())) out.splice(i, 2);
    }
    if (ops) out.push(...ops.append);
    if (this.extraResponseHeaders) out.push(...this.extraResponseHeaders);
    const session = this.plan?.session;
    if (session && this.choice?.backend && (this.sessionFresh || session.refreshes)) {
      out.push(...session.responseHeader(this.choice.backend.id, this.sessionIssued, Date.now()));
    }
    return out;
  }

  private responseLength(status: number, headers: string[]): number {
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) return 0;
    for (let i = 0; i < headers.length; i += 2) {
      const n = headers[i];
      if (n.length === 14 && n.toLowerCase() === 'content-length') return Number(headers[i + 1]);
    }
    return -1;
  }

  private upgradeOf(headers: string[]): string {
    for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === 'upgrade') return headers[i + 1];
    return this.upgrade;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    if (this.mirrors) for (const m of this.mirrors) m.release();
    const ctx = this.ctx;
    ctx.activeRequests.dec();
    const status = this.status;
    const plan = this.plan;
    const choice = this.choice;
    if (choice && choice.backend) choice.requests(status).inc();
    else if (plan) plan.requests(status).inc();
    else ctx.unrouted(status).inc();
    const ms = performance.now() - this.startedAt;
    plan?.duration.observe(ms / 1000);
    if (ctx.accessLog) this.logAccess(ms);
    this.completed();
  }

  private logAccess(ms: number): void {
    const plan = this.plan;
    let line = `{"time":"${new Date().toISOString()}","level":"info","msg":"access","method":${JSON.stringify(this.method)},` +
      `"host":${JSON.stringify(this.host || this.hostHeader)},"path":${JSON.stringify(this.path || this.rawTarget)},"status":${this.status},` +
      `"listener":${this.listener ? JSON.stringify(this.listener.id) : null},` +
      `"route":${plan ? JSON.stringify(plan.routeLabel) : null},"rule":${plan ? JSON.stringify(plan.ruleLabel) : null},` +
      `"backend":${this.choice ? JSON.stringify(this.choice.label) : null},"bytesIn":${this.bytesIn},"bytesOut":${this.bytesOut},` +
      `"durationMs":${ms.toFixed(3)},"upstreamMs":${this.upstreamMs < 0 ? null : this.upstreamMs.toFixed(3)},` +
      `"attempts":${this.attempts + (this.conn || this.upstreamMs >= 0 ? 1 : 0)},"client":${JSON.stringify(this.clientIp)}`;
    if (this.error) line += `,"error":"${this.error}","detail":${JSON.stringify(this.errorDetail)}`;
    this.ctx.log.raw(line + '}');
  }
}

let lastHostHeader = '';
let lastHost = '';

/** normalizeHost with a one-entry cache: consecutive requests mostly carry the same Host. */
function hostOf(hostHeader: string): string {
  if (hostHeader !== lastHostHeader) {
    lastHost = normalizeHost(hostHeader);
    lastHostHeader = hostHeader;
  }
  return lastHost;
}

function requestTimeoutFired(x: Exchange): void {
  x.requestTimeout();
}

function backendTimeoutFired(x: Exchange): void {
  x.backendTimeout();
}

function retryFired(x: Exchange): void {
  x.retryNow();
}
