import type { CorsFilterConfig } from '../../config/dataplane-config';

/**
 * The CORS filter: answers preflight requests itself and adds the response headers to actual requests
 * from an allowed origin. Origins may be `*`, exact (`https://a.example`) or wildcard hosts
 * (`https://*.example.com`).
 */
export class CorsPlan {
  private readonly anyOrigin: boolean;
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];
  private readonly methods: string;
  private readonly anyMethod: boolean;
  private readonly headers: string;
  private readonly anyHeader: boolean;
  private readonly expose: string;
  private readonly credentials: boolean;
  private readonly maxAge: string;

  constructor(f: CorsFilterConfig) {
    this.anyOrigin = f.allowOrigins.includes('*');
    for (const o of f.allowOrigins) {
      if (o === '*') continue;
      if (o.includes('*')) this.patterns.push(new RegExp('^' + o.toLowerCase().split('*').map(escapeRegex).join('[^/]+') + '$'));
      else this.exact.add(o.toLowerCase());
    }
    this.anyMethod = f.allowMethods.includes('*');
    this.methods = f.allowMethods.filter((m) => m !== '*').join(', ');
    this.anyHeader = f.allowHeaders.includes('*');
    this.headers = f.allowHeaders.filter((h) => h !== '*').join(', ');
    this.expose = f.exposeHeaders.join(', ');
    this.credentials = f.allowCredentials;
    this.maxAge = String(f.maxAge || 5);
  }

  public allows(origin: string): boolean {
    if (this.anyOrigin) return true;
    const o = origin.toLowerCase();
    if (this.exact.has(o)) return true;
    for (const p of this.patterns) if (p.test(o)) return true;
    return false;
  }

  /** Headers for the answer to a preflight from an allowed origin. */
  public preflightHeaders(origin: string, requestMethod: string, requestHeaders: string | undefined): string[] {
    const out = this.originHeaders(origin);
    out.push('access-control-allow-methods', this.anyMethod ? (this.credentials ? requestMethod : '*') : this.methods);
    if (this.anyHeader) {
      if (requestHeaders || !this.credentials) out.push('access-control-allow-headers', this.credentials ? requestHeaders ?? '' : '*');
    } else if (this.headers) {
      out.push('access-control-allow-headers', this.headers);
    }
    out.push('access-control-max-age', this.maxAge);
    return out;
  }

  /** Headers added to an actual response for an allowed origin. */
  public responseHeaders(origin: string): string[] {
    const out = this.originHeaders(origin);
    if (this.expose) out.push('access-control-expose-headers', this.expose);
    return out;
  }

  private originHeaders(origin: string): string[] {
    const out = ['access-control-allow-origin', this.anyOrigin && !this.credentials ? '*' : origin];
    if (this.credentials) out.push('access-control-allow-credentials', 'true');
    if (!(this.anyOrigin && !this.credentials)) out.push('vary', 'Origin');
    return out;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
