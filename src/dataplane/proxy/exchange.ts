import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ListenerConfig, RequestRedirectFilterConfig } from '../../config/dataplane-config';
import { isGrpcContentType, normalizeHost, redirectLocation, rewritePath } from '../../router';
import type { RouteDecision, RouteRequest } from '../../router';
import { ERROR_HEADER, errorBody, errorGrpcStatus, errorStatus, GatewayErrorCode } from '../errors';
import type { Generation, PortRuntime } from '../generation';
import type { ProxyContext } from './context';
import { CORS_VARY, CorsPlan } from './cors';
import { DEFAULT_AUTH_TIMEOUT_MS, ExtAuthCall, ExtAuthOwner, ExtAuthPlan, AuthSubject } from './ext-auth';
import { HeaderAction, HeaderOption } from './ext-authz-proto';
import { lineStart } from './header-names';
import { connectionTokens, HOP_BY_HOP, RESPONSE_HOP_BY_HOP } from './hop-by-hop';
import { MirrorRequest } from './mirror';
import { normalizeTarget } from './path';
import type { BackendChoice, RulePlan } from './rule-plan';
import type { Endpoint } from '../upstream/h1-pool';
import type { UpstreamConnection, UpstreamSink } from '../upstream/sink';

/** Request bodies up to this size are kept so that a retry can resend them. */
const MAX_REPLAY_BYTES = 64 * 1024;
/** Body buffered while no upstream connection is ready, before reading from the client pauses. */
const MAX_PENDING_BYTES = 256 * 1024;
/** Transparent re-sends when a connection was refused or a reused keep-alive connection turned out to be closed. */
const MAX_STALE_RETRIES = 3;
/** Methods a proxy may send again on its own after a connection failure (RFC 9110 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const NO_HEADERS: string[] = [];
// Shared initial values, replaced (never written to) before use: an exchange is created per request.
const NO_HEADER_VALUES: Record<string, string | string[] | undefined> = Object.freeze({});
const NO_CHUNKS: Buffer[] = Object.freeze([]) as unknown as Buffer[];
/** Between the client address and the Host in buildH1Head. */
const FORWARDED_HTTP = '\r\nx-forwarded-proto: http\r\nx-forwarded-host: ';
const FORWARDED_HTTPS = '\r\nx-forwarded-proto: https\r\nx-forwarded-host: ';
const EMPTY = Buffer.alloc(0);

/**
 * One request/response through the gateway, independent of the downstream protocol (HTTP/1.1 or
 * HTTP/2, subclasses) and the upstream one (UpstreamConnection). The request is routed once, then
 * filters, backend choice, upstream attempts (with retries and timeouts) and the response run as
 * methods of this object: no closures per request.
 *
 * The exchange is its own RouteRequest (method, host, path, query, headers).
 */
export abstract class Exchange implements UpstreamSink, RouteRequest, ExtAuthOwner, AuthSubject {
  // --- request, filled by the downstream before begin() ---------------------------------------
  public method = '';
  public host = '';
  public path = '';
  public query = '';
  /** Lower-case names → value(s), for routing and lookups. */
  public headers: Record<string, string | string[] | undefined> = NO_HEADER_VALUES;
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
  public clientPort = 0;
  public secure = false;
  /** Upgrade protocol requested (HTTP/1.1 Upgrade), '' when none. */
  public upgrade = '';
  /** The verified client certificate of the TLS connection (frontend mTLS), as forwarded to backends. */
  public clientCert: string | undefined = undefined;
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
  /** The endpoint (`address:port`) a session token pins, when it names one. */
  private pinned: string | undefined = undefined;
  /** Endpoints a retry should avoid (they failed this request). */
  private tried: Set<string> | null = null;
  /** How far proceed() got: 0 rule's ExternalAuth, 1 redirect and backend choice (then the backend's ExternalAuth), 2 forward. */
  private step = 0;

  // --- external authorization (ExternalAuth filters) -----------------------------------------------
  private auth: ExtAuthCall | null = null;
  /** A check waiting for the request body it forwards. */
  private authWaitingBody: ExtAuthPlan | null = null;
  /** 100 Continue was sent to the client already (so the body could reach an ExternalAuth check). */
  private continued = false;
  /** Request headers the auth server replaced or removed, and the ones it set: [name, value, ...]. */
  private authSkip: Set<string> | null = null;
  private authAdd: string[] | null = null;

  // --- request body --------------------------------------------------------------------------
  /** Request body kept for a retry or not written yet (NO_CHUNKS until the first: most requests have none). */
  private bodyChunks: Buffer[] = NO_CHUNKS;
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
  /** gRPC: the client's grpc-timeout, enforced by the gateway too (DEADLINE_EXCEEDED). */
  private deadlineTimer: NodeJS.Timeout | undefined;
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
  /** The CORS filter allowed the Origin: the gateway's Access-Control-* headers replace the backend's. */
  private corsAllowed = false;
  /** exposeHeaders `*` with credentials: Access-Control-Expose-Headers lists the response's header names. */
  private corsExposeAll = false;
  protected done = false;
  /** The backend answered with a HEADERS frame that ended the stream (a gRPC trailers-only response). */
  protected headOnly = false;
  /** gRPC calls: the grpc-status answered (-1 until known). */
  private grpcStatus = -1;
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
    if (plan.rule.grpc) {
      const t = this.headers['grpc-timeout'];
      const ms = typeof t === 'string' ? grpcTimeoutMs(t) : -1;
      if (ms >= 0) this.deadlineTimer = setTimeout(deadlineFired, ms, this);
    }
    if (plan.unsupported) return this.fail('GW_UNSUPPORTED_FILTER', plan.unsupported.message);
    if (plan.cors || plan.backendCors) {
      // a backendRef's own CORS filter replaces the rule's: the backend is chosen first then
      const cors = plan.backendCors ? (this.chooseBackend()?.cors ?? plan.cors) : plan.cors;
      if (cors && this.answerCors(cors)) return;
    }
    this.proceed();
  }

  /** The rest of begin(), run again from where it stopped when an ExternalAuth check allows the request. */
  private proceed(): void {
    const plan = this.plan!;
    if (this.step === 0) {
      this.step = 1;
      if (plan.extAuth) return this.authorize(plan.extAuth);
    }
    if (this.step === 1) {
      if (plan.redirect) return this.redirect(plan.redirect);
      const choice = this.chooseBackend();
      if (!choice) return this.fail('GW_NO_BACKEND', `${plan.routeLabel} rule ${plan.ruleLabel} has no backends`);
      if (choice.unsupported) return this.fail('GW_UNSUPPORTED_FILTER', choice.unsupported.message);
      if (!choice.backend) return this.fail('GW_INVALID_BACKEND', `${choice.invalid?.reason ?? 'invalid'}: ${choice.invalid?.message ?? ''}`);
      this.step = 2;
      if (choice.extAuth) return this.authorize(choice.extAuth);
    }
    // a backendRef's own RequestRedirect: "executed if and only if the request is being forwarded to the backend
    // defined here" (HTTPBackendRef.filters); like a rule's, after the ExternalAuth check
    if (this.choice!.redirect) return this.redirect(this.choice!.redirect);
    const choice = this.choice!;
    if (plan.session && !this.sessionIssued) this.sessionIssued = Date.now();
    if (choice.mirrors.length) this.startMirrors(choice);
    this.upstreamHead = choice.backend!.protocol === 'h2c' || choice.backend!.protocol === 'h2' ? this.buildH2Head(choice) : this.buildH1Head(choice);
    this.dispatch();
  }

  /** The backend for this request, chosen once: the one its session names, else a weighted pick. */
  private chooseBackend(): BackendChoice | undefined {
    if (this.choice) return this.choice;
    const plan = this.plan!;
    let choice: BackendChoice | undefined;
    if (plan.session) {
      const s = plan.session.backendOf(this.headers[plan.session.cookie ? 'cookie' : plan.session.headerName], Date.now());
      if (s) {
        choice = plan.byBackendId(s.backend);
        if (choice) {
          this.sessionIssued = s.issued;
          this.pinned = s.endpoint;
        }
      }
      this.sessionFresh = !choice;
    }
    choice ??= plan.pick();
    this.choice = choice;
    return choice;
  }

  /**
   * The CORS filter: answers a preflight (OPTIONS with Origin and Access-Control-Request-Method) itself and returns
   * true; otherwise prepares the headers of the actual response (CorsPlan says which) and returns false.
   */
  private answerCors(cors: CorsPlan): boolean {
    const origin = this.headers.origin;
    const allowed = typeof origin === 'string' && cors.allows(origin);
    const acrm = this.headers['access-control-request-method'];
    if (typeof origin === 'string' && this.method === 'OPTIONS' && typeof acrm === 'string') {
      const acrh = this.headers['access-control-request-headers'];
      this.respondLocal(200, allowed ? cors.preflightHeaders(origin, acrm, typeof acrh === 'string' ? acrh : undefined) : CORS_VARY as string[]);
      return true;
    }
    if (allowed) {
      this.extraResponseHeaders = cors.responseHeaders(origin);
      this.corsAllowed = true;
      this.corsExposeAll = cors.exposeResponseHeaders;
    } else {
      this.extraResponseHeaders = CORS_VARY as string[];
    }
    return false;
  }

  // --- ExternalAuth --------------------------------------------------------------------------------

  /** The listener port the request came in on (for the auth server's AttributeContext). */
  public get listenerPort(): number {
    return this.port.config.port;
  }

  /** The downstream protocol, as an auth server is told it. */
  public get protocol(): string {
    return 'HTTP/1.1';
  }

  private authorize(p: ExtAuthPlan): void {
    if (!p.backend) return this.fail('GW_INVALID_BACKEND', 'the ExternalAuth filter\'s backendRef is invalid (the route\'s ResolvedRefs condition says why)');
    if (p.maxBody > 0 && this.hasBody()) {
      if (this.contentLength > p.maxBody) return this.tooLargeForAuth(p);
      if (!this.requestEnded) {
        // the check waits for the body it forwards (onRequestEnd)
        this.authWaitingBody = p;
        if (this.bytesIn > p.maxBody) return this.tooLargeForAuth(p);
        if (this.requestPaused) this.resumeRequest();
        const expect = this.headers.expect;
        if (typeof expect === 'string' && expect.toLowerCase() === '100-continue' && !this.continued) {
          // a client waiting for 100 Continue would otherwise never send the body the check needs
          this.continued = true;
          this.sendInterim(100, NO_HEADERS);
        }
        return;
      }
    }
    this.startAuth(p);
  }

  private startAuth(p: ExtAuthPlan): void {
    const body = p.maxBody > 0 && this.hasBody() ? Buffer.concat(this.bodyChunks) : EMPTY;
    const timeoutMs = this.plan!.backendTimeoutMs || DEFAULT_AUTH_TIMEOUT_MS;
    this.auth = new ExtAuthCall(this.ctx, p, this, this, body, timeoutMs, this.gen.config.options.clusterDomain);
  }

  private tooLargeForAuth(p: ExtAuthPlan): void {
    this.fail('GW_EXT_AUTH_BODY_TOO_LARGE', `the request body is over the ${p.maxBody} bytes the ExternalAuth filter forwards to ${p.label}`);
  }

  public onAuthAllowed(changes: HeaderOption[], remove: string[], responseHeaders: string[]): void {
    this.auth = null;
    if (this.done) return;
    for (const n of remove) (this.authSkip ??= new Set()).add(n);
    for (const h of changes) {
      const present = this.headers[h.name] !== undefined && !this.authSkip?.has(h.name);
      if (h.action === HeaderAction.ADD_IF_ABSENT && present) continue;
      if (h.action === HeaderAction.OVERWRITE_IF_EXISTS && !present) continue;
      if (h.action !== HeaderAction.APPEND_IF_EXISTS_OR_ADD) (this.authSkip ??= new Set()).add(h.name);
      (this.authAdd ??= []).push(h.name, h.value);
    }
    if (responseHeaders.length > 0) this.extraResponseHeaders = [...(this.extraResponseHeaders ?? []), ...responseHeaders];
    this.proceed();
  }

  public onAuthDenied(status: number, headers: string[], body: Buffer): void {
    this.auth = null;
    if (this.done) return;
    this.clearTimers();
    this.error = 'GW_EXT_AUTH_DENIED';
    this.errorDetail = `the auth server answered ${status}`;
    // counted with the gateway's own answers: a denial rate is what an operator alerts on
    this.ctx.countError('GW_EXT_AUTH_DENIED');
    this.status = status;
    const h = this.extraResponseHeaders ? [...headers, ...this.extraResponseHeaders] : headers;
    const bodyless = this.method === 'HEAD' || status === 204 || status === 304;
    this.sendHead(status, '', h, bodyless ? 0 : body.length);
    if (!bodyless && body.length > 0) this.sendBody(body);
    this.sendEnd();
    this.finish();
  }

  public onAuthError(code: GatewayErrorCode, detail: string): void {
    this.auth = null;
    this.fail(code, detail);
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
        this.keepChunk(chunk);
        this.written++;
      }
      if (!conn.writeBody(chunk, this.bodyChunked)) this.pauseRequest();
      return;
    }
    this.keepChunk(chunk);
    this.pendingBytes += chunk.length;
    const waiting = this.authWaitingBody;
    if (waiting) {
      if (this.bytesIn > waiting.maxBody) this.tooLargeForAuth(waiting);
      return; // at most maxBody (≤ 1 MiB) is held while the check waits for it
    }
    if (this.pendingBytes > MAX_PENDING_BYTES) this.pauseRequest();
  }

  private keepChunk(chunk: Buffer): void {
    if (this.bodyChunks === NO_CHUNKS) this.bodyChunks = [chunk];
    else this.bodyChunks.push(chunk);
  }

  public onRequestEnd(): void {
    if (this.done) return;
    this.requestEnded = true;
    const waiting = this.authWaitingBody;
    if (waiting) {
      this.authWaitingBody = null;
      this.startAuth(waiting);
    }
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
      this.bodyChunks = NO_CHUNKS;
      this.written = 0;
    }
    this.pendingBytes = 0;
    if (this.requestPaused) this.resumeRequest();
    if (this.requestEnded) conn.endBody(this.bodyChunked);
  }

  public onUpstreamInterim(status: number, headers: string[]): void {
    if (status === 100 && !this.headSent && !this.continued) this.sendInterim(status, headers);
  }

  public onUpstreamHead(status: number, reason: string, headers: string[], endStream?: boolean): void {
    if (this.done) return;
    if (endStream) {
      this.headOnly = true;
      // a trailers-only gRPC answer carries grpc-status in its only HEADERS frame
      if (this.grpcStatus < 0 && this.plan?.rule.grpc) this.grpcStatus = grpcStatusOf(headers);
    }
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
    if (trailers && this.grpcStatus < 0 && this.plan?.rule.grpc) this.grpcStatus = grpcStatusOf(trailers);
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
    const plan = this.plan!;
    // A refused connection never carried the request: sent again at once, not counted as an attempt. A kept-alive
    // connection that failed before any answer may have been closed by the backend while idle, or may have carried
    // the request to a backend that then crashed; so it is retried only as the retry policy allows (an attempt), or,
    // without one, re-sent at once for idempotent methods only (RFC 9110 9.2.2).
    const unreached = nothingSent && code === 'GW_UPSTREAM_UNREACHABLE';
    const stale = nothingSent && !unreached && !plan.retryCodes && IDEMPOTENT.has(this.method);
    if ((unreached || stale) && this.staleRetries < MAX_STALE_RETRIES && this.bodyReplayable()) {
      this.staleRetries++;
      return this.dispatch();
    }
    // with a retry policy, connection errors and resets are retried whatever its codes (HTTPRouteRetry)
    if (plan.retryCodes && this.canRetry()) return this.retry();
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
    const grpc = this.speaksGrpc();
    if (grpc) this.grpcStatus = errorGrpcStatus(code);
    if (this.headSent) {
      // a gRPC stream already answering ends with the status in its trailers, when the client takes trailers
      if (!grpc || !this.endWithGrpcStatus(this.grpcStatus, grpcMessage(code, detail))) this.destroyDownstream();
      return this.finish();
    }
    const status = errorStatus(code);
    this.status = status;
    if (grpc) {
      // a trailers-only response: one HEADERS frame with the status, ending the stream
      this.status = 200;
      this.sendGrpcTrailersOnly(['content-type', 'application/grpc', 'grpc-status', String(this.grpcStatus),
        'grpc-message', grpcMessage(code, detail), ERROR_HEADER, code]);
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

  /** @internal timer callback: the gRPC deadline passed. */
  public deadline(): void {
    this.deadlineTimer = undefined;
    this.fail('GW_DEADLINE_EXCEEDED', 'grpc-timeout passed before the call completed');
  }

  /** gRPC errors for gRPC calls: a GRPCRoute rule, or any request with a gRPC content type (no route matched yet). */
  private speaksGrpc(): boolean {
    if (this.plan) return this.plan.rule.grpc || isGrpcContentType(this.headers['content-type']);
    return isGrpcContentType(this.headers['content-type']);
  }

  // --- downstream protocol hooks -------------------------------------------------------------------

  /** A gRPC response with no messages: the status in the response headers, and the stream ends (HTTP/2: one HEADERS frame). */
  protected sendGrpcTrailersOnly(headers: string[]): void {
    this.sendHead(200, 'OK', headers, 0);
    this.sendEnd();
  }

  /** Ends a response in progress with gRPC status trailers; false when the downstream cannot (HTTP/1.1, no `te: trailers`). */
  protected endWithGrpcStatus(_status: number, _message: string): boolean {
    return false;
  }

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
    const r = this.ctx.upstreams.resolve(backend, this.gen.config.options.clusterDomain, this.tried ?? undefined, this.pinned);
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

  /**
   * Another attempt after the backoff (HTTPRouteRetry.backoff: "the minimum duration a Gateway should wait between
   * retry attempts"; waited as it is, every time). The request timeout keeps running across attempts and backoffs.
   */
  private retry(): void {
    this.attempts++;
    // the next attempt prefers another endpoint of the Service (cluster mode balances over them)
    if (this.endpoint) (this.tried ??= new Set()).add(`${this.endpoint.host}:${this.endpoint.port}`);
    this.choice!.retries.inc();
    if (this.backendTimer) {
      clearTimeout(this.backendTimer);
      this.backendTimer = undefined;
    }
    this.retryTimer = setTimeout(retryFired, this.plan!.retryBackoffMs, this);
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
    // "retry attempts which reach the configured BackendRequest timeout duration without a response SHOULD be
    // canceled ... and the Gateway should wait for at least the specified backoff duration before attempting to
    // retry" (HTTPRouteRetry.backoff): a timed-out attempt is retried whatever the codes say
    if (this.plan!.retryCodes && this.canRetry()) return this.retry();
    this.fail('GW_UPSTREAM_TIMEOUT', `no response within ${this.plan!.backendTimeoutMs} ms (backendRequest timeout)`);
  }

  /** @internal timer callback */
  public requestTimeout(): void {
    this.requestTimer = undefined;
    if (this.done || this.headSent) return;
    this.fail('GW_REQUEST_TIMEOUT', `no response within ${this.plan!.requestTimeoutMs} ms (request timeout)`);
  }

  private abortUpstream(): void {
    if (this.auth) {
      this.auth.abort();
      this.auth = null;
    }
    this.authWaitingBody = null;
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

  private redirect(f: RequestRedirectFilterConfig): void {
    // the same computation `explain` shows (src/router): the listener port is the config's, not a --port-map
    const location = redirectLocation(f, {
      scheme: this.secure ? 'https' : 'http', host: this.host, port: this.port.config.port, path: this.path, query: this.query,
    }, this.decision!.entry);
    const h = ['location', location];
    if (this.extraResponseHeaders) h.push(...this.extraResponseHeaders);
    this.respondLocal(f.statusCode, h);
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
      // body that arrived before the mirrors started (while an ExternalAuth check ran)
      for (const c of this.bodyChunks) mirror.body(c);
      if (this.requestEnded) mirror.end();
      (this.mirrors ??= []).push(mirror);
    }
  }

  private upstreamPath(choice: BackendChoice): string {
    const rw = choice.rewrite;
    const path = rw?.path ? rewritePath(rw.path, this.path, this.decision!.entry.path) || '/' : this.path;
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
    // the client-certificate header comes from the TLS handshake only, never from the client
    const certHeader = this.gen.clientCertHeader;
    let xff = '';
    // few pieces (each + is a new string on this path): each line starts with the CRLF that ends the line
    // before it (lineStart), constants join the lines around the values
    let head = `${this.method} ${this.upstreamPath(choice)} HTTP/1.1\r\nhost: ${this.upstreamHost(choice)}`;
    for (let i = 0, j = 0; i < raw.length; i += 2, j++) {
      const n = lower[j];
      if (HOP_BY_HOP.has(n)) {
        if (n === 'x-forwarded-for') xff = raw[i + 1] + ', ';
        continue;
      }
      if (listed?.has(n) || ops?.remove.has(n) || n === certHeader || this.authSkip?.has(n)) continue;
      head += lineStart(raw[i]) + raw[i + 1];
    }
    if (ops) for (let i = 0; i < ops.append.length; i += 2) head += '\r\n' + ops.append[i] + ': ' + ops.append[i + 1];
    const auth = this.authAdd;
    if (auth) for (let i = 0; i < auth.length; i += 2) head += '\r\n' + auth[i] + ': ' + auth[i + 1];
    if (certHeader && this.clientCert) head += '\r\n' + certHeader + ': ' + this.clientCert;
    // '' + x is x itself: the usual request (no body, no upgrade) adds no string here
    const chunked = this.bodyChunked || (this.contentLength < 0 && this.hasBody()) ? '\r\ntransfer-encoding: chunked' : '';
    const upgrade = this.upgrade ? '\r\nconnection: upgrade\r\nupgrade: ' + this.upgrade : '';
    return head + '\r\nx-forwarded-for: ' + xff + this.clientIp + (this.secure ? FORWARDED_HTTPS : FORWARDED_HTTP) + this.hostHeader +
      chunked + upgrade + '\r\n\r\n';
  }

  /** The same for an HTTP/2 backend, as a header object. */
  private buildH2Head(choice: BackendChoice): Record<string, string | string[]> {
    const raw = this.rawHeaders;
    const lower = this.lowerNames;
    const ops = choice.requestOps;
    const conn = this.headers.connection;
    const listed = conn === undefined ? undefined : connectionTokens(conn);
    const certHeader = this.gen.clientCertHeader;
    const out: Record<string, string | string[]> = {
      ':method': this.method, ':path': this.upstreamPath(choice), ':authority': this.upstreamHost(choice), ':scheme': choice.backend?.tls ? 'https' : 'http',
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
      if (n === 'expect' || listed?.has(n) || ops?.remove.has(n) || n === certHeader || this.authSkip?.has(n)) continue;
      add(n, raw[i + 1]);
    }
    if (ops) for (let i = 0; i < ops.append.length; i += 2) add(ops.append[i].toLowerCase(), ops.append[i + 1]);
    const auth = this.authAdd;
    if (auth) for (let i = 0; i < auth.length; i += 2) add(auth[i], auth[i + 1]);
    if (certHeader && this.clientCert) out[certHeader] = this.clientCert;
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
      if (this.corsAllowed && n.startsWith('access-control-')) continue;
      out.push(name, headers[i + 1]);
    }
    if (listed) {
      for (let i = out.length - 2; i >= 0; i -= 2) if (listed.has(out[i].toLowerCase())) out.splice(i, 2);
    }
    if (ops) out.push(...ops.append);
    if (this.corsExposeAll) out.push('access-control-expose-headers', exposedNames(out));
    if (this.extraResponseHeaders) out.push(...this.extraResponseHeaders);
    const session = this.plan?.session;
    if (session && this.choice?.backend) {
      const endpoint = this.endpoint ? `${this.endpoint.host}:${this.endpoint.port}` : undefined;
      // a session whose endpoint went away (or failed and was retried elsewhere) is pinned to the new one
      if (this.sessionFresh || session.refreshes || endpoint !== this.pinned) {
        out.push(...session.responseHeader(this.choice.backend.id, this.sessionIssued, Date.now(), endpoint));
      }
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
    // the gRPC deadline outlives the response head (a stream may still be answering), not the exchange
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
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
    if (plan?.rule.grpc) {
      if (this.grpcStatus < 0 && this.error === 'GW_CLIENT_ABORTED') this.grpcStatus = 1; // CANCELLED
      plan.grpcRequests(choice?.label ?? '', this.grpcStatus).inc();
    }
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
    if (this.grpcStatus >= 0) line += `,"grpcStatus":${this.grpcStatus}`;
    if (this.error) line += `,"error":"${this.error}","detail":${JSON.stringify(this.errorDetail)}`;
    this.ctx.log.raw(line + '}');
  }
}

/** The header names of a response, for Access-Control-Expose-Headers (CORS exposeHeaders `*` with credentials). */
function exposedNames(headers: string[]): string {
  const names: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i].toLowerCase();
    if (!names.includes(n) && n !== 'set-cookie') names.push(n);
  }
  return names.join(', ');
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

function deadlineFired(x: Exchange): void {
  x.deadline();
}

const GRPC_TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The grpc-timeout header (`<1-8 digits><unit>`, gRPC over HTTP/2 spec) in milliseconds; -1 when malformed. */
export function grpcTimeoutMs(v: string): number {
  const m = /^(\d{1,8})([HMSmun])$/.exec(v);
  return m ? Math.max(1, Math.ceil(Number(m[1]) * GRPC_TIMEOUT_UNIT_MS[m[2]])) : -1;
}

function grpcStatusOf(headers: string[]): number {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'grpc-status') return Number(headers[i + 1]);
  return -1;
}

/**
 * The grpc-message of a gateway error, percent-encoded as the gRPC spec requires: only `%` and bytes outside
 * printable ASCII (as UTF-8) are escaped, so clients that decode nothing still read it.
 */
function grpcMessage(code: GatewayErrorCode, detail: string): string {
  const m = `${code}: ${detail}`.slice(0, 1000);
  if (/^[\x20-\x24\x26-\x7e]*$/.test(m)) return m;
  let out = '';
  for (const b of Buffer.from(m, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
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
