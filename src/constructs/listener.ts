import { TlsCertificate, ObjectRefJson } from './certificates';
import { checkDnsLabel, checkDnsSubdomain, checkHostname, checkLabelValue, checkLength, checkMaxItems, checkPort, checkQualifiedName } from '../spec/checks';
import { GATEWAY_API_GROUP, NAMESPACE_NAME_LABEL, ROUTE_KINDS_BY_PROTOCOL } from '../spec/gateway-api';
import { MAX_ITEMS, MAX_LENGTH } from '../spec/limits';
import { failObject, Where } from '../spec/where';

/** The protocol a listener speaks. */
export enum ListenerProtocol {
  /** Cleartext HTTP/1.1 (and h2c). */
  HTTP = 'HTTP',
  /** HTTP over TLS, terminated at the Gateway. */
  HTTPS = 'HTTPS',
  /** TLS, passed through or terminated; routed by SNI with TLSRoute. */
  TLS = 'TLS',
  /** Raw TCP, routed with TCPRoute. */
  TCP = 'TCP',
  /** UDP datagrams, routed with UDPRoute. */
  UDP = 'UDP',
}

/** What a TLS listener does with the TLS session. */
export enum TlsMode {
  /** The Gateway terminates TLS with the listener's certificates. */
  TERMINATE = 'Terminate',
  /** The Gateway forwards the encrypted stream by SNI; the backend terminates TLS. */
  PASSTHROUGH = 'Passthrough',
}

/** Route kinds of the Gateway API. */
export enum RouteKind {
  /** HTTPRoute */
  HTTP_ROUTE = 'HTTPRoute',
  /** GRPCRoute */
  GRPC_ROUTE = 'GRPCRoute',
  /** TLSRoute */
  TLS_ROUTE = 'TLSRoute',
  /** TCPRoute */
  TCP_ROUTE = 'TCPRoute',
  /** UDPRoute */
  UDP_ROUTE = 'UDPRoute',
}

/** Route kinds a listener of each protocol can carry (and accepts when `allowedRoutes.kinds` is unset). */
export function supportedRouteKinds(protocol: ListenerProtocol): RouteKind[] {
  const kinds: readonly string[] = ROUTE_KINDS_BY_PROTOCOL[protocol];
  return Object.values(RouteKind).filter((k) => kinds.includes(k));
}

/** @internal */
export interface AllowedRoutesJson {
  readonly namespaces: {
    readonly from: string;
    readonly selector?: {
      readonly matchLabels?: Record<string, string>;
      readonly matchExpressions?: { key: string; operator: string; values: string[] }[];
    };
  };
  readonly kinds?: { group: string; kind: string }[];
}

export interface AllowedRoutesOptions {
  /**
   * Route kinds the listener accepts.
   * @default - every kind the listener's protocol supports
   */
  readonly kinds?: RouteKind[];
}

/**
 * Which namespaces may attach routes to a listener. A listener granted to teams with
 * `Gateway.grantTeam()` gets its allowed routes from the grants instead.
 */
export class AllowedRoutes {
  /** Routes in the Gateway's own namespace (the Gateway API default). */
  public static sameNamespace(options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('Same', undefined, options.kinds);
  }

  /** Routes in any namespace of the cluster. */
  public static allNamespaces(options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('All', undefined, options.kinds);
  }

  /** Routes in namespaces that carry all of these labels. */
  public static fromNamespaceLabels(labels: { [key: string]: string }, options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('Selector', { matchLabels: { ...labels } }, options.kinds);
  }

  /** Routes in the named namespaces (selected by their `kubernetes.io/metadata.name` label). */
  public static fromNamespaces(namespaces: string[], options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('Selector', {
      matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...namespaces] }],
    }, options.kinds);
  }

  private constructor(
    /** @internal */ public readonly _from: string,
    /** @internal */ public readonly _selector: AllowedRoutesJson['namespaces']['selector'],
    /** Route kinds, when restricted. */
    public readonly kinds?: RouteKind[],
  ) {}

  /** @internal */
  public _render(where: Where): AllowedRoutesJson {
    for (const [k, v] of Object.entries(this._selector?.matchLabels ?? {})) {
      checkQualifiedName(where.at('namespaces.selector.matchLabels'), k);
      checkLabelValue(where.at(`namespaces.selector.matchLabels.${k}`), v);
    }
    for (const e of this._selector?.matchExpressions ?? []) {
      checkMaxItems(where.at('namespaces.selector.matchExpressions[0].values'), e.values, Infinity, 1);
      e.values.forEach((n, i) => checkDnsLabel(where.at('namespaces.selector.matchExpressions[0].values').at(i), n));
    }
    if (this.kinds) checkMaxItems(where.at('kinds'), this.kinds, MAX_ITEMS.allowedKinds, 1);
    return {
      namespaces: { from: this._from, ...(this._selector ? { selector: this._selector } : {}) },
      ...(this.kinds ? { kinds: this.kinds.map((kind) => ({ group: GATEWAY_API_GROUP, kind })) } : {}),
    };
  }
}

/** Options every listener has. */
export interface ListenerOptions {
  /** Unique name of the listener within its Gateway; routes select it with `sectionName`. */
  readonly name: string;
  /** The port the Gateway listens on. */
  readonly port: number;
  /**
   * Which namespaces may attach routes. Leave unset on listeners you grant to teams.
   * @default - routes in the Gateway's namespace (or, once granted, the teams' namespaces)
   */
  readonly allowedRoutes?: AllowedRoutes;
}

export interface TcpListenerOptions extends ListenerOptions {}

export interface UdpListenerOptions extends ListenerOptions {}

export interface HttpListenerOptions extends ListenerOptions {
  /**
   * Only requests for this host (exact, or a `*.` wildcard) reach this listener.
   * @default - every hostname
   */
  readonly hostname?: string;
}

export interface TlsPassthroughListenerOptions extends HttpListenerOptions {}

export interface HttpsListenerOptions extends HttpListenerOptions {
  /** Serving certificates, chosen by SNI (the first is the default). */
  readonly certificates: TlsCertificate[];
  /**
   * Implementation-specific TLS settings (`tls.options`).
   * @default - none
   */
  readonly tlsOptions?: { [key: string]: string };
}

export interface TlsTerminateListenerOptions extends HttpsListenerOptions {}

/** @internal */
export interface ListenerJson {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname?: string;
  readonly tls?: { mode: string; certificateRefs?: ObjectRefJson[]; options?: Record<string, string> };
  readonly allowedRoutes?: AllowedRoutesJson;
}

/** The allowed routes a team grant renders on a listener: these namespaces (by name), these kinds. @internal */
export interface GrantedRoutes {
  readonly namespaces: string[];
  readonly kinds: RouteKind[];
}

/**
 * A port the Gateway listens on, with its protocol, hostname and TLS settings. Create with the static
 * factories: `Listener.http()`, `Listener.https()`, `Listener.tlsPassthrough()`, `Listener.tlsTerminate()`,
 * `Listener.tcp()`, `Listener.udp()`.
 */
export class Listener {
  /** Cleartext HTTP. */
  public static http(options: HttpListenerOptions): Listener {
    return new Listener(options, ListenerProtocol.HTTP, options.hostname);
  }

  /** HTTPS: TLS terminated at the Gateway with `certificates`, then HTTP routing. */
  public static https(options: HttpsListenerOptions): Listener {
    return new Listener(options, ListenerProtocol.HTTPS, options.hostname, TlsMode.TERMINATE, options.certificates, options.tlsOptions);
  }

  /** TLS passed through to the backend by SNI (TLSRoute). */
  public static tlsPassthrough(options: TlsPassthroughListenerOptions): Listener {
    return new Listener(options, ListenerProtocol.TLS, options.hostname, TlsMode.PASSTHROUGH);
  }

  /** TLS terminated at the Gateway, then the plaintext stream is forwarded (TLSRoute). */
  public static tlsTerminate(options: TlsTerminateListenerOptions): Listener {
    return new Listener(options, ListenerProtocol.TLS, options.hostname, TlsMode.TERMINATE, options.certificates, options.tlsOptions);
  }

  /** Raw TCP (TCPRoute). */
  public static tcp(options: TcpListenerOptions): Listener {
    return new Listener(options, ListenerProtocol.TCP);
  }

  /** UDP (UDPRoute). */
  public static udp(options: UdpListenerOptions): Listener {
    return new Listener(options, ListenerProtocol.UDP);
  }

  /**
   * The same port, protocol and TLS settings (certificates included) under another name, for one hostname: how a
   * team grant narrows a granted listener. @internal
   */
  public static _narrowed(base: Listener, name: string, hostname: string): Listener {
    return new Listener({ name, port: base.port }, base.protocol, hostname, base.tlsMode, base._certificates, base.tlsOptions);
  }

  /** Name of the listener (the routes' `sectionName`). */
  public readonly name: string;
  /** Port number. */
  public readonly port: number;
  /** Allowed routes as configured, when set explicitly. */
  public readonly allowedRoutes?: AllowedRoutes;
  private readonly _certificates: TlsCertificate[];

  private constructor(
    options: ListenerOptions,
    /** Protocol. */
    public readonly protocol: ListenerProtocol,
    /** Hostname, when restricted. */
    public readonly hostname?: string,
    /** TLS mode, for HTTPS and TLS listeners. */
    public readonly tlsMode?: TlsMode,
    certificates?: TlsCertificate[],
    /** Implementation-specific TLS options. */
    public readonly tlsOptions?: { [key: string]: string },
  ) {
    this.name = options.name;
    this.port = options.port;
    this.allowedRoutes = options.allowedRoutes;
    this._certificates = certificates ? [...certificates] : [];
  }

  /** Serving certificates (HTTPS and TLS Terminate). */
  public get certificates(): TlsCertificate[] {
    return [...this._certificates];
  }

  /** Route kinds this listener accepts: the explicit `allowedRoutes.kinds`, or all its protocol supports. */
  public get routeKinds(): RouteKind[] {
    return this.allowedRoutes?.kinds ? [...this.allowedRoutes.kinds] : supportedRouteKinds(this.protocol);
  }

  /** Local checks (the Gateway and ListenerSet CRD rules for one listener). @internal */
  public _validate(where: Where): void {
    checkDnsSubdomain(where.at('name'), this.name);
    checkPort(where.at('port'), this.port);
    if (this.hostname !== undefined) checkHostname(where.at('hostname'), this.hostname);
    if (this.tlsMode === TlsMode.TERMINATE) {
      checkMaxItems(where.at('tls.certificateRefs'), this._certificates, MAX_ITEMS.certificateRefs);
      if (this._certificates.length === 0 && Object.keys(this.tlsOptions ?? {}).length === 0) {
        failObject(where.at('tls.certificateRefs'), `must name at least one certificate: a ${this.protocol} listener terminates TLS`);
      }
    }
    const options = Object.entries(this.tlsOptions ?? {});
    if (options.length > 16) failObject(where.at('tls.options'), `has ${options.length} entries; at most 16 are allowed`);
    for (const [k, v] of options) {
      checkQualifiedName(where.at('tls.options'), k);
      checkLength(where.at(`tls.options.${k}`), v, 0, MAX_LENGTH.optionValue);
    }
    if (this.allowedRoutes?.kinds) {
      const supported = supportedRouteKinds(this.protocol);
      for (const [i, kind] of this.allowedRoutes.kinds.entries()) {
        if (!supported.includes(kind)) {
          failObject(where.at(`allowedRoutes.kinds[${i}]`),
            `${kind} cannot attach to a ${this.protocol} listener (supported: ${supported.join(', ')})`);
        }
      }
    }
  }

  /** @internal */
  public _render(where: Where, granted?: GrantedRoutes): ListenerJson {
    const tls = this.tlsMode ? {
      mode: this.tlsMode,
      ...(this._certificates.length > 0 ? { certificateRefs: this._certificates.map((c, i) => c._toRef(where.at('tls.certificateRefs').at(i))) } : {}),
      ...(this.tlsOptions && Object.keys(this.tlsOptions).length > 0 ? { options: { ...this.tlsOptions } } : {}),
    } : undefined;
    let allowedRoutes: AllowedRoutesJson | undefined = this.allowedRoutes?._render(where.at('allowedRoutes'));
    if (granted) {
      // the cluster enforces the grant: namespaces by the name the API server sets (a namespace owner cannot
      // relabel it to match), and only the granted kinds
      allowedRoutes = {
        namespaces: {
          from: 'Selector',
          selector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...granted.namespaces].sort() }] },
        },
        kinds: granted.kinds.map((kind) => ({ group: GATEWAY_API_GROUP, kind })),
      };
    }
    return {
      name: this.name,
      port: this.port,
      protocol: this.protocol,
      ...(this.hostname !== undefined ? { hostname: this.hostname } : {}),
      ...(tls ? { tls } : {}),
      ...(allowedRoutes ? { allowedRoutes } : {}),
    };
  }
}
