import type { SessionPersistenceConfig } from '../../config/dataplane-config';

/**
 * Cookie or header session persistence: the first response carries a token naming the backend that
 * served it (and, in cluster mode, the endpoint: a pod); later requests presenting the token go to that
 * backend (and endpoint) while it is part of the rule (and ready) and the token has not expired (absolute
 * and idle timeouts). Tokens are opaque base64url text.
 */
export class SessionPlan {
  public readonly cookie: boolean;
  /** Lower-case header name (Header type). */
  public readonly headerName: string;
  private readonly cookiePrefix: string;
  private readonly cookieAttributes: string;

  constructor(private readonly config: SessionPersistenceConfig, cookiePath: string) {
    this.cookie = config.type === 'Cookie';
    this.headerName = config.sessionName.toLowerCase();
    this.cookiePrefix = config.sessionName + '=';
    let attrs = `; Path=${cookiePath}; HttpOnly`;
    if (config.cookieLifetime !== 'Session' && config.absoluteTimeoutMs) attrs += `; Max-Age=${Math.floor(config.absoluteTimeoutMs / 1000)}`;
    this.cookieAttributes = attrs;
  }

  /** The backend id (and endpoint) a request's token names, if the token is present, well-formed and not expired. */
  public backendOf(requestValue: string | string[] | undefined, now: number): { backend: string; issued: number; endpoint?: string } | undefined {
    if (requestValue === undefined) return undefined;
    const raw = this.cookie ? findCookie(Array.isArray(requestValue) ? requestValue.join('; ') : requestValue, this.cookiePrefix)
      : Array.isArray(requestValue) ? requestValue[0] : requestValue;
    if (!raw) return undefined;
    let text: string;
    try {
      text = Buffer.from(raw, 'base64url').toString('utf8');
    } catch {
      return undefined;
    }
    const parts = text.split('|');
    if (parts.length !== 3 && parts.length !== 4) return undefined;
    const issued = Number(parts[1]);
    const last = Number(parts[2]);
    if (!Number.isFinite(issued) || !Number.isFinite(last)) return undefined;
    if (this.config.absoluteTimeoutMs && now - issued > this.config.absoluteTimeoutMs) return undefined;
    if (this.config.idleTimeoutMs && now - last > this.config.idleTimeoutMs) return undefined;
    return parts.length === 4 && parts[3] ? { backend: parts[0], issued, endpoint: parts[3] } : { backend: parts[0], issued };
  }

  /** The response header line (name, value) carrying the token. */
  public responseHeader(backend: string, issued: number, now: number, endpoint?: string): [string, string] {
    const token = Buffer.from(`${backend}|${issued}|${now}${endpoint ? `|${endpoint}` : ''}`).toString('base64url');
    return this.cookie ? ['set-cookie', this.cookiePrefix + token + this.cookieAttributes] : [this.config.sessionName, token];
  }

  /** With an idle timeout the token is refreshed on every response; otherwise only when it was issued. */
  public get refreshes(): boolean {
    return !!this.config.idleTimeoutMs;
  }
}

function findCookie(header: string, prefix: string): string | undefined {
  for (const part of header.split(';')) {
    const p = part.trim();
    if (p.startsWith(prefix)) return p.slice(prefix.length);
  }
  return undefined;
}
