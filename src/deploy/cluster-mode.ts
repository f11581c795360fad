/**
 * Cluster mode's part of a data-plane pod: the sync container (the stock Node image running sync.js.gz
 * from the bundle ConfigMap through boot.js), the in-memory directory it shares with the data plane, the
 * ServiceAccount token projected into the sync container only, and least-privilege RBAC:
 *
 * - one ClusterRole (list, watch) on what routes may come from anywhere: the Gateway API kinds,
 *   Namespaces (allowedRoutes selectors), Services and EndpointSlices (backends of any granted namespace),
 *   ConfigMaps (CA bundles of BackendTLSPolicies, in the teams' namespaces; public by convention);
 * - Secrets only through one Role per namespace a certificate may come from (the Gateway's own, the ones
 *   listed in `certificateNamespaces`, and those the app's ReferenceGrants and ListenerSets name);
 * - no write verb anywhere.
 *
 * The pod keeps `automountServiceAccountToken: false`: the internet-facing proxy container has no token
 * on its filesystem and no API credentials at all.
 *
 * Internal: not exported from src/index.ts.
 */
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BOOT_FILE, BUNDLE_DIR, SYNC_BUNDLE_FILE, SYNC_DIR } from './pod-layout';
import { stripNamespace } from '../constructs/resource';
import { GATEWAY_API_GROUP as GATEWAY_GROUP, GATEWAY_RESOURCES } from '../spec/gateway-api';
import { dnsLabel, statusLeaseName } from '../spec/project';

/** Where the ServiceAccount token is projected in the sync container (where every Kubernetes client looks). */
export const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME = 'sync-api-token';

/** The read-only rules sync needs cluster-wide (Secrets are not among them). */
export const SYNC_CLUSTER_RULES = [
  // get: the status writer reads an object again after a 409 Conflict
  { apiGroups: [GATEWAY_GROUP], resources: Object.values(GATEWAY_RESOURCES), verbs: ['get', 'list', 'watch'] },
  // status only, never the objects themselves (ReferenceGrant has no status)
  {
    apiGroups: [GATEWAY_GROUP],
    resources: Object.values(GATEWAY_RESOURCES).filter((r) => r !== 'referencegrants').map((r) => `${r}/status`),
    verbs: ['get', 'update'],
  },
  { apiGroups: [''], resources: ['namespaces', 'services', 'configmaps'], verbs: ['list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
];

/** The status writer's election: create the Lease, then read and renew that one Lease only. */
export function syncLeaseRules(gatewayName: string): kplus.k8s.PolicyRule[] {
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [statusLeaseName(gatewayName)], verbs: ['get', 'update'] },
  ];
}

export const SYNC_SECRET_RULES = [{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] }];

export interface ClusterModeRender {
  readonly gatewayNamespace: string;
  readonly gatewayName: string;
  readonly image: string;
  readonly imagePullPolicy: kplus.ImagePullPolicy;
  readonly logLevel: string;
  readonly uid: number;
  /** Namespaces whose Secrets sync may read (the Gateway's first). */
  readonly secretNamespaces: string[];
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface ClusterModeObjects {
  readonly container: kplus.Container;
  readonly clusterRole: kplus.k8s.KubeClusterRole;
  readonly roles: kplus.k8s.KubeRole[];
  /** The status writer's Lease (in the Gateway's namespace). */
  readonly leaseRole: kplus.k8s.KubeRole;
}

/** Adds the sync container, its token and the shared directory to the Deployment, and renders the RBAC. */
export function renderClusterMode(
  scope: Construct, deployment: kplus.Deployment, dataPlane: kplus.Container, bundle: kplus.Volume, serviceAccount: kplus.ServiceAccount,
  r: ClusterModeRender,
): ClusterModeObjects {
  const shared = kplus.Volume.fromEmptyDir(scope, 'SyncVolume', 'sync', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(64) });
  deployment.addVolume(shared);
  // the data plane reads what sync writes, never the other way round
  dataPlane.mount(SYNC_DIR, shared, { readOnly: true });
  const container = deployment.addContainer({
    name: 'sync',
    image: r.image,
    imagePullPolicy: r.imagePullPolicy,
    command: ['node', `${BUNDLE_DIR}/${BOOT_FILE}`],
    args: ['--', `${BUNDLE_DIR}/${SYNC_BUNDLE_FILE}`, '--gateway', `${r.gatewayNamespace}/${r.gatewayName}`, '--sync-dir', SYNC_DIR, '--log-level', r.logLevel,
      // one pod of the Gateway's writes its status, elected by a Lease (the host name is the pod name)
      '--write-status'],
    resources: {
      cpu: { request: kplus.Cpu.millis(50) },
      memory: { request: Size.mebibytes(96), limit: Size.mebibytes(512) },
    },
    securityContext: {
      ensureNonRoot: true,
      user: r.uid,
      group: r.uid,
      privileged: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: [kplus.Capability.ALL] },
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    },
  });
  container.mount(BUNDLE_DIR, bundle, { readOnly: true });
  container.mount(SYNC_DIR, shared);
  // the token, the cluster CA and the namespace, as automounting would give them, but in this container only
  const api = ApiObject.of(deployment);
  api.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes/-', {
    name: TOKEN_VOLUME,
    projected: {
      defaultMode: 0o440,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  }));
  const index = deployment.containers.indexOf(container);
  api.addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/${index}/volumeMounts/-`, { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true }));

  const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), labels: r.labels, annotations: r.annotations });
  const subject = { kind: 'ServiceAccount', name: serviceAccount.name, namespace: r.gatewayNamespace };
  // cluster-scoped names are shared by every namespace: the Gateway's namespace is part of them
  const clusterName = dnsLabel(`${r.gatewayNamespace}-${r.gatewayName}`, 'dataplane-sync');
  const clusterRole = new kplus.k8s.KubeClusterRole(scope, 'SyncClusterRole', { metadata: meta(clusterName), rules: SYNC_CLUSTER_RULES });
  const binding = new kplus.k8s.KubeClusterRoleBinding(scope, 'SyncClusterRoleBinding', {
    metadata: meta(clusterName),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
    subjects: [subject],
  });
  // a chart's namespace lands on every object; cluster-scoped ones have none
  stripNamespace(clusterRole);
  stripNamespace(binding);
  const name = dnsLabel(r.gatewayName, 'dataplane-sync-secrets');
  const roles = r.secretNamespaces.map((ns) => {
    const role = new kplus.k8s.KubeRole(scope, `SyncSecretsRole-${ns}`, { metadata: meta(name, ns), rules: SYNC_SECRET_RULES });
    new kplus.k8s.KubeRoleBinding(scope, `SyncSecretsRoleBinding-${ns}`, {
      metadata: meta(name, ns),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [subject],
    });
    return role;
  });
  const leaseName = dnsLabel(r.gatewayName, 'dataplane-status-lease');
  const leaseRole = new kplus.k8s.KubeRole(scope, 'SyncLeaseRole', { metadata: meta(leaseName, r.gatewayNamespace), rules: syncLeaseRules(r.gatewayName) });
  new kplus.k8s.KubeRoleBinding(scope, 'SyncLeaseRoleBinding', {
    metadata: meta(leaseName, r.gatewayNamespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leaseName },
    subjects: [subject],
  });
  return { container, clusterRole, roles, leaseRole };
}

/**
 * The namespaces sync may read Secrets in: the Gateway's, the listed ones, and those the objects' ReferenceGrants
 * (from Gateways of the Gateway's namespace to Secrets) and ListenerSets (attached to the Gateway) name. Sorted,
 * the Gateway's first.
 */
export function secretNamespaces(gatewayNamespace: string, gatewayName: string, listed: readonly string[], objects: readonly unknown[]): string[] {
  const out = new Set<string>(listed);
  for (const o of objects as any[]) {
    if (o?.apiVersion?.startsWith(`${GATEWAY_GROUP}/`) && o.kind === 'ReferenceGrant') {
      const from = (o.spec?.from ?? []).some((f: any) => f?.group === GATEWAY_GROUP && f?.kind === 'Gateway' && f?.namespace === gatewayNamespace);
      const to = (o.spec?.to ?? []).some((t: any) => (t?.group ?? '') === '' && t?.kind === 'Secret');
      if (from && to) out.add(o.metadata?.namespace ?? 'default');
    }
    if (o?.apiVersion?.startsWith(`${GATEWAY_GROUP}/`) && o.kind === 'ListenerSet') {
      const p = o.spec?.parentRef;
      const ns = o.metadata?.namespace ?? 'default';
      if (p?.name === gatewayName && (p.namespace ?? ns) === gatewayNamespace) out.add(ns);
    }
  }
  out.delete(gatewayNamespace);
  return [gatewayNamespace, ...[...out].sort()];
}
