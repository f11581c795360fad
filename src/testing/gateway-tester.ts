import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { compile, CompileResult, formatSynthFinding, synthReport } from '../compiler';
import type { DataPlaneConfig } from '../config/dataplane-config';
import { describeFilter, explainRequest, formatExplanation } from '../router';

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
   * The Gateway listener port the request arrives on.
   * @default - the URL's port, else 80 for http and 443 for https
   */
  readonly port?: number;
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
   * The status the gateway answers itself: 404 (no route), 500 (no usable backend), 3xx (redirect).
   * @default - none: the request is forwarded to a backend
   */
  readonly statusCode?: number;
  /** A stable code: GW_ROUTED, GW_REDIRECT, GW_NO_LISTENER, GW_NO_ROUTE, GW_NO_BACKEND, GW_UNSUPPORTED_FILTER. */
  readonly outcome: string;
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
    const objects = app.charts.flatMap((c) => c.toJson());
    let selected = options.gateway;
    if (!selected) {
      const under = scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'Gateway');
      if (under.length === 1) selected = `${under[0].metadata.namespace ?? chartNamespace(under[0]) ?? 'default'}/${under[0].name}`;
    }
    return new GatewayTester(objects, selected);
  }

  /** A tester over plain manifests (objects as in a YAML file). */
  public static fromManifests(manifests: any[], options: GatewayTesterOptions = {}): GatewayTester {
    return new GatewayTester(manifests, options.gateway);
  }

  private readonly result: CompileResult;
  private readonly config: DataPlaneConfig;

  private constructor(objects: unknown[], gateway: string | undefined) {
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
    const e = explainRequest(this.config, { method: req.method, url: req.url, headers: req.headers }, { port: req.port });
    return {
      statusCode: e.status,
      outcome: e.code,
      listener: e.listener?.name,
      route: e.route ? { kind: e.route.kind, namespace: e.route.namespace, name: e.route.name } : undefined,
      ruleIndex: e.ruleIndex,
      ruleName: e.ruleName,
      filters: e.filters.map((f) => ({ type: f.type === 'Unsupported' ? f.filterType : f.type, description: describeFilter(f) })),
      backends: e.backends.map((b) => ({
        weight: b.weight,
        percent: b.percent,
        service: b.backend?.name,
        namespace: b.backend?.namespace,
        port: b.backend?.port,
        protocol: b.backend?.protocol,
        tls: b.backend?.tls !== undefined,
        invalidReason: b.invalid?.reason,
      })),
      redirectLocation: e.redirect?.location,
      notes: e.notes,
      explanation: formatExplanation(e),
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

  /** Every synth error and warning of the app (not Accepted, ResolvedRefs False, input problems...), one line each. */
  public get problems(): string[] {
    return synthReport(this.result).map(formatSynthFinding);
  }
}

function chartNamespace(o: ApiObject): string | undefined {
  try {
    return Chart.of(o).namespace;
  } catch {
    return undefined;
  }
}
