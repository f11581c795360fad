import { Construct } from 'constructs';
import { L4RouteBase, L4RouteOptions } from './l4-route-base';
import { RouteKind } from './listener';
import { RouteParentRef } from './route-base';
import { MAX_ITEMS } from '../spec/limits';

/** What a team factory accepts for a TLSRoute. */
export interface TlsRouteOptions extends L4RouteOptions {
  /**
   * SNI hostnames the route serves (1 to 1024), exact or `*.` wildcards.
   * @default - none here (a team grant defaults to the granted hostnames); add with `addHostname()`
   */
  readonly hostnames?: string[];
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
  public constructor(scope: Construct, id: string, props: TlsRouteProps = {}) {
    super(scope, id, RouteKind.TLS_ROUTE, props);
    for (const h of props.hostnames ?? []) this.addHostname(h);
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
    this._addHostname(hostname, MAX_ITEMS.tlsRouteHostnames);
  }
}
