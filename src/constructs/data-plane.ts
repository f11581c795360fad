import { checkDnsSubdomain, checkHeaderName, Where } from './validation';
import { checkDeploymentOptions, DataPlaneDeploymentOptions } from '../deploy/options';

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
}

/** Checks the data-plane settings of a Gateway. @internal */
export function checkDataPlane(where: Where, dp: DataPlaneProps): void {
  checkDeploymentOptions(where, dp);
  if (dp.clientCertificateHeader !== undefined) checkHeaderName(where.at('clientCertificateHeader'), dp.clientCertificateHeader);
  if (dp.clusterDomain !== undefined) checkDnsSubdomain(where.at('clusterDomain'), dp.clusterDomain);
}

/** The `dataPlane` options the running data plane reads, as the data of its parameters ConfigMap. @internal */
export function dataPlaneParameters(dp: DataPlaneProps): Record<string, string> {
  const data: Record<string, string> = {};
  if (dp.clientCertificateHeader !== undefined) data.clientCertificateHeader = dp.clientCertificateHeader.toLowerCase();
  if (dp.clusterDomain !== undefined) data.clusterDomain = dp.clusterDomain;
  return data;
}
