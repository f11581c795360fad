import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { CaCertificate } from './certificates';
import { checkCoreKind, IKubernetesObject } from './kubernetes-object';
import { GatewayApiResource, resolveObjectName } from './resource';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkDnsSubdomain, checkGroup, checkHostname, checkKind, checkLength, checkMaxItems, checkQualifiedName } from '../spec/checks';
import { MAX_ITEMS, MAX_LENGTH } from '../spec/limits';
import { fail, failObject, show, Where } from '../spec/where';

/** Trust stores a BackendTLSPolicy can name instead of CA references. */
export enum WellKnownCaCertificates {
  /** The platform's (data plane image's) system trust store. */
  SYSTEM = 'System',
}

/** An identity the backend's certificate must carry (instead of `hostname`). */
export class SubjectAltName {
  /** A DNS name (may start with `*.`). */
  public static hostname(hostname: string): SubjectAltName {
    return new SubjectAltName('Hostname', hostname);
  }

  /** A URI, e.g. a SPIFFE ID `spiffe://cluster.local/ns/shop/sa/api`. */
  public static uri(uri: string): SubjectAltName {
    return new SubjectAltName('URI', uri);
  }

  private constructor(
    /** `Hostname` or `URI`. */
    public readonly type: string,
    /** The name. */
    public readonly value: string,
  ) {}
}

/** A Service (port) the policy applies to. */
export interface BackendTlsPolicyTarget {
  /** Name of the Service. */
  readonly name: string;
  /**
   * The Service port, by name, when only one port speaks TLS.
   * @default - every port of the Service
   */
  readonly sectionName?: string;
  /**
   * Kind of the target.
   * @default "Service"
   */
  readonly kind?: string;
  /**
   * API group of the target.
   * @default "" (core)
   */
  readonly group?: string;
}

export interface BackendTlsPolicyProps {
  /** Services the policy applies to (1 to 16), in the policy's namespace. */
  readonly targets: BackendTlsPolicyTarget[];
  /** The name sent as SNI and, without `subjectAltNames`, verified in the backend's certificate. */
  readonly hostname: string;
  /**
   * CA bundles (at most 8) in the policy's namespace that sign the backend's certificate. Exactly one of
   * `caCertificates` and `wellKnownCaCertificates`.
   * @default - none
   */
  readonly caCertificates?: CaCertificate[];
  /**
   * A well-known trust store instead of CA references.
   * @default - none
   */
  readonly wellKnownCaCertificates?: WellKnownCaCertificates;
  /**
   * Identities to verify instead of `hostname` (at most 5).
   * @default - the hostname is verified
   */
  readonly subjectAltNames?: SubjectAltName[];
  /**
   * Implementation-specific TLS options (at most 16).
   * @default - none
   */
  readonly options?: { [key: string]: string };
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

const SAN_URI = /^(([^:/?#]+):)(\/\/([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?/;

/** How the Gateway connects to Services over TLS: which CAs to trust and which name to verify. */
export class BackendTlsPolicy extends GatewayApiResource {
  /** A target for a Service of the app (a cdk8s-plus `Service` of any major or a `v1` Service `ApiObject`), optionally one named port. */
  public static serviceTarget(service: IKubernetesObject, sectionName?: string): BackendTlsPolicyTarget {
    checkCoreKind(new Where(`BackendTlsPolicy.serviceTarget(${service.node.path})`), service, 'Service');
    return { name: service.name, ...(sectionName !== undefined ? { sectionName } : {}) };
  }

  public readonly apiObject: ApiObject;
  public readonly resourceType = 'backendtlspolicies';

  public constructor(scope: Construct, id: string, props: BackendTlsPolicyProps) {
    super(scope, id);
    const name = resolveObjectName('BackendTlsPolicy', scope, id, props.metadata);
    const spec = this.renderSpec(this._where, props);
    this.apiObject = new k8s.BackendTlsPolicy(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => spec }) as unknown as k8s.BackendTlsPolicySpec,
    });
  }

  private renderSpec(where: Where, props: BackendTlsPolicyProps): k8s.BackendTlsPolicySpec {
    checkMaxItems(where.at('targetRefs'), props.targets, MAX_ITEMS.policyTargetRefs, 1);
    const keys: string[] = [];
    const targetRefs = props.targets.map((t, i) => {
      const w = where.at('targetRefs').at(i);
      const group = t.group ?? '';
      const kind = t.kind ?? 'Service';
      checkGroup(w.at('group'), group);
      checkKind(w.at('kind'), kind);
      checkDnsSubdomain(w.at('name'), t.name);
      if (t.sectionName !== undefined) checkDnsSubdomain(w.at('sectionName'), t.sectionName);
      const same = props.targets.filter((o) => (o.group ?? '') === group && (o.kind ?? 'Service') === kind && o.name === t.name);
      if (same.some((o) => (o.sectionName === undefined) !== (t.sectionName === undefined))) {
        failObject(w, `${kind} ${show(t.name)} is targeted more than once; then every target of it needs a sectionName`);
      }
      const key = `${group}|${kind}|${t.name}|${t.sectionName ?? ''}`;
      if (keys.includes(key)) failObject(w, `${kind} ${show(t.name)}${t.sectionName ? ` section ${show(t.sectionName)}` : ''} is targeted twice`);
      keys.push(key);
      return { group, kind, name: t.name, ...(t.sectionName !== undefined ? { sectionName: t.sectionName } : {}) };
    });
    const v = where.at('validation');
    checkHostname(v.at('hostname'), props.hostname, { wildcard: false });
    const cas = props.caCertificates ?? [];
    if (cas.length > 0 && props.wellKnownCaCertificates) {
      failObject(v, 'may set caCertificates or wellKnownCaCertificates, not both');
    }
    if (cas.length === 0 && !props.wellKnownCaCertificates) {
      failObject(v, 'needs caCertificates or wellKnownCaCertificates (WellKnownCaCertificates.SYSTEM for public CAs)');
    }
    checkMaxItems(v.at('caCertificateRefs'), cas, MAX_ITEMS.backendCaCertificateRefs);
    const caCertificateRefs = cas.map((c, i) => {
      const ref = c._toRef(v.at('caCertificateRefs').at(i));
      if (ref.namespace !== undefined) {
        fail(v.at('caCertificateRefs').at(i).at('namespace'), ref.namespace, "is not allowed: a BackendTLSPolicy's CA bundles live in its own namespace");
      }
      return { group: ref.group, kind: ref.kind, name: ref.name };
    });
    const sans = props.subjectAltNames ?? [];
    checkMaxItems(v.at('subjectAltNames'), sans, MAX_ITEMS.subjectAltNames);
    const subjectAltNames = sans.map((s, i) => {
      const w = v.at('subjectAltNames').at(i);
      if (s.type === 'Hostname') {
        checkHostname(w.at('hostname'), s.value);
        return { type: 'Hostname', hostname: s.value };
      }
      checkLength(w.at('uri'), s.value, 1, MAX_LENGTH.hostname);
      if (!SAN_URI.test(s.value)) fail(w.at('uri'), s.value, 'must be an absolute URI such as "spiffe://cluster.local/ns/shop/sa/api"');
      return { type: 'URI', uri: s.value };
    });
    const options = Object.entries(props.options ?? {});
    if (options.length > 16) failObject(where.at('options'), `has ${options.length} entries; at most 16 are allowed`);
    for (const [k, val] of options) {
      checkQualifiedName(where.at('options'), k);
      checkLength(where.at(`options.${k}`), val, 0, MAX_LENGTH.optionValue);
    }
    return {
      targetRefs,
      validation: {
        hostname: props.hostname,
        ...(caCertificateRefs.length > 0 ? { caCertificateRefs } : {}),
        ...(props.wellKnownCaCertificates ? { wellKnownCaCertificates: props.wellKnownCaCertificates } : {}),
        ...(subjectAltNames.length > 0 ? { subjectAltNames } : {}),
      },
      ...(options.length > 0 ? { options: { ...props.options } } : {}),
    } as unknown as k8s.BackendTlsPolicySpec;
  }
}
