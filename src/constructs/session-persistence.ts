import { Duration } from 'cdk8s';
import { gatewayDuration } from './duration';
import { checkLength } from '../spec/checks';
import { MAX_LENGTH } from '../spec/limits';
import { failObject, Where } from '../spec/where';

/** How a session is identified. */
export enum SessionPersistenceType {
  /** A cookie the gateway sets. */
  COOKIE = 'Cookie',
  /** A header the client sends. */
  HEADER = 'Header',
}

/** Lifetime of a session cookie. */
export enum CookieLifetime {
  /** Expires with `absoluteTimeout` (which is then required). */
  PERMANENT = 'Permanent',
  /** Lives as long as the browser session. */
  SESSION = 'Session',
}

/**
 * Sends requests of one session to the same backend. Experimental channel: needs the experimental
 * Gateway API CRDs.
 */
export interface SessionPersistence {
  /**
   * How sessions are identified.
   * @default SessionPersistenceType.COOKIE
   */
  readonly type?: SessionPersistenceType;
  /**
   * Name of the cookie or header (at most 128 characters).
   * @default - chosen by the implementation
   */
  readonly sessionName?: string;
  /**
   * A session ends this long after it started.
   * @default - no limit
   */
  readonly absoluteTimeout?: Duration;
  /**
   * Lifetime of the cookie (type COOKIE only).
   * @default - the implementation's default (a session cookie)
   */
  readonly cookieLifetime?: CookieLifetime;
}

/** @internal */
export function renderSessionPersistence(
  where: Where, sp: SessionPersistence, markExperimental: (w: Where, what: string) => void,
): Record<string, unknown> {
  markExperimental(where, 'sessionPersistence');
  const type = sp.type ?? SessionPersistenceType.COOKIE;
  if (sp.sessionName !== undefined) checkLength(where.at('sessionName'), sp.sessionName, 1, MAX_LENGTH.sessionName);
  if (sp.cookieLifetime !== undefined && type !== SessionPersistenceType.COOKIE) {
    failObject(where.at('cookieConfig'), 'cookieLifetime only applies to type COOKIE');
  }
  if (sp.cookieLifetime === CookieLifetime.PERMANENT && !sp.absoluteTimeout) {
    failObject(where.at('absoluteTimeout'), 'is required when cookieLifetime is PERMANENT (the cookie needs an expiry)');
  }
  return {
    type,
    ...(sp.sessionName !== undefined ? { sessionName: sp.sessionName } : {}),
    ...(sp.absoluteTimeout ? { absoluteTimeout: gatewayDuration(where.at('absoluteTimeout'), sp.absoluteTimeout) } : {}),
    ...(sp.cookieLifetime ? { cookieConfig: { lifetimeType: sp.cookieLifetime } } : {}),
  };
}
