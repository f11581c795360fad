import { checkDnsSubdomain, checkHeaderName, fail, Where } from './validation';
import { checkDeploymentOptions, DataPlaneDeploymentOptions } from '../deploy/options';

/**
 * Cluster mode: a `sync` container next to the data plane watches the Kubernetes API and recompiles the
 * Gateway's config on every change, so routes applied from any team's repository are served without a
 * re-synth, and backends are balanced over their Services' ready endpoints (EndpointSlices).
 */
export interface ClusterModeOptions {
  /**
   * Namespaces besides the Gateway's own whose Secrets a certificate may come from (listener certificateRefs
   * or the backend client certificate, allowed there by a ReferenceGrant). sync gets read access to Secrets
   * in these namespaces only (one Role each); namespaces of ReferenceGrants and ListenerSets in the app are
   * added at synth.
   * @default - the Gateway's namespace, and those the app's ReferenceGrants and ListenerSets name
   */
  readonly certificateNamespaces?: string[];
}

/**
 * This project's Node.js data plane for one Gateway: how it is sized, exposed and run (the deployment
 * options the synth step renders the Deployment, Service, NetworkPolicy, PDB and HPA from) and the
 * settings the running data plane reads with its config. Only used with `GatewayClass.nodeDataPlane()`.
 */
export interface DataPlaneProps extends DataPlaneDeploymentOptions {
  /**
   * When a client presents a verified certificate, forward its subject and SANs to backends in this header.
   * @default - not forwarded
   */
  readonly clientCertificateHeader?: string;
  /**
   * The cluster's DNS domain: a Service is resolved as `<service>.<namespace>.svc.<clusterDomain>`.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * Follow the cluster (cluster mode): a sync container in each pod watches the API server and serves the
   * routes every team applies, without a re-synth, balancing over EndpointSlices. It alone holds API
   * credentials (read-only); the proxy container gets none. The config compiled at synth is still shipped.
   * @default - static: the pods serve the config compiled at synth, backends through their Service's DNS name
   */
  readonly clusterMode?: ClusterModeOptions;
}

/** Checks the data-plane settings of a Gateway. @internal */
export function checkDataPlane(where: Where, dp: DataPlaneProps): void {
  checkDeploymentOptions(where, dp);
  if (dp.clientCertificateHeader !== undefined) checkHeaderName(where.at('clientCertificateHeader'), dp.clientCertificateHeader);
  if (dp.clusterDomain !== undefined) checkDnsSubdomain(where.at('clusterDomain'), dp.clusterDomain);
  for (const [i, ns] of (dp.clusterMode?.certificateNamespaces ?? []).entries()) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) fail(where.at(`clusterMode.certificateNamespaces[${i}]`), ns, 'must be a namespace name (a DNS label)');
  }
}

/** The `dataPlane` options the running data plane reads, as the data of its parameters ConfigMap. @internal */
export function dataPlaneParameters(dp: DataPlaneProps): Record<string, string> {
  const data: Record<string, string> = {};
  if (dp.clientCertificateHeader !== undefined) data.clientCertificateHeader = dp.clientCertificateHeader.toLowerCase();
  if (dp.clusterDomain !== undefined) data.clusterDomain = dp.clusterDomain;
  return data;
}
