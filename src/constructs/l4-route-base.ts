import { Construct } from 'constructs';
import { Backend, BackendRefJson } from './backends';
import { FilterContext } from './filters';
import { BackendUse, RouteBase } from './route-base';
import { checkDnsSubdomain, checkMaxItems, failObject } from './validation';
import { addWarning } from './warnings';

/**
 * TLSRoute, TCPRoute and UDPRoute: one rule of weighted backends, connections (or datagrams) are not
 * inspected beyond the SNI.
 */
export abstract class L4RouteBase extends RouteBase {
  private readonly _backends: Backend[] = [];
  private _ruleName?: string;

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
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
    checkMaxItems(this._where.at('rules[0].backendRefs'), [...this._backends, backend], 16);
    backend._render(where, this.filterContext(), 'backend', false);
    this._guardBackend(where, backend);
    this._backends.push(backend);
  }

  /** @internal */
  public _backendsInUse(): BackendUse[] {
    return this._backends.map((backend, i) => ({ where: this._where.at('rules[0].backendRefs').at(i), backend }));
  }

  /** @internal */
  public _setRuleName(name: string | undefined): void {
    if (name === undefined) return;
    checkDnsSubdomain(this._where.at('rules[0].name'), name);
    this._ruleName = name;
  }

  /** @internal */
  public _renderRules(): { name?: string; backendRefs: BackendRefJson[] }[] {
    const ctx = this.filterContext();
    const backendRefs = this._backends.map((b, i) => b._render(this._where.at('rules[0].backendRefs').at(i), ctx, 'backend', false));
    if (this._backends.length > 0 && this._backends.every((b) => b.weight === 0)) {
      addWarning(this, 'rules[0]: every backend has weight 0, so every connection is refused');
    }
    return [{ ...(this._ruleName !== undefined ? { name: this._ruleName } : {}), backendRefs }];
  }

  private filterContext(): FilterContext {
    return {
      routeKind: this.kind,
      routeNamespace: this._namespace,
      renderFilters: (w) => failObject(w, `filters are not supported on ${this.kind}`),
      markExperimental: () => undefined,
    };
  }
}
