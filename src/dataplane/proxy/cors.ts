import type { CorsFilterConfig } from '../../config/dataplane-config';
import { isWildcard, matchesWildcardSuffix } from '../../spec/hostname';
import { isPort } from '../../spec/limits';

/** `<scheme>://<host>[:<port>]`, as an Origin header or an allowOrigins entry writes it. */
const ORIGIN = /^(https?):\/\/([^/:?#]+)(?::(\d{1,5}))?$/i;

interface OriginParts {
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
}

/**
 * The CORS filter (HTTPRoute `filters[].cors`, Gateway API v1.6.1 / GEP-1767), as its field descriptions say:
 *
 * - allowOrigins: "if the request Origin matches one of the configured allowed origins, the gateway sets the response
 *   header Access-Control-Allow-Origin to the same value as the Origin header"; `*` alone allows every origin; a `*`
 *   in the host "is a greedy match to the left, including any number of DNS labels"; "if not included, port 80 is
 *   assumed for http scheme origins, and port 443 for https", so ports take part in the match. With `*` and
 *   allowCredentials false the header "may either contain the wildcard or echo the Origin": the Origin is echoed
 *   (what the conformance suite's unauthenticated simple request requires), so every answer carries `Vary: Origin`.
 * - A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered by the gateway, 200 with an
 *   empty body; from an origin that is not allowed "the gateway returns 204/200 response but doesn't set the relevant
 *   cross-origin response headers".
 * - allowMethods / allowHeaders: the configured lists on the preflight answer (the header is left out when the list
 *   is empty); `*` answers `*` without credentials; with credentials "the gateway must not return `*`": the request's
 *   Access-Control-Request-Method (a single method) or Access-Control-Request-Headers is echoed, and the header is
 *   left out when the request has none.
 * - exposeHeaders: Access-Control-Expose-Headers on actual responses (and on preflights, as the conformance suite
 *   expects); `*` with credentials "cannot use the `*`": the actual response lists the names of the headers it carries.
 * - allowCredentials: `Access-Control-Allow-Credentials: true` only when true, and only next to a matching
 *   Access-Control-Allow-Origin.
 * - maxAge: Access-Control-Max-Age on the preflight answer, 5 when unset.
 *
 * An Origin that is not `<scheme>://<host>[:<port>]` (`null` from a sandboxed document, say) matches nothing.
 */
export class CorsPlan {
  private readonly anyOrigin: boolean;
  private readonly origins: Array<OriginParts & { readonly suffix?: string; readonly anyHost: boolean }> = [];
  private readonly methods: string;
  private readonly anyMethod: boolean;
  private readonly headers: string;
  private readonly anyHeader: boolean;
  private readonly expose: string;
  /** exposeHeaders `*` with credentials: the actual response lists its own header names. */
  public readonly exposeResponseHeaders: boolean;
  private readonly credentials: boolean;
  private readonly maxAge: string;

  constructor(f: CorsFilterConfig) {
    this.anyOrigin = f.allowOrigins.includes('*');
    for (const o of f.allowOrigins) {
      if (o === '*') continue;
      const p = parseOrigin(o);
      if (!p) continue; // the compiler checked the pattern; nothing else can match
      const anyHost = p.host === '*';
      this.origins.push({ ...p, anyHost, suffix: !anyHost && isWildcard(p.host) ? p.host.slice(1) : undefined });
    }
    this.anyMethod = f.allowMethods.includes('*');
    this.methods = f.allowMethods.join(', ');
    this.anyHeader = f.allowHeaders.includes('*');
    this.headers = f.allowHeaders.join(', ');
    this.credentials = f.allowCredentials;
    const exposeAll = f.exposeHeaders.includes('*');
    this.exposeResponseHeaders = exposeAll && this.credentials;
    this.expose = exposeAll && this.credentials ? '' : f.exposeHeaders.join(', ');
    this.maxAge = String(f.maxAge || 5);
  }

  public allows(origin: string): boolean {
    const p = parseOrigin(origin);
    if (!p) return false;
    if (this.anyOrigin) return true;
    for (const o of this.origins) {
      if (o.scheme !== p.scheme || o.port !== p.port) continue;
      if (o.anyHost || o.host === p.host) return true;
      if (o.suffix !== undefined && matchesWildcardSuffix(o.suffix, p.host)) return true;
    }
    return false;
  }

  /** Headers for the answer to a preflight from an allowed origin. */
  public preflightHeaders(origin: string, requestMethod: string, requestHeaders: string | undefined): string[] {
    const out = this.originHeaders(origin);
    let vary = 'Origin';
    if (!this.anyMethod) {
      if (this.methods) out.push('access-control-allow-methods', this.methods);
    } else if (!this.credentials) {
      out.push('access-control-allow-methods', '*');
    } else {
      out.push('access-control-allow-methods', requestMethod.trim());
      vary += ', Access-Control-Request-Method';
    }
    if (!this.anyHeader) {
      if (this.headers) out.push('access-control-allow-headers', this.headers);
    } else if (!this.credentials) {
      out.push('access-control-allow-headers', '*');
    } else if (requestHeaders !== undefined && requestHeaders.trim() !== '') {
      out.push('access-control-allow-headers', requestHeaders.trim());
      vary += ', Access-Control-Request-Headers';
    }
    if (this.expose) out.push('access-control-expose-headers', this.expose);
    out.push('access-control-max-age', this.maxAge, 'vary', vary);
    return out;
  }

  /** Headers added to an actual response for an allowed origin (see exposeResponseHeaders for `*` with credentials). */
  public responseHeaders(origin: string): string[] {
    const out = this.originHeaders(origin);
    if (this.expose) out.push('access-control-expose-headers', this.expose);
    out.push('vary', 'Origin');
    return out;
  }

  private originHeaders(origin: string): string[] {
    const out = ['access-control-allow-origin', origin];
    if (this.credentials) out.push('access-control-allow-credentials', 'true');
    return out;
  }
}

const plans = new WeakMap<CorsFilterConfig, CorsPlan>();

/** The CorsPlan of a filter of the loaded config (built on first use; a reload's filters are new objects). */
export function corsPlanOf(f: CorsFilterConfig): CorsPlan {
  let p = plans.get(f);
  if (p === undefined) {
    p = new CorsPlan(f);
    plans.set(f, p);
  }
  return p;
}

/** Headers a route with a CORS filter adds to every other answer: whether CORS headers appear depends on Origin. */
export const CORS_VARY = Object.freeze(['vary', 'Origin']) as readonly string[];

function parseOrigin(s: string): OriginParts | undefined {
  const m = ORIGIN.exec(s.trim());
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  const port = m[3] === undefined ? (scheme === 'https' ? 443 : 80) : Number(m[3]);
  if (!isPort(port)) return undefined;
  return { scheme, host: m[2].toLowerCase(), port };
}
