/**
 * ingress-nginx annotations: every `nginx.ingress.kubernetes.io/*` key an Ingress carries is parsed the way
 * ingress-nginx parses it (strings, Go booleans, integers, defaults from its ConfigMap defaults) into the
 * settings of the Ingress's locations and servers, and gets a finding: translated, approximated (translated
 * with a stated difference), untranslatable (with the reason) or ignored (ingress-nginx ignores it too).
 *
 * The list of untranslatable annotations and their reasons is also the table of docs/migrate.md (keep them in sync).
 */
import { DEFAULT_CLASS_ANNOTATION, INGRESS_CLASS_ANNOTATION, Ingress, NGINX_PREFIX, ObjectKey, keyOf } from './input';
import type { CorsFilterConfig } from '../config/dataplane-config';

export type FindingStatus = 'translated' | 'approximated' | 'untranslatable' | 'ignored';

/** What became of one annotation of one Ingress. */
export interface AnnotationFinding {
  readonly annotation: string;
  readonly value: string;
  status: FindingStatus;
  /** Where it landed ("HTTPRoute shop/shop.example.com rules[1]: ..."), filled in by the translation. */
  readonly became: string[];
  /** Why it is approximated, untranslatable or ignored. */
  reason?: string;
}

export interface CanaryConfig {
  readonly header?: string;
  readonly headerValue?: string;
  readonly headerPattern?: string;
  readonly cookie?: string;
  readonly weight: number;
  /** What ingress-nginx draws from: the annotation when above 100, else 100. */
  readonly weightTotal: number;
}

export interface RedirectConfig {
  readonly url: string;
  readonly code: number;
  readonly annotation: string;
}

/** enable-cors and cors-*: the fields of the data plane's CORS filter (maxAge in seconds). */
export type CorsConfig = Omit<CorsFilterConfig, 'type'>;

export interface AffinityConfig {
  readonly cookieName: string;
  readonly path?: string;
  /** Seconds (session-cookie-max-age, else session-cookie-expires). */
  readonly maxAge?: number;
}

export interface ProxySslConfig {
  readonly secret?: ObjectKey;
  readonly verify: boolean;
  readonly name?: string;
}

/** Settings of the locations an Ingress's paths become (ingress-nginx's per-location annotations). */
export interface LocationConfig {
  readonly ingress: string;
  readonly sslRedirect: boolean;
  readonly forceSslRedirect: boolean;
  readonly preserveTrailingSlash: boolean;
  readonly redirect?: RedirectConfig;
  readonly rewriteTarget?: string;
  readonly useRegex: boolean;
  readonly appRoot?: string;
  readonly fromToWww: boolean;
  /** Upper-case: HTTP (default), HTTPS, GRPC, GRPCS, H2C, or a value with no translation. */
  readonly backendProtocol: string;
  /** Seconds; only the ones annotated are set. */
  readonly timeouts?: { readonly connect?: number; readonly read?: number; readonly send?: number };
  readonly retry?: { readonly tries?: number; readonly conditions?: string[] };
  readonly cors?: CorsConfig;
  readonly upstreamVhost?: string;
  readonly xForwardedPrefix?: string;
  readonly affinity?: AffinityConfig;
  readonly mirrorTarget?: string;
  readonly externalAuth?: { readonly url: string; readonly responseHeaders: string[] };
  readonly proxySsl?: ProxySslConfig;
}

/** Settings that ingress-nginx applies per server (host), taken from the first Ingress that sets them. */
export interface ServerConfig {
  readonly sslPassthrough: boolean;
  readonly aliases: string[];
  readonly authTls?: { readonly secret: ObjectKey; readonly verifyClient: string };
}

/** One Ingress's annotations, parsed. */
export interface ParsedAnnotations {
  readonly location: LocationConfig;
  readonly server: ServerConfig;
  /** Set when `canary: "true"`. */
  readonly canary?: CanaryConfig;
  /** Every annotation the Ingress carries, in key order. */
  readonly findings: AnnotationFinding[];
}

const NO_EQUIVALENT = ': no Gateway API v1.6.1 equivalent';

/**
 * ingress-nginx annotations (without the prefix) that have no Gateway API v1.6.1 equivalent, with the reason.
 * Exported for the table of docs/migrate.md and its test.
 */
export const UNTRANSLATABLE: Record<string, string> = {
  'auth-type': `basic and digest authentication${NO_EQUIVALENT} (put the check in an ExternalAuth service)`,
  'auth-secret': `basic and digest authentication${NO_EQUIVALENT} (put the check in an ExternalAuth service)`,
  'auth-secret-type': `basic and digest authentication${NO_EQUIVALENT}`,
  'auth-realm': `basic and digest authentication${NO_EQUIVALENT}`,
  'auth-method': `the ExternalAuth filter always asks with the request's own method; choosing another${NO_EQUIVALENT}`,
  'auth-signin': `redirecting unauthenticated requests to a sign-in page${NO_EQUIVALENT} (the auth service must answer the redirect itself)`,
  'auth-signin-redirect-param': `redirecting unauthenticated requests to a sign-in page${NO_EQUIVALENT}`,
  'auth-request-redirect': `the X-Auth-Request-Redirect header sent to the auth service${NO_EQUIVALENT}`,
  'auth-cache-key': `caching external auth answers${NO_EQUIVALENT}`,
  'auth-cache-duration': `caching external auth answers${NO_EQUIVALENT}`,
  'auth-keepalive': 'connection reuse to the auth service is implementation behaviour, not Gateway API',
  'auth-keepalive-share-vars': 'connection reuse to the auth service is implementation behaviour, not Gateway API',
  'auth-keepalive-requests': 'connection reuse to the auth service is implementation behaviour, not Gateway API',
  'auth-keepalive-timeout': 'connection reuse to the auth service is implementation behaviour, not Gateway API',
  'auth-proxy-set-headers': `extra headers sent to the auth service from a ConfigMap${NO_EQUIVALENT}`,
  'auth-always-set-cookie': `passing the auth service's Set-Cookie on every answer${NO_EQUIVALENT}`,
  'auth-snippet': `raw nginx configuration${NO_EQUIVALENT}`,
  'enable-global-auth': `the controller-wide global-auth-url${NO_EQUIVALENT}; per-route ExternalAuth filters replace it`,
  'auth-tls-verify-depth': `the client certificate chain depth${NO_EQUIVALENT}`,
  'auth-tls-error-page': `an error page for failed client certificate checks${NO_EQUIVALENT}`,
  'auth-tls-pass-certificate-to-upstream': `forwarding the client certificate in the ssl-client-cert header${NO_EQUIVALENT} ` +
    '(this project\'s data plane can forward the verified subject: DataPlaneProps clientCertificateHeader)',
  'auth-tls-match-cn': `checking the client certificate's common name${NO_EQUIVALENT}`,
  'client-body-buffer-size': `request body buffering${NO_EQUIVALENT}`,
  'proxy-body-size': `a request body size limit (nginx answers 413 above it)${NO_EQUIVALENT}`,
  'configuration-snippet': `raw nginx configuration${NO_EQUIVALENT}`,
  'server-snippet': `raw nginx configuration${NO_EQUIVALENT}`,
  'stream-snippet': `raw nginx configuration${NO_EQUIVALENT}`,
  'modsecurity-snippet': `raw ModSecurity rules${NO_EQUIVALENT}`,
  'custom-http-errors': `intercepting backend error codes for custom error pages${NO_EQUIVALENT}`,
  'default-backend': `a fallback Service for unavailable endpoints and intercepted errors${NO_EQUIVALENT}`,
  'http2-push-preload': `HTTP/2 server push${NO_EQUIVALENT}`,
  'limit-connections': `rate and connection limits${NO_EQUIVALENT}`,
  'limit-rps': `rate and connection limits${NO_EQUIVALENT}`,
  'limit-rpm': `rate and connection limits${NO_EQUIVALENT}`,
  'limit-burst-multiplier': `rate and connection limits${NO_EQUIVALENT}`,
  'limit-rate': `response bandwidth limits${NO_EQUIVALENT}`,
  'limit-rate-after': `response bandwidth limits${NO_EQUIVALENT}`,
  'limit-whitelist': `rate and connection limits${NO_EQUIVALENT}`,
  'limit-allowlist': `rate and connection limits${NO_EQUIVALENT}`,
  'global-rate-limit': `global rate limits${NO_EQUIVALENT}`,
  'global-rate-limit-window': `global rate limits${NO_EQUIVALENT}`,
  'global-rate-limit-key': `global rate limits${NO_EQUIVALENT}`,
  'global-rate-limit-ignored-cidrs': `global rate limits${NO_EQUIVALENT}`,
  'proxy-buffering': `proxy buffering${NO_EQUIVALENT}`,
  'proxy-buffers-number': `proxy buffering${NO_EQUIVALENT}`,
  'proxy-buffer-size': `proxy buffering${NO_EQUIVALENT}`,
  'proxy-busy-buffers-size': `proxy buffering${NO_EQUIVALENT}`,
  'proxy-max-temp-file-size': `proxy buffering${NO_EQUIVALENT}`,
  'proxy-request-buffering': `request buffering${NO_EQUIVALENT}`,
  'proxy-http-version': `the HTTP version towards a backend follows its Service port's appProtocol; HTTP/1.0${NO_EQUIVALENT}`,
  'proxy-cookie-domain': `rewriting Set-Cookie domains${NO_EQUIVALENT}`,
  'proxy-cookie-path': `rewriting Set-Cookie paths${NO_EQUIVALENT}`,
  'proxy-redirect-from': `rewriting the Location of backend redirects${NO_EQUIVALENT}`,
  'proxy-redirect-to': `rewriting the Location of backend redirects${NO_EQUIVALENT}`,
  'proxy-next-upstream-timeout': `a time limit across retries${NO_EQUIVALENT} (retries have attempts and backoff only)`,
  'proxy-ssl-ciphers': `TLS ciphers towards backends${NO_EQUIVALENT}`,
  'proxy-ssl-protocols': `TLS versions towards backends${NO_EQUIVALENT}`,
  'proxy-ssl-verify-depth': `the backend certificate chain depth${NO_EQUIVALENT}`,
  'satisfy': `combining authentication methods with "any"${NO_EQUIVALENT}`,
  'service-upstream': 'proxying to the Service\'s cluster IP instead of its endpoints is implementation behaviour, not Gateway API',
  'upstream-hash-by': `consistent hashing on a request variable${NO_EQUIVALENT} (sessionPersistence pins by cookie or header only)`,
  'upstream-hash-by-subset': `consistent hashing${NO_EQUIVALENT}`,
  'upstream-hash-by-subset-size': `consistent hashing${NO_EQUIVALENT}`,
  'load-balance': 'the load-balancing algorithm is implementation behaviour, not Gateway API',
  'whitelist-source-range': `client IP allow lists${NO_EQUIVALENT}`,
  'allowlist-source-range': `client IP allow lists${NO_EQUIVALENT}`,
  'denylist-source-range': `client IP deny lists${NO_EQUIVALENT}`,
  'connection-proxy-header': `overriding the Connection header towards backends${NO_EQUIVALENT}`,
  'enable-access-log': 'access logging is implementation configuration, not Gateway API',
  'enable-rewrite-log': `nginx rewrite logging${NO_EQUIVALENT}`,
  'enable-opentracing': 'tracing is implementation configuration, not Gateway API',
  'opentracing-trust-incoming-span': 'tracing is implementation configuration, not Gateway API',
  'enable-opentelemetry': 'tracing is implementation configuration, not Gateway API',
  'opentelemetry-trust-incoming-span': 'tracing is implementation configuration, not Gateway API',
  'opentelemetry-operation-name': 'tracing is implementation configuration, not Gateway API',
  'enable-influxdb': `InfluxDB request metrics${NO_EQUIVALENT}`,
  'influxdb-measurement': `InfluxDB request metrics${NO_EQUIVALENT}`,
  'influxdb-port': `InfluxDB request metrics${NO_EQUIVALENT}`,
  'influxdb-host': `InfluxDB request metrics${NO_EQUIVALENT}`,
  'influxdb-server-name': `InfluxDB request metrics${NO_EQUIVALENT}`,
  'enable-modsecurity': `the ModSecurity web application firewall${NO_EQUIVALENT}`,
  'enable-owasp-core-rules': `the ModSecurity web application firewall${NO_EQUIVALENT}`,
  'modsecurity-transaction-id': `the ModSecurity web application firewall${NO_EQUIVALENT}`,
  'mirror-host': `the Host header of mirrored requests${NO_EQUIVALENT} (a RequestMirror keeps the request's Host)`,
  'session-cookie-samesite': `the SameSite attribute of the session cookie${NO_EQUIVALENT}`,
  'session-cookie-conditional-samesite-none': `the SameSite attribute of the session cookie${NO_EQUIVALENT}`,
  'session-cookie-secure': `the Secure attribute of the session cookie${NO_EQUIVALENT}`,
  'session-cookie-domain': `the Domain attribute of the session cookie${NO_EQUIVALENT}`,
  'session-cookie-change-on-failure': `re-pinning a session when its backend fails${NO_EQUIVALENT}`,
  'affinity-canary-behavior': `keeping sessions on a canary${NO_EQUIVALENT}`,
  'ssl-ciphers': 'TLS ciphers of a listener are implementation-specific tls.options, not Gateway API',
  'ssl-prefer-server-ciphers': 'TLS cipher preference of a listener is implementation-specific tls.options, not Gateway API',
  'custom-headers': `response headers from a ConfigMap${NO_EQUIVALENT} here (write them as a ResponseHeaderModifier filter)`,
  'use-port-in-redirects': `the port in nginx's own redirects${NO_EQUIVALENT}`,
  'fastcgi-index': `FastCGI backends${NO_EQUIVALENT}`,
  'fastcgi-params-configmap': `FastCGI backends${NO_EQUIVALENT}`,
  'disable-proxy-intercept-errors': `intercepting backend error codes${NO_EQUIVALENT}`,
  'proxy-ssl-server-name': `sending SNI to a TLS backend is always on with a BackendTLSPolicy (its hostname); turning it off${NO_EQUIVALENT}`,
};

/** Annotations this module translates (without the prefix). */
export const TRANSLATED = [
  'app-root', 'affinity', 'affinity-mode', 'auth-response-headers', 'auth-tls-secret', 'auth-tls-verify-client', 'auth-url',
  'backend-protocol', 'canary', 'canary-by-cookie', 'canary-by-header', 'canary-by-header-pattern', 'canary-by-header-value',
  'canary-weight', 'canary-weight-total', 'cors-allow-credentials', 'cors-allow-headers', 'cors-allow-methods', 'cors-allow-origin',
  'cors-expose-headers', 'cors-max-age', 'enable-cors', 'force-ssl-redirect', 'from-to-www-redirect', 'mirror-request-body',
  'mirror-target', 'permanent-redirect', 'permanent-redirect-code', 'preserve-trailing-slash', 'proxy-connect-timeout',
  'proxy-next-upstream', 'proxy-next-upstream-tries', 'proxy-read-timeout', 'proxy-send-timeout', 'proxy-ssl-name',
  'proxy-ssl-secret', 'proxy-ssl-verify', 'rewrite-target', 'server-alias', 'session-cookie-expires', 'session-cookie-max-age',
  'session-cookie-name', 'session-cookie-path', 'ssl-passthrough', 'ssl-redirect', 'temporal-redirect', 'temporal-redirect-code',
  'upstream-vhost', 'use-regex', 'x-forwarded-prefix',
] as const;

/** Annotations a canary Ingress keeps; ingress-nginx takes every other one from the main Ingress. */
const CANARY_KEEPS = new Set(['affinity', 'affinity-mode', 'session-cookie-name', 'session-cookie-path', 'session-cookie-max-age',
  'session-cookie-expires', 'load-balance', 'upstream-hash-by']);

const CORS_DEFAULT_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'];
const CORS_DEFAULT_HEADERS = ['DNT', 'Keep-Alive', 'User-Agent', 'X-Requested-With', 'If-Modified-Since', 'Cache-Control', 'Content-Type', 'Range', 'Authorization'];

/** Go's strconv.ParseBool. */
function goBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses one Ingress's annotations. `canary` Ingresses keep only the canary and session-affinity ones. */
export function parseAnnotations(ing: Ingress): ParsedAnnotations {
  const a = ing.annotations;
  const findings = new Map<string, AnnotationFinding>();
  const ingress = keyOf(ing);
  for (const [k, value] of Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    findings.set(k, { annotation: k, value, status: 'translated', became: [] });
  }
  const finding = (key: string) => findings.get(NGINX_PREFIX + key);
  const set = (key: string, status: FindingStatus, reason?: string) => {
    const f = finding(key);
    if (f) {
      f.status = status;
      f.reason = reason;
    }
  };
  const has = (key: string) => a[NGINX_PREFIX + key] !== undefined;
  const get = (key: string) => a[NGINX_PREFIX + key];
  const bool = (key: string, dflt: boolean): boolean => {
    const v = get(key);
    if (v === undefined) return dflt;
    const b = goBool(v.trim());
    if (b === undefined) {
      set(key, 'untranslatable', `"${v}" is not a boolean: ingress-nginx rejects it and uses ${dflt}; write "true" or "false"`);
      return dflt;
    }
    return b;
  };
  const int = (key: string): number | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v.trim())) {
      set(key, 'untranslatable', `"${v}" is not an integer: ingress-nginx rejects it and uses its default`);
      return undefined;
    }
    return Number(v.trim());
  };

  const canaryOn = bool('canary', false);
  // --- canary ---------------------------------------------------------------------------------------------
  let canary: CanaryConfig | undefined;
  const canaryKeys = ['canary-by-header', 'canary-by-header-value', 'canary-by-header-pattern', 'canary-by-cookie', 'canary-weight', 'canary-weight-total'];
  if (canaryOn) {
    const weight = int('canary-weight') ?? 0;
    const total = int('canary-weight-total') ?? 100;
    canary = {
      header: get('canary-by-header') || undefined,
      headerValue: get('canary-by-header-value') || undefined,
      headerPattern: get('canary-by-header-pattern') || undefined,
      cookie: get('canary-by-cookie') || undefined,
      weight,
      weightTotal: total > 100 ? total : 100,
    };
    if (has('canary-weight-total') && total < 100) set('canary-weight-total', 'ignored', 'ingress-nginx draws from 100 when the total is below 100');
    if (canary.headerValue && !canary.header) set('canary-by-header-value', 'ignored', 'ingress-nginx ignores it without canary-by-header');
    if (canary.headerPattern && (!canary.header || canary.headerValue)) {
      set('canary-by-header-pattern', 'ignored', canary.headerValue ? 'ingress-nginx ignores it when canary-by-header-value is set' : 'ingress-nginx ignores it without canary-by-header');
    }
  } else {
    for (const k of canaryKeys) if (has(k)) set(k, 'ignored', 'ingress-nginx ignores canary settings unless canary: "true"');
    if (has('canary')) set('canary', 'translated');
  }

  // on a canary Ingress every other annotation comes from the main Ingress
  if (canaryOn) {
    for (const f of findings.values()) {
      if (!f.annotation.startsWith(NGINX_PREFIX)) continue;
      const key = f.annotation.slice(NGINX_PREFIX.length);
      if (key === 'canary' || canaryKeys.includes(key) || CANARY_KEEPS.has(key)) continue;
      f.status = 'ignored';
      f.reason = 'a canary Ingress takes this setting from its main Ingress (ingress-nginx ignores it here)';
    }
  }

  // --- redirects ------------------------------------------------------------------------------------------
  let redirect: RedirectConfig | undefined;
  const temporal = get('temporal-redirect');
  const permanent = get('permanent-redirect');
  if (temporal) {
    let code = int('temporal-redirect-code') ?? 302;
    if (code < 300 || code > 307) code = 302;
    redirect = { url: temporal, code, annotation: 'temporal-redirect' };
    if (permanent) set('permanent-redirect', 'ignored', 'temporal-redirect takes precedence in ingress-nginx');
    if (has('permanent-redirect-code')) set('permanent-redirect-code', 'ignored', 'temporal-redirect takes precedence in ingress-nginx');
  } else if (permanent) {
    let code = int('permanent-redirect-code') ?? 301;
    if (code < 300 || code > 308) code = 301;
    redirect = { url: permanent, code, annotation: 'permanent-redirect' };
  } else {
    if (has('permanent-redirect-code')) set('permanent-redirect-code', 'ignored', 'no permanent-redirect to apply it to');
    if (has('temporal-redirect-code')) set('temporal-redirect-code', 'ignored', 'no temporal-redirect to apply it to');
  }
  if (redirect && !/^https?:\/\/[^/]/i.test(redirect.url)) {
    set(redirect.annotation, 'untranslatable', `"${redirect.url}" is not an absolute http(s) URL: ingress-nginx rejects it`);
    redirect = undefined;
  }

  // --- rewrite, app-root ----------------------------------------------------------------------------------
  const appRoot = get('app-root');
  if (appRoot !== undefined && !appRoot.startsWith('/')) set('app-root', 'untranslatable', `"${appRoot}" is not a path starting with "/": ingress-nginx rejects it`);

  // --- backend protocol -----------------------------------------------------------------------------------
  const backendProtocol = (get('backend-protocol') ?? 'HTTP').trim().toUpperCase();

  // --- timeouts and retries -------------------------------------------------------------------------------
  const connect = int('proxy-connect-timeout');
  const read = int('proxy-read-timeout');
  const send = int('proxy-send-timeout');
  const timeouts = connect !== undefined || read !== undefined || send !== undefined ? { connect, read, send } : undefined;
  const tries = int('proxy-next-upstream-tries');
  const nextUpstream = get('proxy-next-upstream');
  const retry = tries !== undefined || nextUpstream !== undefined
    ? { tries, conditions: nextUpstream === undefined ? undefined : nextUpstream.split(/\s+/).filter((s) => s !== '') }
    : undefined;

  // --- CORS -----------------------------------------------------------------------------------------------
  const corsOn = bool('enable-cors', false);
  let cors: CorsConfig | undefined;
  if (corsOn) {
    cors = {
      allowOrigins: has('cors-allow-origin') ? list(get('cors-allow-origin')) : ['*'],
      allowMethods: has('cors-allow-methods') ? list(get('cors-allow-methods')).map((m) => m.toUpperCase()) : CORS_DEFAULT_METHODS,
      allowHeaders: has('cors-allow-headers') ? list(get('cors-allow-headers')) : CORS_DEFAULT_HEADERS,
      exposeHeaders: has('cors-expose-headers') ? list(get('cors-expose-headers')) : [],
      allowCredentials: bool('cors-allow-credentials', true),
      maxAge: int('cors-max-age') ?? 1728000,
    };
  } else {
    for (const k of ['cors-allow-origin', 'cors-allow-methods', 'cors-allow-headers', 'cors-expose-headers', 'cors-allow-credentials', 'cors-max-age']) {
      if (has(k)) set(k, 'ignored', 'ingress-nginx ignores CORS settings unless enable-cors: "true"');
    }
  }

  // --- affinity -------------------------------------------------------------------------------------------
  let affinity: AffinityConfig | undefined;
  const affinityType = get('affinity');
  if (affinityType !== undefined && affinityType !== 'cookie') {
    set('affinity', 'ignored', `ingress-nginx knows only the "cookie" affinity, not "${affinityType}"`);
  }
  const sessionKeys = ['session-cookie-name', 'session-cookie-path', 'session-cookie-max-age', 'session-cookie-expires'];
  if (affinityType === 'cookie') {
    affinity = {
      cookieName: get('session-cookie-name') || 'INGRESSCOOKIE',
      path: get('session-cookie-path') || undefined,
      maxAge: int('session-cookie-max-age') ?? int('session-cookie-expires'),
    };
    const mode = get('affinity-mode');
    if (mode === 'persistent') set('affinity-mode', 'untranslatable', `"persistent" (never rebalance sessions when backends scale)${NO_EQUIVALENT}`);
  } else {
    for (const k of [...sessionKeys, 'affinity-mode']) if (has(k)) set(k, 'ignored', 'ingress-nginx ignores it without affinity: "cookie"');
  }

  // --- auth -----------------------------------------------------------------------------------------------
  const authUrl = get('auth-url');
  const externalAuth = authUrl ? { url: authUrl, responseHeaders: has('auth-response-headers') ? list(get('auth-response-headers')) : [] } : undefined;
  if (!authUrl && has('auth-response-headers')) set('auth-response-headers', 'ignored', 'ingress-nginx ignores it without auth-url');

  let authTls: ServerConfig['authTls'];
  const authTlsSecret = get('auth-tls-secret');
  if (authTlsSecret) {
    const ref = namespaced(authTlsSecret, ing.namespace);
    if (!ref) set('auth-tls-secret', 'untranslatable', `"${authTlsSecret}" is not <namespace>/<name>`);
    else authTls = { secret: ref, verifyClient: (get('auth-tls-verify-client') ?? 'on').trim() };
  } else if (has('auth-tls-verify-client')) {
    set('auth-tls-verify-client', 'ignored', 'ingress-nginx ignores it without auth-tls-secret');
  }

  let proxySsl: ProxySslConfig | undefined;
  const proxySslSecret = get('proxy-ssl-secret');
  if (proxySslSecret || has('proxy-ssl-verify') || has('proxy-ssl-name')) {
    const ref = proxySslSecret ? namespaced(proxySslSecret, undefined) : undefined;
    if (proxySslSecret && !ref) set('proxy-ssl-secret', 'untranslatable', `"${proxySslSecret}" is not <namespace>/<name> (ingress-nginx requires the namespace)`);
    proxySsl = { secret: ref, verify: (get('proxy-ssl-verify') ?? 'off').trim() === 'on', name: get('proxy-ssl-name') || undefined };
  }

  // --- everything else: known untranslatable annotations, unknown ones, other prefixes --------------------
  for (const f of findings.values()) {
    if (f.status !== 'translated') continue;
    if (!f.annotation.startsWith(NGINX_PREFIX)) {
      classifyForeign(f);
      continue;
    }
    const key = f.annotation.slice(NGINX_PREFIX.length);
    if (UNTRANSLATABLE[key]) {
      f.status = 'untranslatable';
      f.reason = UNTRANSLATABLE[key];
    } else if (key === 'mirror-request-body') {
      if (f.value.trim() === 'off') {
        f.status = 'untranslatable';
        f.reason = `mirroring without the request body${NO_EQUIVALENT} (a RequestMirror sends the whole request)`;
      }
    } else if (key === 'affinity-mode' && f.value !== 'persistent') {
      // balanced is the default: nothing to do
    } else if (!(TRANSLATED as readonly string[]).includes(key)) {
      f.status = 'untranslatable';
      f.reason = `"${key}" is not an ingress-nginx annotation this tool knows; check its spelling or translate it by hand`;
    }
  }

  const location: LocationConfig = {
    ingress,
    sslRedirect: bool('ssl-redirect', true),
    forceSslRedirect: bool('force-ssl-redirect', false),
    preserveTrailingSlash: bool('preserve-trailing-slash', false),
    redirect,
    rewriteTarget: get('rewrite-target') || undefined,
    useRegex: bool('use-regex', false),
    appRoot: appRoot?.startsWith('/') ? appRoot : undefined,
    fromToWww: bool('from-to-www-redirect', false),
    backendProtocol,
    timeouts,
    retry,
    cors,
    upstreamVhost: get('upstream-vhost') || undefined,
    xForwardedPrefix: get('x-forwarded-prefix') || undefined,
    affinity,
    mirrorTarget: get('mirror-target') || undefined,
    externalAuth,
    proxySsl,
  };
  const server: ServerConfig = {
    sslPassthrough: bool('ssl-passthrough', false),
    aliases: has('server-alias') ? list(get('server-alias')) : [],
    authTls,
  };
  return { location, server, canary, findings: [...findings.values()] };
}

/** `ns/name` (or `name` in `dflt`'s namespace when given). */
function namespaced(v: string, dflt: string | undefined): ObjectKey | undefined {
  const parts = v.trim().split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  if (parts.length === 1 && parts[0] && dflt) return { namespace: dflt, name: parts[0] };
  return undefined;
}

/** Annotations of other tools: the class annotation is used; the rest is listed with what to do. */
function classifyForeign(f: AnnotationFinding): void {
  if (f.annotation === INGRESS_CLASS_ANNOTATION) {
    f.status = 'translated';
    f.became.push('selects the Ingress class (the Gateway takes its place)');
    return;
  }
  if (f.annotation === DEFAULT_CLASS_ANNOTATION || f.annotation === 'kubectl.kubernetes.io/last-applied-configuration') {
    f.status = 'ignored';
    f.reason = 'bookkeeping of kubectl or of the class, not routing';
    return;
  }
  if (f.annotation.startsWith('cert-manager.io/') || f.annotation.startsWith('acme.cert-manager.io/')) {
    f.status = 'untranslatable';
    f.reason = 'cert-manager reads its annotations from the Gateway for Gateway API certificates: copy it to the Gateway\'s metadata.annotations';
    return;
  }
  f.status = 'ignored';
  f.reason = 'not an ingress-nginx annotation: left out of the Gateway API objects (copy it where its owner expects it)';
}
