import { describe, Obj, Store } from './objects';
import { Reason, condition, ObjectStatus } from './status';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { DNS_SUBDOMAIN } from '../spec/patterns';

/** One reference a grant may allow: from an object kind in a namespace, to an object in the grant's namespace. */
export interface Reference {
  readonly fromGroup: string;
  readonly fromKind: string;
  readonly fromNamespace: string;
  /** For messages: `HTTPRoute shop/cart`. */
  readonly from: string;
  readonly toGroup: string;
  readonly toKind: string;
  readonly toNamespace: string;
  readonly toName: string;
}

interface Grant {
  readonly obj: Obj;
  readonly from: Array<{ group: string; kind: string; namespace: string }>;
  readonly to: Array<{ group: string; kind: string; name?: string }>;
}

/**
 * ReferenceGrants by namespace. `permits` answers whether a cross-namespace reference is allowed, and
 * remembers which grant allowed it, for the ReferenceGrant status. Removing a grant revokes: the compiler only
 * sees the grants in its input.
 */
export class ReferenceGrants {
  private readonly byNamespace = new Map<string, Grant[]>();
  private readonly used = new Map<Obj, Set<string>>();

  public constructor(store: Store) {
    for (const obj of store.all('ReferenceGrant')) {
      const spec = obj.root.at('spec');
      const from = spec
        .at('from')
        .list()
        .map((f) => ({
          group: f.at('group').str() ?? '',
          kind: f.at('kind').str({ required: true }) ?? '',
          namespace: f.at('namespace').str({ required: true, pattern: DNS_SUBDOMAIN, patternName: 'a namespace name' }) ?? '',
        }))
        .filter((f) => f.kind !== '' && f.namespace !== '');
      const to = spec
        .at('to')
        .list()
        .map((t) => ({ group: t.at('group').str() ?? '', kind: t.at('kind').str({ required: true }) ?? '', name: t.at('name').str() || undefined }))
        .filter((t) => t.kind !== '');
      if (spec.at('from').list().length === 0) spec.at('from').problem('must list at least one `from` entry', undefined);
      if (spec.at('to').list().length === 0) spec.at('to').problem('must list at least one `to` entry', undefined);
      const list = this.byNamespace.get(obj.namespace) ?? [];
      list.push({ obj, from, to });
      this.byNamespace.set(obj.namespace, list);
    }
  }

  /** True when the reference stays in its namespace or a ReferenceGrant in the target namespace allows it. */
  public permits(ref: Reference): boolean {
    if (ref.fromNamespace === ref.toNamespace) return true;
    for (const grant of this.byNamespace.get(ref.toNamespace) ?? []) {
      const fromOk = grant.from.some((f) => f.group === ref.fromGroup && f.kind === ref.fromKind && f.namespace === ref.fromNamespace);
      const toOk = grant.to.some((t) => t.group === ref.toGroup && t.kind === ref.toKind && (t.name === undefined || t.name === ref.toName));
      if (fromOk && toOk) {
        const uses = this.used.get(grant.obj) ?? new Set<string>();
        uses.add(`${ref.from} → ${ref.toKind} ${ref.toNamespace}/${ref.toName}`);
        this.used.set(grant.obj, uses);
        return true;
      }
    }
    return false;
  }

  /**
   * ReferenceGrant has no status in the spec. The compiler reports one `Accepted` condition (implementation
   * specific) saying which references in the input the grant allowed, so an unused or mistyped grant shows up.
   */
  public statuses(): ObjectStatus[] {
    const out: ObjectStatus[] = [];
    for (const grants of this.byNamespace.values()) {
      for (const g of grants) {
        const problems = g.obj.problems.under('spec');
        const uses = [...(this.used.get(g.obj) ?? [])].sort();
        const unknownKinds = g.from.filter((f) => f.group === GATEWAY_API_GROUP && !KNOWN_FROM.has(f.kind)).map((f) => f.kind);
        const cond =
          problems.length > 0
            ? condition('Accepted', false, Reason.Invalid, `${describe(g.obj)}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, g.obj.generation)
            : condition(
              'Accepted',
              true,
              Reason.Accepted,
              uses.length > 0
                ? `allows ${uses.length} reference(s): ${uses.join('; ')}`
                : `allows no reference among the compiled objects${unknownKinds.length ? ` (from kinds ${unknownKinds.join(', ')} never refer across namespaces)` : ''}`,
              g.obj.generation,
            );
        out.push({ apiVersion: g.obj.apiVersion, kind: 'ReferenceGrant', namespace: g.obj.namespace, name: g.obj.name, conditions: [cond] });
      }
    }
    return out;
  }
}

const KNOWN_FROM = new Set(['Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy']);
