import { checkHeaderName, checkHeaderValue, checkLength, checkMaxItems, checkPath, checkRegex, checkUnique } from '../spec/checks';
import { MAX_ITEMS, MAX_LENGTH } from '../spec/limits';
import { fail, failObject, Where } from '../spec/where';

/** HTTP methods an HTTPRoute can match. */
export enum HttpMethod {
  /** GET */
  GET = 'GET',
  /** HEAD */
  HEAD = 'HEAD',
  /** POST */
  POST = 'POST',
  /** PUT */
  PUT = 'PUT',
  /** DELETE */
  DELETE = 'DELETE',
  /** CONNECT */
  CONNECT = 'CONNECT',
  /** OPTIONS */
  OPTIONS = 'OPTIONS',
  /** TRACE */
  TRACE = 'TRACE',
  /** PATCH */
  PATCH = 'PATCH',
}

/** @internal */
export interface ValueMatchJson {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

/** @internal */
export interface PathMatchJson {
  readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  readonly value: string;
}

/** @internal */
export interface HttpMatchJson {
  readonly path?: PathMatchJson;
  readonly method?: string;
  readonly headers?: ValueMatchJson[];
  readonly queryParams?: ValueMatchJson[];
}

interface HttpMatchData {
  readonly path?: PathMatchJson;
  readonly method?: HttpMethod;
  readonly headers: ValueMatchJson[];
  readonly queryParams: ValueMatchJson[];
}

/**
 * Which requests an HTTPRoute rule takes: a path, and optionally a method, headers and query parameters,
 * all of which must match. Start with a static factory and add conditions with the `with*` methods:
 * `HttpMatch.pathPrefix('/api').withMethod(HttpMethod.GET).withHeader('x-canary', 'true')`.
 */
export class HttpMatch {
  /** Every request (path prefix `/`). */
  public static any(): HttpMatch {
    return new HttpMatch({ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] });
  }

  /** Paths under `prefix`, by whole segments: `/api` matches `/api` and `/api/x`, not `/apix`. */
  public static pathPrefix(prefix: string): HttpMatch {
    return HttpMatch.any().withPathPrefix(prefix);
  }

  /** Exactly this path. */
  public static pathExact(path: string): HttpMatch {
    return HttpMatch.any().withPathExact(path);
  }

  /** Paths matching an ECMAScript regular expression (implementation-specific in the Gateway API). */
  public static pathRegex(regex: string): HttpMatch {
    return HttpMatch.any().withPathRegex(regex);
  }

  /** Requests with this header value (names are case-insensitive). */
  public static header(name: string, value: string): HttpMatch {
    return HttpMatch.empty().withHeader(name, value);
  }

  /** Requests whose header matches a regular expression. */
  public static headerRegex(name: string, regex: string): HttpMatch {
    return HttpMatch.empty().withHeaderRegex(name, regex);
  }

  /** Requests with this query parameter value (names are case-sensitive). */
  public static queryParam(name: string, value: string): HttpMatch {
    return HttpMatch.empty().withQueryParam(name, value);
  }

  /** Requests whose query parameter matches a regular expression. */
  public static queryParamRegex(name: string, regex: string): HttpMatch {
    return HttpMatch.empty().withQueryParamRegex(name, regex);
  }

  /** Requests with this method. */
  public static method(method: HttpMethod): HttpMatch {
    return HttpMatch.empty().withMethod(method);
  }

  private static empty(): HttpMatch {
    return new HttpMatch({ headers: [], queryParams: [] });
  }

  private constructor(private readonly data: HttpMatchData) {}

  /** The same match, with the path replaced by a prefix. */
  public withPathPrefix(prefix: string): HttpMatch {
    return new HttpMatch({ ...this.data, path: { type: 'PathPrefix', value: prefix } });
  }

  /** The same match, with the path replaced by an exact path. */
  public withPathExact(path: string): HttpMatch {
    return new HttpMatch({ ...this.data, path: { type: 'Exact', value: path } });
  }

  /** The same match, with the path replaced by a regular expression. */
  public withPathRegex(regex: string): HttpMatch {
    return new HttpMatch({ ...this.data, path: { type: 'RegularExpression', value: regex } });
  }

  /** The same match, also requiring the method. */
  public withMethod(method: HttpMethod): HttpMatch {
    return new HttpMatch({ ...this.data, method });
  }

  /** The same match, also requiring a header value. */
  public withHeader(name: string, value: string): HttpMatch {
    return new HttpMatch({ ...this.data, headers: [...this.data.headers, { type: 'Exact', name, value }] });
  }

  /** The same match, also requiring a header to match a regular expression. */
  public withHeaderRegex(name: string, regex: string): HttpMatch {
    return new HttpMatch({ ...this.data, headers: [...this.data.headers, { type: 'RegularExpression', name, value: regex }] });
  }

  /** The same match, also requiring a query parameter value. */
  public withQueryParam(name: string, value: string): HttpMatch {
    return new HttpMatch({ ...this.data, queryParams: [...this.data.queryParams, { type: 'Exact', name, value }] });
  }

  /** The same match, also requiring a query parameter to match a regular expression. */
  public withQueryParamRegex(name: string, regex: string): HttpMatch {
    return new HttpMatch({ ...this.data, queryParams: [...this.data.queryParams, { type: 'RegularExpression', name, value: regex }] });
  }

  /** The path condition, as the API server defaults it (`PathPrefix /` when none is set). @internal */
  public get _path(): PathMatchJson {
    return this.data.path ?? { type: 'PathPrefix', value: '/' };
  }

  /** @internal */
  public _render(where: Where): HttpMatchJson {
    const { path, method, headers, queryParams } = this.data;
    if (path) {
      if (path.type === 'RegularExpression') checkRegex(where.at('path.value'), path.value, MAX_LENGTH.path);
      else checkPath(where.at('path'), path.value);
    }
    checkMaxItems(where.at('headers'), headers, MAX_ITEMS.headerMatches);
    checkUnique(where.at('headers'), headers.map((h) => h.name), 'header', true);
    headers.forEach((h, i) => {
      checkHeaderName(where.at('headers').at(i).at('name'), h.name);
      if (h.type === 'RegularExpression') checkRegex(where.at('headers').at(i).at('value'), h.value, MAX_LENGTH.headerValue);
      checkHeaderValue(where.at('headers').at(i).at('value'), h.value);
    });
    checkMaxItems(where.at('queryParams'), queryParams, MAX_ITEMS.queryParamMatches);
    checkUnique(where.at('queryParams'), queryParams.map((q) => q.name), 'query parameter', false);
    queryParams.forEach((q, i) => {
      checkHeaderName(where.at('queryParams').at(i).at('name'), q.name);
      if (q.type === 'RegularExpression') checkRegex(where.at('queryParams').at(i).at('value'), q.value, MAX_LENGTH.path);
      checkLength(where.at('queryParams').at(i).at('value'), q.value, 1, MAX_LENGTH.path);
    });
    return {
      ...(path ? { path: { ...path } } : {}),
      ...(method ? { method } : {}),
      ...(headers.length > 0 ? { headers: headers.map((h) => ({ ...h })) } : {}),
      ...(queryParams.length > 0 ? { queryParams: queryParams.map((q) => ({ ...q })) } : {}),
    };
  }
}

/** @internal */
export interface GrpcMatchJson {
  readonly method?: { type: 'Exact' | 'RegularExpression'; service?: string; method?: string };
  readonly headers?: ValueMatchJson[];
}

interface GrpcMatchData {
  readonly method?: { type: 'Exact' | 'RegularExpression'; service?: string; method?: string };
  readonly headers: ValueMatchJson[];
}

// the GRPCRoute CEL rules for Exact matches (RE2's (?i) as the `i` flag)
const GRPC_SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/**
 * Which gRPC calls a GRPCRoute rule takes: a service and/or method, and optionally headers (metadata).
 * `GrpcMatch.method('shop.Cart', 'AddItem')`, `GrpcMatch.service('shop.Cart').withHeader('x-env', 'canary')`.
 */
export class GrpcMatch {
  /** Every call. */
  public static any(): GrpcMatch {
    return new GrpcMatch({ headers: [] });
  }

  /** One method of a service (`package.Service`, `Method`). */
  public static method(service: string, method: string): GrpcMatch {
    return new GrpcMatch({ method: { type: 'Exact', service, method }, headers: [] });
  }

  /** Every method of a service. */
  public static service(service: string): GrpcMatch {
    return new GrpcMatch({ method: { type: 'Exact', service }, headers: [] });
  }

  /** A method name in any service. */
  public static methodName(method: string): GrpcMatch {
    return new GrpcMatch({ method: { type: 'Exact', method }, headers: [] });
  }

  /**
   * Services and methods matching regular expressions.
   * @param serviceRegex regular expression for the service, or undefined for any service
   * @param methodRegex regular expression for the method, or undefined for any method
   */
  public static regex(serviceRegex?: string, methodRegex?: string): GrpcMatch {
    return new GrpcMatch({ method: { type: 'RegularExpression', service: serviceRegex, method: methodRegex }, headers: [] });
  }

  /** Calls carrying this metadata (header) value. */
  public static header(name: string, value: string): GrpcMatch {
    return GrpcMatch.any().withHeader(name, value);
  }

  private constructor(private readonly data: GrpcMatchData) {}

  /** The same match, also requiring a header value. */
  public withHeader(name: string, value: string): GrpcMatch {
    return new GrpcMatch({ ...this.data, headers: [...this.data.headers, { type: 'Exact', name, value }] });
  }

  /** The same match, also requiring a header to match a regular expression. */
  public withHeaderRegex(name: string, regex: string): GrpcMatch {
    return new GrpcMatch({ ...this.data, headers: [...this.data.headers, { type: 'RegularExpression', name, value: regex }] });
  }

  /** @internal */
  public _render(where: Where): GrpcMatchJson {
    const { method, headers } = this.data;
    if (method) {
      if (method.service === undefined && method.method === undefined) {
        failObject(where.at('method'), 'needs a service, a method or both');
      }
      if (method.service !== undefined) {
        const w = where.at('method.service');
        checkLength(w, method.service, 1, MAX_LENGTH.path);
        if (method.type === 'RegularExpression') checkRegex(w, method.service, MAX_LENGTH.path);
        else if (!GRPC_SERVICE.test(method.service)) fail(w, method.service, 'must be a fully qualified service name such as "shop.v1.Cart"');
      }
      if (method.method !== undefined) {
        const w = where.at('method.method');
        checkLength(w, method.method, 1, MAX_LENGTH.path);
        if (method.type === 'RegularExpression') checkRegex(w, method.method, MAX_LENGTH.path);
        else if (!GRPC_METHOD.test(method.method)) fail(w, method.method, 'must be a method name such as "AddItem" (letters, digits, "_")');
      }
    }
    checkMaxItems(where.at('headers'), headers, MAX_ITEMS.headerMatches);
    checkUnique(where.at('headers'), headers.map((h) => h.name), 'header', true);
    headers.forEach((h, i) => {
      checkHeaderName(where.at('headers').at(i).at('name'), h.name);
      if (h.type === 'RegularExpression') checkRegex(where.at('headers').at(i).at('value'), h.value, MAX_LENGTH.headerValue);
      else checkLength(where.at('headers').at(i).at('value'), h.value, 1, MAX_LENGTH.headerValue);
    });
    return {
      ...(method ? {
        method: {
          type: method.type,
          ...(method.service !== undefined ? { service: method.service } : {}),
          ...(method.method !== undefined ? { method: method.method } : {}),
        },
      } : {}),
      ...(headers.length > 0 ? { headers: headers.map((h) => ({ ...h })) } : {}),
    };
  }
}
