import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend } from './backends';
import { L4RouteBase } from './l4-route-base';
import { RouteKind } from './listener';
import { resolveObjectName } from './resource';
import { RouteParentRef } from './route-base';
import * as k8s from '../imports/gateway.networking.k8s.io';

/** What a team factory accepts for a TLSRoute. */
export interface TlsRouteOptions {
  /**
   * SNI hostnames the route serves (1 to 1024), exact or `*.` wildcards.
   * @default - none here (a team grant defaults to the granted hostnames); add with `addHostname()`
   */
  readonly hostnames?: string[];
  /**
   * Backends sharing the connections by weight (1 to 16).
   * @default - none; add with `addBackend()`
   */
  readonly backends?: Backend[];
  /**
   * Name of the route's rule.
   * @default - unnamed
   */
  readonly ruleName?: string;
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

export interface TlsRouteProps extends TlsRouteOptions {
  /**
   * TLS listeners the route attaches to.
   * @default - none; add with `addParentRef()`
   */
  readonly parentRefs?: RouteParentRef[];
}

/**
 * Forwards TLS connections by SNI hostname: passed through encrypted (Passthrough listener) or after the
 * Gateway terminated TLS (Terminate listener).
 */
export class TlsRoute extends L4RouteBase {
  public readonly apiObject: ApiObject;
  public readonly resourceType = 'tlsroutes';
  public readonly routeKind = RouteKind.TLS_ROUTE;

  public constructor(scope: Construct, id: string, props: TlsRouteProps = {}) {
    super(scope, id);
    const name = resolveObjectName('TlsRoute', scope, id, props.metadata);
    this.apiObject = new k8s.TlsRoute(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.TlsRouteSpec,
    });
    this._setRuleName(props.ruleName);
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const h of props.hostnames ?? []) this.addHostname(h);
    for (const b of props.backends ?? []) this.addBackend(b);
    this.node.addValidation({
      validate: () => (this._hostnameList.length === 0 ? ['TlsRoute: needs at least one hostname (the SNI it serves); add one with addHostname()'] : []),
    });
  }

  /** SNI hostnames the route serves. */
  public get hostnames(): string[] {
    return this._hostnameList;
  }

  /** Adds an SNI hostname (exact or `*.` wildcard). */
  public addHostname(hostname: string): void {
    this._addHostname(hostname, 1024);
  }

  private renderSpec(): k8s.TlsRouteSpec {
    const parentRefs = this._renderParentRefs();
    return { ...(parentRefs.length > 0 ? { parentRefs } : {}), hostnames: this._hostnameList, rules: this._renderRules() };
  }
}
