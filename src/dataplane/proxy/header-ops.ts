import type { HeaderModifierFilterConfig } from '../../config/dataplane-config';

/**
 * Request or response header modifications, folded at config load into "drop these names from what was
 * received" plus "append these lines": applying them is one pass over the received headers while they
 * are serialised, whatever the number of filters.
 */
export class HeaderOps {
  /** Folds filters in the order they apply (rule filters, then the backend's). */
  public static compile(filters: readonly HeaderModifierFilterConfig[]): HeaderOps | undefined {
    if (filters.length === 0) return undefined;
    const ops = new HeaderOps();
    for (const f of filters) {
      for (const nv of f.set) {
        const n = nv.name.toLowerCase();
        ops.dropAppended(n);
        ops.remove.add(n);
        ops.append.push(nv.name, nv.value);
      }
      for (const nv of f.add) ops.append.push(nv.name, nv.value);
      for (const name of f.remove) {
        const n = name.toLowerCase();
        ops.dropAppended(n);
        ops.remove.add(n);
      }
    }
    return ops;
  }

  /** Combines two op sets applied one after the other (a backend's filters after its rule's). */
  public static chain(first: HeaderOps | undefined, second: HeaderOps | undefined): HeaderOps | undefined {
    if (!first) return second;
    if (!second) return first;
    const ops = new HeaderOps();
    for (const n of first.remove) ops.remove.add(n);
    ops.append.push(...first.append);
    for (const n of second.remove) {
      ops.dropAppended(n);
      ops.remove.add(n);
    }
    ops.append.push(...second.append);
    return ops;
  }

  /** Lower-case names whose received values are dropped. */
  public readonly remove = new Set<string>();
  /** Flat [name, value, ...] lines appended after the received headers. */
  public readonly append: string[] = [];

  private dropAppended(lowerName: string): void {
    for (let i = this.append.length - 2; i >= 0; i -= 2) {
      if (this.append[i].toLowerCase() === lowerName) this.append.splice(i, 2);
    }
  }
}
