import type { HttpRouteEntry, HttpRuleConfig, ListenerConfig, TlsRouteEntry } from '../config/dataplane-config';

/**
 * What the router needs to know about a request. The data plane fills it once per request; `explain` and the
 * testing API read it from a method, a URL and headers as the client sends them (`clientRequest`, `normalizeTarget`).
 */
export interface RouteRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Lower-case, without port or trailing dot. */
  readonly host: string;
  /** Normalized (see `normalizePath`), without the query string. */
  readonly path: string;
  /** Raw query string without the leading `?`; `''` when there is none. */
  readonly query: string;
  /** Lower-case names, as Node's `req.headers`. */
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Where an HTTP or gRPC request goes. Built once per route entry at `build()`: matching allocates nothing. */
export interface RouteDecision {
  readonly listener: ListenerConfig;
  readonly entry: HttpRouteEntry;
  readonly rule: HttpRuleConfig;
  /** Index of `rule` in `DataPlaneConfig.httpRules` (the same as `entry.rule`): a key for per-rule state. */
  readonly ruleIndex: number;
}

/** The listener a TLS ClientHello selects and, for TLS listeners, the TLSRoute entry that carries it. */
export interface SniDecision {
  readonly listener: ListenerConfig;
  /** Absent for HTTPS listeners (HTTP routing happens after the handshake) and when no TLSRoute matches. */
  readonly entry?: TlsRouteEntry;
}
