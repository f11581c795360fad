import { isIP } from 'node:net';
import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { createNamespaceAtSynth } from './apply-order';
import { CaCertificate, TlsCertificate } from './certificates';
import { checkDataPlane, DataPlaneProps, dataPlaneParameters } from './data-plane';
import { GatewayClass, IGatewayClass } from './gateway-class';
import { grantSpecOf } from './grant-audit';
import { Listener, RouteKind, TlsMode } from './listener';
import { checkNextListener } from './listener-conflicts';
import { ReferenceGrant } from './reference-grant';
import { effectiveNamespace, GatewayApiResource, resolveObjectName } from './resource';
import { AttachmentTarget, IRouteParent } from './route-base';
import { nodeDataPlaneGatewayCreated } from './synth-hooks';
import { Team, TeamGrant, TeamGrantProps } from './team';
import { checkRendering, grantedRoutes, RenderedListener, renderListeners } from './team-listeners';
import { addWarning } from './warnings';
import type { GrantSpec } from '../compiler/grant-audit';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkDnsLabel, checkDnsSubdomain, checkGroup, checkHostname, checkKind, checkLabelValue, checkLength, checkMaxItems, checkPort, checkQualifiedName } from '../spec/checks';
import { GATEWAY_API_GROUP, NAMESPACE_NAME_LABEL } from '../spec/gateway-api';
import { MAX_ITEMS, MAX_LENGTH } from '../spec/limits';
import { DOMAIN_PREFIXED_PATH } from '../spec/patterns';
import { parametersConfigMapName, parametersLabels } from '../spec/project';
import { fail, failObject, show, Where } from '../spec/where';

/** A Gateway: defined in this app, or referenced by name (for routes of another app). */
export interface IGateway extends IRouteParent {}

/** An address the Gateway is reachable on (requested from the implementation). */
export class GatewayAddress {
  /** An IPv4 or IPv6 address. */
  public static ipAddress(address: string): GatewayAddress {
    return new GatewayAddress('IPAddress', address);
  }

  /** A DNS name. */
  public static hostname(hostname: string): GatewayAddress {
    return new GatewayAddress('Hostname', hostname);
  }

  /** An implementation-specific named address (e.g. a reserved cloud IP). */
  public static named(name: string): GatewayAddress {
    return new GatewayAddress('NamedAddress', name);
  }

  /** A domain-prefixed custom type (`example.com/pool`); `value` may be left for the implementation to fill. */
  public static custom(type: string, value?: string): GatewayAddress {
    return new GatewayAddress(type, value);
  }

  private constructor(
    /** The address type. */
    public readonly type: string,
    /** The address, when given. */
    public readonly value?: string,
  ) {}
}

/** Infrastructure the implementation creates for the Gateway. */
export interface GatewayInfrastructure {
  /**
   * Labels for the resources the implementation creates (at most 8).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations for those resources (at most 16).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * Implementation-specific parameters of this Gateway.
   * @default - none
   */
  readonly parametersRef?: GatewayInfrastructureParametersRef;
}

/** A namespaced object with implementation-specific Gateway parameters. */
export interface GatewayInfrastructureParametersRef {
  /** API group (`""` for ConfigMap). */
  readonly group: string;
  /** Kind. */
  readonly kind: string;
  /** Name, in the Gateway's namespace. */
  readonly name: string;
}

/** What happens to clients without a valid certificate. */
export enum ClientCertificateMode {
  /** Only clients with a certificate signed by one of the CAs may connect. */
  ALLOW_VALID_ONLY = 'AllowValidOnly',
  /** Clients without a valid certificate may connect too (the backend decides). */
  ALLOW_INSECURE_FALLBACK = 'AllowInsecureFallback',
}

/** Client-certificate (mutual TLS) validation on TLS-terminating listeners. */
export interface ClientCertificateValidation {
  /** CA bundles the client certificate must chain to (1 to 16). */
  readonly caCertificates: CaCertificate[];
  /**
   * What happens to clients without a valid certificate.
   * @default ClientCertificateMode.ALLOW_VALID_ONLY
   */
  readonly mode?: ClientCertificateMode;
}

/** Client-certificate validation for the listeners of one port. */
export interface PortClientCertificateValidation extends ClientCertificateValidation {
  /** The port (of an HTTPS or TLS Terminate listener). */
  readonly port: number;
}

/** Which namespaces may add listeners to the Gateway with a ListenerSet. */
export class AllowedListeners {
  /** No ListenerSet may attach (the default). */
  public static none(): AllowedListeners {
    return new AllowedListeners('None');
  }

  /** ListenerSets in the Gateway's namespace. */
  public static sameNamespace(): AllowedListeners {
    return new AllowedListeners('Same');
  }

  /** ListenerSets in any namespace. */
  public static allNamespaces(): AllowedListeners {
    return new AllowedListeners('All');
  }

  /** ListenerSets in namespaces with all of these labels. */
  public static fromNamespaceLabels(labels: { [key: string]: string }): AllowedListeners {
    return new AllowedListeners('Selector', { ...labels });
  }

  private constructor(
    /** `None`, `Same`, `All` or `Selector`. */
    public readonly from: string,
    /** Namespace labels, for `Selector`. */
    public readonly labels?: { [key: string]: string },
  ) {}
}

export interface GatewayProps {
  /** The class: `GatewayClass.nodeDataPlane(scope)` for this project's data plane, or `GatewayClass.fromName()`. */
  readonly gatewayClass: IGatewayClass;
  /**
   * Listeners (at most 64); more can be added with `addListener()`.
   * @default - none
   */
  readonly listeners?: Listener[];
  /**
   * Addresses to request (at most 16).
   * @default - assigned by the implementation
   */
  readonly addresses?: GatewayAddress[];
  /**
   * Labels, annotations and parameters for the infrastructure the implementation creates.
   * @default - none
   */
  readonly infrastructure?: GatewayInfrastructure;
  /**
   * Client-certificate validation for every TLS-terminating port (`spec.tls.frontend.default`).
   * @default - clients are not asked for certificates
   */
  readonly clientCertificateValidation?: ClientCertificateValidation;
  /**
   * Client-certificate validation per port, overriding the default (`spec.tls.frontend.perPort`).
   * @default - none
   */
  readonly clientCertificateValidationPerPort?: PortClientCertificateValidation[];
  /**
   * Certificate the Gateway presents to backends that ask for one (`spec.tls.backend`).
   * @default - none
   */
  readonly backendClientCertificate?: TlsCertificate;
  /**
   * Which namespaces may add listeners with a ListenerSet.
   * @default AllowedListeners.none()
   */
  readonly allowedListeners?: AllowedListeners;
  /**
   * Write the Namespace the Gateway lives in (before the Gateway, so that a first `kubectl apply -f dist/` on an
   * empty cluster succeeds). Set false when the platform creates it some other way. Nothing is written for
   * `default` and the `kube-*` namespaces, nor when the app has a Namespace object of that name.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * This project's data plane for the Gateway: its size, exposure, who may reach it, and the settings it
   * runs with (only with `GatewayClass.nodeDataPlane()`).
   * @default - the defaults of DataPlaneProps
   */
  readonly dataPlane?: DataPlaneProps;
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * A Gateway: the listeners (ports, protocols, hostnames, TLS) one data plane serves. The platform team
 * defines it and hands application teams scoped factories with `grantTeam()`.
 */
export class Gateway extends GatewayApiResource implements IGateway, AttachmentTarget {
  /** A Gateway defined elsewhere, for routes that attach to it (no synth-time attachment checks). */
  public static fromGatewayName(name: string, namespace?: string): IGateway {
    const where = new Where('Gateway.fromGatewayName');
    checkDnsSubdomain(where.at('name'), name);
    if (namespace !== undefined) checkDnsLabel(where.at('namespace'), namespace);
    return { apiGroup: GATEWAY_API_GROUP, kind: 'Gateway', name, namespace };
  }

  /** True when `x` is a Gateway construct. */
  public static isGateway(x: unknown): x is Gateway {
    return x instanceof Gateway;
  }

  /** Every Gateway in the app of `scope` that this project's data plane serves (for the synth step). */
  public static nodeDataPlaneGateways(scope: IConstruct): Gateway[] {
    return scope.node.root.node.findAll().filter((c): c is Gateway => c instanceof Gateway && c.isNodeDataPlane);
  }

  public readonly apiObject: ApiObject;
  public readonly resourceType = 'gateways';
  /** The Gateway's class. */
  public readonly gatewayClass: IGatewayClass;
  /** @internal */
  public readonly _isAttachmentTarget = true;

  private readonly _listeners: Listener[] = [];
  private readonly _grants: TeamGrant[] = [];
  /** The listeners as rendered (declared ones and those of the grants), computed once per change. */
  private _rendering?: RenderedListener[];
  private readonly _dataPlane?: DataPlaneProps;
  private readonly props: GatewayProps;
  /** The ConfigMap that passes `dataPlane` options to the data plane, when some are set. */
  private readonly parametersRef?: GatewayInfrastructureParametersRef;

  public constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    const name = resolveObjectName('Gateway', scope, id, props.metadata);
    this.props = props;
    this.gatewayClass = props.gatewayClass;
    const where = this._where;
    checkDnsSubdomain(where.at('gatewayClassName'), props.gatewayClass.gatewayClassName);
    if (props.dataPlane) {
      if (!GatewayClass.isNodeDataPlane(props.gatewayClass)) {
        failObject(where.at('dataPlane'), `only applies to GatewayClass.nodeDataPlane(); class "${props.gatewayClass.gatewayClassName}" ` +
          'is run by its own controller, so remove dataPlane (or use the node data plane class)');
      }
      checkDataPlane(where.at('dataPlane'), props.dataPlane);
      this._dataPlane = { ...props.dataPlane };
    }
    this.checkAddresses(where.at('addresses'), props.addresses ?? []);
    this.checkInfrastructure(where.at('infrastructure'), props.infrastructure);
    this.parametersRef = this.renderDataPlaneParameters(name);
    this.apiObject = new k8s.Gateway(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.GatewaySpec,
    });
    for (const l of props.listeners ?? []) this.addListener(l);
    // render once so that every local problem (TLS refs, selectors) surfaces at construction
    this.renderTls(where.at('tls'));
    this.node.addValidation({ validate: () => this.validateGateway() });
    if (props.createNamespace !== false) createNamespaceAtSynth(this, () => effectiveNamespace(this.metadata.namespace));
    // `cdk8s synth` of an app with a Gateway of ours writes its running data plane too: no extra call
    if (this.isNodeDataPlane) nodeDataPlaneGatewayCreated(this);
  }

  /** The listeners, in order. */
  public get listeners(): Listener[] {
    return [...this._listeners];
  }

  /** The team grants of this Gateway. */
  public get grants(): TeamGrant[] {
    return [...this._grants];
  }

  /** True when this project's data plane serves the Gateway (the synth step deploys it). */
  public get isNodeDataPlane(): boolean {
    return GatewayClass.isNodeDataPlane(this.gatewayClass);
  }

  /** Which namespaces may add listeners with a ListenerSet. */
  public get allowedListeners(): AllowedListeners {
    return this.props.allowedListeners ?? AllowedListeners.none();
  }

  /** The data-plane settings as given (undefined: the defaults). */
  public get dataPlane(): DataPlaneProps | undefined {
    return this._dataPlane ? { ...this._dataPlane } : undefined;
  }

  /** The listener named `name`. */
  public listener(name: string): Listener {
    const l = this._listeners.find((x) => x.name === name);
    if (!l) failObject(this._where.at('listeners'), `has no listener named ${show(name)} (listeners: ${this._listeners.map((x) => x.name).join(', ') || 'none'})`);
    return l;
  }

  /** Adds a listener; name, port/protocol/hostname and TLS settings are checked now. */
  public addListener(listener: Listener): void {
    checkNextListener(this._where.at('listeners'), this._listeners, listener);
    checkRendering(this._where.at('listeners'), [...this._listeners, listener], this._grants);
    this._listeners.push(listener);
    this._rendering = undefined;
  }

  /**
   * Grants an application team the right to attach routes: in `namespace`, for `hostnames`, on `listeners`,
   * of `routeKinds`. Each granted hostname becomes a listener of the Gateway (on each granted listener it falls
   * under) that admits only the team's namespace and route kinds, so any Gateway API implementation enforces the
   * grant. Returns the team's handle: route factories checked against the grant, and a reference to this
   * Gateway with the team's listeners (nothing that can change the grant).
   */
  public grantTeam(id: string, props: TeamGrantProps): Team {
    return new TeamGrant(this, id, props).team;
  }

  /** Called by the TeamGrant constructor, so grants made with `new TeamGrant()` count too. @internal */
  public _addGrant(grant: TeamGrant): void {
    this._grants.push(grant);
    this._rendering = undefined;
  }

  /** The grants as the compiler's audit reads them (the synth step leaves their findings to it). @internal */
  public _grantSpecs(): GrantSpec[] {
    return this._grants.map((g) => grantSpecOf(g._data()));
  }

  /** The listeners as rendered: each declared one, then those its grants narrow it to. @internal */
  public _renderedListeners(): RenderedListener[] {
    this._rendering ??= renderListeners(this._listeners, this._grants);
    return this._rendering;
  }

  /** @internal */
  public _describe(): string {
    return `Gateway ${effectiveNamespace(this.namespace)}/${this.name}`;
  }

  /** @internal */
  public _hasGrants(): boolean {
    return this._grants.length > 0;
  }

  /** @internal */
  public _attachableListeners(): Listener[] {
    return this._renderedListeners().map((r) => r.listener);
  }

  /** @internal */
  public _refusal(listener: Listener, kind: RouteKind, namespace: string): string | undefined {
    const gwNs = effectiveNamespace(this.namespace);
    const rendered = this._renderedListeners().find((r) => r.listener === listener);
    const granted = rendered && grantedRoutes(rendered, gwNs);
    if (rendered && granted) {
      if (granted.namespaces.includes(namespace) && granted.kinds.includes(kind)) return undefined;
      return `admits ${granted.kinds.join(', ')} from namespace${granted.namespaces.length === 1 ? '' : 's'} ${granted.namespaces.join(', ')} ` +
        `(granted to ${rendered.grants.map((g) => `team "${g.teamName}"`).join(', ')})`;
    }
    const ar = listener.allowedRoutes;
    const from = ar?._from ?? 'Same';
    if (from === 'All') return undefined;
    if (from === 'Same') {
      return namespace === gwNs ? undefined : `admits routes from its Gateway's namespace "${gwNs}" only`;
    }
    const names = ar?._selector?.matchExpressions?.find((e) => e.key === NAMESPACE_NAME_LABEL && e.operator === 'In')?.values;
    if (names && !names.includes(namespace)) return `admits routes from namespaces ${names.join(', ')} only`;
    return undefined; // a label selector: the namespace's labels decide in the cluster
  }

  private renderSpec(): k8s.GatewaySpec {
    const where = this._where;
    const gwNs = effectiveNamespace(this.namespace);
    const listeners = this._renderedListeners().map((r, i) => r.listener._render(where.at('listeners').at(i), grantedRoutes(r, gwNs)));
    const addresses = (this.props.addresses ?? []).map((a) => ({ type: a.type, ...(a.value !== undefined ? { value: a.value } : {}) }));
    const infra = this.props.infrastructure;
    const parametersRef = infra?.parametersRef ?? this.parametersRef;
    const tls = this.renderTls(where.at('tls'));
    const allowed = this.props.allowedListeners;
    return {
      gatewayClassName: this.gatewayClass.gatewayClassName,
      ...(addresses.length > 0 ? { addresses } : {}),
      ...(infra || parametersRef ? {
        infrastructure: {
          ...(infra?.labels ? { labels: { ...infra.labels } } : {}),
          ...(infra?.annotations ? { annotations: { ...infra.annotations } } : {}),
          ...(parametersRef ? { parametersRef: { ...parametersRef } } : {}),
        },
      } : {}),
      ...(allowed ? {
        allowedListeners: { namespaces: { from: allowed.from, ...(allowed.labels ? { selector: { matchLabels: { ...allowed.labels } } } : {}) } },
      } : {}),
      listeners: listeners as unknown as k8s.GatewaySpecListeners[],
      ...(tls ? { tls } : {}),
    } as unknown as k8s.GatewaySpec;
  }

  private renderTls(where: Where): Record<string, unknown> | undefined {
    const { clientCertificateValidation: dflt, clientCertificateValidationPerPort: perPort = [], backendClientCertificate } = this.props;
    const validation = (w: Where, v: ClientCertificateValidation) => {
      checkMaxItems(w.at('caCertificateRefs'), v.caCertificates, MAX_ITEMS.frontendCaCertificateRefs, 1);
      return {
        caCertificateRefs: v.caCertificates.map((c, i) => c._toRef(w.at('caCertificateRefs').at(i))),
        ...(v.mode ? { mode: v.mode } : {}),
      };
    };
    checkMaxItems(where.at('frontend.perPort'), perPort, MAX_ITEMS.frontendPerPort);
    const ports = new Set<number>();
    perPort.forEach((p, i) => {
      checkPort(where.at('frontend.perPort').at(i).at('port'), p.port);
      if (ports.has(p.port)) fail(where.at('frontend.perPort').at(i).at('port'), p.port, 'is listed twice; one entry per port');
      ports.add(p.port);
    });
    const frontend = dflt || perPort.length > 0 ? {
      default: dflt ? { validation: validation(where.at('frontend.default.validation'), dflt) } : {},
      ...(perPort.length > 0 ? {
        perPort: perPort.map((p, i) => ({ port: p.port, tls: { validation: validation(where.at('frontend.perPort').at(i).at('tls.validation'), p) } })),
      } : {}),
    } : undefined;
    const backend = backendClientCertificate ? { clientCertificateRef: backendClientCertificate._toRef(where.at('backend.clientCertificateRef')) } : undefined;
    if (!frontend && !backend) return undefined;
    return { ...(frontend ? { frontend } : {}), ...(backend ? { backend } : {}) };
  }

  /**
   * The options of `dataPlane` that the running data plane reads (not how it is deployed) travel the way
   * any Gateway API tool can see them: a ConfigMap named by `spec.infrastructure.parametersRef`, which the
   * compiler reads at synth and in `cdk8s-gateway compile`, `serve` and `bundle` on dist/.
   */
  private renderDataPlaneParameters(name: string): GatewayInfrastructureParametersRef | undefined {
    const data = dataPlaneParameters(this._dataPlane ?? {});
    const keys = Object.keys(data);
    if (keys.length === 0) return undefined;
    const own = this.props.infrastructure?.parametersRef;
    if (own) {
      failObject(this._where.at(`dataPlane.${keys[0]}`), 'is passed to the data plane in the ConfigMap that spec.infrastructure.parametersRef ' +
        `names, but infrastructure.parametersRef is set (${own.kind} ${own.name}): put ${keys.map((k) => `"${k}"`).join(', ')} in that ` +
        'ConfigMap\'s data instead, or remove infrastructure.parametersRef');
    }
    const configMap = new ApiObject(this, 'DataPlaneParameters', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      // no namespace: the Gateway's own (its metadata's, or the chart's)
      metadata: { name: parametersConfigMapName(name), namespace: this.props.metadata?.namespace, labels: parametersLabels(name) },
      data,
    });
    return { group: '', kind: 'ConfigMap', name: configMap.name };
  }

  private checkAddresses(where: Where, addresses: GatewayAddress[]): void {
    checkMaxItems(where, addresses, MAX_ITEMS.addresses);
    const seen = new Set<string>();
    addresses.forEach((a, i) => {
      const w = where.at(i);
      if (!['IPAddress', 'Hostname', 'NamedAddress'].includes(a.type)) {
        checkLength(w.at('type'), a.type, 1, MAX_LENGTH.controllerName);
        if (!DOMAIN_PREFIXED_PATH.test(a.type)) {
          fail(w.at('type'), a.type, 'must be IPAddress, Hostname, NamedAddress or a domain-prefixed type such as "example.com/pool"');
        }
      }
      if (a.value === undefined) return;
      checkLength(w.at('value'), a.value, 1, MAX_LENGTH.hostname);
      if (a.type === 'IPAddress' && isIP(a.value) === 0) fail(w.at('value'), a.value, 'must be an IPv4 or IPv6 address');
      if (a.type === 'Hostname') checkHostname(w.at('value'), a.value);
      const key = `${a.type}|${a.value}`;
      if (seen.has(key)) fail(w.at('value'), a.value, 'is listed twice');
      seen.add(key);
    });
  }

  private checkInfrastructure(where: Where, infra: GatewayInfrastructure | undefined): void {
    if (!infra) return;
    const labels = Object.entries(infra.labels ?? {});
    if (labels.length > 8) failObject(where.at('labels'), `has ${labels.length} entries; at most 8 are allowed`);
    for (const [k, v] of labels) {
      checkQualifiedName(where.at('labels'), k);
      checkLabelValue(where.at(`labels.${k}`), v);
    }
    const annotations = Object.entries(infra.annotations ?? {});
    if (annotations.length > 16) failObject(where.at('annotations'), `has ${annotations.length} entries; at most 16 are allowed`);
    for (const [k, v] of annotations) {
      checkQualifiedName(where.at('annotations'), k);
      checkLength(where.at(`annotations.${k}`), v, 0, MAX_LENGTH.optionValue);
    }
    const p = infra.parametersRef;
    if (p) {
      checkGroup(where.at('parametersRef.group'), p.group);
      checkKind(where.at('parametersRef.kind'), p.kind);
      checkLength(where.at('parametersRef.name'), p.name, 1, MAX_LENGTH.dnsSubdomain);
    }
  }

  /**
   * Whole-object checks at synth. The compiler (src/compiler, a later step) plugs in here to report the
   * status conditions the spec defines; these are the construct-level guardrails.
   */
  private validateGateway(): string[] {
    const errors: string[] = [];
    const ns = effectiveNamespace(this.namespace);
    if (this._listeners.length === 0) errors.push('Gateway: has no listeners; add one with addListener()');
    // cross-namespace certificates need a ReferenceGrant in the Secret's namespace
    const refs: { field: string; kind: string; name: string; namespace?: string; group: string }[] = [];
    this._listeners.forEach((l, i) => l.certificates.forEach((c, j) =>
      refs.push({ field: `listeners[${i}].tls.certificateRefs[${j}]`, group: '', kind: 'Secret', name: c.secretName, namespace: c.namespace })));
    const validations: [string, ClientCertificateValidation][] = [
      ...(this.props.clientCertificateValidation ? [['tls.frontend.default.validation', this.props.clientCertificateValidation] as [string, ClientCertificateValidation]] : []),
      ...(this.props.clientCertificateValidationPerPort ?? []).map((p, i) => [`tls.frontend.perPort[${i}].tls.validation`, p] as [string, ClientCertificateValidation]),
    ];
    for (const [field, v] of validations) {
      v.caCertificates.forEach((c, j) => refs.push({ field: `${field}.caCertificateRefs[${j}]`, group: c.group, kind: c.kind, name: c.name, namespace: c.namespace }));
    }
    const backendCert = this.props.backendClientCertificate;
    if (backendCert) refs.push({ field: 'tls.backend.clientCertificateRef', group: '', kind: 'Secret', name: backendCert.secretName, namespace: backendCert.namespace });
    for (const r of refs) {
      if (r.namespace === undefined || r.namespace === ns) continue;
      if (!ReferenceGrant.isAllowed(this, { kind: 'Gateway', namespace: ns }, r.namespace, { group: r.group, kind: r.kind, name: r.name })) {
        errors.push(`Gateway: ${r.field} refers to ${r.kind} "${r.namespace}/${r.name}" in another namespace without a ReferenceGrant; ` +
          `add a ReferenceGrant in namespace "${r.namespace}" from Gateway in "${ns}" to ${r.kind} "${r.name}"`);
      }
    }
    // client-certificate validation only means something on TLS-terminating listeners
    const terminating = this._listeners.filter((l) => l.tlsMode === TlsMode.TERMINATE);
    (this.props.clientCertificateValidationPerPort ?? []).forEach((p, i) => {
      if (!terminating.some((l) => l.port === p.port)) {
        errors.push(`Gateway: tls.frontend.perPort[${i}].port ${p.port} has no HTTPS or TLS Terminate listener ` +
          `(terminating ports: ${[...new Set(terminating.map((l) => l.port))].join(', ') || 'none'})`);
      }
    });
    if (this.props.clientCertificateValidation && terminating.length === 0) {
      addWarning(this, 'tls.frontend.default: no listener terminates TLS, so client certificates are never asked for');
    }
    if (this._dataPlane?.clientCertificateHeader && !this.props.clientCertificateValidation && !this.props.clientCertificateValidationPerPort) {
      addWarning(this, 'dataPlane.clientCertificateHeader: no client-certificate validation is configured, so the header is never set');
    }
    return errors;
  }
}
