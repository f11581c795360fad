/**
 * Where things live in a data-plane pod and how the container is started. Pure functions of the sockets
 * and settings, shared by the construct (which renders them) and tests (which replay them).
 *
 * Privileged listener ports (< 1024) are remapped, not granted: the container binds an unprivileged port
 * (`--port-map 80=8080`) and the Service maps the listener port to it. This needs no root, no
 * NET_BIND_SERVICE capability and no `net.ipv4.ip_unprivileged_port_start` sysctl, which Pod Security
 * "restricted" allows but some policy engines and runtimes refuse; clients never see the difference
 * because they reach the pod through the Service. (The data plane keeps using the listener port in
 * everything it derives from it, such as redirect Locations.)
 *
 * Internal: not exported from src/index.ts.
 */
import type { SocketSpec } from './config-inputs';

export const BUNDLE_DIR = '/opt/cdk8s-gateway/bundle';
export const CONFIG_DIR = '/etc/cdk8s-gateway/config';
export const SECRETS_DIR = '/etc/cdk8s-gateway/secrets';
export const CONFIGMAPS_DIR = '/etc/cdk8s-gateway/configmaps';
/** A small in-memory emptyDir: the inflated config when it is compressed, and Node's temp files. */
export const RUN_DIR = '/tmp';

export const BOOT_FILE = 'boot.js';
export const BUNDLE_FILE = 'dataplane.js.gz';
/** Cluster mode: the sync process's bundle, in the same bundle ConfigMap. */
export const SYNC_BUNDLE_FILE = 'sync.js.gz';
/** Cluster mode: the in-memory directory sync writes and the data plane reads (config, endpoints, certificates). */
export const SYNC_DIR = '/run/cdk8s-gateway/sync';
export const CONFIG_FILE = 'config.json';
export const CONFIG_FILE_GZ = 'config.json.gz';

/** First choice for the admin port (/healthz, /readyz, /metrics); moved up when a listener uses it. */
export const DEFAULT_ADMIN_PORT = 9901;
/** Privileged port p is served on p + this (80 → 8080, 443 → 8443), or the next free port above. */
export const PRIVILEGED_PORT_OFFSET = 8000;

export interface PortPlan {
  /** listener port → container port, for every listener port (identity for unprivileged ports). */
  readonly containerPort: ReadonlyMap<number, number>;
  readonly adminPort: number;
}

/** Deterministic container ports for the sockets: remaps privileged ones and picks the admin port. */
export function planPorts(sockets: readonly SocketSpec[], preferredAdminPort = DEFAULT_ADMIN_PORT): PortPlan {
  const listenerPorts = [...new Set(sockets.map((s) => s.port))].sort((a, b) => a - b);
  const taken = new Set(listenerPorts.filter((p) => p >= 1024));
  const containerPort = new Map<number, number>();
  const next = (from: number): number => {
    let p = from;
    while (taken.has(p)) p++;
    if (p > 65535) throw new Error(`no free container port at or above ${from} for the data plane`);
    taken.add(p);
    return p;
  };
  for (const p of listenerPorts) containerPort.set(p, p >= 1024 ? p : next(p + PRIVILEGED_PORT_OFFSET));
  return { containerPort, adminPort: next(preferredAdminPort) };
}

export interface ContainerInvocation {
  readonly command: string[];
  readonly args: string[];
}

export interface InvocationOptions {
  readonly plan: PortPlan;
  readonly compressedConfig: boolean;
  readonly hasSecrets: boolean;
  readonly hasConfigMaps: boolean;
  readonly drainSeconds: number;
  readonly logLevel: string;
  /** `--max-old-space-size` in MiB, from the memory limit. */
  readonly heapMib?: number;
  /** Cluster mode: the data plane reads sync's directory. */
  readonly clusterMode?: boolean;
  /**
   * The pods see node addresses instead of client addresses (a NodePort or LoadBalancer Service with
   * externalTrafficPolicy Cluster): the per-address limits (`--max-connections-per-client`, `--abuse-penalty`)
   * are turned off, since they would hold every client behind one node to one client's limit and penalty.
   */
  readonly clientAddressesShared?: boolean;
}

/**
 * V8's young generation (`--max-semi-space-size`, MiB) for a pod whose heap is `heapMib`. Every HTTP/2 stream leaves
 * a few KiB of short-lived objects on each side (Node's Http2Stream, header objects, ticks): with 4 MiB semi-spaces
 * the scavenger ran often enough to take a third of the CPU of a gRPC call, and 16 MiB cut the CPU per request by
 * ~6% (HTTP/2) and ~13% (gRPC) (bench/edge/run.mjs --flags-b, issue 21). The cost is memory: the young generation is
 * up to three semi-spaces, and closed TLS sockets' native memory (~45 KiB each) waits for the scavenge that collects
 * their JS objects (issue 17). Measured with bench/reliability's churn section (--node-flags), RSS still levels off
 * with 16 MiB, ~30 MiB higher than with 4 (246 vs 214 MiB under a 512 MiB limit). A heap under 384 MiB (a memory
 * limit under 512 MiB) keeps 4 MiB: there 48 MiB of young generation would eat most of the quarter of the limit
 * left outside the heap.
 */
export function semiSpaceMib(heapMib: number): number {
  return heapMib >= 384 ? 16 : 4;
}

/** The container's command and args. */
export function containerInvocation(o: InvocationOptions): ContainerInvocation {
  const command = ['node'];
  if (o.heapMib) command.push(`--max-old-space-size=${o.heapMib}`, `--max-semi-space-size=${semiSpaceMib(o.heapMib)}`);
  command.push(`${BUNDLE_DIR}/${BOOT_FILE}`);

  const args: string[] = [];
  const config = o.compressedConfig ? `${RUN_DIR}/cdk8s-gateway/${CONFIG_FILE}` : `${CONFIG_DIR}/${CONFIG_FILE}`;
  if (o.compressedConfig) args.push('--inflate', `${CONFIG_DIR}/${CONFIG_FILE_GZ}=${config}`);
  args.push('--', `${BUNDLE_DIR}/${BUNDLE_FILE}`, '--config', config);
  if (o.hasSecrets) args.push('--secrets-dir', SECRETS_DIR);
  if (o.hasConfigMaps) args.push('--configmaps-dir', CONFIGMAPS_DIR);
  if (o.clusterMode) args.push('--sync-dir', SYNC_DIR);
  args.push('--admin-port', String(o.plan.adminPort));
  for (const [listener, container] of o.plan.containerPort) {
    if (listener !== container) args.push('--port-map', `${listener}=${container}`);
  }
  args.push('--drain-timeout', String(o.drainSeconds), '--log-level', o.logLevel);
  if (o.clientAddressesShared) args.push('--max-connections-per-client', '0', '--abuse-penalty', '0');
  return { command, args };
}

/** Mount path of a Secret or ConfigMap where the data plane looks for it. */
export function mountPath(kind: 'Secret' | 'ConfigMap', namespace: string, name: string): string {
  return `${kind === 'Secret' ? SECRETS_DIR : CONFIGMAPS_DIR}/${namespace}/${name}`;
}
