import type { GatewayErrorCode } from '../errors';
import type { ProxyContext } from './context';
import { AuthSubject, DEFAULT_AUTH_TIMEOUT_MS, ExtAuthCall, ExtAuthOwner, ExtAuthPlan } from './ext-auth';
import { HeaderAction, HeaderOption } from './ext-authz-proto';
import type { RequestHeaderChanges } from './upstream-head';

const EMPTY = Buffer.alloc(0);

/** What the ExternalAuth stage needs of its exchange. */
export interface AuthorizedExchange extends AuthSubject {
  readonly ctx: ProxyContext;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly done: boolean;
  readonly requestEnded: boolean;
  /** Request body bytes received so far. */
  readonly bytesIn: number;
  readonly hasBody: boolean;
  readonly clusterDomain: string;
  /** The rule's backendRequest timeout (0: none), which bounds the check too. */
  readonly backendTimeoutMs: number;
  /** The request body received so far. */
  bodyReceived(): Buffer;
  /** Reading the request body from the client goes on (it was paused while buffered). */
  resumeRequest(): void;
  /** Sends `100 Continue` to a client that waits for it before sending its body. */
  continueClient(): void;
  /** The check allowed the request: it goes on; `responseHeaders` are added to its answer. */
  authorized(responseHeaders: string[]): void;
  /** The check denied the request: the auth server's answer is the client's. */
  answerDenied(status: number, headers: string[], body: Buffer): void;
  fail(code: GatewayErrorCode, detail: string): void;
}

/**
 * The ExternalAuth stage of an exchange (the HTTPRoute ExternalAuth filter, see ext-auth.ts): a check of the rule's
 * filter and then of the chosen backendRef's own, each an ExtAuthCall to the auth server. A check that forwards the
 * body waits for it (asking a client that expects `100 Continue` for it); the changes an allowing server makes to the
 * request are kept here for the upstream head (`skip`, `add`). Created for requests whose route has such a filter.
 */
export class Authorization implements ExtAuthOwner, RequestHeaderChanges {
  /** Request headers the auth server replaced or removed (lower case). */
  public skip: Set<string> | null = null;
  /** Request headers it set: [name, value, ...]. */
  public add: string[] | null = null;
  /** 100 Continue was sent to the client already (so the body could reach a check). */
  public continued = false;
  private call: ExtAuthCall | null = null;
  /** A check waiting for the request body it forwards. */
  private waitingFor: ExtAuthPlan | null = null;

  constructor(private readonly x: AuthorizedExchange) {}

  /** Asks the auth server of `p`; its answer calls the exchange back. */
  public check(p: ExtAuthPlan): void {
    const x = this.x;
    if (!p.backend) return x.fail('GW_INVALID_BACKEND', 'the ExternalAuth filter\'s backendRef is invalid (the route\'s ResolvedRefs condition says why)');
    if (p.maxBody > 0 && x.hasBody) {
      if (x.contentLength > p.maxBody) return this.tooLarge(p);
      if (!x.requestEnded) {
        // the check waits for the body it forwards (requestEnded)
        this.waitingFor = p;
        if (x.bytesIn > p.maxBody) return this.tooLarge(p);
        x.resumeRequest();
        const expect = x.headers.expect;
        if (typeof expect === 'string' && expect.toLowerCase() === '100-continue' && !this.continued) {
          // a client waiting for 100 Continue would otherwise never send the body the check needs
          this.continued = true;
          x.continueClient();
        }
        return;
      }
    }
    this.start(p);
  }

  /** Whether a check waits for the body: the exchange then buffers it without pausing (at most maxBody, ≤ 1 MiB). */
  public get waitingForBody(): boolean {
    return this.waitingFor !== null;
  }

  /** More body arrived while a check waits for it. */
  public bodyArrived(bytesIn: number): void {
    const p = this.waitingFor;
    if (p && bytesIn > p.maxBody) this.tooLarge(p);
  }

  /** The whole body is in: a check that waited for it starts. */
  public requestEnded(): void {
    const p = this.waitingFor;
    if (p) {
      this.waitingFor = null;
      this.start(p);
    }
  }

  /** The exchange is over: a check in flight is abandoned. */
  public abort(): void {
    if (this.call) {
      this.call.abort();
      this.call = null;
    }
    this.waitingFor = null;
  }

  public onAuthAllowed(changes: HeaderOption[], remove: string[], responseHeaders: string[]): void {
    this.call = null;
    if (this.x.done) return;
    for (const n of remove) (this.skip ??= new Set()).add(n);
    for (const h of changes) {
      const present = this.x.headers[h.name] !== undefined && !this.skip?.has(h.name);
      if (h.action === HeaderAction.ADD_IF_ABSENT && present) continue;
      if (h.action === HeaderAction.OVERWRITE_IF_EXISTS && !present) continue;
      if (h.action !== HeaderAction.APPEND_IF_EXISTS_OR_ADD) (this.skip ??= new Set()).add(h.name);
      (this.add ??= []).push(h.name, h.value);
    }
    this.x.authorized(responseHeaders);
  }

  public onAuthDenied(status: number, headers: string[], body: Buffer): void {
    this.call = null;
    if (this.x.done) return;
    this.x.answerDenied(status, headers, body);
  }

  public onAuthError(code: GatewayErrorCode, detail: string): void {
    this.call = null;
    this.x.fail(code, detail);
  }

  private start(p: ExtAuthPlan): void {
    const x = this.x;
    const body = p.maxBody > 0 && x.hasBody ? x.bodyReceived() : EMPTY;
    this.call = new ExtAuthCall(x.ctx, p, this, x, body, x.backendTimeoutMs || DEFAULT_AUTH_TIMEOUT_MS, x.clusterDomain);
  }

  private tooLarge(p: ExtAuthPlan): void {
    this.x.fail('GW_EXT_AUTH_BODY_TOO_LARGE', `the request body is over the ${p.maxBody} bytes the ExternalAuth filter forwards to ${p.label}`);
  }
}
