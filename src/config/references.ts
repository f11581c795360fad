/**
 * The Secrets and ConfigMaps a DataPlaneConfig names (certificates, CA bundles), with the keys the data
 * plane reads from each: what has to be where the data plane looks for it (`<dir>/<namespace>/<name>/<key>`).
 * One walk of the config for both readers: the synth step mounts them (deploy/config-inputs.ts), cluster
 * mode's sync copies them into the shared directory (sync/gateway-sync.ts).
 * Internal: not exported from src/index.ts.
 */
import type { DataPlaneConfig } from './dataplane-config';

export type ReferenceKind = 'Secret' | 'ConfigMap';

/** One place in the config that names a Secret or ConfigMap. */
export interface ReferenceUse {
  readonly kind: ReferenceKind;
  readonly namespace: string;
  readonly name: string;
  /** The keys read there. */
  readonly keys: string[];
  /** Who refers to it, for messages: `listener "x" certificateRefs`, `BackendTLSPolicy ns/p validation.caCertificateRefs`. */
  readonly usedBy: string;
  /** A certificate with its private key (false for a CA bundle, whose content is public). */
  readonly privateKey: boolean;
}

export interface ObjectReference {
  readonly kind: ReferenceKind;
  readonly namespace: string;
  readonly name: string;
  /** Sorted. */
  readonly keys: string[];
  /** Every use, in the config's order, without repeats. */
  readonly usedBy: string[];
}

/** Every place the config names a Secret or ConfigMap: listeners, then the Gateway's frontend validation, then backends by id. */
export function referenceUses(config: DataPlaneConfig): ReferenceUse[] {
  const gw = `Gateway ${config.gateway.namespace}/${config.gateway.name}`;
  const uses: ReferenceUse[] = [];
  for (const port of config.ports) {
    for (const l of port.listeners) {
      for (const c of l.tls?.certificates ?? []) {
        uses.push({ kind: 'Secret', namespace: c.namespace, name: c.name, keys: ['tls.crt', 'tls.key'], usedBy: `listener "${l.id}" certificateRefs`, privateKey: true });
      }
    }
    for (const ca of port.frontendValidation?.caBundles ?? []) {
      const usedBy = `${gw} spec.tls.frontend (port ${port.port}) caCertificateRefs`;
      uses.push({ kind: ca.kind, namespace: ca.namespace, name: ca.name, keys: [ca.key || 'ca.crt'], usedBy, privateKey: false });
    }
  }
  for (const id of Object.keys(config.backends).sort()) {
    const tls = config.backends[id].tls;
    if (!tls) continue;
    const policy = `BackendTLSPolicy ${tls.policy.namespace}/${tls.policy.name} validation.caCertificateRefs`;
    for (const ca of tls.caBundles) uses.push({ kind: ca.kind, namespace: ca.namespace, name: ca.name, keys: [ca.key || 'ca.crt'], usedBy: policy, privateKey: false });
    const cc = tls.clientCertificate;
    if (cc) {
      uses.push({ kind: 'Secret', namespace: cc.namespace, name: cc.name, keys: ['tls.crt', 'tls.key'], usedBy: 'spec.tls.backend.clientCertificateRef', privateKey: true });
    }
  }
  return uses;
}

/**
 * The Secrets and ConfigMaps the config names, one entry each with the union of keys read, sorted by kind,
 * namespace and name. `accept` leaves out uses (the synth step refuses a private key its pods cannot mount).
 */
export function configReferences(config: DataPlaneConfig, accept: (use: ReferenceUse) => boolean = () => true): ObjectReference[] {
  const refs = new Map<string, { kind: ReferenceKind; namespace: string; name: string; keys: Set<string>; usedBy: string[] }>();
  for (const use of referenceUses(config)) {
    if (!accept(use)) continue;
    const id = `${use.kind}|${use.namespace}|${use.name}`;
    let r = refs.get(id);
    if (!r) refs.set(id, (r = { kind: use.kind, namespace: use.namespace, name: use.name, keys: new Set(), usedBy: [] }));
    for (const k of use.keys) r.keys.add(k);
    if (!r.usedBy.includes(use.usedBy)) r.usedBy.push(use.usedBy);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...refs.values()]
    .map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name, keys: [...r.keys].sort(), usedBy: r.usedBy }))
    .sort((a, b) => cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
}
