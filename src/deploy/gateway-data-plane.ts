import { ApiObject, ApiObjectMetadata, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { readAsset } from './assets';
import { renderClusterMode } from './cluster-mode';
import { configInputs, copyCaBundles, MountSpec, SocketSpec } from './config-inputs';
import {
  bundleChecksum, bundleContent, CLIENT_SIDE_APPLY_MAX_BYTES, CONFIGMAP_MAX_BYTES, ConfigMapContent, configContent, formatBytes, gzipPinned,
} from './config-map-data';
import { ListenerNetworkPolicy } from './listener-network-policy';
import { dataPlaneLabels, selectorLabels } from './names';
import { resolveDeploymentOptions, ResolvedDeploymentOptions } from './options';
import { BUNDLE_DIR, CONFIG_DIR, containerInvocation, mountPath, planPorts, PortPlan, RUN_DIR } from './pod-layout';
import { heapMib } from './sizing';
import { DATAPLANE_CONFIG_API_VERSION, DATAPLANE_CONFIG_KIND, DataPlaneConfig } from '../config/dataplane-config';
import { checkDataPlane, DataPlaneProps, ExternalTrafficPolicy } from '../constructs/data-plane';
import { addWarning } from '../constructs/warnings';
import { checkDnsLabel, checkDnsSubdomain, checkPort } from '../spec/checks';
import { PORT_NAME } from '../spec/patterns';
import { BUNDLE_CHECKSUM_ANNOTATION, dataPlaneServiceName, dnsLabel } from '../spec/project';
import { fail, Where } from '../spec/where';

/** The user and group the data plane runs as (the `node` user of the official Node.js images). */
export const DATA_PLANE_UID = 1000;

/** Kind of object a data-plane pod mounts. */
export enum DataPlaneMountKind {
  /** A Secret (certificates and keys, `tls.crt`/`tls.key`, or a CA bundle). */
  SECRET = 'Secret',
  /** A ConfigMap (a CA bundle). */
  CONFIG_MAP = 'ConfigMap',
}

/** A Secret or ConfigMap that the data plane reads. */
export interface DataPlaneMount {
  readonly kind: DataPlaneMountKind;
  readonly name: string;
  /** The keys the data plane reads (only these are projected into the pod). */
  readonly keys: string[];
  /**
   * Namespace of the object. A pod can only mount objects of its own namespace: one of another namespace
   * needs `content`.
   * @default - the Gateway's namespace
   */
  readonly namespace?: string;
  /**
   * The object's data (key → text), shipped in a ConfigMap of the Gateway's namespace and mounted where
   * the data plane looks for the original. Only for public data such as CA certificates.
   * @default - the object itself is mounted
   */
  readonly content?: { [key: string]: string };
}

/** Transport of a data-plane socket. */
export enum DataPlaneProtocol {
  /** TCP (HTTP, HTTPS, TLS and TCP listeners). */
  TCP = 'TCP',
  /** UDP (UDP listeners). */
  UDP = 'UDP',
}

/** A socket of the data plane: a listener port and its transport. */
export interface DataPlanePort {
  /** The listener port clients connect to (the Service port). */
  readonly port: number;
  /**
   * Transport.
   * @default DataPlaneProtocol.TCP
   */
  readonly protocol?: DataPlaneProtocol;
  /**
   * Port name in the Service and the pod (at most 15 characters).
   * @default - `<protocol>-<port>`, e.g. `tcp-80`
   */
  readonly name?: string;
}

/** Sizes of a data plane's ConfigMaps, as the API server counts them (limit: 1 MiB each). */
export interface DataPlaneSizes {
  /** The bundle ConfigMap (boot script and gzipped data plane), in bytes. */
  readonly bundle: number;
  /** The config ConfigMap, in bytes (compressed when `compressConfig` is set). */
  readonly config: number;
}

/**
 * Everything one Gateway's data plane is rendered from: the Gateway's `dataPlane` settings (`DataPlaneProps`),
 * its compiled config and what the config binds and mounts.
 */
export interface GatewayDataPlaneProps extends DataPlaneProps {
  /** Namespace of the Gateway; every object is rendered there. */
  readonly gatewayNamespace: string;
  /** Name of the Gateway. */
  readonly gatewayName: string;
  /** The Gateway's compiled DataPlaneConfig (JSON). */
  readonly config: string;
  /** The sockets the config binds. */
  readonly ports: DataPlanePort[];
  /**
   * The Secrets and ConfigMaps the config refers to.
   * @default - none
   */
  readonly mounts?: DataPlaneMount[];
  /**
   * Labels for every rendered object and pod (the Gateway's `spec.infrastructure.labels`).
   * @default - none
   */
  readonly infrastructureLabels?: { [key: string]: string };
  /**
   * Annotations for every rendered object and pod (the Gateway's `spec.infrastructure.annotations`).
   * @default - none
   */
  readonly infrastructureAnnotations?: { [key: string]: string };
  /**
   * A data-plane bundle (JavaScript, CommonJS) to run instead of the one this package ships.
   * @default - this package's assets/dataplane.js
   */
  readonly bundle?: string;
}

/**
 * The Kubernetes objects that run one Gateway's data plane. The synth step renders one per Gateway of
 * `GatewayClass.nodeDataPlane()`; `DataPlaneSynthStep.customize()` hands it over to change them.
 *
 * The objects are exposed as `ApiObject`s (cdk8s core), whatever cdk8s-plus the app uses: change any field with
 * `addJsonPatch` (the data plane's container is `/spec/template/spec/containers/0` of `deployment`).
 */
export class GatewayDataPlane extends Construct {
  /**
   * The data plane for a compiled DataPlaneConfig (JSON): the Gateway, ports and mounts are read from it.
   * A certificate or CA bundle outside the Gateway's namespace is an error (a pod cannot mount it).
   * `options` are the settings a Gateway takes in its `dataPlane` prop.
   */
  public static fromConfig(scope: Construct, id: string, config: string, options: DataPlaneProps = {}): GatewayDataPlane {
    return new GatewayDataPlane(scope, id, { ...options, ...propsFromConfig(config) });
  }

  /** The ConfigMap with the data-plane code (`boot.js` and the gzipped bundle). A new bundle rolls the Deployment. */
  public readonly bundleConfigMap: ApiObject;
  /** The ConfigMap with the compiled config. Changes are hot-reloaded by the running pods (no restart). */
  public readonly configConfigMap: ApiObject;
  /** The pods' ServiceAccount (no token is mounted). */
  public readonly serviceAccount: ApiObject;
  /** The Deployment; its only container, `dataplane`, is `/spec/template/spec/containers/0`. */
  public readonly deployment: ApiObject;
  /** The Service that exposes the listener ports; absent when the config has no port. */
  public readonly service?: ApiObject;
  /** The metrics Service (`metricsService: true`). */
  public readonly metricsService?: ApiObject;
  /** The NetworkPolicy (`networkPolicy`, on by default). */
  public readonly networkPolicy?: ApiObject;
  /** The PodDisruptionBudget (more than one replica). */
  public readonly podDisruptionBudget?: ApiObject;
  /** The HorizontalPodAutoscaler (`autoscaling`). */
  public readonly autoscaler?: ApiObject;
  /**
   * The labels that select the data-plane pods (stable: Services, the NetworkPolicy and the PDB use them). Select
   * the pods in your own objects with them, e.g. `Pods.select(scope, id, { labels })` of your cdk8s-plus.
   */
  public readonly selectorLabels: { [key: string]: string };
  /** The port of the admin server (`/healthz`, `/readyz`, `/metrics`) in the pods. */
  public readonly adminPort: number;
  /** Sizes of the bundle and config ConfigMaps as the API server counts them. */
  public readonly sizes: DataPlaneSizes;
  private readonly plan: PortPlan;
  // the cdk8s-plus-28 objects this renders with: internal, never part of the public API
  private readonly kDeployment: kplus.Deployment;
  private readonly kContainer: kplus.Container;
  private readonly kPods: kplus.Pods;
  private readonly kBundle: kplus.ConfigMap;
  private readonly kConfig: kplus.ConfigMap;

  public constructor(scope: Construct, id: string, props: GatewayDataPlaneProps) {
    super(scope, id);
    const { gatewayNamespace: namespace, gatewayName } = props;
    checkProps(`GatewayDataPlane ${this.node.path}`, props);
    const options = resolveDeploymentOptions(props);
    const sockets = props.ports.map((p) => socketOf(p));
    const mounts = (props.mounts ?? []).map((m) => ({
      kind: m.kind === DataPlaneMountKind.SECRET ? 'Secret' as const : 'ConfigMap' as const,
      namespace: m.namespace ?? namespace,
      name: m.name,
      keys: [...m.keys],
      content: m.content,
    }));
    const gw = `Gateway ${namespace}/${gatewayName}`;
    const labels = { ...props.infrastructureLabels, ...dataPlaneLabels(gatewayName) };
    const annotations = props.infrastructureAnnotations;
    const name = dataPlaneServiceName(gatewayName);
    const meta = (objectName: string) => ({ name: objectName, namespace, labels, annotations });

    // --- ConfigMaps ---------------------------------------------------------------------------
    const compress = options.compressConfig;
    const cluster = props.clusterMode;
    const bundle = bundleContent(readAsset('boot.js'), props.bundle === undefined ? readAsset('dataplane.js.gz') : gzipPinned(props.bundle),
      cluster ? readAsset('sync.js.gz') : undefined);
    const config = configContent(props.config, compress);
    checkSize(this, gw, 'bundle', `${name}-bundle`, bundle, undefined);
    checkSize(this, gw, 'config', `${name}-config`, config, compress ? Buffer.byteLength(props.config) : undefined);
    this.sizes = { bundle: bundle.bytes, config: config.bytes };
    this.kBundle = new kplus.ConfigMap(this, 'BundleConfigMap', { metadata: meta(`${name}-bundle`), data: bundle.data, binaryData: bundle.binaryData });
    this.kConfig = new kplus.ConfigMap(this, 'ConfigConfigMap', { metadata: meta(`${name}-config`), data: config.data, binaryData: config.binaryData });
    this.bundleConfigMap = ApiObject.of(this.kBundle);
    this.configConfigMap = ApiObject.of(this.kConfig);

    // --- Pods -----------------------------------------------------------------------------------
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: meta(name), automountToken: false });
    this.serviceAccount = ApiObject.of(serviceAccount);
    const { autoscaling, replicas, preStopDelay: preStop, drainTimeout: drain, resources } = options;
    this.kDeployment = new kplus.Deployment(this, 'Deployment', {
      metadata: meta(name),
      // a stable selector of our own: the default one is derived from the construct path, and a
      // Deployment's selector cannot change once applied
      select: false,
      replicas: autoscaling ? undefined : replicas,
      podMetadata: { labels, annotations: { ...annotations, [BUNDLE_CHECKSUM_ANNOTATION]: bundleChecksum(bundle) } },
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: {
        ensureNonRoot: true,
        user: DATA_PLANE_UID,
        group: DATA_PLANE_UID,
        fsGroup: DATA_PLANE_UID,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
      },
      terminationGracePeriod: Duration.seconds(preStop.toSeconds() + drain.toSeconds() + 5),
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      minReady: Duration.seconds(5),
    });
    this.deployment = ApiObject.of(this.kDeployment);
    this.selectorLabels = selectorLabels(gatewayName);
    this.kDeployment.select(kplus.LabelSelector.of({ labels: this.selectorLabels }));
    this.kPods = kplus.Pods.select(this, 'Pods', { labels: this.selectorLabels });

    this.plan = planPorts(sockets, options.adminPort);
    this.adminPort = this.plan.adminPort;
    const invocation = containerInvocation({
      plan: this.plan,
      compressedConfig: compress,
      hasSecrets: mounts.some((m) => m.kind === 'Secret'),
      hasConfigMaps: mounts.some((m) => m.kind === 'ConfigMap'),
      drainSeconds: drain.toSeconds(),
      logLevel: options.logLevel,
      clientAddressesShared: options.serviceType !== kplus.ServiceType.CLUSTER_IP && options.externalTrafficPolicy !== ExternalTrafficPolicy.LOCAL,
      heapMib: heapMib(resources),
      clusterMode: cluster !== undefined,
    });
    const admin = this.plan.adminPort;
    this.kContainer = this.kDeployment.addContainer({
      name: 'dataplane',
      image: options.image,
      imagePullPolicy: options.imagePullPolicy,
      command: invocation.command,
      args: invocation.args,
      ports: [
        ...sockets.map((s) => ({
          name: s.name,
          number: this.plan.containerPort.get(s.port)!,
          protocol: s.transport === 'UDP' ? kplus.Protocol.UDP : kplus.Protocol.TCP,
        })),
        { name: 'admin', number: admin, protocol: kplus.Protocol.TCP },
      ],
      resources,
      securityContext: {
        ensureNonRoot: true,
        user: DATA_PLANE_UID,
        group: DATA_PLANE_UID,
        privileged: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: [kplus.Capability.ALL] },
        seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
      },
      // /readyz turns false as soon as the pod drains, so it leaves the endpoints before closing
      readiness: kplus.Probe.fromHttpGet('/readyz', { port: admin, periodSeconds: Duration.seconds(5), failureThreshold: 2, timeoutSeconds: Duration.seconds(2) }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { port: admin, periodSeconds: Duration.seconds(10), failureThreshold: 3, timeoutSeconds: Duration.seconds(2) }),
      startup: kplus.Probe.fromHttpGet('/healthz', { port: admin, periodSeconds: Duration.seconds(1), failureThreshold: 30, timeoutSeconds: Duration.seconds(2) }),
      // keep serving while the endpoint removal propagates; `node` is the one binary every data-plane image has
      lifecycle: { preStop: kplus.Handler.fromCommand(['node', '-e', `setTimeout(() => {}, ${preStop.toMilliseconds()})`]) },
    });
    const bundleVolume = this.mountVolumes(mounts, (copyName) => meta(copyName));
    if (cluster) {
      renderClusterMode(this, this.kDeployment, this.kContainer, bundleVolume, serviceAccount, {
        gatewayNamespace: namespace,
        gatewayName,
        image: options.image,
        imagePullPolicy: options.imagePullPolicy,
        logLevel: options.logLevel,
        uid: DATA_PLANE_UID,
        secretNamespaces: [namespace, ...(cluster.certificateNamespaces ?? []).filter((n) => n !== namespace)],
        labels,
        annotations,
      });
    }
    if (options.topologySpread) {
      this.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        'topology.kubernetes.io/zone', 'kubernetes.io/hostname',
      ].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selectorLabels(gatewayName) },
        matchLabelKeys: ['pod-template-hash'],
      }))));
    }

    // --- Exposure -------------------------------------------------------------------------------
    if (sockets.length > 0) {
      this.service = this.renderService(name, meta, options, sockets);
    } else {
      addWarning(this, `${gw} has no listener port that compiled, so no Service is rendered for its data plane`);
    }
    if (options.metricsService) {
      this.metricsService = ApiObject.of(new kplus.Service(this, 'MetricsService', {
        metadata: {
          ...meta(`${name}-metrics`),
          annotations: { ...annotations, 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(admin), 'prometheus.io/path': '/metrics' },
        },
        type: kplus.ServiceType.CLUSTER_IP,
        selector: this.kPods,
        ports: [{ name: 'metrics', port: admin, targetPort: admin, protocol: kplus.Protocol.TCP }],
      }));
    }
    if (options.networkPolicy) this.networkPolicy = this.renderNetworkPolicy(name, meta, sockets, options);

    // --- Availability ---------------------------------------------------------------------------
    const minReplicas = autoscaling ? autoscaling.minReplicas : replicas;
    if (minReplicas > 1) {
      this.podDisruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: meta(name),
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(gatewayName) } },
      });
    }
    if (autoscaling) {
      if (!resources.cpu?.request) {
        addWarning(this, `${gw}: dataPlane.autoscaling scales on CPU utilization, which needs a CPU request; set dataPlane.resources.cpu.request`);
      }
      this.autoscaler = ApiObject.of(new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: meta(name),
        target: this.kDeployment,
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(autoscaling.targetCpuUtilizationPercent))],
      }));
    }
  }

  /** The container port the pods bind for a listener port (privileged ports are remapped: 80 → 8080). */
  public containerPortOf(listenerPort: number): number {
    const p = this.plan.containerPort.get(listenerPort);
    if (p === undefined) throw new Error(`GatewayDataPlane ${this.node.path}: no listener port ${listenerPort} (ports: ${[...this.plan.containerPort.keys()].join(', ')})`);
    return p;
  }

  /** Mounts the ConfigMaps, Secrets and the run directory into the data plane; returns the bundle volume. */
  private mountVolumes(mounts: ReadonlyArray<Omit<MountSpec, 'usedBy'>>, meta: (name: string) => ApiObjectMetadata): kplus.Volume {
    const mount = (path: string, volume: kplus.Volume) => {
      this.kDeployment.addVolume(volume);
      this.kContainer.mount(path, volume, { readOnly: true });
    };
    const bundleVolume = kplus.Volume.fromConfigMap(this, 'BundleVolume', this.kBundle, { name: 'bundle' });
    mount(BUNDLE_DIR, bundleVolume);
    mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.kConfig, { name: 'config' }));
    // the only writable path: Node's temp files and the inflated config when it is compressed
    const run = kplus.Volume.fromEmptyDir(this, 'RunVolume', 'run', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(16) });
    this.kDeployment.addVolume(run);
    this.kContainer.mount(RUN_DIR, run);

    const used = new Set<string>();
    for (const m of mounts) {
      const own = m.content === undefined;
      let volName = `${m.kind === 'Secret' ? 'sec' : 'cm'}-${own ? '' : `${m.namespace}-`}${m.name}`;
      volName = dnsLabel(volName, '');
      if (used.has(volName)) volName = dnsLabel(`${m.kind}-${m.namespace}-${m.name}`, '');
      used.add(volName);
      const items = Object.fromEntries(m.keys.map((k) => [k, { path: k }]));
      const id = `${m.kind}-${own ? '' : `${m.namespace}-`}${m.name}`;
      let volume: kplus.Volume;
      if (!own) {
        // a CA bundle of another namespace: its public content, copied into a ConfigMap the pods can mount
        const copy = new kplus.ConfigMap(this, `Copy-${id}`, {
          metadata: meta(dnsLabel(`${this.kDeployment.name}-${m.kind === 'Secret' ? 'secret' : 'cm'}-${m.namespace}-${m.name}`, '')),
          data: Object.fromEntries(m.keys.map((k) => [k, m.content![k] ?? ''])),
        });
        volume = kplus.Volume.fromConfigMap(this, `Volume-${id}`, copy, { name: volName, items, defaultMode: 0o444 });
      } else if (m.kind === 'Secret') {
        // optional: a certificate issued later (cert-manager) appears in the running pod, which reloads it;
        // until then only the listeners that need it fail their handshakes
        volume = kplus.Volume.fromSecret(this, `Volume-${id}`, kplus.Secret.fromSecretName(this, `Ref-${id}`, m.name),
          { name: volName, items, optional: true, defaultMode: 0o440 });
      } else {
        volume = kplus.Volume.fromConfigMap(this, `Volume-${id}`, kplus.ConfigMap.fromConfigMapName(this, `Ref-${id}`, m.name),
          { name: volName, items, optional: true, defaultMode: 0o444 });
      }
      mount(mountPath(m.kind, m.namespace, m.name), volume);
    }
    return bundleVolume;
  }

  private renderService(
    name: string, meta: (n: string) => ApiObjectMetadata, sizing: ResolvedDeploymentOptions, sockets: readonly SocketSpec[],
  ): ApiObject {
    const service = new kplus.Service(this, 'Service', {
      metadata: { ...meta(name), annotations: { ...meta(name).annotations, ...sizing.serviceAnnotations } },
      type: sizing.serviceType,
      selector: this.kPods,
      ports: sockets.map((s) => ({
        name: s.name,
        port: s.port,
        targetPort: this.plan.containerPort.get(s.port)!,
        protocol: s.transport === 'UDP' ? kplus.Protocol.UDP : kplus.Protocol.TCP,
      })),
    });
    const api = ApiObject.of(service);
    if (sizing.loadBalancerClass !== undefined) api.addJsonPatch(JsonPatch.add('/spec/loadBalancerClass', sizing.loadBalancerClass));
    if (sizing.externalTrafficPolicy !== undefined) api.addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', sizing.externalTrafficPolicy));
    return api;
  }

  private renderNetworkPolicy(
    name: string, meta: (n: string) => ApiObjectMetadata, sockets: readonly SocketSpec[], options: ResolvedDeploymentOptions,
  ): ApiObject {
    const policy = new ListenerNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta(name),
      selector: this.kPods,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    // a NetworkPolicy sees the pod's ports, after the Service translated listener ports
    const listenerPorts = sockets.map((s) => {
      const port = this.plan.containerPort.get(s.port)!;
      return s.transport === 'UDP' ? kplus.NetworkPolicyPort.udp(port) : kplus.NetworkPolicyPort.tcp(port);
    });
    if (listenerPorts.length > 0) {
      if (options.listenerPeers === undefined) policy.allowFromAnywhere(listenerPorts);
      for (const peer of options.listenerPeers ?? []) policy.allowFrom(peer, listenerPorts);
    }
    for (const peer of options.adminPeers) policy.allowFrom(peer, [kplus.NetworkPolicyPort.tcp(this.plan.adminPort)]);
    return ApiObject.of(policy);
  }
}

function socketOf(p: DataPlanePort): SocketSpec {
  const transport = p.protocol === DataPlaneProtocol.UDP ? 'UDP' : 'TCP';
  return { port: p.port, transport, name: p.name ?? `${transport.toLowerCase()}-${p.port}` };
}

function checkSize(scope: Construct, gw: string, what: 'bundle' | 'config', name: string, c: ConfigMapContent, uncompressed: number | undefined): void {
  if (c.bytes > CONFIGMAP_MAX_BYTES) {
    if (what === 'config' && uncompressed === undefined) {
      throw new Error(`${gw}: the data-plane config ConfigMap "${name}" would hold ${formatBytes(c.bytes)}, over the ` +
        `${formatBytes(CONFIGMAP_MAX_BYTES)} Kubernetes allows in a ConfigMap; set the data plane's compressConfig: true ` +
        '(the config is shipped gzip-compressed and the pods inflate it), or spread the routes over more Gateways');
    }
    throw new Error(`${gw}: the data-plane ${what} ConfigMap "${name}" would hold ${formatBytes(c.bytes)}` +
      `${uncompressed !== undefined ? ` even gzip-compressed (${formatBytes(uncompressed)} uncompressed)` : ''}, over the ` +
      `${formatBytes(CONFIGMAP_MAX_BYTES)} Kubernetes allows in a ConfigMap; ` +
      (what === 'config' ? 'spread the routes over more Gateways' : 'the data-plane bundle is too big: report this as a bug'));
  }
  if (c.jsonBytes > CLIENT_SIDE_APPLY_MAX_BYTES) {
    addWarning(scope, `${gw}: the data-plane ${what} ConfigMap "${name}" is ${formatBytes(c.jsonBytes)}; client-side ` +
      '`kubectl apply` keeps a copy of each object in an annotation limited to 256 KiB and will refuse it: ' +
      `apply with \`kubectl apply --server-side\`${what === 'config' && uncompressed === undefined ? ' or set compressConfig: true' : ''}`);
  }
}

/**
 * The Gateway, ports and mounts of a serialized DataPlaneConfig. CA bundles of other namespaces are
 * copied from `objects` (the app's or the manifests'). @internal
 */
export function propsFromConfig(json: string, objects: readonly unknown[] = []): GatewayDataPlaneProps {
  let config: DataPlaneConfig;
  try {
    config = JSON.parse(json) as DataPlaneConfig;
  } catch (e) {
    throw new Error(`GatewayDataPlane: the config is not valid JSON (${(e as Error).message})`);
  }
  if (config?.apiVersion !== DATAPLANE_CONFIG_API_VERSION || config.kind !== DATAPLANE_CONFIG_KIND) {
    throw new Error(`GatewayDataPlane: the config must be a ${DATAPLANE_CONFIG_API_VERSION} ${DATAPLANE_CONFIG_KIND}, ` +
      `got apiVersion ${JSON.stringify(config?.apiVersion)} kind ${JSON.stringify(config?.kind)}`);
  }
  const inputs = copyCaBundles(configInputs(config), config.gateway.namespace, objects);
  if (inputs.errors.length > 0) throw new Error(inputs.errors.join('\n'));
  return {
    gatewayNamespace: config.gateway.namespace,
    gatewayName: config.gateway.name,
    config: json,
    ports: inputs.sockets.map((s) => ({ port: s.port, protocol: s.transport === 'UDP' ? DataPlaneProtocol.UDP : DataPlaneProtocol.TCP, name: s.name })),
    mounts: inputs.mounts.map((m) => ({
      kind: m.kind === 'Secret' ? DataPlaneMountKind.SECRET : DataPlaneMountKind.CONFIG_MAP,
      name: m.name,
      keys: m.keys,
      namespace: m.namespace,
      content: m.content,
    })),
  };
}

function checkProps(who: string, p: GatewayDataPlaneProps): void {
  const where = new Where(who);
  checkDnsLabel(where.at('gatewayNamespace'), p.gatewayNamespace);
  checkDnsSubdomain(where.at('gatewayName'), p.gatewayName);
  const seen = new Set<string>();
  p.ports.forEach((port, i) => {
    const w = where.at('ports').at(i);
    checkPort(w.at('port'), port.port);
    if (port.protocol !== undefined && port.protocol !== DataPlaneProtocol.TCP && port.protocol !== DataPlaneProtocol.UDP) {
      fail(w.at('protocol'), port.protocol, 'must be TCP or UDP');
    }
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (seen.has(key)) fail(w, key, 'is listed twice');
    seen.add(key);
    if (port.name !== undefined && (!PORT_NAME.test(port.name) || port.name === 'admin')) {
      fail(w.at('name'), port.name, 'must be at most 15 lower-case letters, digits and "-" with a letter, and not "admin"');
    }
  });
  (p.mounts ?? []).forEach((m, i) => {
    const w = where.at('mounts').at(i);
    checkDnsSubdomain(w.at('name'), m.name);
    if (m.keys.length === 0) fail(w.at('keys'), m.keys, 'must name at least one key');
    if (m.namespace !== undefined && m.namespace !== p.gatewayNamespace && m.content === undefined) {
      fail(w.at('namespace'), m.namespace, `is not the Gateway's namespace "${p.gatewayNamespace}": a pod cannot mount a ${m.kind} ` +
        'of another namespace; give its content (public data such as CA certificates only) or create it in the Gateway\'s namespace');
    }
  });
  checkDataPlane(where, p);
  checkCompiledSettings(where, p);
}

/**
 * clientCertificateHeader and clusterDomain are compiled into the config (the compiler reads them from the
 * Gateway's parameters ConfigMap), so the pods never see them as props: given here, they must agree with it.
 */
function checkCompiledSettings(where: Where, p: GatewayDataPlaneProps): void {
  if (p.clientCertificateHeader === undefined && p.clusterDomain === undefined) return;
  let options: Partial<DataPlaneConfig['options']> | undefined;
  try {
    options = (JSON.parse(p.config) as Partial<DataPlaneConfig>).options;
  } catch {
    return; // not a config this check can read; what serves it reports that
  }
  const compiled = { clientCertificateHeader: options?.clientCertificateHeader, clusterDomain: options?.clusterDomain ?? 'cluster.local' };
  const given = { clientCertificateHeader: p.clientCertificateHeader?.toLowerCase(), clusterDomain: p.clusterDomain };
  for (const field of ['clientCertificateHeader', 'clusterDomain'] as const) {
    if (given[field] === undefined || given[field] === compiled[field]) continue;
    fail(where.at(field), p[field], `differs from the compiled config's (${compiled[field] === undefined ? 'not set' : `"${compiled[field]}"`}): ` +
      'the data plane reads it from its config, which the compiler takes from the Gateway\'s parameters ConfigMap ' +
      `(spec.infrastructure.parametersRef); set dataPlane.${field} on the Gateway and compile again, or leave it out here`);
  }
}
