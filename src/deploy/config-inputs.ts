/**
 * What the deploy step needs to know from a compiled DataPlaneConfig: the sockets to expose and the
 * Secrets and ConfigMaps to mount. Internal: not exported from src/index.ts.
 */
import type { DataPlaneConfig, PortConfig } from '../config/dataplane-config';
import { configReferences, ReferenceKind } from '../config/references';

export type Transport = 'TCP' | 'UDP';

/** One socket of the data plane, as the Service exposes it. */
export interface SocketSpec {
  readonly port: number;
  readonly transport: Transport;
  /** Port name in the Service and the pod: `http-80`, `tls-443`, `udp-53` (unique, at most 15 characters). */
  readonly name: string;
}

export type MountKind = ReferenceKind;

/** A Secret or ConfigMap the data plane reads, with the keys it reads and who uses it (for messages). */
export interface MountSpec {
  readonly kind: MountKind;
  readonly namespace: string;
  readonly name: string;
  readonly keys: string[];
  readonly usedBy: string[];
  /**
   * Set for a CA bundle of another namespace: the pods cannot mount it, so its (public) content is shipped
   * in a ConfigMap of the Gateway's namespace instead. Filled by `copyCaBundles`.
   */
  readonly content?: Record<string, string>;
}

export interface ConfigInputs {
  readonly sockets: SocketSpec[];
  /** Sorted by kind, then name. */
  readonly mounts: MountSpec[];
  /** Certificates a pod in the Gateway's namespace cannot mount (one message each, saying what to do). */
  readonly errors: string[];
}

/**
 * Collects sockets and mounts from a config. A certificate (private key) outside the Gateway's namespace
 * is an error; a CA bundle outside it is kept, to be copied (`copyCaBundles`).
 */
export function configInputs(config: DataPlaneConfig): ConfigInputs {
  const gwNs = config.gateway.namespace;
  const gw = `Gateway ${gwNs}/${config.gateway.name}`;
  const errors: string[] = [];
  const mounts = configReferences(config, (use) => {
    if (use.namespace === gwNs || !use.privateKey) return true;
    errors.push(`${gw}: ${use.usedBy} refers to ${use.kind} ${use.namespace}/${use.name}, but the data-plane pods run in namespace "${gwNs}" ` +
      `and a pod can only mount ${use.kind}s of its own namespace; create the Secret in "${gwNs}" (issue the certificate there, ` +
      'or copy it with your secret manager) and point the reference at that copy');
    return false;
  });
  const sockets = config.ports.map((p) => ({ port: p.port, transport: p.transport, name: `${socketKind(p)}-${p.port}` }));
  return { sockets, mounts, errors: [...new Set(errors)] };
}

/** `http`, `https` (TLS port whose listeners all serve HTTPS), `tls`, `tcp`, `udp`. */
function socketKind(p: PortConfig): string {
  if (p.kind === 'TLS' && p.listeners.length > 0 && p.listeners.every((l) => l.protocol === 'HTTPS')) return 'https';
  return p.kind.toLowerCase();
}

/**
 * Fills the content of the CA bundles of other namespaces from the objects (the app's, or the manifests'):
 * CA certificates are public, so the synth step ships a copy in the Gateway's namespace. A bundle that is
 * not among the objects cannot be copied: one error each, saying what to do.
 */
export function copyCaBundles(inputs: ConfigInputs, gatewayNamespace: string, objects: readonly unknown[]): ConfigInputs {
  const errors = [...inputs.errors];
  const mounts = inputs.mounts.map((m) => {
    if (m.namespace === gatewayNamespace) return m;
    const obj = objects.find((o: any) => o?.kind === m.kind && o?.metadata?.name === m.name && (o?.metadata?.namespace ?? 'default') === m.namespace) as any;
    const content: Record<string, string> = {};
    for (const key of m.keys) {
      const text = m.kind === 'ConfigMap'
        ? obj?.data?.[key] ?? (obj?.binaryData?.[key] !== undefined ? Buffer.from(obj.binaryData[key], 'base64').toString('utf8') : undefined)
        : obj?.stringData?.[key] ?? (obj?.data?.[key] !== undefined ? Buffer.from(obj.data[key], 'base64').toString('utf8') : undefined);
      if (text !== undefined) content[key] = text;
    }
    const missing = m.keys.filter((k) => content[k] === undefined);
    if (missing.length > 0) {
      errors.push(`${m.usedBy.join(', ')} refers to ${m.kind} ${m.namespace}/${m.name}` +
        `${obj ? ` whose key ${missing.map((k) => `"${k}"`).join(', ')} is missing` : ', which is not among the objects being synthesized'}; ` +
        `the data-plane pods run in namespace "${gatewayNamespace}" and cannot mount it from "${m.namespace}", so its CA certificates are ` +
        `copied at synth: define the ${m.kind} (with that key) in the app or the manifests`);
    }
    return { ...m, content };
  });
  return { ...inputs, mounts, errors };
}
