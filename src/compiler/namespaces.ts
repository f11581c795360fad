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

/** The requirements of `sel` on one label key. */
function onlyKey(sel: LabelSelector, key: string): LabelSelector {
  return {
    matchLabels: Object.prototype.hasOwnProperty.call(sel.matchLabels, key) ? { [key]: sel.matchLabels[key] } : {},
    matchExpressions: sel.matchExpressions.filter((e) => e.key === key),
  };
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
    const labels = this.labelsOf(namespace);
    if (selectorMatches(sel, labels)) return true;
    if (this.known(namespace) || !this.assumeUnknown) return false;
    // the name label is known even here: a requirement on it that fails decides, whatever the other labels are
    // (a listener that admits namespaces by name never admits another namespace on assumption)
    return selectorMatches(onlyKey(sel, NAMESPACE_NAME_LABEL), labels) ? 'assumed' : false;
  }

  public labelsOf(namespace: string): Record<string, string> {
    return this.labels.get(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace };
  }

  /** The namespaces that appear as Namespace objects in the input. */
  public knownNames(): string[] {
    return [...this.labels.keys()];
  }

  /** True when the namespace appears as a Namespace object in the input. */
  public known(namespace: string): boolean {
    return this.labels.has(namespace);
  }
}

/**
 * The namespaces a selector names outright (`kubernetes.io/metadata.name` in matchLabels or an `In`
 * expression): the only ones it can select. Undefined when it does not restrict the name.
 */
export function namesSelected(sel: LabelSelector): string[] | undefined {
  let names: string[] | undefined;
  const narrow = (values: readonly string[]) => {
    names = names === undefined ? [...values] : names.filter((n) => values.includes(n));
  };
  if (Object.prototype.hasOwnProperty.call(sel.matchLabels, NAMESPACE_NAME_LABEL)) narrow([sel.matchLabels[NAMESPACE_NAME_LABEL]]);
  for (const e of sel.matchExpressions) if (e.key === NAMESPACE_NAME_LABEL && e.operator === 'In') narrow(e.values);
  return names;
}

/** `a=b, c in (d, e)`: a selector as messages show it. */
export function describeSelector(sel: LabelSelector): string {
  const parts = Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions) {
    const op = e.operator === 'Exists' || e.operator === 'DoesNotExist' ? e.operator.toLowerCase() : `${e.operator.toLowerCase()} (${e.values.join(', ')})`;
    parts.push(`${e.key} ${op}`);
  }
  return parts.join(', ') || 'everything';
}
