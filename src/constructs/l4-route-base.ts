import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend, BackendRefJson } from './backends';
import { FilterContext } from './filters';
import { RouteKind } from './listener';
import { BackendUse, renderParentsAndHostnames, RouteBase, routeApiObject, routeResource, RouteParentRef } from './route-base';
import { addWarning } from './warnings';
import { checkDnsSubdomain, checkMaxItems } from '../spec/checks';
import { MAX_ITEMS } from '../spec/limits';
import { failObject } from '../spec/where';

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

export interface L4RouteProps extends L4RouteOptions {
  /**
   * Listeners (of the route's kind) the route attaches to.
   * @default - none; add with `addParentRef()`
   */
  readonly parentRefs?: RouteParentRef[];
}

/**
 * TLSRoute, TCPRoute and UDPRoute: one rule of weighted backends; connections (or datagrams) are not
 * inspected beyond the SNI.
 */
export abstract class L4RouteBase extends RouteBase {
  public readonly apiObject: ApiObject;
  public readonly routeKind: RouteKind;
  public readonly resourceType: string;
  private readonly _backends: Backend[] = [];
  private readonly _ruleName?: string;

  protected constructor(scope: Construct, id: string, kind: RouteKind, props: L4RouteProps) {
    super(scope, id);
    this.routeKind = kind;
    this.resourceType = routeResource(kind);
    if (kind !== RouteKind.TLS_ROUTE && kind !== RouteKind.TCP_ROUTE && kind !== RouteKind.UDP_ROUTE) throw new Error(`${kind} is not a layer-4 route kind`);
    this.apiObject = routeApiObject(this, scope, id, kind, props.metadata, () => this.renderSpec());
    if (props.ruleName !== undefined) checkDnsSubdomain(this._where.at('rules[0].name'), props.ruleName);
    this._ruleName = props.ruleName;
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const b of props.backends ?? []) this.addBackend(b);
    this.node.addValidation({
      validate: () => (this._backends.length === 0 ? [`${this.constructor.name}: has no backends; add one with addBackend()`] : []),
    });
  }

  /** Backends sharing the connections by weight. */
  public get backends(): Backend[] {
    return [...this._backends];
  }

  /** Adds a backend (at most 16). */
  public addBackend(backend: Backend): void {
    const where = this._where.at('rules[0].backendRefs').at(this._backends.length);
    checkMaxItems(this._where.at('rules[0].backendRefs'), [...this._backends, backend], MAX_ITEMS.backendRefs);
    backend._render(where, this.filterContext(), 'backend', false);
    this._guardBackend(where, backend);
    this._backends.push(backend);
  }

  /** @internal */
  public _backendsInUse(): BackendUse[] {
    return this._backends.map((backend, i) => ({ where: this._where.at('rules[0].backendRefs').at(i), backend }));
  }

  private renderSpec(): Record<string, unknown> {
    const ctx = this.filterContext();
    const backendRefs: BackendRefJson[] = this._backends.map((b, i) => b._render(this._where.at('rules[0].backendRefs').at(i), ctx, 'backend', false));
    if (this._backends.length > 0 && this._backends.every((b) => b.weight === 0)) {
      addWarning(this, 'rules[0]: every backend has weight 0, so every connection is refused');
    }
    return {
      ...renderParentsAndHostnames(this),
      rules: [{ ...(this._ruleName !== undefined ? { name: this._ruleName } : {}), backendRefs }],
    };
  }

  private filterContext(): FilterContext {
    return {
      routeKind: this.routeKind,
      routeNamespace: this._namespace,
      renderFilters: (w) => failObject(w, `filters are not supported on ${this.routeKind}`),
      markExperimental: () => undefined,
    };
  }
}
