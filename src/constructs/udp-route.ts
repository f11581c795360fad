import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { L4RouteBase } from './l4-route-base';
import { RouteKind } from './listener';
import { resolveObjectName } from './resource';
import { RouteParentRef } from './route-base';
import { L4RouteOptions } from './tcp-route';
import * as k8s from '../imports/gateway.networking.k8s.io';

export interface UdpRouteProps extends L4RouteOptions {
  /**
   * UDP listeners the route attaches to.
   * @default - none; add with `addParentRef()`
   */
  readonly parentRefs?: RouteParentRef[];
}

/** Forwards the UDP datagrams of a UDP listener to Services. */
export class UdpRoute extends L4RouteBase {
  public readonly apiObject: ApiObject;
  public readonly resourceType = 'udproutes';
  public readonly routeKind = RouteKind.UDP_ROUTE;

  public constructor(scope: Construct, id: string, props: UdpRouteProps = {}) {
    super(scope, id);
    const name = resolveObjectName('UdpRoute', scope, id, props.metadata);
    this.apiObject = new k8s.UdpRoute(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.UdpRouteSpec,
    });
    this._setRuleName(props.ruleName);
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const b of props.backends ?? []) this.addBackend(b);
  }

  private renderSpec(): k8s.UdpRouteSpec {
    const parentRefs = this._renderParentRefs();
    return { ...(parentRefs.length > 0 ? { parentRefs } : {}), rules: this._renderRules() };
  }
}
