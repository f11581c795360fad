/**
 * The resource types the stand-in API server serves: a fixed set of built-in kinds (what a synthesized
 * dist/ holds, what sync reads, RBAC, Leases for leader election) plus whatever CustomResourceDefinitions
 * are applied to it (the Gateway API CRDs from ../shared/gateway-api/), and the discovery documents
 * (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`) built from them.
 */

export interface ResourceType {
  readonly group: string;
  /** Served versions, preferred first. Objects are stored once and served under any of them (no conversion). */
  readonly versions: readonly string[];
  /** Plural, lower-case: `httproutes`. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  /** Writes to the main resource leave `status` alone and `/status` writes change only `status`. */
  readonly statusSubresource: boolean;
  /** True for CRD-defined types: list items carry apiVersion and kind (built-in lists leave them out). */
  readonly custom: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(
  group: string, version: string, resource: string, kind: string, namespaced: boolean, status = false, shortNames?: string[],
): ResourceType {
  const singular = kind.toLowerCase();
  return { group, versions: [version], resource, singular, kind, namespaced, statusSubresource: status, custom: false, shortNames };
}

/** Built-in kinds: enough to apply a synthesized dist/ whole and to run sync and (later) leader election. */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  builtin('', 'v1', 'namespaces', 'Namespace', false, true, ['ns']),
  builtin('', 'v1', 'services', 'Service', true, true, ['svc']),
  builtin('', 'v1', 'secrets', 'Secret', true),
  builtin('', 'v1', 'configmaps', 'ConfigMap', true, false, ['cm']),
  builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', true, false, ['sa']),
  builtin('', 'v1', 'pods', 'Pod', true, true, ['po']),
  builtin('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  builtin('apps', 'v1', 'deployments', 'Deployment', true, true, ['deploy']),
  builtin('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, true, ['pdb']),
  builtin('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, true, ['hpa']),
  builtin('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, false, ['netpol']),
  builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, true, ['crd']),
];

/** The resource type a CustomResourceDefinition object defines (undefined when it is malformed). */
export function typeOfCrd(crd: any): ResourceType | undefined {
  const spec = crd?.spec;
  const names = spec?.names;
  if (!spec?.group || !names?.plural || !names?.kind || !Array.isArray(spec.versions)) return undefined;
  const served = spec.versions.filter((v: any) => v.served !== false);
  if (served.length === 0) return undefined;
  // preferred: the storage version first, as the API server's discovery orders them
  served.sort((a: any, b: any) => Number(!!b.storage) - Number(!!a.storage));
  return {
    group: spec.group,
    versions: served.map((v: any) => String(v.name)),
    resource: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    namespaced: spec.scope !== 'Cluster',
    shortNames: names.shortNames,
    statusSubresource: served.some((v: any) => v.subresources?.status !== undefined),
    custom: true,
  };
}

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** `/api` */
export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupsOf(types: Iterable<ResourceType>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const versions = groups.get(t.group) ?? [];
    for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
    groups.set(t.group, versions);
  }
  return groups;
}

function apiGroup(name: string, versions: string[]): object {
  const vs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** `/apis` */
export function apiGroupList(types: Iterable<ResourceType>): object {
  const groups = [...groupsOf(types)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, versions]) => apiGroup(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `/apis/<group>`, or undefined when no type is in it. */
export function apiGroupOf(types: Iterable<ResourceType>, group: string): object | undefined {
  const versions = groupsOf(types).get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) } : undefined;
}

/** `/api/v1`, `/apis/<group>/<version>`, or undefined when nothing is served there. */
export function apiResourceList(types: Iterable<ResourceType>, group: string, version: string): object | undefined {
  const resources: object[] = [];
  for (const t of types) {
    if (t.group !== group || !t.versions.includes(version)) continue;
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
    });
    if (t.statusSubresource) resources.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  }
  if (resources.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

/**
 * `/openapi/v3`: one document per group-version listing each resource's PATCH with its `fieldValidation`
 * parameter and no schemas. kubectl needs it to learn that the server validates fields itself (it then sends
 * `fieldValidation=Strict` instead of validating against a schema it would otherwise have to download).
 */
export function openApiV3Root(types: Iterable<ResourceType>): object {
  const paths: Record<string, object> = {};
  for (const t of types) {
    for (const v of t.versions) {
      const gv = t.group ? `apis/${t.group}/${v}` : `api/${v}`;
      paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=0` };
    }
  }
  return { paths };
}

export function openApiV3Doc(types: Iterable<ResourceType>, group: string, version: string): object | undefined {
  const paths: Record<string, object> = {};
  for (const t of types) {
    if (t.group !== group || !t.versions.includes(version)) continue;
    const base = `/${group ? `apis/${group}` : 'api'}/${version}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.resource}/{name}`;
    paths[base] = {
      patch: {
        'parameters': [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
        'responses': { 200: { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: t.kind },
      },
    };
  }
  if (Object.keys(paths).length === 0) return undefined;
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths, components: { schemas: {} } };
}
