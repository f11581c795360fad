import { Duration } from 'cdk8s';
import type { Backend, BackendRefJson } from './backends';
import { checkDnsSubdomain, checkGroup, checkHeaderName, checkHeaderValue, checkHostname, checkInteger, checkKind, checkLength, checkMaxItems, checkPort, checkUnique } from '../spec/checks';
import { HTTP_METHODS } from '../spec/gateway-api';
import { MAX_ITEMS, MAX_LENGTH } from '../spec/limits';
import { CORS_ORIGIN, PATH_CHARS, PATH_CHARS_PROBLEM } from '../spec/patterns';
import { fail, failObject, show, Where } from '../spec/where';

/** @internal */
export interface FilterJson {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What a filter needs from the route that renders it. @internal */
export interface FilterContext {
  /** `HTTPRoute` or `GRPCRoute`. */
  readonly routeKind: string;
  /** The route's effective namespace (backend refs omit it when equal). */
  readonly routeNamespace: string;
  /** Renders and checks a filter list (repetition and combination rules). */
  renderFilters(where: Where, filters: readonly HttpFilter[]): FilterJson[];
  /** Records a field that needs the experimental-channel CRDs. */
  markExperimental(where: Where, what: string): void;
}

/** Filter types of HTTPRoute and GRPCRoute. */
export enum FilterType {
  /** Adds, sets or removes request headers. */
  REQUEST_HEADER_MODIFIER = 'RequestHeaderModifier',
  /** Adds, sets or removes response headers. */
  RESPONSE_HEADER_MODIFIER = 'ResponseHeaderModifier',
  /** Answers with a redirect (HTTPRoute). */
  REQUEST_REDIRECT = 'RequestRedirect',
  /** Rewrites the host and/or path before forwarding (HTTPRoute). */
  URL_REWRITE = 'URLRewrite',
  /** Sends a copy of requests to another backend. */
  REQUEST_MIRROR = 'RequestMirror',
  /** Answers CORS preflights and adds CORS response headers (HTTPRoute). */
  CORS = 'CORS',
  /** Asks an authorization service before forwarding (HTTPRoute, experimental channel). */
  EXTERNAL_AUTH = 'ExternalAuth',
  /** An implementation-specific filter. */
  EXTENSION_REF = 'ExtensionRef',
}

/** Header changes. Names are case-insensitive. */
export interface HeaderModifications {
  /**
   * Headers to set, replacing any value the message had.
   * @default - none
   */
  readonly set?: { [name: string]: string };
  /**
   * Headers to add, keeping values the message had.
   * @default - none
   */
  readonly add?: { [name: string]: string };
  /**
   * Headers to remove.
   * @default - none
   */
  readonly remove?: string[];
}

/** Redirect status codes. */
export enum RedirectStatusCode {
  /** 301 Moved Permanently */
  MOVED_PERMANENTLY = 301,
  /** 302 Found (the Gateway API default) */
  FOUND = 302,
  /** 303 See Other */
  SEE_OTHER = 303,
  /** 307 Temporary Redirect (keeps the method and body) */
  TEMPORARY_REDIRECT = 307,
  /** 308 Permanent Redirect (keeps the method and body) */
  PERMANENT_REDIRECT = 308,
}

/** URL schemes of a redirect. */
export enum RedirectScheme {
  /** http */
  HTTP = 'http',
  /** https */
  HTTPS = 'https',
}

/** How a redirect or rewrite changes the path. */
export class PathModifier {
  /** Replace the whole path. */
  public static fullPath(path: string): PathModifier {
    return new PathModifier('ReplaceFullPath', path);
  }

  /**
   * Replace the part of the path the rule's PathPrefix matched, e.g. `/api` → `/v2` turns `/api/x` into
   * `/v2/x`. The rule must have exactly one match, with a path prefix.
   */
  public static prefix(prefix: string): PathModifier {
    return new PathModifier('ReplacePrefixMatch', prefix);
  }

  private constructor(
    /** `ReplaceFullPath` or `ReplacePrefixMatch`. */
    public readonly type: string,
    /** The replacement. */
    public readonly value: string,
  ) {}

  /** @internal */
  public _render(where: Where): Record<string, string> {
    checkLength(where.at(this.type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch'), this.value, 0, MAX_LENGTH.path);
    return this.type === 'ReplaceFullPath'
      ? { type: this.type, replaceFullPath: this.value }
      : { type: this.type, replacePrefixMatch: this.value };
  }
}

export interface RedirectOptions {
  /**
   * Scheme of the Location.
   * @default - the request's scheme
   */
  readonly scheme?: RedirectScheme;
  /**
   * Hostname of the Location.
   * @default - the request's Host
   */
  readonly hostname?: string;
  /**
   * Port of the Location.
   * @default - derived from the scheme (80/443), or the listener's port when the scheme is unchanged
   */
  readonly port?: number;
  /**
   * Path of the Location.
   * @default - the request's path
   */
  readonly path?: PathModifier;
  /**
   * Status code.
   * @default RedirectStatusCode.FOUND (302)
   */
  readonly statusCode?: RedirectStatusCode;
}

export interface HttpsRedirectOptions {
  /**
   * Status code.
   * @default RedirectStatusCode.MOVED_PERMANENTLY (301)
   */
  readonly statusCode?: RedirectStatusCode;
}

export interface UrlRewriteOptions {
  /**
   * Host header sent to the backend.
   * @default - unchanged
   */
  readonly hostname?: string;
  /**
   * New path.
   * @default - unchanged
   */
  readonly path?: PathModifier;
}

/** A share of requests, as a fraction. */
export interface MirrorFraction {
  /** Numerator (0 or more, at most the denominator). */
  readonly numerator: number;
  /**
   * Denominator (1 or more).
   * @default 100
   */
  readonly denominator?: number;
}

export interface MirrorOptions {
  /**
   * Share of requests mirrored, in percent (0 to 100). Mutually exclusive with `fraction`.
   * @default - every request
   */
  readonly percent?: number;
  /**
   * Share of requests mirrored, as a fraction. Mutually exclusive with `percent`.
   * @default - every request
   */
  readonly fraction?: MirrorFraction;
}

export interface CorsOptions {
  /**
   * Origins allowed, e.g. `https://shop.example.com`, `https://*.example.com`, or `*` alone.
   * @default - none (no cross-origin request is allowed)
   */
  readonly allowOrigins?: string[];
  /**
   * Methods allowed (`GET`, `POST`, ... or `*` alone).
   * @default - none beyond the CORS-safelisted methods
   */
  readonly allowMethods?: string[];
  /**
   * Request headers allowed (or `*` alone).
   * @default - none beyond the CORS-safelisted headers
   */
  readonly allowHeaders?: string[];
  /**
   * Response headers exposed to scripts.
   * @default - none beyond the CORS-safelisted headers
   */
  readonly exposeHeaders?: string[];
  /**
   * Whether credentials (cookies, authorization) may be sent.
   * @default false
   */
  readonly allowCredentials?: boolean;
  /**
   * How long a preflight response may be cached (whole seconds, at least 1).
   * @default Duration.seconds(5)
   */
  readonly maxAge?: Duration;
}

/** Settings of an ExternalAuth filter that asks an HTTP authorization service (experimental channel). */
export interface HttpExternalAuthOptions {
  /**
   * Prefix added to the request path in the authorization request (`/check` sends `/check/orders?id=1`).
   * @default - no prefix: the request's own path
   */
  readonly path?: string;
  /**
   * Request headers sent to the authorization service besides Host, Authorization and Content-Length
   * (which are always sent, with the request's method and path).
   * @default - only those
   */
  readonly allowedHeaders?: string[];
  /**
   * Headers of a 200 authorization response that are copied onto the request sent to the backend.
   * @default - all of them except Host (and, in this data plane, the ones describing the response itself:
   * Content-Type, Content-Encoding, Date, Server and the framing headers)
   */
  readonly allowedResponseHeaders?: string[];
  /**
   * Send the request body, up to this many bytes, to the authorization service.
   * A larger body is refused with 413 before the service is asked. This data plane buffers at most 1 MiB,
   * whatever the value.
   * @default - no body is sent (Content-Length 0)
   */
  readonly forwardBodyMaxSize?: number;
}

/** Settings of an ExternalAuth filter that asks an Envoy ext_authz gRPC service (experimental channel). */
export interface GrpcExternalAuthOptions {
  /**
   * Request headers described to the authorization service in the CheckRequest.
   * @default - all request headers
   */
  readonly allowedHeaders?: string[];
  /**
   * Send the request body, up to this many bytes, to the authorization service.
   * A larger body is refused with 413 before the service is asked. This data plane buffers at most 1 MiB,
   * whatever the value.
   * @default - no body is sent
   */
  readonly forwardBodyMaxSize?: number;
}

/** An implementation-specific filter object. */
export interface ExtensionRef {
  /** API group of the filter object. */
  readonly group: string;
  /** Kind of the filter object. */
  readonly kind: string;
  /** Name of the filter object (in the route's namespace). */
  readonly name: string;
}

const CORS_METHODS = [...HTTP_METHODS, '*'];

type Renderer = (where: Where, ctx: FilterContext) => FilterJson;

/**
 * What an HTTPRoute rule (or one backend) does to requests besides routing them. Create with the static
 * factories.
 */
export class HttpFilter {
  /** Set, add or remove request headers. */
  public static requestHeaders(modifications: HeaderModifications): HttpFilter {
    return new HttpFilter(FilterType.REQUEST_HEADER_MODIFIER, (w) => ({
      type: FilterType.REQUEST_HEADER_MODIFIER, requestHeaderModifier: renderHeaders(w.at('requestHeaderModifier'), modifications),
    }));
  }

  /** Set, add or remove response headers. */
  public static responseHeaders(modifications: HeaderModifications): HttpFilter {
    return new HttpFilter(FilterType.RESPONSE_HEADER_MODIFIER, (w) => ({
      type: FilterType.RESPONSE_HEADER_MODIFIER, responseHeaderModifier: renderHeaders(w.at('responseHeaderModifier'), modifications),
    }));
  }

  /** Answer with a redirect instead of forwarding. A rule with a redirect has no backends. */
  public static redirect(options: RedirectOptions): HttpFilter {
    return new HttpFilter(FilterType.REQUEST_REDIRECT, (w) => {
      const where = w.at('requestRedirect');
      if (options.hostname !== undefined) checkHostname(where.at('hostname'), options.hostname, { wildcard: false });
      if (options.port !== undefined) checkPort(where.at('port'), options.port);
      if (options.statusCode !== undefined && !Object.values(RedirectStatusCode).includes(options.statusCode)) {
        fail(where.at('statusCode'), options.statusCode, 'must be 301, 302, 303, 307 or 308');
      }
      return {
        type: FilterType.REQUEST_REDIRECT,
        requestRedirect: {
          ...(options.scheme ? { scheme: options.scheme } : {}),
          ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
          ...(options.port !== undefined ? { port: options.port } : {}),
          ...(options.path ? { path: options.path._render(where.at('path')) } : {}),
          ...(options.statusCode !== undefined ? { statusCode: options.statusCode } : {}),
        },
      };
    }, options.path);
  }

  /** Redirect to the same URL over HTTPS. */
  public static httpsRedirect(options: HttpsRedirectOptions = {}): HttpFilter {
    return HttpFilter.redirect({ scheme: RedirectScheme.HTTPS, statusCode: options.statusCode ?? RedirectStatusCode.MOVED_PERMANENTLY });
  }

  /** Rewrite the Host header and/or the path before forwarding. */
  public static urlRewrite(options: UrlRewriteOptions): HttpFilter {
    return new HttpFilter(FilterType.URL_REWRITE, (w) => {
      const where = w.at('urlRewrite');
      if (options.hostname !== undefined) checkHostname(where.at('hostname'), options.hostname, { wildcard: false });
      if (options.hostname === undefined && !options.path) failObject(where, 'needs a hostname, a path or both');
      return {
        type: FilterType.URL_REWRITE,
        urlRewrite: {
          ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
          ...(options.path ? { path: options.path._render(where.at('path')) } : {}),
        },
      };
    }, options.path);
  }

  /** Send a copy of requests to `backend` (responses from the mirror are ignored). */
  public static mirror(backend: Backend, options: MirrorOptions = {}): HttpFilter {
    return new HttpFilter(FilterType.REQUEST_MIRROR, (w, ctx) => ({
      type: FilterType.REQUEST_MIRROR, requestMirror: renderMirror(w.at('requestMirror'), ctx, backend, options),
    }), undefined, [backend]);
  }

  /** Answer CORS preflight requests and add CORS headers to responses. */
  public static cors(options: CorsOptions): HttpFilter {
    return new HttpFilter(FilterType.CORS, (w) => ({ type: FilterType.CORS, cors: renderCors(w.at('cors'), options) }));
  }

  /**
   * Ask an HTTP authorization service before forwarding (experimental).
   *
   * A 200 lets the request through, with the allowed response headers set on it. Any other answer is
   * returned to the client as the service sent it. If the service cannot be asked, the request fails
   * closed (503, or 504 when it does not answer in time).
   *
   * Experimental channel: needs the experimental Gateway API CRDs (synth warns).
   */
  public static externalAuthHttp(backend: Backend, options: HttpExternalAuthOptions = {}): HttpFilter {
    return externalAuth('HTTP', backend, options.forwardBodyMaxSize, (where) => {
      if (options.path !== undefined) {
        checkLength(where.at('http.path'), options.path, 1, MAX_LENGTH.path);
        if (!PATH_CHARS.test(options.path)) fail(where.at('http.path'), options.path, PATH_CHARS_PROBLEM);
      }
      checkHeaderList(where.at('http.allowedHeaders'), options.allowedHeaders);
      checkHeaderList(where.at('http.allowedResponseHeaders'), options.allowedResponseHeaders);
      return {
        http: {
          ...(options.path !== undefined ? { path: options.path } : {}),
          ...(options.allowedHeaders ? { allowedHeaders: [...options.allowedHeaders] } : {}),
          ...(options.allowedResponseHeaders ? { allowedResponseHeaders: [...options.allowedResponseHeaders] } : {}),
        },
      };
    });
  }

  /**
   * Ask a gRPC authorization service (Envoy ext_authz v3, `Authorization/Check`) before forwarding (experimental).
   *
   * Status OK lets the request through with the OkHttpResponse's header changes. Any other status answers
   * the DeniedHttpResponse (403 unless it names another). If the service cannot be asked, the request
   * fails closed (503, or 504 when it does not answer in time).
   *
   * Experimental channel: needs the experimental Gateway API CRDs (synth warns).
   */
  public static externalAuthGrpc(backend: Backend, options: GrpcExternalAuthOptions = {}): HttpFilter {
    return externalAuth('GRPC', backend, options.forwardBodyMaxSize, (where) => {
      checkHeaderList(where.at('grpc.allowedHeaders'), options.allowedHeaders);
      return { grpc: { ...(options.allowedHeaders ? { allowedHeaders: [...options.allowedHeaders] } : {}) } };
    });
  }

  /** @internal */
  public static _create(type: FilterType, renderer: Renderer, pathModifier?: PathModifier, backends: Backend[] = []): HttpFilter {
    return new HttpFilter(type, renderer, pathModifier, backends);
  }

  /** An implementation-specific filter (the data plane of this project answers 500 for these). */
  public static extension(ref: ExtensionRef): HttpFilter {
    return new HttpFilter(FilterType.EXTENSION_REF, (w) => ({ type: FilterType.EXTENSION_REF, extensionRef: renderExtension(w.at('extensionRef'), ref) }));
  }

  private constructor(
    /** The filter type. */
    public readonly type: FilterType,
    private readonly renderer: Renderer,
    /** @internal */ public readonly _pathModifier?: PathModifier,
    private readonly backends: Backend[] = [],
  ) {}

  /** Backends this filter sends requests to (mirror, external auth). @internal */
  public get _backends(): Backend[] {
    return [...this.backends];
  }

  /** @internal */
  public _render(where: Where, ctx: FilterContext): FilterJson {
    return this.renderer(where, ctx);
  }
}

/** What a GRPCRoute rule does to calls besides routing them: the filters GRPCRoute supports. */
export class GrpcFilter {
  /** Set, add or remove request metadata (headers). */
  public static requestHeaders(modifications: HeaderModifications): GrpcFilter {
    return GrpcFilter.of(HttpFilter.requestHeaders(modifications));
  }

  /** Set, add or remove response metadata (headers). */
  public static responseHeaders(modifications: HeaderModifications): GrpcFilter {
    return GrpcFilter.of(HttpFilter.responseHeaders(modifications));
  }

  /** Send a copy of calls to `backend`. */
  public static mirror(backend: Backend, options: MirrorOptions = {}): GrpcFilter {
    return GrpcFilter.of(HttpFilter.mirror(backend, options));
  }

  /** An implementation-specific filter. */
  public static extension(ref: ExtensionRef): GrpcFilter {
    return GrpcFilter.of(HttpFilter.extension(ref));
  }

  private static of(f: HttpFilter): GrpcFilter {
    return new GrpcFilter(f);
  }

  private constructor(/** @internal */ public readonly _filter: HttpFilter) {}

  /** The filter type. */
  public get type(): FilterType {
    return this._filter.type;
  }
}

/** Filter types that may appear at most once in a list (the CRDs' CEL rules). */
const SINGLE = [
  FilterType.CORS, FilterType.REQUEST_HEADER_MODIFIER, FilterType.RESPONSE_HEADER_MODIFIER, FilterType.REQUEST_REDIRECT, FilterType.URL_REWRITE,
];
const GRPC_TYPES = [FilterType.REQUEST_HEADER_MODIFIER, FilterType.RESPONSE_HEADER_MODIFIER, FilterType.REQUEST_MIRROR, FilterType.EXTENSION_REF];

/**
 * Checks a filter list: supported types, at most 16, no repeated single-use type, never a redirect with a
 * rewrite. @internal
 */
export function checkFilterList(where: Where, filters: readonly HttpFilter[], routeKind: string): void {
  checkMaxItems(where, filters, MAX_ITEMS.filters);
  if (routeKind === 'GRPCRoute') {
    filters.forEach((f, i) => {
      if (!GRPC_TYPES.includes(f.type)) failObject(where.at(i), `${f.type} is not a GRPCRoute filter (allowed: ${GRPC_TYPES.join(', ')})`);
    });
  }
  for (const type of SINGLE) {
    const n = filters.filter((f) => f.type === type).length;
    if (n > 1) failObject(where, `has ${n} ${type} filters; at most one is allowed (merge them)`);
  }
  if (filters.some((f) => f.type === FilterType.REQUEST_REDIRECT) && filters.some((f) => f.type === FilterType.URL_REWRITE)) {
    failObject(where, 'may have a RequestRedirect or a URLRewrite filter, not both');
  }
}

function renderHeaders(where: Where, m: HeaderModifications): Record<string, unknown> {
  const set = Object.entries(m.set ?? {});
  const add = Object.entries(m.add ?? {});
  const remove = m.remove ?? [];
  for (const [field, list] of [['set', set], ['add', add]] as const) {
    checkMaxItems(where.at(field), list, MAX_ITEMS.headerModifications);
    checkUnique(where.at(field), list.map(([n]) => n), 'header', true);
    for (const [name, value] of list) {
      checkHeaderName(where.at(field), name);
      checkHeaderValue(where.at(`${field}.${name}`), value);
    }
  }
  checkMaxItems(where.at('remove'), remove, MAX_ITEMS.headerModifications);
  checkUnique(where.at('remove'), remove, 'header', true);
  remove.forEach((n, i) => checkHeaderName(where.at('remove').at(i), n));
  return {
    ...(set.length > 0 ? { set: set.map(([name, value]) => ({ name, value })) } : {}),
    ...(add.length > 0 ? { add: add.map(([name, value]) => ({ name, value })) } : {}),
    ...(remove.length > 0 ? { remove: [...remove] } : {}),
  };
}

function renderMirror(where: Where, ctx: FilterContext, backend: Backend, o: MirrorOptions): Record<string, unknown> {
  if (o.percent !== undefined && o.fraction !== undefined) failObject(where, 'may have a percent or a fraction, not both');
  if (o.percent !== undefined) checkInteger(where.at('percent'), o.percent, 0, 100);
  if (o.fraction) {
    checkInteger(where.at('fraction.numerator'), o.fraction.numerator, 0);
    const denominator = o.fraction.denominator ?? 100;
    checkInteger(where.at('fraction.denominator'), denominator, 1);
    if (o.fraction.numerator > denominator) {
      fail(where.at('fraction.numerator'), o.fraction.numerator, `must not be greater than the denominator (${denominator})`);
    }
  }
  return {
    backendRef: backend._render(where.at('backendRef'), ctx, 'mirror', false) as BackendRefJson,
    ...(o.percent !== undefined ? { percent: o.percent } : {}),
    ...(o.fraction ? {
      fraction: { numerator: o.fraction.numerator, ...(o.fraction.denominator !== undefined ? { denominator: o.fraction.denominator } : {}) },
    } : {}),
  };
}

function renderCors(where: Where, o: CorsOptions): Record<string, unknown> {
  const star = (field: string, list: readonly string[] | undefined): void => {
    if (list && list.includes('*') && list.length > 1) failObject(where.at(field), `${show(list)}: "*" must be the only entry`);
  };
  checkMaxItems(where.at('allowOrigins'), o.allowOrigins, MAX_ITEMS.corsAndAuthHeaders);
  checkUnique(where.at('allowOrigins'), o.allowOrigins ?? [], 'origin', false);
  (o.allowOrigins ?? []).forEach((origin, i) => {
    checkLength(where.at('allowOrigins').at(i), origin, 1, MAX_LENGTH.hostname);
    if (!CORS_ORIGIN.test(origin)) fail(where.at('allowOrigins').at(i), origin, 'must be "*" or scheme://host[:port], e.g. "https://shop.example.com" or "https://*.example.com"');
  });
  star('allowOrigins', o.allowOrigins);
  checkMaxItems(where.at('allowMethods'), o.allowMethods, MAX_ITEMS.corsMethods);
  checkUnique(where.at('allowMethods'), o.allowMethods ?? [], 'method', false);
  (o.allowMethods ?? []).forEach((m, i) => {
    if (!CORS_METHODS.includes(m)) fail(where.at('allowMethods').at(i), m, `must be one of ${CORS_METHODS.join(', ')}`);
  });
  star('allowMethods', o.allowMethods);
  checkHeaderList(where.at('allowHeaders'), o.allowHeaders);
  star('allowHeaders', o.allowHeaders);
  checkHeaderList(where.at('exposeHeaders'), o.exposeHeaders);
  let maxAge: number | undefined;
  if (o.maxAge) {
    maxAge = o.maxAge.toSeconds({ integral: false });
    checkInteger(where.at('maxAge'), maxAge, 1, 2147483647);
  }
  return {
    ...(o.allowOrigins ? { allowOrigins: [...o.allowOrigins] } : {}),
    ...(o.allowMethods ? { allowMethods: [...o.allowMethods] } : {}),
    ...(o.allowHeaders ? { allowHeaders: [...o.allowHeaders] } : {}),
    ...(o.exposeHeaders ? { exposeHeaders: [...o.exposeHeaders] } : {}),
    ...(o.allowCredentials !== undefined ? { allowCredentials: o.allowCredentials } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
  };
}

function checkHeaderList(where: Where, list: readonly string[] | undefined): void {
  checkMaxItems(where, list, MAX_ITEMS.corsAndAuthHeaders);
  checkUnique(where, list ?? [], 'header', true);
  (list ?? []).forEach((h, i) => checkHeaderName(where.at(i), h));
}

/** The ExternalAuth filter of either protocol: `detail` checks and renders the protocol's own settings. */
function externalAuth(protocol: 'HTTP' | 'GRPC', backend: Backend, forwardBodyMaxSize: number | undefined,
  detail: (where: Where) => Record<string, unknown>): HttpFilter {
  return HttpFilter._create(FilterType.EXTERNAL_AUTH, (w, ctx) => {
    const where = w.at('externalAuth');
    ctx.markExperimental(where, 'ExternalAuth filter');
    return {
      type: FilterType.EXTERNAL_AUTH,
      externalAuth: {
        protocol,
        backendRef: backend._render(where.at('backendRef'), ctx, 'externalAuth', false),
        ...detail(where),
        ...renderForwardBody(where, forwardBodyMaxSize),
      },
    };
  }, undefined, [backend]);
}

function renderForwardBody(where: Where, maxSize: number | undefined): Record<string, unknown> {
  if (maxSize === undefined) return {};
  checkInteger(where.at('forwardBody.maxSize'), maxSize, 0);
  return { forwardBody: { maxSize } };
}

function renderExtension(where: Where, ref: ExtensionRef): Record<string, string> {
  checkGroup(where.at('group'), ref.group);
  checkKind(where.at('kind'), ref.kind);
  checkDnsSubdomain(where.at('name'), ref.name);
  return { group: ref.group, kind: ref.kind, name: ref.name };
}
