import { checkCoreKind, IKubernetesObject } from './kubernetes-object';
import { checkDnsLabel, checkDnsSubdomain, checkGroup, checkKind } from '../spec/checks';
import { Where } from '../spec/where';

/** A reference to an object by group, kind, name and (optionally) namespace. @internal */
export interface ObjectRefJson {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface TlsCertificateOptions {
  /**
   * Namespace of the Secret. A Secret in another namespace than the Gateway needs a ReferenceGrant there.
   * @default - the Gateway's namespace
   */
  readonly namespace?: string;
}

/**
 * A serving certificate: a `kubernetes.io/tls` Secret (keys `tls.crt` and `tls.key`). Create with the static
 * factories.
 */
export class TlsCertificate {
  /** A Secret by name, in the Gateway's namespace unless `namespace` is given. */
  public static fromSecretName(name: string, options: TlsCertificateOptions = {}): TlsCertificate {
    return new TlsCertificate(name, options.namespace);
  }

  /** A Secret of the app (a cdk8s-plus `Secret` of any major or a `v1` Secret `ApiObject`); its namespace is read from it. */
  public static fromSecret(secret: IKubernetesObject): TlsCertificate {
    checkCoreKind(new Where(`TlsCertificate.fromSecret(${secret.node.path})`), secret, 'Secret');
    return new TlsCertificate(secret.name, secret.metadata.namespace);
  }

  private constructor(
    /** Name of the Secret. */
    public readonly secretName: string,
    /** Namespace of the Secret, when not the Gateway's. */
    public readonly namespace?: string,
  ) {}

  /** @internal */
  public _toRef(where: Where): ObjectRefJson {
    checkDnsSubdomain(where.at('name'), this.secretName);
    if (this.namespace !== undefined) checkDnsLabel(where.at('namespace'), this.namespace);
    return { group: '', kind: 'Secret', name: this.secretName, ...(this.namespace ? { namespace: this.namespace } : {}) };
  }
}

export interface CaCertificateOptions {
  /**
   * Namespace of the object. Only Gateway client-certificate validation may reference another namespace
   * (with a ReferenceGrant there); BackendTLSPolicy CA references are always local.
   * @default - the referencing object's namespace
   */
  readonly namespace?: string;
}

/**
 * A bundle of trusted CA certificates (PEM, key `ca.crt`) in a ConfigMap or a Secret. Create with the static
 * factories.
 */
export class CaCertificate {
  /** A ConfigMap by name (key `ca.crt`): the portable choice. */
  public static fromConfigMapName(name: string, options: CaCertificateOptions = {}): CaCertificate {
    return new CaCertificate('', 'ConfigMap', name, options.namespace);
  }

  /** A ConfigMap of the app (a cdk8s-plus `ConfigMap` of any major or a `v1` ConfigMap `ApiObject`); its namespace is read from it. */
  public static fromConfigMap(configMap: IKubernetesObject): CaCertificate {
    checkCoreKind(new Where(`CaCertificate.fromConfigMap(${configMap.node.path})`), configMap, 'ConfigMap');
    return new CaCertificate('', 'ConfigMap', configMap.name, configMap.metadata.namespace);
  }

  /** A Secret by name (key `ca.crt`); support for Secrets is implementation-specific. */
  public static fromSecretName(name: string, options: CaCertificateOptions = {}): CaCertificate {
    return new CaCertificate('', 'Secret', name, options.namespace);
  }

  /** Any object kind an implementation understands. */
  public static fromReference(group: string, kind: string, name: string, options: CaCertificateOptions = {}): CaCertificate {
    return new CaCertificate(group, kind, name, options.namespace);
  }

  private constructor(
    /** API group of the object (`""` for ConfigMap and Secret). */
    public readonly group: string,
    /** Kind of the object. */
    public readonly kind: string,
    /** Name of the object. */
    public readonly name: string,
    /** Namespace, when not the referencing object's. */
    public readonly namespace?: string,
  ) {}

  /** @internal */
  public _toRef(where: Where): ObjectRefJson {
    checkGroup(where.at('group'), this.group);
    checkKind(where.at('kind'), this.kind);
    checkDnsSubdomain(where.at('name'), this.name);
    if (this.namespace !== undefined) checkDnsLabel(where.at('namespace'), this.namespace);
    return { group: this.group, kind: this.kind, name: this.name, ...(this.namespace ? { namespace: this.namespace } : {}) };
  }
}
