import { Store } from './objects';
import { Reader } from './reader';
import { NAMESPACE_NAME_LABEL } from '../spec/gateway-api';

/** A Kubernetes label selector, read once. */
export interface LabelSelector {
  readonly matchLabels: Record<string, string>;
  readonly matchExpressions: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values: readonly string[] }>;
}

/** Reads a Kubernetes LabelSelector (`matchLabels`, `matchExpressions`), as in a listener's `allowedRoutes.namespaces.selector`; undefined when absent. */
export function readSelector(r: Reader): LabelSelector | undefined {
  if (!r.isObject()) return undefined;
  const matchExpressions = r
    .at('matchExpressions')
    .list()
    .map((e) => ({
      key: e.at('key').str({ required: true }) ?? '',
      operator: e.at('operator').str({ required: true, oneOf: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }) ?? '',
      values: e
        .at('values')
        .list()
        .map((v) => v.str() ?? ''),
    }));
  return { matchLabels: r.at('matchLabels').stringMap(), matchExpressions };
}

/** Whether `labels` satisfy a LabelSelector: every matchLabels pair and every matchExpression (In, NotIn, Exists, DoesNotExist). */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // an invalid operator selects nothing
    }
  }
  return true;
}

/**
 * Namespace labels. A namespace that is not among the input objects still has the label the API server
 * always sets, `kubernetes.io/metadata.name: <name>`, so selectors on it work without the Namespace object.
 * Its other labels are unknown: with references mode 'namespace' a selector that needs them is assumed to
 * match (the caller warns); with 'strict' it does not.
 */
export class Namespaces {
  private readonly labels = new Map<string, Record<string, string>>();

  public constructor(
    store: Store,
    private readonly assumeUnknown: boolean,
  ) {
    for (const ns of store.all('Namespace')) this.labels.set(ns.name, { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name });
  }

  /**
   * Whether a selector selects a namespace: true, false, or 'assumed' when the namespace is not in the input
   * and only labels we cannot see would decide.
   */
  public selects(sel: LabelSelector, namespace: string): boolean | 'assumed' {
    if (selectorMatches(sel, this.labelsOf(namespace))) return true;
    return !this.known(namespace) && this.assumeUnknown ? 'assumed' : false;
  }

  public labelsOf(namespace: string): Record<string, string> {
    return this.labels.get(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace };
  }

  /** True when the namespace appears as a Namespace object in the input. */
  public known(namespace: string): boolean {
    return this.labels.has(namespace);
  }
}
