import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend } from './backends';
import { L4RouteBase } from './l4-route-base';
import { RouteKind } from './listener';
import { resolveObjectName } from './resource';
import { RouteParentRef } from './route-base';
import * as k8s from '../imports/gateway.networking.k8s.io';

/** What a team factory accepts for a TCPRoute or UDPRoute. */
export interface L4RouteOptions {
  /**
   * Backends sharing the connections by weight (1 to 16); more can be added with `addBackend()`.
   * @default - none
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

export interface TcpRouteProps extends L4RouteOptions {
  /**
   * TCP listeners the route attaches to.
   * @default - none; add with `addParentRef()`
   */
  readonly parentRefs?: RouteParentRef[];
}

/** Forwards the TCP connections of a TCP listener to Services. */
export class TcpRoute extends L4RouteBase {
  public readonly apiObject: ApiObject;
  public readonly resourceType = 'tcproutes';
  public readonly routeKind = RouteKind.TCP_ROUTE;

  public constructor(scope: Construct, id: string, props: TcpRouteProps = {}) {
    super(scope, id);
    const name = resolveObjectName('TcpRoute', scope, id, props.metadata);
    this.apiObject = new k8s.TcpRoute(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.TcpRouteSpec,
    });
    this._setRuleName(props.ruleName);
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const b of props.backends ?? []) this.addBackend(b);
  }

  private renderSpec(): k8s.TcpRouteSpec {
    const parentRefs = this._renderParentRefs();
    return { ...(parentRefs.length > 0 ? { parentRefs } : {}), rules: this._renderRules() };
  }
}
