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

/** Millicores of a CPU quantity ("250m", "1", "1.5"); undefined when it is not a plain quantity. */
export function millicores(cpu: kplus.Cpu | undefined): number | undefined {
  const m = cpu && /^(\d+(?:\.\d+)?)(m?)$/.exec(cpu.amount);
  if (!m) return undefined;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

/**
 * Whether V8 collects garbage on the main thread only (`--single-threaded-gc`): when the pod is sized for at
 * most one core. The data plane runs its JavaScript on one thread, which uses that core; V8's parallel and
 * concurrent GC threads would only take turns with it, paying a context switch each time. Measured on one
 * pinned core (`node bench/http/ab.mjs` with `--flags-b --single-threaded-gc`, 6 pairs): maximum rate 1.33x,
 * CPU per request at a fixed rate 0.85x. A pod given more than one core keeps V8's helper threads.
 */
export function singleThreadedGc(resources: kplus.ContainerResources): boolean {
  const cores = [millicores(resources.cpu?.limit), millicores(resources.cpu?.request)];
  return cores.every((m) => m === undefined || m <= 1000);
}
