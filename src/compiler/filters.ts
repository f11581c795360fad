import { BackendDraft, resolveBackendRef, Traffic } from './backends';
import { Context } from './context';
import { Checked, MatchDraft } from './matches';
import { Obj } from './objects';
import { Reader } from './reader';
import { Reason } from './status';
import type { HttpFilterConfig, NameValue, PathModifierConfig } from '../config/dataplane-config';
import { HTTP_METHODS } from '../spec/gateway-api';
import { PORT_RANGE } from '../spec/limits';
import { CORS_ORIGIN, DNS_SUBDOMAIN, HEADER_NAME, HEADER_VALUE, PATH_CHARS } from '../spec/patterns';

/** A rule-level problem: the rule is dropped with this route-status reason. */
export interface RuleError {
  readonly reason: string;
  readonly error: string;
}

/** A reference problem: the rule is kept, the route's ResolvedRefs is False with this reason. */
export interface RefProblem {
  readonly reason: string;
  readonly message: string;
}

/** What reading a rule's `filters[]` (HTTPRoute/GRPCRoute `spec.rules[].filters`) gives: the compiled filters, the backends they send to (RequestMirror, ExternalAuth) and unresolved references. */
export interface FiltersResult {
  readonly filters: HttpFilterConfig[];
  readonly backends: BackendDraft[];
  readonly refProblems: RefProblem[];
}

const HTTP_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite', 'ExtensionRef', 'CORS', 'ExternalAuth'];
const GRPC_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'];
/** Filters the spec allows more than once in a list. */
const REPEATABLE = new Set(['RequestMirror', 'ExtensionRef']);

/**
 * Compiles a filter list (a rule's or a backendRef's). Returns the filters in the order written, or why the
 * rule must be dropped: UnsupportedValue for an unknown type or value, IncompatibleFilters for
 * RequestRedirect with URLRewrite, a repeated filter, or RequestRedirect on a rule that has backends.
 */
export function compileFilters(
  ctx: Context,
  route: Obj,
  list: Reader[],
  opts: { readonly grpc: boolean; readonly matches: readonly MatchDraft[]; readonly hasBackends: boolean },
): { readonly ok: FiltersResult } | RuleError {
  const allowed = opts.grpc ? GRPC_FILTERS : HTTP_FILTERS;
  const filters: HttpFilterConfig[] = [];
  const backends: BackendDraft[] = [];
  const refProblems: RefProblem[] = [];
  const counts = new Map<string, number>();
  for (const f of list) {
    const type = f.at('type').str() ?? '';
    if (!allowed.includes(type)) {
      return { reason: Reason.UnsupportedValue, error: `${f.path}.type "${type}" is not supported on a ${opts.grpc ? 'GRPCRoute' : 'HTTPRoute'} (supported: ${allowed.join(', ')})` };
    }
    counts.set(type, (counts.get(type) ?? 0) + 1);
    if (!REPEATABLE.has(type) && counts.get(type)! > 1) return { reason: Reason.IncompatibleFilters, error: `${f.path}: filter ${type} appears more than once` };
    const key = type.charAt(0).toLowerCase() + type.slice(1);
    const body = f.at(type === 'URLRewrite' ? 'urlRewrite' : type === 'CORS' ? 'cors' : key);
    if (type !== 'ExtensionRef' && !body.isObject()) return { reason: Reason.UnsupportedValue, error: `${f.path}: type ${type} needs the field ${body.path}` };
    const compiled = compileFilter(ctx, route, type, body, f, opts, backends, refProblems);
    if ('error' in compiled) return { reason: Reason.UnsupportedValue, error: compiled.error };
    filters.push(compiled.ok);
  }
  if (counts.has('RequestRedirect') && counts.has('URLRewrite')) {
    return { reason: Reason.IncompatibleFilters, error: 'RequestRedirect and URLRewrite cannot be combined in one filter list' };
  }
  if (counts.has('RequestRedirect') && opts.hasBackends) {
    return { reason: Reason.IncompatibleFilters, error: 'a RequestRedirect filter answers the request itself: remove it or the backendRefs' };
  }
  return { ok: { filters, backends, refProblems } };
}

function compileFilter(
  ctx: Context,
  route: Obj,
  type: string,
  body: Reader,
  f: Reader,
  opts: { readonly grpc: boolean; readonly matches: readonly MatchDraft[] },
  backends: BackendDraft[],
  refProblems: RefProblem[],
): Checked<HttpFilterConfig> {
  const traffic: Traffic = opts.grpc ? 'grpc' : 'http';
  switch (type) {
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier': {
      const set = readHeaders(body.at('set'));
      if ('error' in set) return set;
      const add = readHeaders(body.at('add'));
      if ('error' in add) return add;
      const remove: string[] = [];
      for (const r of body.at('remove').list()) {
        const name = r.str() ?? '';
        if (!HEADER_NAME.test(name)) return { error: `${r.path} ${JSON.stringify(name)} is not a valid header name` };
        if (!remove.includes(name.toLowerCase())) remove.push(name.toLowerCase());
      }
      return { ok: { type, set: set.ok, add: add.ok, remove } };
    }
    case 'RequestRedirect': {
      const scheme = body.at('scheme').str();
      if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return { error: `${body.path}.scheme "${scheme}" is not http or https` };
      const hostname = body.at('hostname').str();
      if (hostname !== undefined && !DNS_SUBDOMAIN.test(hostname)) return { error: `${body.path}.hostname ${JSON.stringify(hostname)} is not a hostname` };
      const port = body.at('port').int(PORT_RANGE);
      if (!body.at('port').missing && port === undefined) return { error: `${body.path}.port must be an integer ${PORT_RANGE.min}-${PORT_RANGE.max}` };
      const statusCode = body.at('statusCode').int() ?? 302;
      if (![301, 302, 303, 307, 308].includes(statusCode)) return { error: `${body.path}.statusCode ${statusCode} is not 301, 302, 303, 307 or 308` };
      const path = readPathModifier(body.at('path'), opts.matches);
      if (path && 'error' in path) return path;
      return {
        ok: { type, scheme, hostname, port, path: path?.ok, statusCode: statusCode as 301 | 302 | 303 | 307 | 308 },
      };
    }
    case 'URLRewrite': {
      const hostname = body.at('hostname').str();
      if (hostname !== undefined && !DNS_SUBDOMAIN.test(hostname)) return { error: `${body.path}.hostname ${JSON.stringify(hostname)} is not a hostname` };
      const path = readPathModifier(body.at('path'), opts.matches);
      if (path && 'error' in path) return path;
      return { ok: { type, hostname, path: path?.ok } };
    }
    case 'RequestMirror': {
      const percentR = body.at('percent');
      const fraction = body.at('fraction');
      if (!percentR.missing && !fraction.missing) return { error: `${body.path}: set percent or fraction, not both` };
      let percent = 100;
      if (!percentR.missing) {
        const p = percentR.int({ min: 0, max: 100 });
        if (p === undefined) return { error: `${percentR.path} must be an integer 0-100` };
        percent = p;
      } else if (!fraction.missing) {
        const num = fraction.at('numerator').int({ min: 0 });
        const den = fraction.at('denominator').int({ min: 1 }) ?? 100;
        if (num === undefined || num > den) return { error: `${fraction.path} must have 0 <= numerator <= denominator` };
        percent = (num / den) * 100;
      }
      const ref = resolveBackendRef(ctx, route, body.at('backendRef'), traffic);
      if ('invalid' in ref) {
        refProblems.push(ref.invalid);
        return { ok: { type, percent } };
      }
      backends.push(ref.backend);
      return { ok: { type, backend: ref.backend.id, percent } };
    }
    case 'CORS': {
      const list = (field: string, check?: (v: string) => boolean): Checked<string[]> => {
        const out: string[] = [];
        for (const r of body.at(field).list()) {
          const v = r.str();
          if (v === undefined || (check && !check(v))) return { error: `${r.path} ${JSON.stringify(r.value)} is not a valid ${field} entry` };
          if (!out.includes(v)) out.push(v);
        }
        if (out.includes('*') && out.length > 1) return { error: `${body.path}.${field} cannot list "*" with other values` };
        return { ok: out };
      };
      const origins = list('allowOrigins', (v) => CORS_ORIGIN.test(v));
      if ('error' in origins) return origins;
      const methods = list('allowMethods', (v) => v === '*' || HTTP_METHODS.includes(v));
      if ('error' in methods) return methods;
      const headers = list('allowHeaders', (v) => v === '*' || HEADER_NAME.test(v));
      if ('error' in headers) return headers;
      const expose = list('exposeHeaders', (v) => v === '*' || HEADER_NAME.test(v));
      if ('error' in expose) return expose;
      const maxAge = body.at('maxAge').int({ min: 1 }) ?? 5;
      return {
        ok: {
          type,
          allowOrigins: origins.ok,
          allowMethods: methods.ok,
          allowHeaders: headers.ok,
          exposeHeaders: expose.ok,
          allowCredentials: body.at('allowCredentials').bool() ?? false,
          maxAge,
        },
      };
    }
    case 'ExternalAuth': {
      const protocol = body.at('protocol').str();
      if (protocol !== 'HTTP' && protocol !== 'GRPC') return { error: `${body.path}.protocol ${JSON.stringify(protocol)} is not HTTP or GRPC` };
      // the CRD's CEL rules: the settings of the chosen protocol, and only those
      const [own, other] = protocol === 'HTTP' ? ['http', 'grpc'] : ['grpc', 'http'];
      if (!body.at(own).isObject()) return { error: `${body.path}.${own} must be set when protocol is ${protocol} (an empty object for the defaults)` };
      if (!body.at(other).missing) return { error: `${body.path}.${other} cannot be set when protocol is ${protocol}` };
      const names = (r: Reader): string[] => r.list().map((x) => (x.str() ?? '').toLowerCase()).filter((x) => x !== '');
      const ref = resolveBackendRef(ctx, route, body.at('backendRef'), protocol === 'GRPC' ? 'grpc' : 'http');
      let backend: string | undefined;
      if ('invalid' in ref) {refProblems.push(ref.invalid);} else {
        backends.push(ref.backend);
        backend = ref.backend.id;
      }
      const httpPath = body.at('http').at('path').str();
      if (httpPath !== undefined && !PATH_CHARS.test(httpPath)) return { error: `${body.path}.http.path ${JSON.stringify(httpPath)} is not a valid path` };
      return {
        ok: {
          type,
          protocol,
          backend,
          http:
            protocol === 'HTTP'
              ? { path: httpPath, allowedHeaders: names(body.at('http').at('allowedHeaders')), allowedResponseHeaders: names(body.at('http').at('allowedResponseHeaders')) }
              : undefined,
          grpc: protocol === 'GRPC' ? { allowedHeaders: names(body.at('grpc').at('allowedHeaders')) } : undefined,
          forwardBodyMaxSize: body.at('forwardBody').at('maxSize').int({ min: 0 }) || undefined,
        },
      };
    }
    default: {
      // ExtensionRef: this data plane has no extensions; requests through the filter answer 500 (the spec)
      const ref = f.at('extensionRef');
      const what = `${ref.at('group').str() ?? ''}/${ref.at('kind').str() ?? ''} ${ref.at('name').str() ?? ''}`;
      const message = `${f.path}: extensionRef ${what} is not supported by this data plane; requests matching this rule answer 500`;
      refProblems.push({ reason: Reason.InvalidKind, message });
      return { ok: { type: 'Unsupported', filterType: 'ExtensionRef', message } };
    }
  }
}

function readHeaders(r: Reader): Checked<NameValue[]> {
  const out: NameValue[] = [];
  const seen = new Set<string>();
  for (const h of r.list()) {
    const name = h.at('name').str() ?? '';
    const value = h.at('value').str() ?? '';
    if (!HEADER_NAME.test(name)) return { error: `${h.path}.name ${JSON.stringify(name)} is not a valid header name` };
    if (value !== '' && !HEADER_VALUE.test(value)) return { error: `${h.path}.value ${JSON.stringify(value)} is not a valid header value` };
    // the spec: the first entry of a (case-insensitive) name counts
    if (seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push({ name, value });
  }
  return { ok: out };
}

function readPathModifier(r: Reader, matches: readonly MatchDraft[]): Checked<PathModifierConfig> | undefined {
  if (r.missing) return undefined;
  const type = r.at('type').str() ?? '';
  if (type === 'ReplaceFullPath') {
    const value = r.at('replaceFullPath').str();
    if (value === undefined) return { error: `${r.path}.replaceFullPath is required for type ReplaceFullPath` };
    return { ok: { type, value } };
  }
  if (type === 'ReplacePrefixMatch') {
    const value = r.at('replacePrefixMatch').str();
    if (value === undefined) return { error: `${r.path}.replacePrefixMatch is required for type ReplacePrefixMatch` };
    if (matches.length !== 1 || matches[0].path.type !== 'PathPrefix') {
      return { error: `${r.path}: ReplacePrefixMatch needs the rule to have exactly one match, of type PathPrefix` };
    }
    return { ok: { type, value } };
  }
  return { error: `${r.path}.type "${type}" is not ReplaceFullPath or ReplacePrefixMatch` };
}
