/**
 * What sync watches, and where: the Gateway API kinds (in whichever served version discovery finds,
 * v1 first), Namespaces, Services, EndpointSlices and ConfigMaps cluster-wide, and Secrets only in the
 * namespaces a certificate may come from. Everything is read-only (list and watch).
 */
import { GATEWAY_API_GROUP as GATEWAY_GROUP, GATEWAY_KINDS, GATEWAY_RESOURCES, GatewayKind } from '../spec/gateway-api';

export interface WatchedResource {
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  /** Plural resource name in the URL. */
  readonly resource: string;
  readonly namespaced: boolean;
}

export type GatewayApiKind = GatewayKind;

export const NAMESPACES: WatchedResource = { kind: 'Namespace', group: '', version: 'v1', resource: 'namespaces', namespaced: false };
export const SERVICES: WatchedResource = { kind: 'Service', group: '', version: 'v1', resource: 'services', namespaced: true };
export const ENDPOINT_SLICES: WatchedResource = { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespaced: true };
export const CONFIG_MAPS: WatchedResource = { kind: 'ConfigMap', group: '', version: 'v1', resource: 'configmaps', namespaced: true };
export const SECRETS: WatchedResource = { kind: 'Secret', group: '', version: 'v1', resource: 'secrets', namespaced: true };

/** The URL path of a resource's collection, cluster-wide or in one namespace. */
export function collectionPath(r: WatchedResource, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return namespace ? `${base}/namespaces/${namespace}/${r.resource}` : `${base}/${r.resource}`;
}

/** `httproutes.gateway.networking.k8s.io`, `secrets`: how RBAC and the API server name a resource. */
export function qualifiedName(r: WatchedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export interface Discovered {
  readonly resources: WatchedResource[];
  /** Kinds the cluster does not serve (their CRD is not installed): not watched. */
  readonly missing: GatewayApiKind[];
}

/**
 * Which Gateway API kinds the cluster serves, and in which version: for each kind the first of the
 * compiler's versions (newest first) that discovery lists. `getJson` is a GET on the API server.
 */
export async function discoverGatewayApi(getJson: (path: string) => Promise<any>): Promise<Discovered> {
  let group: any;
  try {
    group = await getJson(`/apis/${GATEWAY_GROUP}`);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return { resources: [], missing: Object.keys(GATEWAY_KINDS) as GatewayApiKind[] };
    throw e;
  }
  const served = new Set<string>((group.versions ?? []).map((v: any) => String(v.version)));
  const byVersion = new Map<string, Set<string>>();
  for (const v of served) {
    const list = await getJson(`/apis/${GATEWAY_GROUP}/${v}`);
    byVersion.set(v, new Set((list.resources ?? []).map((r: any) => String(r.name))));
  }
  const resources: WatchedResource[] = [];
  const missing: GatewayApiKind[] = [];
  for (const kind of Object.keys(GATEWAY_KINDS) as GatewayApiKind[]) {
    const plural = GATEWAY_RESOURCES[kind];
    const version = GATEWAY_KINDS[kind].find((v) => byVersion.get(v)?.has(plural));
    if (version) resources.push({ kind, group: GATEWAY_GROUP, version, resource: plural, namespaced: kind !== 'GatewayClass' });
    else missing.push(kind);
  }
  return { resources, missing };
}
