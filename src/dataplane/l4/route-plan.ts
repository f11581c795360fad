import type { BackendConfig, DataPlaneConfig, InvalidBackendConfig, L4BackendConfig, PortConfig, SourceRef } from '../../config/dataplane-config';
import { HistogramSeries, labels, Metrics, Series } from '../ops/metrics';
import { WeightedPicker } from '../proxy/weighted';

/** One weighted backend of a TCPRoute, TLSRoute or UDPRoute, with its metric series (created on first use). */
export class L4Choice {
  public readonly backend?: BackendConfig;
  public readonly invalid?: InvalidBackendConfig;
  public readonly weight: number;
  /** `ns/svc:port`, or `invalid:<reason>`. */
  public readonly label: string;
  private received?: Series;
  private sent?: Series;
  private datagramsIn?: Series;
  private datagramsOut?: Series;
  private readonly results = new Map<string, Series>();

  constructor(private readonly plan: L4RoutePlan, b: L4BackendConfig, config: DataPlaneConfig) {
    this.backend = b.backend !== undefined ? config.backends[b.backend] : undefined;
    this.invalid = b.invalid;
    this.weight = b.weight;
    this.label = this.backend ? this.backend.id : `invalid:${b.invalid?.reason ?? 'unknown'}`;
  }

  /** Bytes received from clients (and sent to this backend). */
  public get bytesReceived(): Series {
    return this.received ??= this.bytes('received');
  }

  /** Bytes sent to clients (received from this backend). */
  public get bytesSent(): Series {
    return this.sent ??= this.bytes('sent');
  }

  public get datagramsReceived(): Series {
    return this.datagramsIn ??= this.datagrams('received');
  }

  public get datagramsSent(): Series {
    return this.datagramsOut ??= this.datagrams('sent');
  }

  /** Connections closed with `result` (ok or a GW_* code) on `listener`. */
  public closed(listener: string, result: string): Series {
    const key = `${listener}\n${result}`;
    let s = this.results.get(key);
    if (!s) {
      s = this.plan.metrics.l4Connections.get(labels({
        gateway: this.plan.gatewayLabel, listener, route: this.plan.routeLabel, backend: this.label, result,
      }));
      this.results.set(key, s);
    }
    return s;
  }

  private bytes(direction: string): Series {
    return this.plan.metrics.l4Bytes.get(labels({ gateway: this.plan.gatewayLabel, route: this.plan.routeLabel, backend: this.label, direction }));
  }

  private datagrams(direction: string): Series {
    const p = this.plan;
    return p.metrics.udpDatagrams.get(labels({ gateway: p.gatewayLabel, route: p.routeLabel, backend: this.label, direction }));
  }
}

/**
 * A TCPRoute, UDPRoute or TLSRoute entry prepared for serving: the weighted picker over its backends (one
 * choice per connection or UDP session) and its metric series.
 */
export class L4RoutePlan {
  /** `<kind>/<namespace>/<name>`, as in the HTTP metrics. */
  public readonly routeLabel: string;
  public readonly choices: L4Choice[];
  private readonly picker: WeightedPicker<L4Choice>;
  private durationSeries?: HistogramSeries;

  constructor(
    public readonly source: SourceRef,
    backends: readonly L4BackendConfig[],
    config: DataPlaneConfig,
    public readonly gatewayLabel: string,
    public readonly metrics: Metrics,
  ) {
    this.routeLabel = `${source.kind}/${source.namespace}/${source.name}`;
    this.choices = backends.filter((b) => b.weight > 0).map((b) => new L4Choice(this, b, config));
    this.picker = new WeightedPicker(this.choices);
  }

  public get duration(): HistogramSeries {
    return this.durationSeries ??= this.metrics.l4Duration.get(labels({ gateway: this.gatewayLabel, route: this.routeLabel }));
  }

  /** A weighted random backend share (possibly an invalid one: the caller refuses the connection); undefined when there is none. */
  public pick(): L4Choice | undefined {
    return this.picker.pick();
  }
}

/** The layer-4 routes of a port: each listener's `l4Route` and TLSRoute entries, keyed by the config object. */
export function buildL4Plans(port: PortConfig, config: DataPlaneConfig, gatewayLabel: string, metrics: Metrics): Map<object, L4RoutePlan> {
  const out = new Map<object, L4RoutePlan>();
  for (const l of port.listeners) {
    if (l.l4Route) out.set(l.l4Route, new L4RoutePlan(l.l4Route.source, l.l4Route.backends, config, gatewayLabel, metrics));
    for (const e of l.tlsRoutes ?? []) out.set(e, new L4RoutePlan(e.source, e.backends, config, gatewayLabel, metrics));
  }
  return out;
}
