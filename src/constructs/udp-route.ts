import { Construct } from 'constructs';
import { L4RouteBase, L4RouteProps } from './l4-route-base';
import { RouteKind } from './listener';

export interface UdpRouteProps extends L4RouteProps {}

/** Forwards the UDP datagrams of a UDP listener to Services. */
export class UdpRoute extends L4RouteBase {
  public constructor(scope: Construct, id: string, props: UdpRouteProps = {}) {
    super(scope, id, RouteKind.UDP_ROUTE, props);
  }
}
