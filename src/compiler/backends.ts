import { assumedExternal, Context } from './context';
import { ServiceInfo } from './core-objects';
import { describe, Obj } from './objects';
import { own, Reader } from './reader';
import { Reason } from './status';
import type { BackendConfig, InvalidBackendConfig } from '../config/dataplane-config';
import { GATEWAY_API_GROUP, RouteKind } from '../spec/gateway-api';
import { PORT_RANGE } from '../spec/limits';

/** A resolved backendRef, before per-Gateway details (BackendTLSPolicy, client certificate) are added. */
export interface BackendDraft {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  readonly protocol: BackendConfig['protocol'];
  /** The Service port's name, for BackendTLSPolicy sectionName targeting. */
  readonly portName?: string;
  /** The Service when it is in the input (absent when assumed to exist outside the manifests). */
  readonly service?: ServiceInfo;
}

/** A backendRef (HTTPRoute/GRPCRoute/L4 route `spec.rules[].backendRefs[]`) resolved: a backend to send to, or why it is invalid (ResolvedRefs=False). */
export type ResolvedRef = { readonly backend: BackendDraft } | { readonly invalid: InvalidBackendConfig };

/** The kind of traffic a backendRef carries, which decides the protocol the backend is spoken to with. */
export type Traffic = 'http' | 'grpc' | 'tcp' | 'udp';

/** The traffic a route of `kind` carries to its backends: HTTPRoute `http`, GRPCRoute `grpc`, UDPRoute `udp`, TLSRoute and TCPRoute `tcp`. */
export function trafficOf(kind: RouteKind): Traffic {
  return kind === 'HTTPRoute' ? 'http' : kind === 'GRPCRoute' ? 'grpc' : kind === 'UDPRoute' ? 'udp' : 'tcp';
}

/**
 * Service port appProtocol → how the data plane speaks to it (KEP-3726 standard names and common aliases).
 * Absent: HTTP/1.1 for HTTPRoute, h2c for GRPCRoute.
 */
const APP_PROTOCOLS: Record<string, BackendConfig['protocol']> = {
  'http': 'http1',
  'HTTP': 'http1',
  'https': 'http1',
  'HTTPS': 'http1',
  'kubernetes.io/h2c': 'h2c',
  'h2c': 'h2c',
  'grpc': 'h2c',
  'GRPC': 'h2c',
  'http2': 'h2c',
  'kubernetes.io/ws': 'ws',
  'kubernetes.io/wss': 'ws',
  'ws': 'ws',
  'wss': 'ws',
};

/**
 * Resolves one backendRef (a route's, a mirror's or an external-auth's). Returns the backend, or why it is
 * invalid, with the route-status reason the spec gives (InvalidKind, RefNotPermitted, BackendNotFound,
 * UnsupportedProtocol). A ref to a Service that is not in the manifests (and whose namespace has no Service
 * in them) is assumed to exist, with a warning.
 */
export function resolveBackendRef(ctx: Context, route: Obj, r: Reader, traffic: Traffic): ResolvedRef {
  const group = r.at('group').str() ?? '';
  const kind = r.at('kind').str() ?? 'Service';
  const name = r.at('name').str({ required: true }) ?? '';
  const namespace = r.at('namespace').str() || route.namespace;
  const port = r.at('port').int(PORT_RANGE);
  const where = () => `${r.path} (${group ? `${group}/` : ''}${kind} ${namespace}/${name}${port ? `:${port}` : ''})`;
  const invalid = (reason: string, message: string): ResolvedRef => ({ invalid: { reason, message: `${describe(route)}: ${where()}: ${message}` } });

  if (group !== '' || kind !== 'Service') return invalid(Reason.InvalidKind, 'only core Services (group "", kind Service) can be backends');
  if (!name) return invalid(Reason.BackendNotFound, 'name is required');
  if (port === undefined) return invalid(Reason.BackendNotFound, 'port is required for a Service backend (the Service port, not the target port)');
  const permitted = ctx.grants.permits({
    fromGroup: GATEWAY_API_GROUP,
    fromKind: route.kind,
    fromNamespace: route.namespace,
    from: describe(route),
    toGroup: '',
    toKind: 'Service',
    toNamespace: namespace,
    toName: name,
  });
  if (!permitted) {
    return invalid(Reason.RefNotPermitted, `the Service is in namespace ${namespace}; add a ReferenceGrant there from ${route.kind} in ${route.namespace} to Service`);
  }
  const found = ctx.core.service(namespace, name);
  if ('missing' in found) return invalid(Reason.BackendNotFound, `Service ${namespace}/${name} does not exist`);
  const defaultProtocol: BackendConfig['protocol'] = traffic === 'grpc' ? 'h2c' : 'http1';
  if ('external' in found) {
    assumedExternal(ctx, route, r.path, 'Service', namespace, name);
    return { backend: { id: backendId(namespace, name, port), namespace, name, port, protocol: defaultProtocol } };
  }
  const svc = found.found;
  if (svc.type === 'ExternalName') return invalid(Reason.InvalidKind, `Service ${namespace}/${name} is of type ExternalName, which the gateway does not forward to (CVE-2021-25740)`);
  const sp = svc.ports.find((p) => p.port === port);
  if (!sp) {
    return invalid(Reason.BackendNotFound, `Service ${namespace}/${name} has no port ${port} (ports: ${svc.ports.map((p) => p.port).join(', ') || 'none'})`);
  }
  const wantTransport = traffic === 'udp' ? 'UDP' : 'TCP';
  if (sp.protocol !== wantTransport) {
    return invalid(Reason.UnsupportedProtocol, `Service port ${port} is ${sp.protocol} but a ${traffic.toUpperCase()} route needs ${wantTransport}`);
  }
  let protocol: BackendConfig['protocol'] = defaultProtocol;
  if ((traffic === 'http' || traffic === 'grpc') && sp.appProtocol) {
    const p = own(APP_PROTOCOLS, sp.appProtocol);
    if (!p) {
      return invalid(
        Reason.UnsupportedProtocol,
        `Service port ${port} has appProtocol "${sp.appProtocol}", which an ${traffic === 'grpc' ? 'GRPCRoute' : 'HTTPRoute'} cannot speak (use kubernetes.io/h2c, kubernetes.io/ws or http)`,
      );
    }
    protocol = traffic === 'grpc' && p === 'http1' ? 'h2c' : p;
  }
  return { backend: { id: backendId(namespace, name, port), namespace, name, port, protocol, portName: sp.name, service: svc } };
}

/** The key of a backend (a Service port) in DataPlaneConfig `backends`: `<namespace>/<name>:<port>`. */
export function backendId(namespace: string, name: string, port: number): string {
  return `${namespace}/${name}:${port}`;
}

/** A backendRef's weight (default 1); 0 means the backend gets no traffic. */
export function readWeight(r: Reader): number {
  return r.at('weight').int({ min: 0, max: 1_000_000 }) ?? 1;
}
