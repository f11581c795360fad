import { Construct } from 'constructs';
import { L4RouteBase, L4RouteProps } from './l4-route-base';
import { RouteKind } from './listener';

export interface TcpRouteProps extends L4RouteProps {}

/** Forwards the TCP connections of a TCP listener to Services. */
export class TcpRoute extends L4RouteBase {
  public constructor(scope: Construct, id: string, props: TcpRouteProps = {}) {
    super(scope, id, RouteKind.TCP_ROUTE, props);
  }
}
