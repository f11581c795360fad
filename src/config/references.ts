/**
 * The Secrets and ConfigMaps a DataPlaneConfig names (certificates, CA bundles), with the keys the data
 * plane reads from each: what has to be where the data plane looks for it (`<dir>/<namespace>/<name>/<key>`).
 * Internal: not exported from src/index.ts.
 */
import type { DataPlaneConfig } from './dataplane-config';

export interface ObjectReference {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly namespace: string;
  readonly name: string;
  /** Sorted. */
  readonly keys: string[];
}

/** Every Secret and ConfigMap the config names, sorted by kind, namespace and name. */
export function configReferences(config: DataPlaneConfig): ObjectReference[] {
  const refs = new Map<string, { kind: 'Secret' | 'ConfigMap'; namespace: string; name: string; keys: Set<string> }>();
  const use = (kind: 'Secret' | 'ConfigMap', namespace: string, name: string, keys: string[]) => {
    const id = `${kind}|${namespace}|${name}`;
    let r = refs.get(id);
    if (!r) refs.set(id, (r = { kind, namespace, name, keys: new Set() }));
    for (const k of keys) r.keys.add(k);
  };
  for (const port of config.ports) {
    for (const l of port.listeners) for (const c of l.tls?.certificates ?? []) use('Secret', c.namespace, c.name, ['tls.crt', 'tls.key']);
    for (const ca of port.frontendValidation?.caBundles ?? []) use(ca.kind, ca.namespace, ca.name, [ca.key || 'ca.crt']);
  }
  for (const b of Object.values(config.backends)) {
    for (const ca of b.tls?.caBundles ?? []) use(ca.kind, ca.namespace, ca.name, [ca.key || 'ca.crt']);
    const cc = b.tls?.clientCertificate;
    if (cc) use('Secret', cc.namespace, cc.name, ['tls.crt', 'tls.key']);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...refs.values()]
    .map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name, keys: [...r.keys].sort() }))
    .sort((a, b) => cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
}
