import { Obj, Store } from './objects';
import { PORT_RANGE } from '../spec/limits';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../spec/project';

/**
 * True for an object cdk8s-gateway rendered (a data plane's ConfigMaps and Services, a Gateway's parameters
 * ConfigMap), as found in a synthesized dist/. It exists in the cluster, so a reference to it resolves, but
 * it says nothing about which of the user's objects the manifests hold.
 */
export function isOwnObject(obj: Obj): boolean {
  return obj.labels[MANAGED_BY_LABEL] === MANAGED_BY;
}

/** How to treat references to Services, Secrets and ConfigMaps that are not among the input objects. */
export type ReferenceMode =
  /**
   * A namespace is "complete" for a kind when the input holds at least one object of that kind in it that
   * cdk8s-gateway did not render itself: a missing object there is an error (BackendNotFound,
   * InvalidCertificateRef...). Objects in other namespaces are assumed to exist outside the manifests
   * (created by Helm, cert-manager...), with a warning.
   */
  | 'namespace'
  /** Every missing Service, Secret or ConfigMap is an error, as a controller in the cluster would see it. */
  | 'strict';

/** One port of a core Service (`spec.ports[]`): what a backendRef's `port` is matched against, with its `appProtocol`. */
export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
  readonly appProtocol?: string;
}

/** A core Service of the input: its object, `spec.type` and ports, as backendRefs resolve against it. */
export interface ServiceInfo {
  readonly obj: Obj;
  readonly type: string;
  readonly ports: readonly ServicePort[];
}

/** The answer to a lookup of a referenced object: found, missing (ResolvedRefs=False, BackendNotFound), or assumed to exist in the cluster (reference mode `namespace`). */
export type Lookup<T> = { readonly found: T } | { readonly missing: true } | { readonly external: true };

/**
 * The core objects (Service, Secret, ConfigMap, Namespace) that Gateway API objects refer to, looked up by
 * namespace and name; the reference mode decides whether one missing from the input is an error or assumed to exist.
 */
export class CoreObjects {
  private readonly services = new Map<string, ServiceInfo>();

  public constructor(
    private readonly store: Store,
    private readonly mode: ReferenceMode,
  ) {
    for (const obj of store.all('Service')) {
      const spec = obj.root.at('spec');
      const ports = spec
        .at('ports')
        .list()
        .map((p) => ({
          name: p.at('name').str() || undefined,
          port: p.at('port').int({ required: true, ...PORT_RANGE }) ?? 0,
          protocol: p.at('protocol').str() ?? 'TCP',
          appProtocol: p.at('appProtocol').str() || undefined,
        }))
        .filter((p) => p.port > 0);
      this.services.set(`${obj.namespace}/${obj.name}`, { obj, type: spec.at('type').str() ?? 'ClusterIP', ports });
    }
  }

  public service(namespace: string, name: string): Lookup<ServiceInfo> {
    const s = this.services.get(`${namespace}/${name}`);
    if (s) return { found: s };
    return this.absent('Service', namespace);
  }

  public secret(namespace: string, name: string): Lookup<Obj> {
    const o = this.store.get('Secret', namespace, name);
    return o ? { found: o } : this.absent('Secret', namespace);
  }

  public configMap(namespace: string, name: string): Lookup<Obj> {
    const o = this.store.get('ConfigMap', namespace, name);
    return o ? { found: o } : this.absent('ConfigMap', namespace);
  }

  private absent(kind: 'Service' | 'Secret' | 'ConfigMap', namespace: string): Lookup<never> {
    if (this.mode === 'strict') return { missing: true };
    // the namespace is complete for this kind when the manifests hold some of the user's objects of it there
    // (a data plane's bundle ConfigMap next to a CA ConfigMap created by hand does not count)
    return this.store.all(kind).some((o) => o.namespace === namespace && !isOwnObject(o)) ? { missing: true } : { external: true };
  }
}

/** A data key of a Secret (`data` is base64, `stringData` plain) or a ConfigMap (`data`, `binaryData`). */
export function dataKey(obj: Obj, key: string): string | undefined {
  const plain = obj.root.at(obj.kind === 'Secret' ? 'stringData' : 'data').at(key).value;
  if (typeof plain === 'string') return plain;
  const encoded = obj.root.at(obj.kind === 'Secret' ? 'data' : 'binaryData').at(key).value;
  if (typeof encoded !== 'string') return undefined;
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----\s*[A-Za-z0-9+/=\s]+?\s*-----END CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN ((RSA|EC|ENCRYPTED) )?PRIVATE KEY-----\s*[A-Za-z0-9+/=\s]+?\s*-----END ((RSA|EC|ENCRYPTED) )?PRIVATE KEY-----/;

/** Why a Secret cannot serve as a TLS certificate, or undefined when it has PEM `tls.crt` and `tls.key`. */
export function certificateProblem(secret: Obj): string | undefined {
  const crt = dataKey(secret, 'tls.crt');
  const keyPem = dataKey(secret, 'tls.key');
  if (crt === undefined || keyPem === undefined) return `Secret ${secret.namespace}/${secret.name} must have the keys tls.crt and tls.key`;
  if (!PEM_CERT.test(crt)) return `Secret ${secret.namespace}/${secret.name}: tls.crt is not a PEM certificate`;
  if (!PEM_KEY.test(keyPem)) return `Secret ${secret.namespace}/${secret.name}: tls.key is not a PEM private key`;
  return undefined;
}

/** Why a ConfigMap or Secret cannot serve as a CA bundle (key `ca.crt`), or undefined. */
export function caBundleProblem(obj: Obj): string | undefined {
  const ca = dataKey(obj, 'ca.crt');
  if (ca === undefined) return `${obj.kind} ${obj.namespace}/${obj.name} has no key ca.crt`;
  if (!PEM_CERT.test(ca)) return `${obj.kind} ${obj.namespace}/${obj.name}: ca.crt is not a PEM certificate`;
  return undefined;
}
