import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ListenerConfig, RequestRedirectFilterConfig } from '../../config/dataplane-config';
import { answersGrpc, decideRequest, decisionDetail, normalizeHost, normalizeTarget, redirectLocation } from '../../router';
import type { RequestDecision, RouteDecision, RouteRequest, ShareChooser } from '../../router';
import { errorBody, errorGrpcStatus, errorStatus, GatewayErrorCode } from '../errors';
import type { Generation, PortRuntime } from '../generation';
import { accessLogLine } from './access-log';
import { AttemptingExchange, Attempts } from './attempts';
import { Authorization, AuthorizedExchange } from './authorization';
import type { ProxyContext } from './context';
import { corsPlanOf } from './cors';
import type { ExtAuthPlan } from './ext-auth';
import { grpcMessage, grpcStatusOf, grpcTimeoutMs } from './grpc';
import type { HeaderOps } from './header-ops';
import { corsAnswer, CorsAnswer, errorHead, grpcErrorHead, preflightHead, redirectHead } from './local-answers';
import { MirrorRequest } from './mirror';
import { BodyChunk, MAX_PENDING_BYTES, RequestBody } from './request-body';
import { responseHeaders, responseLength, ResponseShaping, upgradeOf } from './response-headers';
import type { BackendChoice, RulePlan } from './rule-plan';
import { ForwardedRequest, hasBody, RequestHeaderChanges, speaksHttp2, upstreamHead } from './upstream-head';
import type { UpstreamConnection, UpstreamHead } from '../upstream/sink';

/** Where an exchange is. Each state's work is a stage of its own module, named next to it. */
export const ExchangeState = {
  /** The downstream fills in the request; `begin` reads its target and asks the router's decision (router/decide.ts). */
  RECEIVED: 0,
  /** The rule's ExternalAuth filter is asked (authorization.ts). */
  CHECKING_ROUTE: 1,
  /** The chosen backendRef's own ExternalAuth filter is asked. */
  CHECKING_BACKEND: 2,
  /** The request is at the backend: attempts, their timeouts, retries and backoff (attempts.ts). */
  FORWARDING: 3,
  /** A response head went out, the backend's (response-headers.ts) or the gateway's own (local-answers.ts); its body follows. */
  RESPONDING: 4,
  /** Over: answered, failed or aborted; counted and logged (access-log.ts). */
  DONE: 5,
} as const;
export type ExchangeState = (typeof ExchangeState)[keyof typeof ExchangeState];

const NO_HEADERS: string[] = [];
// Shared initial values, replaced (never written to) before use: an exchange is created per request.
const NO_HEADER_VALUES: Record<string, string | string[] | undefined> = Object.freeze({});
const EMPTY = Buffer.alloc(0);

/**
 * One request/response through the gateway, independent of the downstream protocol (HTTP/1.1 or HTTP/2,
 * subclasses) and the upstream one. It holds the request and carries out the router's decision, stage by stage:
 *
 * 1. `begin`: the request target is read (router/request-target.ts) and the router decides the outcome
 *    (`decideRequest`: listener, route, the CORS preflight, redirects, the backend share, errors);
 * 2. the ExternalAuth checks the decision waits for (authorization.ts), the rule's then the backend's;
 * 3. the outcome: a local answer (local-answers.ts: errors, redirects, preflights) or the attempts at the backend
 *    (attempts.ts), whose request head is one header walk for both HTTP versions (upstream-head.ts) and whose body
 *    goes through request-body.ts;
 * 4. the response (response-headers.ts), then `finish`: metrics and the access log (access-log.ts).
 *
 * The exchange is its own RouteRequest and ShareChooser: routing allocates nothing per request.
 */
export abstract class Exchange implements RouteRequest, ShareChooser, ForwardedRequest, AuthorizedExchange, AttemptingExchange, ResponseShaping {
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
  /** The whole request body arrived (or there is none). */
  public requestEnded = false;
  /** Request body bytes received. */
  public bytesIn = 0;

  // --- the decision and where it is ------------------------------------------------------------
  public state: ExchangeState = ExchangeState.RECEIVED;
  protected gen!: Generation;
  protected port!: PortRuntime;
  /** What the router decided (router/decide.ts); undefined until begin() asks it. */
  protected decision: RequestDecision | undefined = undefined;
  protected plan: RulePlan | undefined = undefined;
  /** The share of the rule's traffic the request goes to, once the decision reached it. */
  protected choice: BackendChoice | undefined = undefined;
  private sessionIssued = 0;
  private sessionFresh = false;
  /** AttemptingExchange: the endpoint (`address:port`) a session token pins, when it names one. */
  public pinnedEndpoint: string | undefined = undefined;

  // --- stages, created when the request needs them -----------------------------------------------
  private body: RequestBody | null = null;
  private auth: Authorization | null = null;
  private attempts: Attempts | null = null;
  private mirrors: MirrorRequest[] | null = null;
  private requestPaused = false;
  private requestTimer: NodeJS.Timeout | undefined = undefined;
  /** gRPC: the client's grpc-timeout, enforced by the gateway too (DEADLINE_EXCEEDED). */
  private deadlineTimer: NodeJS.Timeout | undefined = undefined;

  // --- response ------------------------------------------------------------------------------
  /** The response head went out (the downstream sets it). */
  public headSent = false;
  protected status = 0;
  protected bytesOut = 0;
  private error: GatewayErrorCode | undefined = undefined;
  private errorDetail = '';
  /** Added to the answer: a CORS filter's headers, an ExternalAuth server's response headers. */
  public extraResponseHeaders: string[] | null = null;
  /** The CORS filter allowed the Origin: the gateway's Access-Control-* headers replace the backend's. */
  public corsAllowed = false;
  /** exposeHeaders `*` with credentials: Access-Control-Expose-Headers lists the response's header names. */
  public corsExposeAll = false;
  /** The backend answered with a HEADERS frame that ended the stream (a gRPC trailers-only response). */
  protected headOnly = false;
  /** gRPC calls: the grpc-status answered (-1 until known). */
  private grpcStatus = -1;
  private readonly startedAt = performance.now();

  constructor(public readonly ctx: ProxyContext) {
    ctx.activeRequests.inc();
  }

  // --- 1. the decision -------------------------------------------------------------------------

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
    const d = decideRequest(port.router, this, tlsListener, this);
    this.decision = d;
    if (d.route !== undefined) this.startTimers(gen.rules[d.route.ruleIndex]);
    // the CORS filter's headers go on whatever answers (a preflight is answered with its own)
    if (d.cors !== undefined && d.code !== 'GW_CORS_PREFLIGHT') this.addCors(corsAnswer(corsPlanOf(d.cors), this.headers.origin));
    if (d.ruleCheck !== undefined) return this.check(ExchangeState.CHECKING_ROUTE, this.plan!.extAuth!);
    this.afterRouteCheck();
  }

  /** ShareChooser: the backend for this request, chosen once: the one its session names, else a weighted pick. */
  public chooseShare(route: RouteDecision): number {
    const plan = this.gen.rules[route.ruleIndex];
    let choice: BackendChoice | undefined;
    if (plan.session) {
      const s = plan.session.backendOf(this.headers[plan.session.cookie ? 'cookie' : plan.session.headerName], Date.now());
      if (s) {
        choice = plan.byBackendId(s.backend);
        if (choice) {
          this.sessionIssued = s.issued;
          this.pinnedEndpoint = s.endpoint;
        }
      }
      this.sessionFresh = !choice;
    }
    choice ??= plan.pick();
    // chosen before the CORS step (a backendRef has a CORS filter of its own): the request is the backend's from here
    if (plan.backendCors) this.choice = choice;
    return choice === undefined ? -1 : choice.index;
  }

  private startTimers(plan: RulePlan): void {
    this.plan = plan;
    if (plan.requestTimeoutMs > 0) this.requestTimer = setTimeout(requestTimeoutFired, plan.requestTimeoutMs, this);
    if (plan.rule.grpc) {
      const t = this.headers['grpc-timeout'];
      const ms = typeof t === 'string' ? grpcTimeoutMs(t) : -1;
      if (ms >= 0) this.deadlineTimer = setTimeout(deadlineFired, ms, this);
    }
  }

  private addCors(a: CorsAnswer): void {
    this.extraResponseHeaders = a.headers;
    this.corsAllowed = a.allowed;
    this.corsExposeAll = a.exposeAll;
  }

  /** The rule's check let the request through (or there is none): the share it goes to, and that share's own check. */
  private afterRouteCheck(): void {
    const d = this.decision!;
    if (d.share >= 0 && this.choice === undefined) this.choice = this.plan!.choices[d.share];
    if (d.backendCheck !== undefined) return this.check(ExchangeState.CHECKING_BACKEND, this.choice!.extAuth!);
    this.carryOut();
  }

  /** Every check let the request through: the decision's outcome. */
  private carryOut(): void {
    const d = this.decision!;
    switch (d.code) {
      case 'GW_ROUTED': return this.forward();
      case 'GW_REDIRECT': return this.redirect(d.redirect!);
      case 'GW_CORS_PREFLIGHT': return this.answerLocally(200, preflightHead(corsPlanOf(d.cors!), this.headers));
      default: return this.fail(d.code as GatewayErrorCode, decisionDetail(d, this, this.port.config.port));
    }
  }

  // --- 2. ExternalAuth ---------------------------------------------------------------------------

  private check(state: ExchangeState, p: ExtAuthPlan): void {
    this.state = state;
    (this.auth ??= new Authorization(this)).check(p);
  }

  /** The ExternalAuth check allowed the request: the next check, or the outcome. */
  public authorized(fromAuthServer: string[]): void {
    if (fromAuthServer.length > 0) this.extraResponseHeaders = [...(this.extraResponseHeaders ?? []), ...fromAuthServer];
    if (this.state === ExchangeState.CHECKING_ROUTE) this.afterRouteCheck();
    else this.carryOut();
  }

  /** The ExternalAuth check denied the request: the auth server's answer is the client's. */
  public answerDenied(status: number, headers: string[], body: Buffer): void {
    this.clearTimers();
    this.error = 'GW_EXT_AUTH_DENIED';
    this.errorDetail = `the auth server answered ${status}`;
    // counted with the gateway's own answers: a denial rate is what an operator alerts on
    this.ctx.countError('GW_EXT_AUTH_DENIED');
    this.status = status;
    const h = this.extraResponseHeaders ? [...headers, ...this.extraResponseHeaders] : headers;
    const bodyless = this.method === 'HEAD' || status === 204 || status === 304;
    this.state = ExchangeState.RESPONDING;
    this.sendHead(status, '', h, bodyless ? 0 : body.length);
    if (!bodyless && body.length > 0) this.sendBody(body);
    this.sendEnd();
    this.finish();
  }

  /** The listener port the request came in on (for the auth server's AttributeContext). */
  public get listenerPort(): number {
    return this.port.config.port;
  }

  /** The downstream protocol, as an auth server is told it. */
  public get protocol(): string {
    return 'HTTP/1.1';
  }

  /** The ExternalAuth server's changes to the request (upstream-head.ts applies them). */
  public get authChanges(): RequestHeaderChanges | null {
    return this.auth;
  }

  public get backendTimeoutMs(): number {
    return this.plan!.backendTimeoutMs;
  }

  public bodyReceived(): Buffer {
    return this.body ? this.body.concat() : EMPTY;
  }

  public continueClient(): void {
    this.sendInterim(100, NO_HEADERS);
  }

  // --- 3. the outcome: local answers --------------------------------------------------------------

  /** Answers a gateway error (before anything was sent) or closes the stream (after). */
  public fail(code: GatewayErrorCode, detail: string): void {
    if (this.done) return;
    this.error = code;
    this.errorDetail = detail;
    this.clearTimers();
    this.abortUpstream();
    this.ctx.countError(code);
    const grpc = answersGrpc(this.decision, this.headers['content-type']);
    if (grpc) this.grpcStatus = errorGrpcStatus(code);
    if (this.headSent) {
      // a gRPC stream already answering ends with the status in its trailers, when the client takes trailers
      if (!grpc || !this.endWithGrpcStatus(this.grpcStatus, grpcMessage(code, detail))) this.destroyDownstream();
      return this.finish();
    }
    this.state = ExchangeState.RESPONDING;
    if (grpc) {
      this.status = 200;
      this.sendGrpcTrailersOnly(grpcErrorHead(code, this.grpcStatus, detail));
      return this.finish();
    }
    const status = errorStatus(code);
    this.status = status;
    const body = errorBody(code);
    this.sendHead(status, '', errorHead(code, this.extraResponseHeaders), this.method === 'HEAD' ? 0 : body.length);
    if (this.method !== 'HEAD') this.sendBody(body);
    this.sendEnd();
    this.finish();
  }

  private redirect(f: RequestRedirectFilterConfig): void {
    // the same computation `explain` shows (src/router): the listener port is the config's, not a --port-map
    const location = redirectLocation(f, {
      scheme: this.secure ? 'https' : 'http', host: this.host, port: this.port.config.port, path: this.path, query: this.query,
    }, this.decision!.route!.entry);
    this.answerLocally(f.statusCode, redirectHead(location, this.extraResponseHeaders));
  }

  /** A response the gateway makes itself (redirect, CORS preflight), empty body. */
  private answerLocally(status: number, headers: string[]): void {
    this.clearTimers();
    this.status = status;
    this.state = ExchangeState.RESPONDING;
    this.sendHead(status, '', headers, 0);
    this.sendEnd();
    this.finish();
  }

  // --- 3. the outcome: forwarding -------------------------------------------------------------------

  private forward(): void {
    const choice = this.choice!;
    if (this.plan!.session && !this.sessionIssued) this.sessionIssued = Date.now();
    if (choice.mirrors.length) this.startMirrors(choice);
    this.state = ExchangeState.FORWARDING;
    const a = new Attempts(this, this.plan!, choice);
    this.attempts = a;
    a.start();
  }

  /** The request head for `choice`'s backend (or, with `http2` given, for a mirror of it). */
  public upstreamHeadFor(choice: BackendChoice, http2 = speaksHttp2(choice.backend)): UpstreamHead {
    return upstreamHead(this, choice, this.decision!.route!.entry.path, this.gen.clientCertHeader, http2);
  }

  public choiceChanged(choice: BackendChoice): void {
    this.choice = choice;
  }

  private startMirrors(choice: BackendChoice): void {
    for (const m of choice.mirrors) {
      if (m.fraction < 1 && Math.random() >= m.fraction) continue;
      m.series.inc();
      const mirror = new MirrorRequest(this.ctx, m.backend, this.clusterDomain, this.upstreamHeadFor(choice, speaksHttp2(m.backend)),
        this.bodyChunked || this.contentLength < 0, this.hasBody, this.method === 'HEAD');
      // body that arrived before the mirrors started (while an ExternalAuth check ran)
      if (this.body) for (const c of this.body.kept) mirror.body(c);
      if (this.requestEnded) mirror.end();
      (this.mirrors ??= []).push(mirror);
    }
  }

  public get clusterDomain(): string {
    return this.gen.config.options.clusterDomain;
  }

  public get hasBody(): boolean {
    return hasBody(this);
  }

  /** Retries need the whole body: no body, or one small enough to have been kept. */
  public get replayable(): boolean {
    return this.body === null || this.body.replayable;
  }

  // --- the request body, from the downstream ------------------------------------------------------

  public onRequestBody(chunk: Buffer): void {
    if (this.done) return;
    this.bytesIn += chunk.length;
    if (this.mirrors) for (const m of this.mirrors) m.body(chunk);
    const body = this.body ??= new RequestBody();
    const sent = body.add(chunk, this.attempts === null ? null : this.attempts.conn, this.bodyChunked);
    if (sent === BodyChunk.SENT) return;
    if (sent === BodyChunk.CONGESTED) return this.pauseRequest();
    // at most maxBody (≤ 1 MiB) is held while a check waits for it
    if (this.auth !== null && this.auth.waitingForBody) return this.auth.bodyArrived(this.bytesIn);
    if (body.pendingBytes > MAX_PENDING_BYTES) this.pauseRequest();
  }

  public onRequestEnd(): void {
    if (this.done) return;
    this.requestEnded = true;
    if (this.auth !== null) this.auth.requestEnded();
    if (this.mirrors) for (const m of this.mirrors) m.end();
    const conn = this.attempts === null ? null : this.attempts.conn;
    if (conn && this.hasBody && (this.body === null || this.body.allSent)) conn.endBody(this.bodyChunked);
  }

  /** An attempt's connection has the head: the body kept so far goes out, and reading from the client resumes. */
  public connected(conn: UpstreamConnection): void {
    if (this.body !== null) this.body.sendKept(conn, this.bodyChunked);
    this.resumeRequest();
    if (this.requestEnded) conn.endBody(this.bodyChunked);
  }

  /** The client went away (or the downstream connection failed): cancel everything upstream. */
  public onDownstreamAbort(): void {
    if (this.done) return;
    this.abortUpstream();
    this.error ??= 'GW_CLIENT_ABORTED';
    if (!this.headSent) this.status = 499;
    this.finish();
  }

  /** The downstream can take more response body. */
  public onDownstreamDrain(): void {
    this.attempts?.conn?.resume();
  }

  public onUpstreamDrain(): void {
    this.resumeRequest();
  }

  private pauseRequest(): void {
    if (!this.requestPaused) {
      this.requestPaused = true;
      this.pauseDownstream();
    }
  }

  public resumeRequest(): void {
    if (this.requestPaused) {
      this.requestPaused = false;
      this.resumeDownstream();
    }
  }

  // --- 4. the response --------------------------------------------------------------------------

  public onResponseInterim(status: number, headers: string[]): void {
    if (status === 100 && !this.headSent && !this.auth?.continued) this.sendInterim(status, headers);
  }

  public onResponseHead(status: number, reason: string, headers: string[], endStream: boolean): void {
    if (endStream) {
      this.headOnly = true;
      // a trailers-only gRPC answer carries grpc-status in its only HEADERS frame
      if (this.grpcStatus < 0 && this.plan!.rule.grpc) this.grpcStatus = grpcStatusOf(headers);
    }
    this.clearTimers();
    this.status = status;
    this.state = ExchangeState.RESPONDING;
    // nothing to add or remove beyond hop-by-hop headers: the downstream may serialise them in one pass
    if (!this.choice!.responseOps && !this.extraResponseHeaders && !this.plan!.session) return this.sendUpstreamHead(status, reason, headers);
    this.sendHead(status, reason, responseHeaders(headers, this), responseLength(status, headers));
  }

  public onResponseFlush(): void {
    if (this.headSent && !this.done) this.flushHead();
  }

  public onResponseBody(chunk: Buffer): void {
    if (this.done) return;
    this.bytesOut += chunk.length;
    if (!this.sendBody(chunk)) this.attempts?.conn?.pause();
  }

  public onResponseEnd(trailers: string[] | undefined): void {
    if (trailers && this.grpcStatus < 0 && this.plan!.rule.grpc) this.grpcStatus = grpcStatusOf(trailers);
    this.sendEnd(trailers);
    this.finish();
  }

  /** The backend failed after the response head went out: the client sees a reset, not a truncated success. */
  public onResponseError(code: GatewayErrorCode, detail: string): void {
    this.error = code;
    this.errorDetail = detail;
    this.destroyDownstream();
    this.finish();
  }

  public onResponseUpgrade(status: number, reason: string, headers: string[], socket: net.Socket, head: Buffer): void {
    this.clearTimers();
    this.status = status;
    const out = responseHeaders(headers, this);
    out.push('connection', 'upgrade', 'upgrade', upgradeOf(headers, this.upgrade));
    this.state = ExchangeState.RESPONDING;
    this.tunnel(status, reason, out, socket, head);
    this.finish();
  }

  /** ResponseShaping: the chosen backend's ResponseHeaderModifier. */
  public get responseOps(): HeaderOps | undefined {
    return this.choice?.responseOps;
  }

  /** ResponseShaping: the session-persistence token, on the first response of a session (or each, with an idle timeout). */
  public sessionHeader(): [string, string] | undefined {
    const session = this.plan?.session;
    if (!session || !this.choice?.backend) return undefined;
    const endpoint = this.attempts?.endpointKey;
    // a session whose endpoint went away (or failed and was retried elsewhere) is pinned to the new one
    if (this.sessionFresh || session.refreshes || endpoint !== this.pinnedEndpoint) {
      return session.responseHeader(this.choice.backend.id, this.sessionIssued, Date.now(), endpoint);
    }
    return undefined;
  }

  // --- timers ------------------------------------------------------------------------------------

  /** @internal timer callback: the gRPC deadline passed. */
  public deadline(): void {
    this.deadlineTimer = undefined;
    this.fail('GW_DEADLINE_EXCEEDED', 'grpc-timeout passed before the call completed');
  }

  /** @internal timer callback */
  public requestTimeout(): void {
    this.requestTimer = undefined;
    if (this.done || this.headSent) return;
    this.fail('GW_REQUEST_TIMEOUT', `no response within ${this.plan!.requestTimeoutMs} ms (request timeout)`);
  }

  private clearTimers(): void {
    if (this.requestTimer) clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
    if (this.attempts !== null) this.attempts.clearTimers();
  }

  private abortUpstream(): void {
    if (this.auth !== null) this.auth.abort();
    if (this.attempts !== null) this.attempts.abort();
  }

  // --- DONE --------------------------------------------------------------------------------------

  public get done(): boolean {
    return this.state === ExchangeState.DONE;
  }

  private finish(): void {
    if (this.done) return;
    this.state = ExchangeState.DONE;
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
    if (ctx.accessLog) {
      const a = this.attempts;
      ctx.log.raw(accessLogLine({
        method: this.method,
        host: this.host || this.hostHeader,
        path: this.path || this.rawTarget,
        status,
        listener: this.decision?.listener?.id,
        route: plan?.routeLabel,
        rule: plan?.ruleLabel,
        backend: choice?.label,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        durationMs: ms,
        upstreamMs: a === null ? -1 : a.upstreamMs,
        attempts: a === null ? 0 : a.count,
        client: this.clientIp,
        grpcStatus: this.grpcStatus,
        error: this.error,
        detail: this.errorDetail,
      }));
    }
    this.completed();
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
    this.sendHead(status, reason, responseHeaders(headers, this), responseLength(status, headers));
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

function requestTimeoutFired(x: Exchange): void {
  x.requestTimeout();
}
