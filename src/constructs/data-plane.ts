import * as kplus from 'cdk8s-plus-28';
import { checkHeaderName, checkInteger, checkLength, checkQualifiedName, failObject, Where } from './validation';

/** How the data plane's Service routes external traffic to pods. */
export enum ExternalTrafficPolicy {
  /** Any node forwards to any pod (even spread, client IP lost). */
  CLUSTER = 'Cluster',
  /** Only nodes with a pod answer (client IP kept). */
  LOCAL = 'Local',
}

/** Horizontal autoscaling of the data plane. */
export interface DataPlaneAutoscaling {
  /** Fewest replicas (at least 1). */
  readonly minReplicas: number;
  /** Most replicas (at least `minReplicas`). */
  readonly maxReplicas: number;
  /**
   * Average CPU utilization to aim for, in percent of the CPU request.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
}

/**
 * Size and exposure of this project's Node.js data plane for one Gateway. Only used with
 * `GatewayClass.nodeDataPlane()`; the synth step renders the Deployment, Service, PDB and HPA from it.
 */
export interface DataPlaneProps {
  /**
   * Number of pods (ignored when `autoscaling` is set).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Container image that runs the bundled data plane (any image with Node.js 20 or later).
   * @default "node:24-alpine"
   */
  readonly image?: string;
  /**
   * Image pull policy.
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * CPU and memory of each pod.
   * @default - requests 100m CPU and 128Mi memory, limit 512Mi memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Type of the Service that exposes the listeners.
   * @default kplus.ServiceType.LOAD_BALANCER
   */
  readonly serviceType?: kplus.ServiceType;
  /**
   * Annotations of that Service (cloud load balancer settings).
   * @default - none
   */
  readonly serviceAnnotations?: { [key: string]: string };
  /**
   * `spec.loadBalancerClass` of that Service (LoadBalancer only).
   * @default - the cluster's default load balancer
   */
  readonly loadBalancerClass?: string;
  /**
   * `spec.externalTrafficPolicy` of that Service.
   * @default ExternalTrafficPolicy.CLUSTER
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  /**
   * Autoscale between a minimum and a maximum instead of a fixed `replicas`.
   * @default - fixed replicas
   */
  readonly autoscaling?: DataPlaneAutoscaling;
  /**
   * When a client presents a verified certificate, forward its subject and SANs to backends in this header.
   * @default - not forwarded
   */
  readonly clientCertificateHeader?: string;
}

/** Checks the data-plane settings of a Gateway. @internal */
export function checkDataPlane(where: Where, dp: DataPlaneProps): void {
  if (dp.replicas !== undefined) checkInteger(where.at('replicas'), dp.replicas, 0);
  if (dp.image !== undefined) checkLength(where.at('image'), dp.image, 1, 4096);
  for (const key of Object.keys(dp.serviceAnnotations ?? {})) checkQualifiedName(where.at('serviceAnnotations'), key);
  if (dp.loadBalancerClass !== undefined) {
    checkLength(where.at('loadBalancerClass'), dp.loadBalancerClass, 1, 253);
    if (dp.serviceType !== undefined && dp.serviceType !== kplus.ServiceType.LOAD_BALANCER) {
      failObject(where.at('loadBalancerClass'), `only applies to a LoadBalancer Service (serviceType is ${dp.serviceType})`);
    }
  }
  if (dp.externalTrafficPolicy !== undefined && dp.serviceType === kplus.ServiceType.CLUSTER_IP) {
    failObject(where.at('externalTrafficPolicy'), 'only applies to NodePort and LoadBalancer Services (serviceType is ClusterIP)');
  }
  const a = dp.autoscaling;
  if (a) {
    checkInteger(where.at('autoscaling.minReplicas'), a.minReplicas, 1);
    checkInteger(where.at('autoscaling.maxReplicas'), a.maxReplicas, a.minReplicas);
    if (a.targetCpuUtilizationPercent !== undefined) checkInteger(where.at('autoscaling.targetCpuUtilizationPercent'), a.targetCpuUtilizationPercent, 1, 100);
  }
  if (dp.clientCertificateHeader !== undefined) checkHeaderName(where.at('clientCertificateHeader'), dp.clientCertificateHeader);
}
