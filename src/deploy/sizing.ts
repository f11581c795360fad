/**
 * Defaults of the Gateway's `dataPlane` sizing (DataPlaneProps in src/constructs/data-plane.ts).
 * Internal: not exported from src/index.ts.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

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
