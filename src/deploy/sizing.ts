/**
 * The Gateway's `dataPlane` sizing and exposure settings, resolved to their defaults.
 * Internal: not exported from src/index.ts.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/** The fields of the Gateway's `dataPlane` prop that the deploy step reads (structurally typed). */
export interface DataPlaneSizing {
  readonly replicas?: number;
  readonly image?: string;
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  readonly resources?: kplus.ContainerResources;
  readonly serviceType?: kplus.ServiceType;
  readonly serviceAnnotations?: { [key: string]: string };
  readonly loadBalancerClass?: string;
  readonly externalTrafficPolicy?: string;
  readonly autoscaling?: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCpuUtilizationPercent?: number;
  };
}

export const DEFAULT_IMAGE = 'node:24-alpine';
export const DEFAULT_REPLICAS = 2;
export const DEFAULT_TARGET_CPU_PERCENT = 70;

/** Requests sized for a small gateway; a memory limit (no CPU limit, which would only throttle). */
export function defaultResources(): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(100) },
    memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
  };
}

/** Heap ceiling for a memory limit: three quarters of it, leaving room for buffers and the runtime. */
export function heapMib(resources: kplus.ContainerResources): number | undefined {
  const limit = resources.memory?.limit;
  if (!limit) return undefined;
  return Math.max(64, Math.floor(limit.toMebibytes() * 0.75));
}
