import { Construct } from 'constructs';
import { Backend } from './backends';
import { GrpcFilter, HttpFilter } from './filters';
import { L7RouteBase, L7RouteOptions, L7RouteProps } from './l7-route-base';
import { RouteKind } from './listener';
import { GrpcMatch } from './matches';
import { SessionPersistence } from './session-persistence';
import { addWarning } from './warnings';
import { Where } from '../spec/where';

/** One rule of a GRPCRoute. */
export interface GrpcRouteRule {
  /**
   * Name of the rule (a DNS subdomain, unique in the route).
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * Calls this rule takes; any of them may match (at most 64).
   * @default - every call
   */
  readonly matches?: GrpcMatch[];
  /**
   * Filters applied in order (at most 16).
   * @default - none
   */
  readonly filters?: GrpcFilter[];
  /**
   * Backends sharing the calls by weight (at most 16).
   * @default - none (calls answer UNAVAILABLE)
   */
  readonly backends?: Backend[];
  /**
   * Session persistence (experimental channel).
   * @default - none
   */
  readonly sessionPersistence?: SessionPersistence;
}

/** What a team factory accepts for a GRPCRoute (everything but the parents, which the grant decides). */
export interface GrpcRouteOptions extends L7RouteOptions {
  /**
   * Rules (at most 16); more can be added with `addRule()`.
   * @default - none
   */
  readonly rules?: GrpcRouteRule[];
}

export interface GrpcRouteProps extends GrpcRouteOptions, L7RouteProps {}

/** Routes gRPC calls by service, method and metadata to Services. */
export class GrpcRoute extends L7RouteBase {
  public constructor(scope: Construct, id: string, props: GrpcRouteProps = {}) {
    super(scope, id, RouteKind.GRPC_ROUTE, props);
    for (const r of props.rules ?? []) this.addRule(r);
  }

  /** The rules, in order. */
  public get rules(): GrpcRouteRule[] {
    return this._rules as GrpcRouteRule[];
  }

  /** Adds a rule; it is checked now, against the CRD's rules and the team grant. */
  public addRule(rule: GrpcRouteRule): void {
    this._addL7Rule(rule);
  }

  /** @internal */
  public _filtersOf(rule: GrpcRouteRule): HttpFilter[] {
    return (rule.filters ?? []).map((f) => f._filter);
  }

  /** A GRPCRoute has no redirect: a rule without a backend with weight fails every call. @internal */
  public _checkOutcome(where: Where, rule: GrpcRouteRule): void {
    const backends = rule.backends ?? [];
    if (backends.length === 0 || backends.every((b) => b.weight === 0)) {
      addWarning(this, `${where.field}: has no backend with a weight above 0, so every call it matches fails with UNAVAILABLE`);
    }
  }
}
