import {
  DATAPLANE_CONFIG_API_VERSION, DATAPLANE_CONFIG_KIND, DataPlaneConfig, HttpFilterConfig, PathMatchConfig, ValueMatchConfig,
} from '../config/dataplane-config';
import { hostnameCovers } from '../spec/hostname';
import { isPort } from '../spec/limits';
import { regexProblem } from '../spec/patterns';

/**
 * Checks a DataPlaneConfig read from disk before it replaces the one being served. The compiler emits
 * valid configs; this guards against a truncated file, a config from an incompatible version or a
 * hand edit. Every problem names the field path and the value.
 */
export function validateConfig(raw: unknown): { config?: DataPlaneConfig; errors: string[] } {
  const errors: string[] = [];
  const err = (path: string, msg: string) => errors.push(`${path}: ${msg}`);
  if (!isObject(raw)) return { errors: ['config: must be a JSON object'] };
  if (raw.apiVersion !== DATAPLANE_CONFIG_API_VERSION) {
    err('apiVersion', `"${String(raw.apiVersion)}" is not ${DATAPLANE_CONFIG_API_VERSION} (regenerate the config with this version's compiler)`);
  }
  if (raw.kind !== DATAPLANE_CONFIG_KIND) err('kind', `"${String(raw.kind)}" is not ${DATAPLANE_CONFIG_KIND}`);
  if (!isObject(raw.gateway) || typeof raw.gateway.name !== 'string' || typeof raw.gateway.namespace !== 'string') {
    err('gateway', 'must be {namespace, name}');
  }
  if (!isObject(raw.options) || typeof raw.options.clusterDomain !== 'string') err('options.clusterDomain', 'must be a string');
  const backends = isObject(raw.backends) ? raw.backends : (err('backends', 'must be an object keyed by backend id'), {});
  for (const [id, b] of Object.entries(backends)) {
    const p = `backends["${id}"]`;
    if (!isObject(b)) {
      err(p, 'must be an object');
      continue;
    }
    if (b.id !== id) err(`${p}.id`, `"${String(b.id)}" differs from its key`);
    if (typeof b.name !== 'string' || typeof b.namespace !== 'string') err(p, 'needs name and namespace');
    if (!isPort(b.port)) err(`${p}.port`, `${String(b.port)} is not a port number`);
    if (!['http1', 'h2c', 'ws', 'h2'].includes(String(b.protocol))) err(`${p}.protocol`, `"${String(b.protocol)}" is not http1, h2c, ws or h2`);
  }
  const backendRef = (path: string, id: unknown) => {
    if (id !== undefined && (typeof id !== 'string' || !(id in backends))) err(path, `"${String(id)}" is not a key of backends`);
  };
  const rules = Array.isArray(raw.httpRules) ? raw.httpRules : (err('httpRules', 'must be an array'), []);
  rules.forEach((r: unknown, i: number) => {
    const p = `httpRules[${i}]`;
    if (!isObject(r)) return err(p, 'must be an object');
    if (!Array.isArray(r.filters)) err(`${p}.filters`, 'must be an array');
    else r.filters.forEach((f: unknown, j: number) => checkFilter(`${p}.filters[${j}]`, f, err, backendRef));
    if (!Array.isArray(r.backends)) return err(`${p}.backends`, 'must be an array');
    r.backends.forEach((wb: unknown, j: number) => {
      const bp = `${p}.backends[${j}]`;
      if (!isObject(wb)) return err(bp, 'must be an object');
      if (typeof wb.weight !== 'number' || wb.weight < 0) err(`${bp}.weight`, `${String(wb.weight)} is not a weight`);
      if ((wb.backend === undefined) === (wb.invalid === undefined)) err(bp, 'needs exactly one of backend or invalid');
      backendRef(`${bp}.backend`, wb.backend);
      if (!Array.isArray(wb.filters)) err(`${bp}.filters`, 'must be an array');
      else wb.filters.forEach((f: unknown, k: number) => checkFilter(`${bp}.filters[${k}]`, f, err, backendRef));
      return undefined;
    });
    return undefined;
  });
  const ports = Array.isArray(raw.ports) ? raw.ports : (err('ports', 'must be an array'), []);
  const seen = new Set<string>();
  const ids = new Set<string>();
  ports.forEach((port: unknown, i: number) => {
    const p = `ports[${i}]`;
    if (!isObject(port)) return err(p, 'must be an object');
    if (!isPort(port.port)) err(`${p}.port`, `${String(port.port)} is not a port number`);
    const key = `${String(port.port)}/${String(port.transport)}`;
    if (seen.has(key)) err(p, `port ${key} appears twice`);
    seen.add(key);
    if (!['HTTP', 'TLS', 'TCP', 'UDP'].includes(String(port.kind))) err(`${p}.kind`, `"${String(port.kind)}" is not HTTP, TLS, TCP or UDP`);
    if (!Array.isArray(port.listeners)) return err(`${p}.listeners`, 'must be an array');
    port.listeners.forEach((l: unknown, j: number) => {
      const lp = `${p}.listeners[${j}]`;
      if (!isObject(l)) return err(lp, 'must be an object');
      if (typeof l.id !== 'string') return err(`${lp}.id`, 'must be a string');
      if (ids.has(l.id)) err(`${lp}.id`, `"${l.id}" is not unique`);
      ids.add(l.id);
      if (l.protocol === 'HTTPS' && (!isObject(l.tls) || !Array.isArray(l.tls.certificates) || l.tls.certificates.length === 0)) {
        err(`${lp}.tls.certificates`, 'an HTTPS listener needs at least one certificate');
      }
      checkL4Routes(lp, l, err, backendRef);
      const admits = listenerAdmission(lp, l, err);
      if (l.httpRoutes === undefined) return undefined;
      if (!Array.isArray(l.httpRoutes)) return err(`${lp}.httpRoutes`, 'must be an array');
      l.httpRoutes.forEach((e: unknown, k: number) => {
        const ep = `${lp}.httpRoutes[${k}]`;
        if (!isObject(e)) return err(ep, 'must be an object');
        if (typeof e.rule !== 'number' || !Number.isInteger(e.rule) || e.rule < 0 || e.rule >= rules.length) {
          err(`${ep}.rule`, `${String(e.rule)} is not an index into httpRules (length ${rules.length})`);
        } else {
          admits(ep, isObject(rules[e.rule]) ? rules[e.rule].source : undefined, e.hostnames);
        }
        checkPath(`${ep}.path`, e.path, err);
        for (const [field, list] of [['headers', e.headers], ['queryParams', e.queryParams]] as const) {
          if (!Array.isArray(list)) err(`${ep}.${field}`, 'must be an array');
          else list.forEach((m: unknown, n: number) => checkValueMatch(`${ep}.${field}[${n}]`, m, err));
        }
        return undefined;
      });
      return undefined;
    });
    return undefined;
  });
  return errors.length ? { errors } : { config: raw as unknown as DataPlaneConfig, errors };
}

type Err = (path: string, msg: string) => void;

/**
 * A listener's admission rules, re-checked on every route entry: the route's namespace must be one the listener
 * admits (`allowedNamespaces`), and its hostnames must lie within the listener's hostname. The compiler only
 * emits such configs; this keeps a hand-edited or foreign config from serving a team's hostnames to another
 * namespace. Returns the check for one entry (`source` is the route it came from).
 */
function listenerAdmission(lp: string, l: Record<string, any>, err: Err): (ep: string, source: unknown, hostnames: unknown) => void {
  const allowed: string[] | undefined = l.allowedNamespaces;
  if (allowed !== undefined && (!Array.isArray(allowed) || allowed.some((n) => typeof n !== 'string'))) {
    err(`${lp}.allowedNamespaces`, 'must be an array of namespace names');
  }
  const hostname: unknown = l.hostname;
  if (hostname !== undefined && typeof hostname !== 'string') err(`${lp}.hostname`, 'must be a string');
  const check = (ep: string, source: unknown, hostnames: unknown) => {
    if (!isObject(source) || typeof source.namespace !== 'string') return err(`${ep}`, 'its route has no source namespace');
    if (Array.isArray(allowed) && !allowed.includes(source.namespace)) {
      err(ep, `${String(source.kind)} ${source.namespace}/${String(source.name)} is from namespace "${source.namespace}", which listener ` +
        `"${String(l.name)}" does not admit (allowedNamespaces: ${allowed.join(', ') || 'none'})`);
    }
    if (hostnames === undefined) return undefined;
    if (!Array.isArray(hostnames) || hostnames.some((h) => typeof h !== 'string')) return err(`${ep}.hostnames`, 'must be an array of strings');
    // empty: any host this listener receives, which its hostname already limits
    if (typeof hostname !== 'string') return undefined;
    for (const h of hostnames as string[]) {
      if (!hostnameCovers(hostname, h)) err(`${ep}.hostnames`, `"${h}" is outside the hostname ${hostname} of listener "${String(l.name)}"`);
    }
    return undefined;
  };
  if (isObject(l.l4Route)) check(`${lp}.l4Route`, l.l4Route.source, undefined);
  if (Array.isArray(l.tlsRoutes)) l.tlsRoutes.forEach((e: unknown, k: number) => isObject(e) && check(`${lp}.tlsRoutes[${k}]`, e.source, e.hostnames));
  return check;
}

/** A listener's TCPRoute/UDPRoute (`l4Route`) and TLSRoute entries: their backend shares. */
function checkL4Routes(lp: string, l: Record<string, any>, err: Err, backendRef: (path: string, id: unknown) => void): void {
  const shares = (p: string, list: unknown): void => {
    if (!Array.isArray(list)) return err(p, 'must be an array');
    list.forEach((b: unknown, k: number) => {
      const bp = `${p}[${k}]`;
      if (!isObject(b)) return err(bp, 'must be an object');
      if (typeof b.weight !== 'number' || b.weight < 0) err(`${bp}.weight`, `${String(b.weight)} is not a weight`);
      if ((b.backend === undefined) === (b.invalid === undefined)) err(bp, 'needs exactly one of backend or invalid');
      backendRef(`${bp}.backend`, b.backend);
      return undefined;
    });
    return undefined;
  };
  if (l.l4Route !== undefined) {
    if (!isObject(l.l4Route) || !isObject(l.l4Route.source)) err(`${lp}.l4Route`, 'must be an object with source and backends');
    else shares(`${lp}.l4Route.backends`, l.l4Route.backends);
  }
  if (l.tlsRoutes === undefined) return;
  if (!Array.isArray(l.tlsRoutes)) return err(`${lp}.tlsRoutes`, 'must be an array');
  l.tlsRoutes.forEach((e: unknown, k: number) => {
    const ep = `${lp}.tlsRoutes[${k}]`;
    if (!isObject(e) || !isObject(e.source)) return err(ep, 'must be an object with source, hostnames and backends');
    if (!Array.isArray(e.hostnames) || e.hostnames.some((h: unknown) => typeof h !== 'string')) err(`${ep}.hostnames`, 'must be an array of strings');
    shares(`${ep}.backends`, e.backends);
    return undefined;
  });
}

function checkFilter(p: string, f: unknown, err: Err, backendRef: (path: string, id: unknown) => void): void {
  if (!isObject(f)) return err(p, 'must be an object');
  const filter = f as unknown as HttpFilterConfig;
  switch (filter.type) {
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier':
      if (!Array.isArray(filter.set) || !Array.isArray(filter.add) || !Array.isArray(filter.remove)) err(p, 'needs set, add and remove arrays');
      return undefined;
    case 'RequestRedirect':
      if (![301, 302, 303, 307, 308].includes(filter.statusCode)) err(`${p}.statusCode`, `${String(filter.statusCode)} is not a redirect status`);
      return undefined;
    case 'RequestMirror':
      backendRef(`${p}.backend`, filter.backend);
      if (typeof filter.percent !== 'number' || filter.percent < 0 || filter.percent > 100) err(`${p}.percent`, `${String(filter.percent)} is not 0..100`);
      return undefined;
    case 'ExternalAuth':
      backendRef(`${p}.backend`, filter.backend);
      return undefined;
    case 'URLRewrite':
    case 'CORS':
    case 'Unsupported':
      return undefined;
    default:
      return err(`${p}.type`, `"${String((filter as { type: unknown }).type)}" is not a known filter type`);
  }
}

function checkPath(p: string, v: unknown, err: Err): void {
  if (!isObject(v)) return err(p, 'must be an object');
  const path = v as unknown as PathMatchConfig;
  if (!['Exact', 'PathPrefix', 'RegularExpression'].includes(path.type)) return err(`${p}.type`, `"${String(path.type)}" is not a path match type`);
  if (typeof path.value !== 'string') return err(`${p}.value`, 'must be a string');
  if (path.type === 'RegularExpression') checkRegex(`${p}.value`, path.value, err);
  return undefined;
}

function checkValueMatch(p: string, v: unknown, err: Err): void {
  if (!isObject(v)) return err(p, 'must be an object');
  const m = v as unknown as ValueMatchConfig;
  if (typeof m.name !== 'string' || typeof m.value !== 'string') return err(p, 'needs name and value strings');
  if (m.type === 'RegularExpression') checkRegex(`${p}.value`, m.value, err);
  else if (m.type !== 'Exact') err(`${p}.type`, `"${String(m.type)}" is not Exact or RegularExpression`);
  return undefined;
}

function checkRegex(p: string, value: string, err: Err): void {
  const problem = regexProblem(value);
  if (problem) err(p, `"${value}" is not a valid regular expression (${problem})`);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
