import type { FilterContext, FilterJson, HttpFilter } from './filters';
import { checkCoreKind, IKubernetesObject, objectJson } from './kubernetes-object';
import { checkDnsLabel, checkDnsSubdomain, checkGroup, checkInteger, checkKind, checkPort } from '../spec/checks';
import { fail, failObject, Where } from '../spec/where';

/** @internal */
export interface BackendRefJson {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
  readonly weight?: number;
  readonly filters?: FilterJson[];
}

/** Options every backend of a rule takes. */
export interface BackendShareOptions {
  /**
   * Relative share of the rule's traffic (0 to 1,000,000). 0 sends nothing.
   * @default 1
   */
  readonly weight?: number;
  /**
   * Filters applied only to requests sent to this backend (HTTPRoute and GRPCRoute).
   * @default - none
   */
  readonly filters?: HttpFilter[];
}

export interface BackendOptions extends BackendShareOptions {
  /** The Service port. */
  readonly port: number;
  /**
   * Namespace of the Service. Another namespace than the route's needs a ReferenceGrant there
   * (team factories emit it for granted namespaces).
   * @default - the route's namespace
   */
  readonly namespace?: string;
}

export interface ServiceBackendOptions extends BackendShareOptions {
  /**
   * The Service port.
   * @default - the Service's only port (an error when it has several)
   */
  readonly port?: number;
}

export interface BackendReferenceProps extends BackendShareOptions {
  /** API group of the backend kind (`""` for core). */
  readonly group: string;
  /** Kind, e.g. `ServiceImport`. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /**
   * Namespace of the object.
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /**
   * Port, when the kind needs one.
   * @default - none
   */
  readonly port?: number;
}

interface BackendData {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
  readonly weight?: number;
  readonly filters: HttpFilter[];
  readonly service?: IKubernetesObject;
}

/** Where a route's traffic goes. Create with the static factories. */
export class Backend {
  /** A Service by name, in the route's namespace unless `namespace` is given. */
  public static fromServiceName(name: string, options: BackendOptions): Backend {
    return new Backend({ group: '', kind: 'Service', name, namespace: options.namespace, port: options.port, weight: options.weight, filters: options.filters ?? [] });
  }

  /**
   * A Service of the app: a cdk8s-plus `Service` of any major (28 to 33) or a `v1` Service `ApiObject`. Its name and
   * namespace are read from it; its port too when it has a single one (read when the route renders).
   */
  public static fromService(service: IKubernetesObject, options: ServiceBackendOptions = {}): Backend {
    checkCoreKind(new Where(`Backend.fromService(${service.node.path})`), service, 'Service');
    return new Backend({
      group: '',
      kind: 'Service',
      name: service.name,
      namespace: service.metadata.namespace,
      port: options.port,
      weight: options.weight,
      filters: options.filters ?? [],
      service,
    });
  }

  /** Any backend kind an implementation supports (e.g. a multi-cluster `ServiceImport`). */
  public static fromReference(props: BackendReferenceProps): Backend {
    return new Backend({ ...props, filters: props.filters ?? [] });
  }

  private constructor(private readonly data: BackendData) {}

  /** API group of the backend (`""` for a Service). */
  public get group(): string {
    return this.data.group;
  }

  /** Kind of the backend. */
  public get kind(): string {
    return this.data.kind;
  }

  /** Name of the backend object. */
  public get name(): string {
    return this.data.name;
  }

  /** Namespace of the backend, when set. */
  public get namespace(): string | undefined {
    return this.data.namespace;
  }

  /** The port, when set (for a cdk8s-plus Service without `port`, resolved when the route renders). */
  public get port(): number | undefined {
    return this.data.port;
  }

  /** Relative share of traffic. */
  public get weight(): number {
    return this.data.weight ?? 1;
  }

  /** Per-backend filters. */
  public get filters(): HttpFilter[] {
    return [...this.data.filters];
  }

  /** The same backend with another weight (used by the traffic-split helpers). */
  public withWeight(weight: number): Backend {
    return new Backend({ ...this.data, weight });
  }

  /** True when this is a core Service. @internal */
  public get _isService(): boolean {
    return this.data.group === '' && this.data.kind === 'Service';
  }

  /**
   * @param role `backend` (weighted, may have filters), or `mirror`/`externalAuth` (a bare reference)
   * @internal
   */
  public _render(where: Where, ctx: FilterContext, role: 'backend' | 'mirror' | 'externalAuth', allowFilters: boolean): BackendRefJson {
    const d = this.data;
    checkGroup(where.at('group'), d.group);
    checkKind(where.at('kind'), d.kind);
    checkDnsSubdomain(where.at('name'), d.name);
    if (d.namespace !== undefined) checkDnsLabel(where.at('namespace'), d.namespace);
    const port = this.resolvePort(where);
    if (port !== undefined) checkPort(where.at('port'), port);
    else if (this._isService) failObject(where, `Service "${d.name}" needs a port`);
    if (role === 'backend') {
      if (d.weight !== undefined) checkInteger(where.at('weight'), d.weight, 0, 1_000_000);
    } else {
      if (d.weight !== undefined) fail(where.at('weight'), d.weight, `is not allowed: a ${role} backend receives a copy, not a share`);
      if (d.filters.length > 0) failObject(where.at('filters'), `are not allowed on a ${role} backend`);
    }
    if (d.filters.length > 0 && !allowFilters) failObject(where.at('filters'), `are not supported on ${ctx.routeKind} backends (HTTPRoute and GRPCRoute only)`);
    const filters = role === 'backend' && d.filters.length > 0 ? ctx.renderFilters(where.at('filters'), d.filters) : undefined;
    return {
      ...(d.group !== '' ? { group: d.group } : {}),
      ...(d.kind !== 'Service' || d.group !== '' ? { kind: d.kind } : {}),
      name: d.name,
      ...(d.namespace !== undefined && d.namespace !== ctx.routeNamespace ? { namespace: d.namespace } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(role === 'backend' && d.weight !== undefined ? { weight: d.weight } : {}),
      ...(filters ? { filters } : {}),
    };
  }

  private resolvePort(where: Where): number | undefined {
    if (this.data.port !== undefined || !this.data.service) return this.data.port;
    const ports: number[] = (objectJson(this.data.service).spec?.ports ?? []).map((p: { port: number }) => p.port);
    if (ports.length !== 1) {
      failObject(where.at('port'), `Service "${this.data.name}" has ${ports.length === 0 ? 'no ports' : `ports ${ports.join(', ')}`}; ` +
        'pass `port` to Backend.fromService()');
    }
    return ports[0];
  }
}

/** A backend and its share of traffic in percent. */
export interface PercentBackend {
  /** The backend. */
  readonly backend: Backend;
  /** Its share of the rule's traffic, 0 to 100. */
  readonly percent: number;
}

/** The two environments of a blue-green deployment. */
export enum BlueGreen {
  /** The blue environment. */
  BLUE = 'blue',
  /** The green environment. */
  GREEN = 'green',
}

/**
 * Helpers that express a traffic split in percent, for a rule's `backends`. Weights in the Gateway API are
 * relative; these helpers make them add up to 100 so the YAML reads as percentages.
 */
export class TrafficSplit {
  /** `canaryPercent` of the traffic to `canary`, the rest to `stable`. */
  public static canary(stable: Backend, canary: Backend, canaryPercent: number): Backend[] {
    checkPercent(new Where('TrafficSplit.canary', 'canaryPercent'), canaryPercent);
    return [stable.withWeight(100 - canaryPercent), canary.withWeight(canaryPercent)];
  }

  /**
   * All traffic to the `live` environment; the other stays listed with weight 0, so switching is a
   * one-word change that GitOps diffs show plainly.
   */
  public static blueGreen(blue: Backend, green: Backend, live: BlueGreen): Backend[] {
    return [blue.withWeight(live === BlueGreen.BLUE ? 100 : 0), green.withWeight(live === BlueGreen.GREEN ? 100 : 0)];
  }

  /** Explicit percentages, which must add up to 100. */
  public static percentages(shares: PercentBackend[]): Backend[] {
    const where = new Where('TrafficSplit.percentages', 'shares');
    shares.forEach((s, i) => checkPercent(where.at(i).at('percent'), s.percent));
    const total = shares.reduce((sum, s) => sum + s.percent, 0);
    if (total !== 100) failObject(where, `percentages add up to ${total}; they must add up to 100`);
    return shares.map((s) => s.backend.withWeight(s.percent));
  }
}

function checkPercent(where: Where, value: number): void {
  checkInteger(where, value, 0, 100);
}
