import { Reader } from './reader';
import type { PathMatchConfig, ValueMatchConfig } from '../config/dataplane-config';
import { HTTP_METHODS } from '../spec/gateway-api';
import { HEADER_NAME, HEADER_VALUE, pathValueProblem, regexProblem } from '../spec/patterns';

/** One HTTP match, validated and normalized. */
export interface MatchDraft {
  readonly path: PathMatchConfig;
  readonly method?: string;
  readonly headers: ValueMatchConfig[];
  readonly queryParams: ValueMatchConfig[];
}

/**
 * A value read from a match, or the problem that makes the rule invalid (Accepted=False, UnsupportedValue). `crd` marks
 * a value the API server itself would refuse (a CRD schema or CEL rule): such an object cannot exist in a cluster, so
 * tools that read manifests report it as an error naming `field` and `value`, not only as a route that is not accepted.
 */
export type Checked<T> = { readonly ok: T } | { readonly error: string; readonly crd?: CrdViolation };

/** A value the Gateway API CRDs' schema or CEL rules refuse. */
export interface CrdViolation {
  readonly field: string;
  readonly value: unknown;
  /** What is wrong with the value, without the field and value. */
  readonly problem: string;
}

/** PathPrefix values are compared by whole segments; a trailing slash is ignored (`/abc/` is `/abc`). */
export function normalizePrefix(value: string): string {
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/**
 * Reads an HTTPRoute match's `path` (`spec.rules[].matches[].path`): type Exact, PathPrefix (the default, with
 * value `/`) or RegularExpression; returns the path match, or why its value is refused.
 */
export function readPath(r: Reader): Checked<PathMatchConfig> {
  if (r.missing) return { ok: { type: 'PathPrefix', value: '/' } };
  const type = r.at('type').str() ?? 'PathPrefix';
  const value = r.at('value').str() ?? '/';
  if (type === 'RegularExpression') {
    const err = regexProblem(value);
    return err ? { error: `${r.path}.value ${JSON.stringify(value)} is not a valid regular expression: ${err}` } : { ok: { type, value } };
  }
  if (type !== 'Exact' && type !== 'PathPrefix') {
    return { error: `${r.path}.type "${type}" is not Exact, PathPrefix or RegularExpression`, crd: { field: `${r.path}.type`, value: type, problem: 'is not Exact, PathPrefix or RegularExpression' } };
  }
  const err = pathValueProblem(value);
  if (err) return { error: `${r.path}.value ${JSON.stringify(value)} ${err}`, crd: { field: `${r.path}.value`, value, problem: err } };
  return { ok: { type, value: type === 'PathPrefix' ? normalizePrefix(value) : value } };
}

/**
 * Header or query parameter matchers. Only the first matcher of a name counts (the spec); header names are
 * compared case-insensitively and lower-cased, query parameter names are exact.
 */
export function readValueMatches(list: Reader[], what: 'header' | 'query'): Checked<ValueMatchConfig[]> {
  const out: ValueMatchConfig[] = [];
  const seen = new Set<string>();
  for (const m of list) {
    const rawName = m.at('name').str() ?? '';
    const type = m.at('type').str() ?? 'Exact';
    const value = m.at('value').str();
    if (!HEADER_NAME.test(rawName)) return { error: `${m.path}.name ${JSON.stringify(rawName)} is not a valid ${what === 'header' ? 'header' : 'query parameter'} name` };
    if (value === undefined) return { error: `${m.path}.value is required` };
    if (type !== 'Exact' && type !== 'RegularExpression') return { error: `${m.path}.type "${type}" is not Exact or RegularExpression` };
    if (type === 'RegularExpression') {
      const err = regexProblem(value);
      if (err) return { error: `${m.path}.value ${JSON.stringify(value)} is not a valid regular expression: ${err}` };
    } else if (what === 'header' && !HEADER_VALUE.test(value)) {
      return { error: `${m.path}.value ${JSON.stringify(value)} is not a valid header value (printable ASCII)` };
    }
    const name = what === 'header' ? rawName.toLowerCase() : rawName;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ type, name, value });
  }
  return { ok: out };
}

/** The matches of an HTTPRoute rule; none means one match of every request (PathPrefix `/`). */
export function readHttpMatches(list: Reader[]): Checked<MatchDraft[]> {
  if (list.length === 0) return { ok: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }] };
  const out: MatchDraft[] = [];
  for (const m of list) {
    const path = readPath(m.at('path'));
    if ('error' in path) return path;
    const method = m.at('method').str();
    if (method !== undefined && !HTTP_METHODS.includes(method)) return { error: `${m.path}.method "${method}" is not one of ${HTTP_METHODS.join(', ')}` };
    const headers = readValueMatches(m.at('headers').list(), 'header');
    if ('error' in headers) return headers;
    const queryParams = readValueMatches(m.at('queryParams').list(), 'query');
    if ('error' in queryParams) return queryParams;
    out.push({ path: path.ok, method, headers: headers.ok, queryParams: queryParams.ok });
  }
  return { ok: out };
}

const GRPC_SERVICE = /^(?:\.?[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*)$/;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * GRPCRoute matches, compiled to HTTP/2 POST paths: service and method → Exact `/<service>/<method>`; service
 * only → PathPrefix `/<service>`; method only or RegularExpression → a full-match regex on the path.
 */
export function readGrpcMatches(list: Reader[]): Checked<MatchDraft[]> {
  if (list.length === 0) return { ok: [{ path: { type: 'PathPrefix', value: '/' }, method: 'POST', headers: [], queryParams: [] }] };
  const out: MatchDraft[] = [];
  for (const m of list) {
    const mm = m.at('method');
    let path: PathMatchConfig = { type: 'PathPrefix', value: '/' };
    if (!mm.missing) {
      const type = mm.at('type').str() ?? 'Exact';
      const service = mm.at('service').str() || undefined;
      const method = mm.at('method').str() || undefined;
      if (type === 'Exact') {
        if (!service && !method) return { error: `${mm.path}: an Exact method match needs service, method or both` };
        if (service && !GRPC_SERVICE.test(service)) return { error: `${mm.path}.service ${JSON.stringify(service)} is not a valid gRPC service name` };
        if (method && !GRPC_METHOD.test(method)) return { error: `${mm.path}.method ${JSON.stringify(method)} is not a valid gRPC method name` };
        if (service && method) path = { type: 'Exact', value: `/${service}/${method}` };
        else if (service) path = { type: 'PathPrefix', value: `/${service}` };
        else path = { type: 'RegularExpression', value: `/[^/]+/${escapeRegex(method!)}` };
      } else if (type === 'RegularExpression') {
        for (const [field, v] of [
          ['service', service],
          ['method', method],
        ] as const) {
          const err = v === undefined ? undefined : regexProblem(v);
          if (err) return { error: `${mm.path}.${field} ${JSON.stringify(v)} is not a valid regular expression: ${err}` };
        }
        path = { type: 'RegularExpression', value: `/(?:${service ?? '[^/]+'})/(?:${method ?? '[^/]+'})` };
      } else {
        return { error: `${mm.path}.type "${type}" is not Exact or RegularExpression` };
      }
    }
    const headers = readValueMatches(m.at('headers').list(), 'header');
    if ('error' in headers) return headers;
    out.push({ path, method: 'POST', headers: headers.ok, queryParams: [] });
  }
  return { ok: out };
}
