import { compile, CompileOptions, CompileResult, findStatus, ObjectStatus } from '../../src/compiler';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { explainRequest, Explanation } from '../../src/router';

export const GROUP = 'gateway.networking.k8s.io';
export const V1 = `${GROUP}/v1`;
export const CLASS = 'node';

type Obj = Record<string, unknown>;

export function gatewayClass(name = CLASS, spec: Obj = {}): Obj {
  return { apiVersion: V1, kind: 'GatewayClass', metadata: { name }, spec: { controllerName: 'cdk8s-gateway.io/node-data-plane', ...spec } };
}

export function listener(name: string, port: number, protocol: string, extra: Obj = {}): Obj {
  return { name, port, protocol, ...extra };
}

/** An HTTP listener on port 80 that allows routes from all namespaces. */
export const HTTP_ALL = listener('http', 80, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' } } });

export function gateway(name: string, listeners: Obj[], opts: { namespace?: string; spec?: Obj; metadata?: Obj } = {}): Obj {
  return {
    apiVersion: V1,
    kind: 'Gateway',
    metadata: { name, namespace: opts.namespace ?? 'infra', ...opts.metadata },
    spec: { gatewayClassName: CLASS, listeners, ...opts.spec },
  };
}

export function route(kind: string, name: string, spec: Obj, metadata: Obj = {}): Obj {
  const version = kind === 'TCPRoute' || kind === 'UDPRoute' || kind === 'TLSRoute' ? 'v1' : 'v1';
  return { apiVersion: `${GROUP}/${version}`, kind, metadata: { name, namespace: 'default', ...metadata }, spec };
}

export function httpRoute(name: string, spec: Obj, metadata: Obj = {}): Obj {
  return route('HTTPRoute', name, { parentRefs: [{ name: 'gw', namespace: 'infra' }], ...spec }, metadata);
}

/** A rule sending everything under `prefix` to `backend` (a Service in the route's namespace, port 80). */
export function prefixRule(prefix: string, backend: string, extra: Obj = {}): Obj {
  return { matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: backend, port: 80 }], ...extra };
}

export function service(name: string, ns = 'default', ports: Obj[] = [{ port: 80 }], spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports, ...spec } };
}

export function namespace(name: string, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** PEM-shaped data: the compiler checks structure, the data plane parses it. */
export const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ29tcGlsZXJUZXN0Q2VydA==\n-----END CERTIFICATE-----\n';
export const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';

export function tlsSecret(name: string, ns = 'infra', data?: Record<string, string>): Obj {
  const d = data ?? { 'tls.crt': PEM_CERT, 'tls.key': PEM_KEY };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: ns },
    data: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export function caConfigMap(name: string, ns = 'infra', ca = PEM_CERT): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'ca.crt': ca } };
}

export function referenceGrant(name: string, ns: string, from: Obj[], to: Obj[]): Obj {
  return { apiVersion: `${GROUP}/v1beta1`, kind: 'ReferenceGrant', metadata: { name, namespace: ns }, spec: { from, to } };
}

/** Compiles with a GatewayClass of ours added, and strict references so missing objects are errors. */
export function compileAll(objects: unknown[], opts: CompileOptions = {}): CompileResult {
  const hasClass = objects.some((o) => (o as Obj).kind === 'GatewayClass');
  return compile(hasClass ? objects : [gatewayClass(), ...objects], { references: 'strict', ...opts });
}

export function statusOf(result: CompileResult, kind: string, name: string, ns?: string): ObjectStatus {
  const s = findStatus(result.status, kind, kind === 'GatewayClass' ? undefined : (ns ?? (kind === 'Gateway' ? 'infra' : 'default')), name);
  if (!s) throw new Error(`no status for ${kind} ${ns ?? ''}/${name}: have ${result.status.map((x) => `${x.kind} ${x.namespace}/${x.name}`).join(', ')}`);
  return s;
}

/** `True/Accepted`-style summary of a condition type in a list. */
export function cond(conditions: readonly { type: string; status: string; reason: string }[] | undefined, type: string): string | undefined {
  const c = conditions?.find((x) => x.type === type);
  return c && `${c.status}/${c.reason}`;
}

/** The Accepted condition of a route for its (first) parent, as `True/Accepted`. */
export function routeAccepted(result: CompileResult, kind: string, name: string, ns = 'default', parent = 0): string | undefined {
  return cond(statusOf(result, kind, name, ns).parents?.[parent]?.conditions, 'Accepted');
}

export function listenerCond(result: CompileResult, gw: string, listenerName: string, type: string, ns = 'infra', kind = 'Gateway'): string | undefined {
  const l = statusOf(result, kind, gw, ns).listeners?.find((x) => x.name === listenerName);
  if (!l) throw new Error(`no listener ${listenerName}`);
  return cond(l.conditions, type);
}

export function configOf(result: CompileResult, gw = 'gw', ns = 'infra'): DataPlaneConfig {
  const c = result.configs.find((x) => x.gateway.name === gw && x.gateway.namespace === ns);
  if (!c) throw new Error(`no config for ${ns}/${gw}: ${JSON.stringify(result.status.filter((s) => s.kind === 'Gateway'))}`);
  return c;
}

/** Where a request goes: `<route name>#<rule index>` (the route's own rule index), or the status code. */
export function where(result: CompileResult, method: string, url: string, headers: Record<string, string> = {}, gw = 'gw', ns = 'infra'): string {
  const e = explain(result, method, url, headers, gw, ns);
  return e.route ? `${e.route.name}#${e.ruleIndex}` : String(e.status);
}

export function explain(result: CompileResult, method: string, url: string, headers: Record<string, string> = {}, gw = 'gw', ns = 'infra'): Explanation {
  return explainRequest(configOf(result, gw, ns), { method, url, headers });
}
