/**
 * The data plane's deployment options with their defaults applied: what the synth step renders from.
 * Internal: the public options are DataPlaneProps (src/constructs/data-plane.ts).
 */
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { DEFAULT_ADMIN_PORT } from './pod-layout';
import { containerResources, DEFAULT_IMAGE, DEFAULT_REPLICAS, DEFAULT_TARGET_CPU_PERCENT } from './sizing';
import { DataPlaneAutoscaling, DataPlaneLogLevel, DataPlaneProps, ExternalTrafficPolicy } from '../constructs/data-plane';
import type { DataPlanePeer } from '../constructs/data-plane-peer';

/** The deployment fields of DataPlaneProps with every default applied. Internal. */
export interface ResolvedDeploymentOptions {
  readonly replicas: number;
  readonly autoscaling?: Required<DataPlaneAutoscaling>;
  readonly image: string;
  readonly imagePullPolicy: kplus.ImagePullPolicy;
  readonly resources: kplus.ContainerResources;
  readonly serviceType: kplus.ServiceType;
  readonly serviceAnnotations: { [key: string]: string };
  readonly loadBalancerClass?: string;
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  readonly adminPort: number;
  readonly metricsService: boolean;
  readonly networkPolicy: boolean;
  /** Undefined: anyone. */
  readonly listenerPeers?: DataPlanePeer[];
  readonly adminPeers: DataPlanePeer[];
  readonly compressConfig: boolean;
  readonly preStopDelay: Duration;
  readonly drainTimeout: Duration;
  readonly logLevel: DataPlaneLogLevel;
  readonly topologySpread: boolean;
}

/** The defaults of DataPlaneProps' deployment fields, applied here and nowhere else. @internal */
export function resolveDeploymentOptions(o: DataPlaneProps): ResolvedDeploymentOptions {
  const a = o.autoscaling;
  return {
    replicas: o.replicas ?? DEFAULT_REPLICAS,
    autoscaling: a && { ...a, targetCpuUtilizationPercent: a.targetCpuUtilizationPercent ?? DEFAULT_TARGET_CPU_PERCENT },
    image: o.image ?? DEFAULT_IMAGE,
    // our enums carry the Kubernetes strings, which are the values of cdk8s-plus's enums too
    imagePullPolicy: (o.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT) as kplus.ImagePullPolicy,
    resources: containerResources(o.resources),
    serviceType: (o.serviceType ?? kplus.ServiceType.LOAD_BALANCER) as kplus.ServiceType,
    serviceAnnotations: { ...o.serviceAnnotations },
    loadBalancerClass: o.loadBalancerClass,
    externalTrafficPolicy: o.externalTrafficPolicy,
    adminPort: o.adminPort ?? DEFAULT_ADMIN_PORT,
    metricsService: o.metricsService ?? false,
    networkPolicy: o.networkPolicy ?? true,
    listenerPeers: o.listenerPeers,
    adminPeers: o.adminPeers ?? [],
    compressConfig: o.compressConfig ?? false,
    preStopDelay: o.preStopDelay ?? Duration.seconds(5),
    drainTimeout: o.drainTimeout ?? Duration.seconds(25),
    logLevel: o.logLevel ?? DataPlaneLogLevel.INFO,
    topologySpread: o.topologySpread ?? true,
  };
}
