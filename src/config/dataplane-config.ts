/**
 * The contract between the compiler (producer) and the data plane (consumer): one DataPlaneConfig per
 * Gateway, as JSON. Everything here is plain data: no functions, no classes, no Maps, so that the same
 * config serializes byte-identically (the compiler sorts every list and object key it emits).
 *
 * The config never holds file paths or key material. Certificates and CA bundles are named by the
 * Kubernetes object that holds them; the data plane resolves them under directories it is given at
 * start (`--secrets-dir`, `--configmaps-dir`): `<dir>/<namespace>/<name>/<key>`. The deploy step mounts
 * Secrets and ConfigMaps there; `serve` writes the ones found in the manifests into a temp dir.
 *
 * Internal: not exported from src/index.ts.
 */

export const DATAPLANE_CONFIG_API_VERSION = 'dataplane.cdk8s-gateway.io/v1alpha1';
export const DATAPLANE_CONFIG_KIND = 'DataPlaneConfig';

export interface DataPlaneConfig {
  readonly apiVersion: typeof DATAPLANE_CONFIG_API_VERSION;
  readonly kind: typeof DATAPLANE_CONFIG_KIND;
  /** The Gateway this config serves. */
  readonly gateway: ObjectKey;
  /** Sockets to bind, sorted by port then transport. One entry per (port, transport). */
  readonly ports: PortConfig[];
  /** HTTP and gRPC route rules, referenced by index from `HttpRouteEntry.rule`. */
  readonly httpRules: HttpRuleConfig[];
  /** Every backend a route or filter can send traffic to, keyed by `BackendConfig.id`. */
  readonly backends: Record<string, BackendConfig>;
  /** Data-plane behaviour that is not Gateway API (from the Gateway's infrastructure parametersRef). */
  readonly options: DataPlaneOptions;
}

/** namespace/name of a Kubernetes object. */
export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

/** Identifies the Gateway API object a piece of config came from (for logs, metrics and `explain`). */
export interface SourceRef extends ObjectKey {
  readonly kind: 'Gateway' | 'ListenerSet' | 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute';
}

/** A Secret holding `tls.crt` and `tls.key`. */
export interface CertificateRef extends ObjectKey {}

/** A CA bundle: a ConfigMap (key `ca.crt`) or a Secret (key `ca.crt`). */
export interface CaBundleRef extends ObjectKey {
  readonly kind: 'ConfigMap' | 'Secret';
  /** @default 'ca.crt' */
  readonly key: string;
}

// ---------------------------------------------------------------------------------------------
// Ports and listeners
// ---------------------------------------------------------------------------------------------

/**
 * One socket. `kind` says how it is served:
 * - HTTP: cleartext HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on the same port;
 * - TLS: a TLS handshake first; the ClientHello SNI selects the listener. A listener with protocol
 *   HTTPS terminates and serves HTTP (ALPN h2, http/1.1); TLS/Terminate terminates then proxies TCP;
 *   TLS/Passthrough forwards the raw bytes by SNI without terminating;
 * - TCP, UDP: layer-4 proxying.
 */
export interface PortConfig {
  readonly port: number;
  readonly transport: 'TCP' | 'UDP';
  readonly kind: 'HTTP' | 'TLS' | 'TCP' | 'UDP';
  /** Listeners on this port, most specific hostname first (exact, then longest wildcard, then none). */
  readonly listeners: ListenerConfig[];
  /** Client-certificate validation for TLS-terminating listeners of this port (Gateway spec.tls.frontend). */
  readonly frontendValidation?: FrontendValidationConfig;
}

export interface ListenerConfig {
  /** Unique within the config: the listener name, prefixed `<ns>/<listenerset>/` for ListenerSet listeners. */
  readonly id: string;
  /** The listener's `name` as written. */
  readonly name: string;
  /** The Gateway or ListenerSet that declared it. */
  readonly parent: SourceRef;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';
  /** Exact (`foo.example.com`) or wildcard (`*.example.com`); absent matches every host. Every route entry's hostnames lie within it. */
  readonly hostname?: string;
  /**
   * The namespaces whose routes may attach (the listener's `allowedRoutes.namespaces`, as the compiler resolved
   * it), sorted; absent: every namespace (`from: All`). The data plane refuses a config with a route entry from
   * another namespace: defence in depth for team grants, which render as listeners that admit the team's
   * namespaces by name.
   */
  readonly allowedNamespaces?: string[];
  readonly tls?: ListenerTlsConfig;
  /** HTTP and HTTPS listeners: route entries (HTTPRoute and GRPCRoute) in precedence order. */
  readonly httpRoutes?: HttpRouteEntry[];
  /** TLS listeners: TLSRoute entries in precedence order (exact hostname before wildcard). */
  readonly tlsRoutes?: TlsRouteEntry[];
  /** TCP and UDP listeners: the route that carries this listener's connections or datagrams. */
  readonly l4Route?: L4RouteConfig;
}

export interface ListenerTlsConfig {
  readonly mode: 'Terminate' | 'Passthrough';
  /** Terminate: the certificates to serve, chosen by SNI among them (first one is the default). */
  readonly certificates: CertificateRef[];
  /** The listener's `tls.options`, passed through (implementation-specific keys). */
  readonly options?: Record<string, string>;
}

export interface FrontendValidationConfig {
  readonly caBundles: CaBundleRef[];
  readonly mode: 'AllowValidOnly' | 'AllowInsecureFallback';
}

// ---------------------------------------------------------------------------------------------
// HTTP and gRPC routing
// ---------------------------------------------------------------------------------------------

/**
 * One (rule, match) pair of an HTTPRoute or GRPCRoute, attached to one listener. GRPCRoute matches are
 * compiled to POST paths (`/<service>/<method>`, Exact or RegularExpression) plus header matches.
 *
 * A listener's entries are sorted by the spec's precedence *after hostname*: path (Exact before
 * PathPrefix, longer prefix first; RegularExpression after both), method, header count, query count,
 * route creationTimestamp, route namespace/name, rule index, match index. The router buckets entries by
 * hostname (exact, then longest wildcard suffix, then any) and keeps this order within a bucket.
 */
export interface HttpRouteEntry {
  /** Effective hostnames: the route's hostnames intersected with the listener's; empty means any. */
  readonly hostnames: string[];
  readonly path: PathMatchConfig;
  /** Upper-case method; absent matches any. */
  readonly method?: string;
  readonly headers: ValueMatchConfig[];
  readonly queryParams: ValueMatchConfig[];
  /** Index into `DataPlaneConfig.httpRules`. */
  readonly rule: number;
  /** Position of this match in its rule (`rules[rule].matches[match]`). */
  readonly match: number;
}

export interface PathMatchConfig {
  readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  /** PathPrefix values have no trailing slash except `/` itself. RegularExpression uses ECMAScript syntax. */
  readonly value: string;
}

export interface ValueMatchConfig {
  readonly type: 'Exact' | 'RegularExpression';
  /** Header names are lower-cased; query parameter names are case-sensitive. */
  readonly name: string;
  readonly value: string;
}

export interface HttpRuleConfig {
  readonly source: SourceRef;
  /** Index of the rule within the route, and its `name` when it has one. */
  readonly ruleIndex: number;
  readonly ruleName?: string;
  /** GRPCRoute rule: gateway-generated errors are gRPC statuses (UNAVAILABLE, DEADLINE_EXCEEDED...). */
  readonly grpc: boolean;
  /** Filters in the order written; RequestRedirect ends the request before any backend. */
  readonly filters: HttpFilterConfig[];
  /** Weighted backends. Empty with no redirect filter: the rule answers 500. */
  readonly backends: WeightedBackendConfig[];
  readonly timeouts?: TimeoutsConfig;
  /** Experimental channel. */
  readonly retry?: RetryConfig;
  /** Experimental channel. */
  readonly sessionPersistence?: SessionPersistenceConfig;
}

/** A share of a rule's traffic. Exactly one of `backend` or `invalid` is set; weight 0 entries are dropped. */
export interface WeightedBackendConfig {
  readonly weight: number;
  /** Key into `DataPlaneConfig.backends`. */
  readonly backend?: string;
  /** Set when the backendRef could not be resolved: this share answers 500 (gRPC: UNAVAILABLE). */
  readonly invalid?: InvalidBackendConfig;
  /** Per-backend filters (HTTPRoute backendRefs[].filters), applied after the rule's filters. */
  readonly filters: HttpFilterConfig[];
}

export interface InvalidBackendConfig {
  /** The status condition reason, e.g. BackendNotFound, RefNotPermitted, InvalidKind, UnsupportedProtocol. */
  readonly reason: string;
  readonly message: string;
}

export interface TimeoutsConfig {
  /** Whole request, from the first byte received to the last byte of the response headers; 504 on expiry. */
  readonly requestMs?: number;
  /** One attempt to the backend; 504 on expiry. */
  readonly backendRequestMs?: number;
}

export interface RetryConfig {
  /** Backend answers with these statuses are retried; so are connection errors and backendRequest timeouts. */
  readonly codes: number[];
  /** Maximum number of retries after the first attempt. */
  readonly attempts: number;
  /** The wait before each retry (25 ms when absent). */
  readonly backoffMs?: number;
}

export interface SessionPersistenceConfig {
  readonly type: 'Cookie' | 'Header';
  /** Cookie or header name. */
  readonly sessionName: string;
  readonly absoluteTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** Cookie only: Permanent sets Max-Age from absoluteTimeout; Session sets none. */
  readonly cookieLifetime?: 'Permanent' | 'Session';
}

export type HttpFilterConfig =
  | HeaderModifierFilterConfig
  | RequestRedirectFilterConfig
  | UrlRewriteFilterConfig
  | RequestMirrorFilterConfig
  | CorsFilterConfig
  | ExternalAuthFilterConfig
  | UnsupportedFilterConfig;

export interface HeaderModifierFilterConfig {
  readonly type: 'RequestHeaderModifier' | 'ResponseHeaderModifier';
  readonly set: NameValue[];
  readonly add: NameValue[];
  /** Lower-cased names. */
  readonly remove: string[];
}

export interface NameValue {
  readonly name: string;
  readonly value: string;
}

export interface PathModifierConfig {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

export interface RequestRedirectFilterConfig {
  readonly type: 'RequestRedirect';
  readonly scheme?: 'http' | 'https';
  readonly hostname?: string;
  /** Absent: derived from the scheme as the spec says (or the listener port when the scheme is unchanged). */
  readonly port?: number;
  readonly path?: PathModifierConfig;
  readonly statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface UrlRewriteFilterConfig {
  readonly type: 'URLRewrite';
  readonly hostname?: string;
  readonly path?: PathModifierConfig;
}

export interface RequestMirrorFilterConfig {
  readonly type: 'RequestMirror';
  /** Key into `DataPlaneConfig.backends`; absent when the ref is invalid (then nothing is mirrored). */
  readonly backend?: string;
  /** Share of requests mirrored, 0 to 100 (fractions are converted). */
  readonly percent: number;
}

export interface CorsFilterConfig {
  readonly type: 'CORS';
  readonly allowOrigins: string[];
  readonly allowMethods: string[];
  readonly allowHeaders: string[];
  readonly exposeHeaders: string[];
  readonly allowCredentials: boolean;
  /** Seconds. */
  readonly maxAge: number;
}

export interface ExternalAuthFilterConfig {
  readonly type: 'ExternalAuth';
  readonly protocol: 'HTTP' | 'GRPC';
  /** Key into `DataPlaneConfig.backends`. */
  readonly backend?: string;
  readonly http?: { readonly path?: string; readonly allowedHeaders: string[]; readonly allowedResponseHeaders: string[] };
  readonly grpc?: { readonly allowedHeaders: string[] };
  readonly forwardBodyMaxSize?: number;
}

/** An ExtensionRef (or a filter this data plane cannot run): requests it would process answer 500. */
export interface UnsupportedFilterConfig {
  readonly type: 'Unsupported';
  readonly filterType: string;
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// TLS, TCP and UDP routing
// ---------------------------------------------------------------------------------------------

export interface TlsRouteEntry {
  readonly source: SourceRef;
  /** Effective SNI hostnames (route ∩ listener); empty means any. */
  readonly hostnames: string[];
  readonly backends: L4BackendConfig[];
}

export interface L4RouteConfig {
  readonly source: SourceRef;
  readonly backends: L4BackendConfig[];
}

/** A share of a layer-4 route's connections (or UDP sessions). Invalid shares are refused (connection reset). */
export interface L4BackendConfig {
  readonly weight: number;
  readonly backend?: string;
  readonly invalid?: InvalidBackendConfig;
}

// ---------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------

export interface BackendConfig {
  /** `<namespace>/<service>:<port>` */
  readonly id: string;
  readonly kind: 'Service';
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  /**
   * How to speak to the backend, from the Service port's appProtocol: `http1` (default),
   * `h2c` (kubernetes.io/h2c), `ws` (kubernetes.io/ws, HTTP/1.1 with upgrades), `h2` (TLS + ALPN h2).
   */
  readonly protocol: 'http1' | 'h2c' | 'ws' | 'h2';
  /** Set when a BackendTLSPolicy targets this Service (and port). */
  readonly tls?: BackendTlsConfig;
}

export interface BackendTlsConfig {
  /** The BackendTLSPolicy that applies. */
  readonly policy: ObjectKey;
  /** SNI sent and the identity verified (unless subjectAltNames are given). */
  readonly hostname: string;
  /** CA bundles to trust; absent with `systemCAs` true means the platform's trust store. */
  readonly caBundles: CaBundleRef[];
  readonly systemCAs: boolean;
  readonly subjectAltNames: { readonly type: 'Hostname' | 'URI'; readonly value: string }[];
  /** The Gateway's spec.tls.backend.clientCertificateRef, presented for mTLS. */
  readonly clientCertificate?: CertificateRef;
}

// ---------------------------------------------------------------------------------------------
// Data-plane options (not Gateway API)
// ---------------------------------------------------------------------------------------------

export interface DataPlaneOptions {
  /** DNS suffix for Service resolution in the pod: `<svc>.<ns>.svc.<clusterDomain>`. */
  readonly clusterDomain: string;
  /** When set, the verified client certificate's subject (and SANs) is forwarded to backends in this header. */
  readonly clientCertificateHeader?: string;
}
