/**
 * Defaults of the Gateway's `dataPlane` sizing (DataPlaneProps in src/constructs/data-plane.ts).
 * Internal: not exported from src/index.ts.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { DATA_PLANE_DEFAULT_IMAGE } from '../spec/runtime';

/** The exact Node release the data plane is tested on (src/spec/runtime.ts). */
export const DEFAULT_IMAGE = DATA_PLANE_DEFAULT_IMAGE;
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
