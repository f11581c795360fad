import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { compile, CompileResult, formatDiagnostic, formatSynthFinding, synthReport } from '../compiler';
import { GrantSpec, withoutGrantOverlaps } from '../compiler/grant-audit';
import type { DataPlaneConfig } from '../config/dataplane-config';
import { describeFilter, explainConnection, explainRequest, ExplainedL4Backend, formatConnectionExplanation, formatExplanation } from '../router';

/** Which Gateway a tester asks. */
export interface GatewayTesterOptions {
  /**
   * The Gateway, as `namespace/name` or `name`.
   * @default - the Gateway under the scope given to `of()`, or the only Gateway of the app
   */
  readonly gateway?: string;
}

/** A request to route, as a client would send it. */
export interface TestRequest {
  /**
   * The HTTP method.
   * @default 'GET'
   */
  readonly method?: string;
  /** An absolute URL, e.g. `https://shop.example.com/api/cart?x=1`. */
  readonly url: string;
  /**
   * Request headers (names in any case).
   * @default - none
   */
  readonly headers?: { [name: string]: string };
  /**
   * The Gateway listener port the request arrives on. The Host header stays the URL's authority, so
   * `{ url: 'http://shop.example.com:8080/', port: 80 }` is a request with `Host: shop.example.com:8080` arriving on
   * port 80 (routed by the name, as the gateway does).
   * @default - the URL's port, else 80 for http and 443 for https
   */
  readonly port?: number;
  /**
   * https: the TLS server name (SNI) the client sends. A Host header that another listener owns than the one this
   * name selects is answered 421 Misdirected Request.
   * @default - the URL's host (none for an IP address)
   */
  readonly serverName?: string;
}

/** A gRPC call, as a client would make it. */
export interface TestGrpcRequest {
  /** The fully-qualified service, e.g. `shop.cart.v1.Cart`. */
  readonly service: string;
  /** The method, e.g. `AddItem`. */
  readonly method: string;
  /** The host the client calls (its `:authority`), e.g. `grpc.example.com`. */
  readonly authority: string;
  /**
   * Over TLS (ALPN h2) rather than cleartext HTTP/2 (h2c).
   * @default false
   */
  readonly tls?: boolean;
  /**
   * The Gateway listener port.
   * @default - 443 with `tls`, else 80
   */
  readonly port?: number;
  /**
   * Request metadata (header names in any case).
   * @default - none
   */
  readonly metadata?: { [name: string]: string };
}

/** How a connection reaches the Gateway. */
export enum TestTransport {
  TCP = 'TCP',
  UDP = 'UDP',
}

/** A connection to a listener port: TCP (TCPRoute, or TLS with a server name) or UDP (UDPRoute). */
export interface TestConnectionRequest {
  /** The Gateway listener port. */
  readonly port: number;
  /**
   * TCP or UDP.
   * @default TestTransport.TCP
   */
  readonly transport?: TestTransport;
  /**
   * TLS ports: the server name the client sends (SNI).
   * @default - the client sends none
   */
  readonly serverName?: string;
}

/** What the Gateway does with a connection. */
export interface TestConnectionResponse {
  /** A stable code: GW_ROUTED, GW_HTTP (HTTP routing takes over), GW_NO_LISTENER, GW_UNKNOWN_SERVER_NAME, GW_NO_ROUTE, GW_NO_BACKEND. */
  readonly outcome: string;
  /** True when the connection is refused (closed before the TLS handshake, TCP reset, UDP datagrams dropped). */
  readonly refused: boolean;
  /**
   * Passthrough or Terminate (TLSRoute), TCP, UDP, or HTTP/HTTPS when HTTP routing follows.
   * @default - no listener took the connection
   */
  readonly mode?: string;
  /**
   * The listener that took the connection.
   * @default - none
   */
  readonly listener?: string;
  /**
   * The TCPRoute, UDPRoute or TLSRoute that carries it.
   * @default - none
   */
  readonly route?: TestRouteRef;
  /** The route's backends with their weights. */
  readonly backends: TestBackend[];
  /** Why it is refused, or which share of connections is. */
  readonly notes: string[];
  /** The whole decision as readable text (what `cdk8s-gateway explain tls://...` prints). */
  readonly explanation: string;
}

/** A route, by kind, namespace and name. */
export interface TestRouteRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** One share of the matched rule's traffic. */
export interface TestBackend {
  /** Relative weight, as written. */
  readonly weight: number;
  /** Share of the rule's requests, 0-100. */
  readonly percent: number;
  /**
   * The Service name.
   * @default - none: the share is invalid and answers 500
   */
  readonly service?: string;
  /**
   * The Service namespace.
   * @default - none: the share is invalid
   */
  readonly namespace?: string;
  /**
   * The Service port.
   * @default - none: the share is invalid
   */
  readonly port?: number;
  /**
   * How the gateway speaks to it: http1, h2c, ws or h2.
   * @default - none: the share is invalid
   */
  readonly protocol?: string;
  /** True when a BackendTLSPolicy makes the connection TLS. */
  readonly tls: boolean;
  /**
   * Why the share answers 500 (BackendNotFound, RefNotPermitted...).
   * @default - the share is valid
   */
  readonly invalidReason?: string;
}

/** A filter the matched rule runs. */
export interface TestFilter {
  /** RequestHeaderModifier, RequestRedirect, URLRewrite, RequestMirror... */
  readonly type: string;
  /** Its settings, in one line. */
  readonly description: string;
}

/** What the gateway does with a request. */
export interface TestResponse {
  /**
   * The HTTP status the gateway answers with itself, as on the wire.
   *
   * 404 (no listener for the host, no route), 421 (a host the TLS connection's listener does not serve), 500 (no
   * usable backend), 3xx (redirect), 200 (a CORS preflight, and any gateway error of a gRPC call: a trailers-only
   * response carrying `grpcStatus`).
   * @default - none: the request is forwarded to a backend (or, with `refused`, no answer comes back)
   */
  readonly statusCode?: number;
  /**
   * A stable code for the outcome, the one the gateway puts in its `x-gateway-error` header when it answers itself.
   *
   * GW_ROUTED (forwarded), GW_REDIRECT, GW_CORS_PREFLIGHT, GW_UNKNOWN_HOST, GW_MISDIRECTED_REQUEST, GW_NO_ROUTE,
   * GW_NO_BACKEND, GW_INVALID_BACKEND, GW_UNSUPPORTED_FILTER, GW_BAD_REQUEST, or GW_NO_LISTENER when nothing listens on
   * the port.
   */
  readonly outcome: string;
  /**
   * gRPC calls: the grpc-status the gateway answers itself (12 UNIMPLEMENTED, 13 INTERNAL, 14 UNAVAILABLE...).
   * @default - the call is forwarded (or the request is not gRPC)
   */
  readonly grpcStatus?: number;
  /**
   * True when no HTTP answer comes back: nothing listens on the port, or the connection is closed (or relayed as it
   * is) before HTTP.
   * @default false
   */
  readonly refused?: boolean;
  /**
   * The listener that took the request.
   * @default - none matched
   */
  readonly listener?: string;
  /**
   * The route that matched.
   * @default - none matched
   */
  readonly route?: TestRouteRef;
  /**
   * Index of the matched rule in the route.
   * @default - none matched
   */
  readonly ruleIndex?: number;
  /**
   * Name of the matched rule, when it has one.
   * @default - unnamed
   */
  readonly ruleName?: string;
  /** Filters of the matched rule, in order. */
  readonly filters: TestFilter[];
  /** Backends of the matched rule with their weights. */
  readonly backends: TestBackend[];
  /**
   * The Location of a redirect.
   * @default - not a redirect
   */
  readonly redirectLocation?: string;
  /** Why nothing matched, or why (a share of) the requests answer 500. */
  readonly notes: string[];
  /** The whole decision as readable text (what `cdk8s-gateway explain` prints). */
  readonly explanation: string;
}

/** A status condition of an object, for assertions. */
export interface TestCondition {
  readonly type: string;
  /** True, False or Unknown. */
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  /**
   * For routes: the parent (`Gateway ns/name`) the condition is about.
   * @default - an object-level condition
   */
  readonly parent?: string;
}

/**
 * Unit-tests routing without a cluster: compiles the app's Gateway API objects with the same compiler and
 * router the data plane uses, then answers what a request would get.
 *
 * ```ts
 * const tester = GatewayTester.of(gateway);
 * expect(tester.request({ url: 'https://shop.example.com/api/cart' }).backends[0].service).toBe('api');
 * ```
 */
export class GatewayTester {
  /**
   * A tester for the Gateway under `scope` (or the one named in `options`), compiled from every chart of the
   * scope's App. Works with any construct of the app: L2 constructs or plain `ApiObject`s.
   */
  public static of(scope: IConstruct, options: GatewayTesterOptions = {}): GatewayTester {
    const app = App.of(scope);
    // each object on its own, without the app's validations: a Gateway whose synth would fail (a route that does not
    // attach...) is still tested, and its problems listed by `problems` instead of thrown here
    const objects = app.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c)).map((o) => o.toJson());
    // the app's team grants: the listeners each renders from one listener overlap by design (not a problem)
    const grants = app.node.findAll().flatMap((c) => (c as { _grantSpecs?(): GrantSpec[] })._grantSpecs?.() ?? []);
    let selected = options.gateway;
    if (!selected) {
      const under = scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'Gateway');
      if (under.length === 1) selected = `${under[0].metadata.namespace ?? chartNamespace(under[0]) ?? 'default'}/${under[0].name}`;
    }
    return new GatewayTester(objects, selected, grants);
  }

  /** A tester over plain manifests (objects as in a YAML file). */
  public static fromManifests(manifests: any[], options: GatewayTesterOptions = {}): GatewayTester {
    return new GatewayTester(manifests, options.gateway);
  }

  private readonly result: CompileResult;
  private readonly config: DataPlaneConfig;

  private constructor(objects: unknown[], gateway: string | undefined, private readonly grants: GrantSpec[] = []) {
    this.result = compile(objects, { allGateways: true });
    const gateways = this.result.status.filter((s) => s.kind === 'Gateway').map((s) => `${s.namespace}/${s.name}`);
    let key = gateway;
    if (key && !key.includes('/')) {
      const matching = gateways.filter((g) => g.endsWith(`/${key}`));
      if (matching.length !== 1) throw new Error(`GatewayTester: ${matching.length === 0 ? 'no' : 'more than one'} Gateway named "${gateway}" (Gateways: ${gateways.join(', ') || 'none'})`);
      key = matching[0];
    }
    if (!key) {
      if (gateways.length !== 1) throw new Error(`GatewayTester: the app has ${gateways.length} Gateways (${gateways.join(', ') || 'none'}); pass { gateway: 'namespace/name' }`);
      key = gateways[0];
    }
    const config = this.result.configs.find((c) => `${c.gateway.namespace}/${c.gateway.name}` === key);
    if (!config) {
      const why = this.problems.filter((p) => p.startsWith(`Gateway ${key}`));
      throw new Error(`GatewayTester: Gateway ${key} ${gateways.includes(key) ? `is not accepted: ${why.join('; ')}` : `is not in the app (Gateways: ${gateways.join(', ') || 'none'})`}`);
    }
    this.config = config;
  }

  /** What the Gateway does with a request: the route, rule, filters and weighted backends, or its own status. */
  public request(req: TestRequest): TestResponse {
    const e = explainRequest(this.config, { method: req.method, url: req.url, headers: req.headers }, { port: req.port, serverName: req.serverName });
    return {
      statusCode: e.status,
      outcome: e.code,
      grpcStatus: e.grpcStatus,
      refused: e.refused,
      listener: e.listener?.name,
      route: routeRef(e.route),
      ruleIndex: e.ruleIndex,
      ruleName: e.ruleName,
      filters: e.filters.map((f) => ({ type: f.type === 'Unsupported' ? f.filterType : f.type, description: describeFilter(f) })),
      backends: e.backends.map(testBackend),
      redirectLocation: e.redirect?.location,
      notes: e.notes,
      explanation: formatExplanation(e),
    };
  }

  /** What the Gateway does with a gRPC call: the GRPCRoute rule and backends, or the grpc-status it answers itself. */
  public grpc(call: TestGrpcRequest): TestResponse {
    const port = call.port ?? (call.tls ? 443 : 80);
    return this.request({
      method: 'POST',
      url: `${call.tls ? 'https' : 'http'}://${call.authority}:${port}/${call.service}/${call.method}`,
      headers: { ...call.metadata, 'content-type': 'application/grpc' },
    });
  }

  /** What the Gateway does with a connection: the TLSRoute a server name selects, or a TCPRoute/UDPRoute port's backends. */
  public connection(req: TestConnectionRequest): TestConnectionResponse {
    const e = explainConnection(this.config, { port: req.port, transport: req.transport ?? TestTransport.TCP, serverName: req.serverName });
    return {
      outcome: e.code,
      refused: e.refused,
      mode: e.mode,
      listener: e.listener?.name,
      route: routeRef(e.route),
      backends: e.backends.map(testBackend),
      notes: e.notes,
      explanation: formatConnectionExplanation(e),
    };
  }

  /** The status conditions of an object (for a route: one set per parent, each tagged with `parent`). */
  public conditions(kind: string, name: string, namespace?: string): TestCondition[] {
    const s = this.result.status.find((x) => x.kind === kind && x.name === name && (namespace === undefined || x.namespace === namespace));
    if (!s) return [];
    const out: TestCondition[] = (s.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
    for (const p of s.parents ?? []) {
      for (const c of p.conditions) out.push({ type: c.type, status: c.status, reason: c.reason, message: c.message, parent: `${p.parentRef.kind} ${p.parentRef.namespace}/${p.parentRef.name}` });
    }
    return out;
  }

  /**
   * What is wrong with the app, one line each.
   *
   * Every condition that would fail the synth or warn (not Accepted, ResolvedRefs False, PartiallyInvalid...) and
   * every problem with an object's fields. Empty for a correct app, so `expect(tester.problems).toEqual([])` is the
   * test that it is one. What the tester could not check and assumed instead is in `assumptions`, not here.
   */
  public get problems(): string[] {
    const status = withoutGrantOverlaps(this.result.status, this.grants);
    return synthReport({ status, diagnostics: this.result.diagnostics.filter((d) => !d.assumption) }).map(formatSynthFinding);
  }

  /**
   * What the tester assumed because the app does not hold the object to check, one line each.
   *
   * A Service, Secret or ConfigMap that is referenced but not among the app's manifests (in a namespace where the
   * app has none of that kind), or the labels of a Namespace the app does not declare. In the cluster these must
   * exist as assumed; add them to the app (or test with the real ones in the manifests) to have them checked.
   */
  public get assumptions(): string[] {
    return this.result.diagnostics.filter((d) => d.assumption).map(formatDiagnostic);
  }
}

function routeRef(r: { kind: string; namespace: string; name: string } | undefined): TestRouteRef | undefined {
  return r ? { kind: r.kind, namespace: r.namespace, name: r.name } : undefined;
}

function testBackend(b: ExplainedL4Backend): TestBackend {
  return {
    weight: b.weight,
    percent: b.percent,
    service: b.backend?.name,
    namespace: b.backend?.namespace,
    port: b.backend?.port,
    protocol: b.backend?.protocol,
    tls: b.backend?.tls !== undefined,
    invalidReason: b.invalid?.reason,
  };
}

function chartNamespace(o: ApiObject): string | undefined {
  try {
    return Chart.of(o).namespace;
  } catch {
    return undefined;
  }
}
