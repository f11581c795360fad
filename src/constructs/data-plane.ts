import { Duration, Size } from 'cdk8s';
import { DataPlanePeer } from './data-plane-peer';
import { checkDnsLabel, checkDnsSubdomain, checkHeaderName, checkInteger, checkLength, checkQualifiedName } from '../spec/checks';
import { MAX_LENGTH } from '../spec/limits';
import { fail, failObject, Where } from '../spec/where';

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

/** How the data plane's Service routes external traffic to pods. */
export enum ExternalTrafficPolicy {
  /** Any node forwards to any pod (even spread, client IP lost). */
  CLUSTER = 'Cluster',
  /** Only nodes with a pod answer (client IP kept). */
  LOCAL = 'Local',
}

/** When the kubelet pulls the data plane's image. */
export enum DataPlaneImagePullPolicy {
  /** Every time a pod starts. */
  ALWAYS = 'Always',
  /** Only when the node does not have it. */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Never (the image must be on the node). */
  NEVER = 'Never',
}

/** Type of the Service that exposes the data plane's listeners. */
export enum DataPlaneServiceType {
  /** A cluster-internal address only. */
  CLUSTER_IP = 'ClusterIP',
  /** A port on every node (and a cluster address). */
  NODE_PORT = 'NodePort',
  /** An external load balancer from the cluster's provider (and a node port and a cluster address). */
  LOAD_BALANCER = 'LoadBalancer',
}

/** CPU and memory of each data-plane pod; each field not given keeps its default. */
export interface DataPlaneResources {
  /**
   * CPU request, in millicores (1000 = one core). Autoscaling measures utilization against it.
   * @default 100
   */
  readonly cpuRequestMillis?: number;
  /**
   * CPU limit, in millicores.
   * @default - none (a CPU limit only throttles a proxy)
   */
  readonly cpuLimitMillis?: number;
  /**
   * Memory request.
   * @default Size.mebibytes(128)
   */
  readonly memoryRequest?: Size;
  /**
   * Memory limit; the data plane's heap is sized to three quarters of it.
   * @default Size.mebibytes(512)
   */
  readonly memoryLimit?: Size;
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
 * This project's Node.js data plane for one Gateway (the Gateway's `dataPlane` prop, only used with
 * `GatewayClass.nodeDataPlane()`): how it is sized, exposed and run, who may reach it (everything the
 * synth step and `cdk8s-gateway bundle` render the Deployment, Service, NetworkPolicy, PDB and HPA from),
 * and the settings the running data plane reads with its config.
 */
export interface DataPlaneProps {
  /**
   * Number of pods (ignored when `autoscaling` is set).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Autoscale between a minimum and a maximum instead of a fixed `replicas`.
   * @default - fixed replicas
   */
  readonly autoscaling?: DataPlaneAutoscaling;
  /**
   * Container image that runs the bundled data plane (any image with Node.js 20 or later; the data plane checks
   * the Node internals it uses at start and falls back to node:http when they differ).
   * @default - `node:<version>-bookworm-slim` with the exact Node 24 release (and libc) this version of cdk8s-gateway is tested on
   */
  readonly image?: string;
  /**
   * Image pull policy.
   * @default DataPlaneImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: DataPlaneImagePullPolicy;
  /**
   * CPU and memory of each pod.
   * @default - requests 100m CPU and 128Mi memory, limit 512Mi memory
   */
  readonly resources?: DataPlaneResources;
  /**
   * Type of the Service that exposes the listeners.
   * @default DataPlaneServiceType.LOAD_BALANCER
   */
  readonly serviceType?: DataPlaneServiceType;
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
  readonly listenerPeers?: DataPlanePeer[];
  /**
   * Who may connect to the admin port (for example the Prometheus pods).
   * @default - nobody but the kubelet
   */
  readonly adminPeers?: DataPlanePeer[];
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
  /**
   * Follow the cluster (cluster mode): a sync container in each pod watches the API server and serves the
   * routes every team applies, without a re-synth, balancing over EndpointSlices. It alone holds API
   * credentials (read-only); the proxy container gets none. The config compiled at synth is still shipped.
   * @default - static: the pods serve the config compiled at synth, backends through their Service's DNS name
   */
  readonly clusterMode?: ClusterModeOptions;
}

/**
 * Cluster mode: a `sync` container next to the data plane watches the Kubernetes API and recompiles the
 * Gateway's config on every change, so routes applied from any team's repository are served without a
 * re-synth, and backends are balanced over their Services' ready endpoints (EndpointSlices).
 */
export interface ClusterModeOptions {
  /**
   * Namespaces besides the Gateway's own whose Secrets a certificate may come from (listener certificateRefs
   * or the backend client certificate, allowed there by a ReferenceGrant). sync gets read access to Secrets
   * in these namespaces only (one Role each); namespaces of ReferenceGrants and ListenerSets in the app are
   * added at synth.
   * @default - the Gateway's namespace, and those the app's ReferenceGrants and ListenerSets name
   */
  readonly certificateNamespaces?: string[];
}

/** The `dataPlane` options the running data plane reads, as the data of its parameters ConfigMap. @internal */
export function dataPlaneParameters(dp: DataPlaneProps): Record<string, string> {
  const data: Record<string, string> = {};
  if (dp.clientCertificateHeader !== undefined) data.clientCertificateHeader = dp.clientCertificateHeader.toLowerCase();
  if (dp.clusterDomain !== undefined) data.clusterDomain = dp.clusterDomain;
  return data;
}

/**
 * Checks data-plane settings where they are given: a Gateway's `dataPlane` (at construction) or a
 * GatewayDataPlane's props. @internal
 */
export function checkDataPlane(where: Where, o: DataPlaneProps): void {
  if (o.replicas !== undefined) checkInteger(where.at('replicas'), o.replicas, 0);
  const a = o.autoscaling;
  if (a) {
    checkInteger(where.at('autoscaling.minReplicas'), a.minReplicas, 1);
    checkInteger(where.at('autoscaling.maxReplicas'), a.maxReplicas, a.minReplicas);
    if (a.targetCpuUtilizationPercent !== undefined) checkInteger(where.at('autoscaling.targetCpuUtilizationPercent'), a.targetCpuUtilizationPercent, 1, 100);
  }
  if (o.image !== undefined) checkLength(where.at('image'), o.image, 1, 4096);
  const r = o.resources ?? {};
  if (r.cpuRequestMillis !== undefined) checkInteger(where.at('resources.cpuRequestMillis'), r.cpuRequestMillis, 1);
  if (r.cpuLimitMillis !== undefined) checkInteger(where.at('resources.cpuLimitMillis'), r.cpuLimitMillis, r.cpuRequestMillis ?? 1);
  for (const key of Object.keys(o.serviceAnnotations ?? {})) checkQualifiedName(where.at('serviceAnnotations'), key);
  if (o.loadBalancerClass !== undefined) {
    checkLength(where.at('loadBalancerClass'), o.loadBalancerClass, 1, MAX_LENGTH.dnsSubdomain);
    if (o.serviceType !== undefined && o.serviceType !== DataPlaneServiceType.LOAD_BALANCER) {
      failObject(where.at('loadBalancerClass'), `only applies to a LoadBalancer Service (serviceType is ${o.serviceType})`);
    }
  }
  if (o.externalTrafficPolicy !== undefined && o.serviceType === DataPlaneServiceType.CLUSTER_IP) {
    failObject(where.at('externalTrafficPolicy'), 'only applies to NodePort and LoadBalancer Services (serviceType is ClusterIP)');
  }
  const admin = o.adminPort;
  if (admin !== undefined && (!Number.isInteger(admin) || admin < 1024 || admin > 65535)) {
    fail(where.at('adminPort'), admin, 'must be an integer between 1024 and 65535 (the pod runs without root, so it cannot bind a lower port)');
  }
  if (o.clientCertificateHeader !== undefined) checkHeaderName(where.at('clientCertificateHeader'), o.clientCertificateHeader);
  if (o.clusterDomain !== undefined) checkDnsSubdomain(where.at('clusterDomain'), o.clusterDomain);
  for (const [i, ns] of (o.clusterMode?.certificateNamespaces ?? []).entries()) {
    checkDnsLabel(where.at(`clusterMode.certificateNamespaces[${i}]`), ns);
  }
}
