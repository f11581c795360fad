/**
 * Defaults of the Gateway's `dataPlane` sizing (DataPlaneProps in src/constructs/data-plane.ts).
 * Internal: not exported from src/index.ts.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { DataPlaneResources } from '../constructs/data-plane';
import { DATA_PLANE_DEFAULT_IMAGE } from '../spec/runtime';

/** The exact Node release the data plane is tested on (src/spec/runtime.ts). */
export const DEFAULT_IMAGE = DATA_PLANE_DEFAULT_IMAGE;
export const DEFAULT_REPLICAS = 2;
export const DEFAULT_TARGET_CPU_PERCENT = 70;

/**
 * DataPlaneResources with each missing field at its default: requests sized for a small gateway, a memory limit
 * (no CPU limit, which would only throttle).
 */
export function containerResources(r: DataPlaneResources = {}): kplus.ContainerResources {
  const cpuLimit = r.cpuLimitMillis;
  return {
    cpu: { request: kplus.Cpu.millis(r.cpuRequestMillis ?? 100), ...(cpuLimit !== undefined ? { limit: kplus.Cpu.millis(cpuLimit) } : {}) },
    memory: { request: r.memoryRequest ?? Size.mebibytes(128), limit: r.memoryLimit ?? Size.mebibytes(512) },
  };
}

/** Heap ceiling for a memory limit: three quarters of it, leaving room for buffers and the runtime. */
export function heapMib(resources: kplus.ContainerResources): number | undefined {
  const limit = resources.memory?.limit;
  if (!limit) return undefined;
  return Math.max(64, Math.floor(limit.toMebibytes() * 0.75));
}
