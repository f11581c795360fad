import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { appState } from './app-state';
import { effectiveNamespace, GatewayApiResource, resolveObjectName } from './resource';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkDnsLabel, checkDnsSubdomain, checkGroup, checkKind, checkMaxItems } from '../spec/checks';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { MAX_ITEMS } from '../spec/limits';

/** Objects allowed to refer into the grant's namespace. */
export interface ReferenceGrantFrom {
  /**
   * API group of the referring kind.
   * @default "gateway.networking.k8s.io"
   */
  readonly group?: string;
  /** Kind of the referring objects, e.g. `HTTPRoute` or `Gateway`. */
  readonly kind: string;
  /** Namespace of the referring objects. */
  readonly namespace: string;
}

/** Objects in the grant's namespace that may be referred to. */
export interface ReferenceGrantTo {
  /**
   * API group of the target kind.
   * @default "" (core: Service, Secret)
   */
  readonly group?: string;
  /** Kind of the targets, e.g. `Service` or `Secret`. */
  readonly kind: string;
  /**
   * Name of the one target allowed.
   * @default - every object of the kind
   */
  readonly name?: string;
}

export interface ReferenceGrantProps {
  /** Who may refer (at least one, at most 16). */
  readonly from: ReferenceGrantFrom[];
  /** What may be referred to (at least one, at most 16). */
  readonly to: ReferenceGrantTo[];
  /**
   * Metadata; set `namespace` to the namespace of the targets.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * Lets objects in other namespaces refer to objects in this one: routes to Services, Gateways to
 * certificate Secrets. Without one, a cross-namespace reference is refused (RefNotPermitted).
 */
export class ReferenceGrant extends GatewayApiResource {
  /** Every ReferenceGrant defined in the app of `scope`. */
  public static all(scope: IConstruct): ReferenceGrant[] {
    return scope.node.root.node.findAll().filter((c): c is ReferenceGrant => c instanceof ReferenceGrant);
  }

  /**
   * True when some ReferenceGrant in the app of `scope` lets a `fromKind` in `fromNamespace` refer to the
   * `toKind` named `toName` in `toNamespace`.
   */
  public static isAllowed(scope: IConstruct, from: ReferenceGrantFrom, toNamespace: string, to: ReferenceGrantTo): boolean {
    if (ReferenceGrant.all(scope).some((g) => g.allows(from, toNamespace, to))) return true;
    // a grant imported from the platform's document: the platform's app emitted its ReferenceGrants
    return appState(scope).importedBackendGrants.some((g) => g.fromNamespace === from.namespace && g.fromKinds.includes(from.kind) &&
      g.toNamespace === toNamespace && (to.group ?? '') === '' && to.kind === 'Service' && (!g.serviceNames || (to.name !== undefined && g.serviceNames.includes(to.name))));
  }

  public readonly apiObject: ApiObject;
  public readonly resourceType = 'referencegrants';
  private readonly _from: ReferenceGrantFrom[] = [];
  private readonly _to: ReferenceGrantTo[] = [];

  public constructor(scope: Construct, id: string, props: ReferenceGrantProps) {
    super(scope, id);
    const name = resolveObjectName('ReferenceGrant', scope, id, props.metadata);
    props.from.forEach((f) => this.addFrom(f));
    props.to.forEach((t) => this.addTo(t));
    this.apiObject = new k8s.ReferenceGrant(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.ReferenceGrantSpec,
    });
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if (this._from.length === 0) errors.push('ReferenceGrant: from must have at least one entry');
        if (this._to.length === 0) errors.push('ReferenceGrant: to must have at least one entry');
        return errors;
      },
    });
  }

  /** Allows another kind and namespace to refer here. */
  public addFrom(from: ReferenceGrantFrom): void {
    const where = this._where.at('from').at(this._from.length);
    checkMaxItems(this._where.at('from'), [...this._from, from], MAX_ITEMS.referenceGrantPeers);
    checkGroup(where.at('group'), from.group ?? GATEWAY_API_GROUP);
    checkKind(where.at('kind'), from.kind);
    checkDnsLabel(where.at('namespace'), from.namespace);
    if (!this._from.some((f) => sameFrom(f, from))) this._from.push(from);
  }

  /** Allows references to another kind (or object) here. */
  public addTo(to: ReferenceGrantTo): void {
    const where = this._where.at('to').at(this._to.length);
    checkMaxItems(this._where.at('to'), [...this._to, to], MAX_ITEMS.referenceGrantPeers);
    checkGroup(where.at('group'), to.group ?? '');
    checkKind(where.at('kind'), to.kind);
    if (to.name !== undefined) checkDnsSubdomain(where.at('name'), to.name);
    if (!this._to.some((t) => sameTo(t, to))) this._to.push(to);
  }

  /** True when this grant lets `from` refer to `to` in `toNamespace`. */
  public allows(from: ReferenceGrantFrom, toNamespace: string, to: ReferenceGrantTo): boolean {
    if (effectiveNamespace(this.namespace) !== toNamespace) return false;
    const fromOk = this._from.some((f) => (f.group ?? GATEWAY_API_GROUP) === (from.group ?? GATEWAY_API_GROUP) &&
      f.kind === from.kind && f.namespace === from.namespace);
    const toOk = this._to.some((t) => (t.group ?? '') === (to.group ?? '') && t.kind === to.kind &&
      (t.name === undefined || t.name === to.name));
    return fromOk && toOk;
  }

  private renderSpec(): k8s.ReferenceGrantSpec {
    return {
      from: this._from.map((f) => ({ group: f.group ?? GATEWAY_API_GROUP, kind: f.kind, namespace: f.namespace })),
      to: this._to.map((t) => ({ group: t.group ?? '', kind: t.kind, ...(t.name !== undefined ? { name: t.name } : {}) })),
    };
  }
}

function sameFrom(a: ReferenceGrantFrom, b: ReferenceGrantFrom): boolean {
  return (a.group ?? GATEWAY_API_GROUP) === (b.group ?? GATEWAY_API_GROUP) && a.kind === b.kind && a.namespace === b.namespace;
}

function sameTo(a: ReferenceGrantTo, b: ReferenceGrantTo): boolean {
  return (a.group ?? '') === (b.group ?? '') && a.kind === b.kind && a.name === b.name;
}

/** The fix a cross-namespace reference error suggests. @internal */
export function referenceGrantHint(fromKind: string, fromNs: string, toKind: string, toNs: string, toName: string): string {
  return `add a ReferenceGrant in namespace "${toNs}" from ${fromKind} in "${fromNs}" to ${toKind} "${toName}" ` +
    '(new ReferenceGrant(...), or grant the team the namespace with grantTeam({ backendGrants }))';
}
