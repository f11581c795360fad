import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/** How much the data plane logs. */
export enum DataPlaneLogLevel {
  /** Everything, including per-decision details. */
  DEBUG = 'debug',
  /** Start, reloads and one access-log line per request. */
  INFO = 'info',
  /** Problems only. */
  WARN = 'warn',
  /** Failures only. */
  ERROR = 'error',
}

/**
 * How the data plane of a Gateway is run and who may reach it: the settings the synth step uses besides
 * the Gateway's `dataPlane` sizing and exposure.
 */
export interface DataPlaneDeploymentOptions {
  /**
   * Port of the admin server (`/healthz`, `/readyz`, `/metrics`). Probes use it; the Service does not
   * expose it. Moved to the next free port when a listener uses it.
   * @default 9901
   */
  readonly adminPort?: number;
  /**
   * Also render a ClusterIP Service `<gateway>-dataplane-metrics` that exposes `/metrics` on the admin
   * port, annotated for Prometheus scraping. Allow the scraper in with `adminPeers`.
   * @default false
   */
  readonly metricsService?: boolean;
  /**
   * Render a NetworkPolicy for the data-plane pods: listener ports admit `listenerPeers`, the admin port
   * admits `adminPeers` (and the kubelet, whose probes come from the node), nothing else gets in.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * Who may connect to the listener ports. With `externalTrafficPolicy: Cluster` the client address is
   * replaced by a node address before the policy sees it; use `Local` to filter on client addresses.
   * @default - anyone
   */
  readonly listenerPeers?: kplus.INetworkPolicyPeer[];
  /**
   * Who may connect to the admin port (for example the Prometheus pods).
   * @default - nobody but the kubelet
   */
  readonly adminPeers?: kplus.INetworkPolicyPeer[];
  /**
   * Ship the compiled config gzip-compressed (binaryData). Needed when the config is over the 1 MiB a
   * ConfigMap can hold; the pod inflates it and hot reload works the same. Makes the config unreadable in
   * `kubectl get configmap` and in diffs of `dist/`.
   * @default false
   */
  readonly compressConfig?: boolean;
  /**
   * How long a terminating pod keeps serving before it stops accepting connections, so that the
   * Service's endpoints and the load balancer stop sending it new ones first.
   * @default Duration.seconds(5)
   */
  readonly preStopDelay?: Duration;
  /**
   * How long in-flight requests may take to finish after the pod stopped accepting connections.
   * The pod's termination grace period is `preStopDelay + drainTimeout + 5s`.
   * @default Duration.seconds(25)
   */
  readonly drainTimeout?: Duration;
  /**
   * Log level of the data plane.
   * @default DataPlaneLogLevel.INFO
   */
  readonly logLevel?: DataPlaneLogLevel;
  /**
   * Spread pods across zones and nodes (`topologySpreadConstraints`, best effort).
   * @default true
   */
  readonly topologySpread?: boolean;
}
