import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { GatewayErrorCode } from '../errors';
import type { ProxyContext } from './context';
import type { BackendChoice, RulePlan } from './rule-plan';
import type { Endpoint } from '../upstream/h1-pool';
import type { UpstreamConnection, UpstreamHead, UpstreamSink } from '../upstream/sink';

/** Transparent re-sends when a connection was refused or a reused keep-alive connection turned out to be closed. */
const MAX_STALE_RETRIES = 3;
/** Methods a proxy may send again on its own after a connection failure (RFC 9110 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** What the attempts need of their exchange: the request, and where the backend's answer goes. */
export interface AttemptingExchange {
  readonly ctx: ProxyContext;
  readonly method: string;
  readonly clusterDomain: string;
  readonly hasBody: boolean;
  /** The whole body is kept (no body, or one small enough): an attempt can be repeated. */
  readonly replayable: boolean;
  readonly done: boolean;
  readonly headSent: boolean;
  /** The endpoint (`address:port`) the request's session token pins, when it names one. */
  readonly pinnedEndpoint: string | undefined;
  /** The request head for a backend (see upstream-head.ts). */
  upstreamHeadFor(choice: BackendChoice): UpstreamHead;
  /** Another attempt: the choice it goes to (a retry may pick another backend of the rule). */
  choiceChanged(choice: BackendChoice): void;
  /** The attempt's connection is ready and has the head: the body (kept so far, and what follows) goes to it. */
  connected(conn: UpstreamConnection): void;
  fail(code: GatewayErrorCode, detail: string): void;
  // the backend's answer
  onResponseInterim(status: number, headers: string[]): void;
  onResponseHead(status: number, reason: string, headers: string[], endStream: boolean): void;
  onResponseFlush(): void;
  onResponseBody(chunk: Buffer): void;
  onResponseEnd(trailers: string[] | undefined): void;
  /** The attempt failed after the response head went out: the exchange can only cut the response short. */
  onResponseError(code: GatewayErrorCode, detail: string): void;
  onUpstreamDrain(): void;
  onResponseUpgrade(status: number, reason: string, headers: string[], socket: net.Socket, head: Buffer): void;
}

/**
 * The attempts of one forwarded request at its backend, created when the exchange forwards it: resolving the
 * backend's endpoint, a connection from its pool, the backendRequest timeout of each attempt, and what happens when
 * one fails:
 * - a refused connection never carried the request: it is sent again at once, without counting as an attempt;
 * - a kept-alive connection that failed before any answer may have been closed by the backend while idle, or may
 *   have carried the request to a backend that then crashed: it is retried only as the rule's retry policy allows
 *   (an attempt), or, without one, re-sent at once for idempotent methods only (RFC 9110 9.2.2);
 * - with a retry policy (HTTPRouteRetry), answers with a listed status, connection errors, resets and backendRequest
 *   timeouts are retried after the backoff, on another backend of the rule when there is one, while attempts are
 *   left and the body can be sent again; the last failure is the client's answer (the backend's own for a status).
 * The request timeout is the exchange's: it bounds all attempts and backoffs. The attempts are the upstream
 * connection's sink; everything of the answer goes on to the exchange.
 */
export class Attempts implements UpstreamSink {
  /** A HEAD request: the backend's answer has no body, whatever its Content-Length says (RFC 9110 9.3.2). */
  public readonly upstreamHeadRequest: boolean;
  /** The connection of the attempt in flight, once ready. */
  public conn: UpstreamConnection | null = null;
  /** Retries made so far (the policy's `attempts` bounds them). */
  public retries = 0;
  /** Milliseconds from the last attempt's start to its response head; -1 before one. */
  public upstreamMs = -1;
  private endpoint: Endpoint | null = null;
  /** Endpoints a retry should avoid (they failed this request). */
  private tried: Set<string> | null = null;
  private head: UpstreamHead;
  private resends = 0;
  private startedAt = 0;
  private backendTimer: NodeJS.Timeout | undefined = undefined;
  private retryTimer: NodeJS.Timeout | undefined = undefined;

  constructor(private readonly x: AttemptingExchange, private readonly plan: RulePlan, private choice: BackendChoice) {
    this.upstreamHeadRequest = x.method === 'HEAD';
    this.head = x.upstreamHeadFor(choice);
  }

  /** The first attempt. */
  public start(): void {
    this.dispatch();
  }

  /** The endpoint (`address:port`) of the last attempt, once resolved. */
  public get endpointKey(): string | undefined {
    return this.endpoint ? `${this.endpoint.host}:${this.endpoint.port}` : undefined;
  }

  /** For the access log: the attempts made, the one in flight included. */
  public get count(): number {
    return this.retries + (this.conn || this.upstreamMs >= 0 ? 1 : 0);
  }

  /** The exchange is over, or the attempt is abandoned (timeout, retry): its connection is closed, never reused. */
  public abort(): void {
    this.clearTimers();
    const conn = this.conn;
    if (conn) {
      this.conn = null;
      conn.abort();
    } else if (this.endpoint) {
      this.x.ctx.upstreams.cancel(this.endpoint, this);
    }
  }

  public clearTimers(): void {
    if (this.backendTimer) clearTimeout(this.backendTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.backendTimer = this.retryTimer = undefined;
  }

  // --- UpstreamSink ----------------------------------------------------------------------------

  public onUpstreamConnection(conn: UpstreamConnection): void {
    const x = this.x;
    if (x.done) {
      conn.abort();
      return;
    }
    this.conn = conn;
    this.startedAt = performance.now();
    const hasBody = x.hasBody;
    conn.writeHead(this.head, !hasBody);
    if (hasBody) x.connected(conn);
  }

  public onUpstreamInterim(status: number, headers: string[]): void {
    this.x.onResponseInterim(status, headers);
  }

  public onUpstreamHead(status: number, reason: string, headers: string[], endStream?: boolean): void {
    if (this.x.done) return;
    this.upstreamMs = performance.now() - this.startedAt;
    this.choice.upstreamDuration.observe(this.upstreamMs / 1000);
    if (this.plan.retryCodes?.has(status) && this.canRetry()) {
      this.abort();
      return this.retry();
    }
    if (this.backendTimer) clearTimeout(this.backendTimer);
    this.backendTimer = undefined;
    this.x.onResponseHead(status, reason, headers, endStream === true);
  }

  public onUpstreamFlush(): void {
    this.x.onResponseFlush();
  }

  public onUpstreamBody(chunk: Buffer): void {
    this.x.onResponseBody(chunk);
  }

  public onUpstreamEnd(trailers?: string[]): void {
    if (this.x.done) return;
    this.conn = null;
    this.x.onResponseEnd(trailers);
  }

  public onUpstreamError(code: GatewayErrorCode, detail: string, nothingSent: boolean): void {
    const x = this.x;
    if (x.done) return;
    this.conn = null;
    this.choice.upstreamError(code).inc();
    if (x.headSent) return x.onResponseError(code, detail);
    const plan = this.plan;
    const unreached = nothingSent && code === 'GW_UPSTREAM_UNREACHABLE';
    const stale = nothingSent && !unreached && !plan.retryCodes && IDEMPOTENT.has(x.method);
    if ((unreached || stale) && this.resends < MAX_STALE_RETRIES && x.replayable) {
      this.resends++;
      return this.dispatch();
    }
    // with a retry policy, connection errors and resets are retried whatever its codes (HTTPRouteRetry)
    if (plan.retryCodes && this.canRetry()) return this.retry();
    x.fail(code, detail);
  }

  public onUpstreamDrain(): void {
    this.x.onUpstreamDrain();
  }

  public onUpstreamUpgrade(status: number, reason: string, headers: string[], socket: net.Socket, head: Buffer): void {
    if (this.x.done) {
      socket.destroy();
      return;
    }
    this.clearTimers();
    this.x.onResponseUpgrade(status, reason, headers, socket, head);
  }

  // --- timer callbacks -----------------------------------------------------------------------------

  /** @internal the backoff before a retry is over */
  public retryNow(): void {
    this.retryTimer = undefined;
    if (this.x.done) return;
    // another backend of the rule, when there is one (not when a session pins the backend)
    const next = this.plan.session ? undefined : this.plan.pickOther(this.choice);
    if (next) {
      this.choice = next;
      this.x.choiceChanged(next);
      this.head = this.x.upstreamHeadFor(next);
    }
    this.dispatch();
  }

  /** @internal the attempt got no response head within the backendRequest timeout */
  public backendTimeout(): void {
    this.backendTimer = undefined;
    const x = this.x;
    if (x.done || x.headSent) return;
    this.abort();
    this.choice.upstreamError('GW_UPSTREAM_TIMEOUT').inc();
    // "retry attempts which reach the configured BackendRequest timeout duration without a response SHOULD be
    // canceled ... and the Gateway should wait for at least the specified backoff duration before attempting to
    // retry" (HTTPRouteRetry.backoff): a timed-out attempt is retried whatever the codes say
    if (this.plan.retryCodes && this.canRetry()) return this.retry();
    x.fail('GW_UPSTREAM_TIMEOUT', `no response within ${this.plan.backendTimeoutMs} ms (backendRequest timeout)`);
  }

  // --- internals -------------------------------------------------------------------------------

  private canRetry(): boolean {
    return this.retries < this.plan.retryAttempts && this.x.replayable && !this.x.headSent;
  }

  private dispatch(): void {
    const backend = this.choice.backend!;
    const r = this.x.ctx.upstreams.resolve(backend, this.x.clusterDomain, this.tried ?? undefined, this.x.pinnedEndpoint);
    if (r instanceof Error) return this.x.fail('GW_UPSTREAM_UNREACHABLE', r.message);
    if (r instanceof Promise) {
      r.then((e) => this.dispatchTo(e), (e: Error) => this.dispatchTo(e));
      return;
    }
    this.dispatchTo(r);
  }

  private dispatchTo(e: Endpoint | Error): void {
    const x = this.x;
    if (x.done) return;
    if (e instanceof Error) return x.fail('GW_UPSTREAM_UNREACHABLE', e.message);
    this.endpoint = e;
    if (this.plan.backendTimeoutMs > 0) {
      // one timer per attempt (a re-send on a fresh connection is a new attempt)
      if (this.backendTimer) clearTimeout(this.backendTimer);
      this.backendTimer = setTimeout(backendTimeoutFired, this.plan.backendTimeoutMs, this);
    }
    if (!x.ctx.upstreams.dispatch(this.choice.backend!, e, this)) {
      x.fail('GW_UPSTREAM_UNREACHABLE', `connection pool for ${e.host}:${e.port} is full`);
    }
  }

  /**
   * Another attempt after the backoff (HTTPRouteRetry.backoff: "the minimum duration a Gateway should wait between
   * retry attempts"; waited as it is, every time). The request timeout keeps running across attempts and backoffs.
   */
  private retry(): void {
    this.retries++;
    // the next attempt prefers another endpoint of the Service (cluster mode balances over them)
    const endpoint = this.endpointKey;
    if (endpoint) (this.tried ??= new Set()).add(endpoint);
    this.choice.retries.inc();
    if (this.backendTimer) {
      clearTimeout(this.backendTimer);
      this.backendTimer = undefined;
    }
    this.retryTimer = setTimeout(retryFired, this.plan.retryBackoffMs, this);
  }
}

function backendTimeoutFired(a: Attempts): void {
  a.backendTimeout();
}

function retryFired(a: Attempts): void {
  a.retryNow();
}
