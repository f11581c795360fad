import { ApiObject, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { migrateIngresses, Migration } from './migrate';
import { verifyMigration } from './verify';
import { TlsCertificate, CaCertificate } from '../constructs/certificates';
import type { DataPlaneProps } from '../constructs/data-plane';
import { ClientCertificateMode, Gateway } from '../constructs/gateway';
import { GatewayClass, IGatewayClass } from '../constructs/gateway-class';
import { AllowedRoutes, Listener } from '../constructs/listener';
import { ReferenceGrant } from '../constructs/reference-grant';
import { addWarning } from '../constructs/warnings';

/** What became of an annotation or feature. */
export enum MigrationStatus {
  /** It has a Gateway API equivalent, and the output says the same. */
  TRANSLATED = 'translated',
  /** Translated, with a difference the finding's reason states. */
  APPROXIMATED = 'approximated',
  /** No Gateway API equivalent: left out (the reason says why and what to do). */
  UNTRANSLATABLE = 'untranslatable',
  /** ingress-nginx ignores it too, or it is not routing. */
  IGNORED = 'ignored',
}

/** One annotation or feature of an Ingress, and what it became. */
export interface IngressMigrationFinding {
  /** `namespace/name` of the Ingress; empty for findings about the whole Gateway. */
  readonly ingress: string;
  /** The annotation (`nginx.ingress.kubernetes.io/canary-weight`) or the feature (`spec.rules[0].http.paths[1] (host /path)`). */
  readonly subject: string;
  /**
   * The annotation's value.
   * @default - a feature has no value
   */
  readonly value?: string;
  readonly status: MigrationStatus;
  /** Where it landed in the output. */
  readonly became: string[];
  /**
   * Why it is approximated, untranslatable or ignored.
   * @default - translated as is
   */
  readonly reason?: string;
}

/** A request ingress-nginx and the migrated Gateway decide differently. */
export interface IngressMigrationDifference {
  /** The request, e.g. `GET http://shop.example.com/api -H 'x-canary: always'`. */
  readonly request: string;
  /** What ingress-nginx does with it. */
  readonly ingressNginx: string;
  /** What the Gateway does with it. */
  readonly gateway: string;
}

/** Options of an Ingress migration. */
export interface IngressMigrationOptions {
  /**
   * Only Ingresses of this IngressClass (and class-less ones when it is the default class).
   * @default - every Ingress
   */
  readonly ingressClass?: string;
  /**
   * The GatewayClass of the Gateway.
   * @default - this project's node data plane class (GatewayClass.nodeDataPlane)
   */
  readonly gatewayClass?: IGatewayClass;
  /**
   * Name of the Gateway.
   * @default "ingress"
   */
  readonly gatewayName?: string;
  /**
   * Namespace of the Gateway.
   * @default - the namespace of the TLS Secrets when they share one, else "gateway-system"
   */
  readonly gatewayNamespace?: string;
  /**
   * The data plane's size and options (this project's GatewayClass only).
   * @default - the data plane's defaults
   */
  readonly dataPlane?: DataPlaneProps;
}

/** Ingress YAML to migrate. */
export interface IngressMigrationYamlProps extends IngressMigrationOptions {
  /** Files (or URLs) of Ingresses, IngressClasses, and the Services and Secrets next to them. */
  readonly files: string[];
}

/** Ingress objects to migrate. */
export interface IngressMigrationObjectsProps extends IngressMigrationOptions {
  /** Ingresses, IngressClasses, Services and Secrets, as parsed manifests. */
  readonly objects: any[];
}

/**
 * Ingresses (with their ingress-nginx annotations) as Gateway API objects at synth: one Gateway with the
 * listeners the Ingresses need, HTTPRoutes (GRPCRoutes, TLSRoutes), BackendTLSPolicies, ReferenceGrants and the
 * files' Services, with ingress-nginx's routing kept (path types, hosts shared by several Ingresses, regex
 * hosts, canaries, the HTTP to HTTPS redirect). Everything with no Gateway API equivalent is a synth warning
 * (see `Warnings.of(app)`) and a finding; `verify()` checks in a test that the Gateway routes like
 * ingress-nginx.
 *
 * @example
 * const migration = IngressMigration.fromYaml(chart, 'legacy', { files: ['k8s/ingresses.yaml'] });
 * // in a jest test: expect(migration.verify()).toEqual([]);
 */
export class IngressMigration extends Construct {
  /** Migrates the Ingresses in YAML files. */
  public static fromYaml(scope: Construct, id: string, props: IngressMigrationYamlProps): IngressMigration {
    const objects: unknown[] = [];
    const sources: string[] = [];
    for (const f of props.files) {
      Yaml.load(f).forEach((o, i) => {
        if (o === null || o === undefined) return;
        objects.push(o);
        sources.push(`${f}#${i}`);
      });
    }
    return new IngressMigration(scope, id, objects, sources, props);
  }

  /** Migrates Ingresses given as objects. */
  public static fromObjects(scope: Construct, id: string, props: IngressMigrationObjectsProps): IngressMigration {
    return new IngressMigration(scope, id, props.objects, [], props);
  }

  /** The Gateway that replaces the ingress controller. */
  public readonly gateway: Gateway;
  /** Every annotation and feature of every Ingress, and what it became. */
  public readonly findings: IngressMigrationFinding[];
  private readonly migration: Migration;

  private constructor(scope: Construct, id: string, objects: readonly unknown[], sources: readonly string[], options: IngressMigrationOptions) {
    super(scope, id);
    const gatewayClassName = options.gatewayClass && !GatewayClass.isNodeDataPlane(options.gatewayClass)
      ? options.gatewayClass.gatewayClassName
      : undefined;
    const m = migrateIngresses(objects, {
      ingressClass: options.ingressClass,
      gatewayClass: gatewayClassName,
      sources,
      gateway: options.gatewayNamespace ? { namespace: options.gatewayNamespace, name: options.gatewayName ?? 'ingress' } : undefined,
      gatewayName: options.gatewayName,
    });
    this.migration = m;
    const t = m.translation;
    const gw = m.context.gateway;

    const allowed = (name: string): AllowedRoutes => {
      const l = (t.gateway.spec as any).listeners.find((x: any) => x.name === name);
      const ns = l?.allowedRoutes?.namespaces;
      return ns?.from === 'Selector' ? AllowedRoutes.fromNamespaces(ns.selector.matchExpressions[0].values) : AllowedRoutes.sameNamespace();
    };
    const listeners = t.listeners.map((l) => {
      if (l.protocol === 'HTTP') return Listener.http({ name: l.name, port: l.port, hostname: l.hostname, allowedRoutes: allowed(l.name) });
      if (l.protocol === 'TLS') return Listener.tlsPassthrough({ name: l.name, port: l.port, hostname: l.hostname, allowedRoutes: allowed(l.name) });
      return Listener.https({
        name: l.name,
        port: l.port,
        hostname: l.hostname,
        allowedRoutes: allowed(l.name),
        certificates: (l.tls?.certificateRefs ?? []).map((c) => TlsCertificate.fromSecretName(c.name, c.namespace ? { namespace: c.namespace } : {})),
      });
    });
    const tls = t.gatewayTls as { frontend?: any; backend?: any } | undefined;
    const v = tls?.frontend?.default?.validation;
    const client = tls?.backend?.clientCertificateRef;
    this.gateway = new Gateway(this, 'Gateway', {
      gatewayClass: options.gatewayClass ?? GatewayClass.nodeDataPlane(this),
      metadata: { name: gw.name, namespace: gw.namespace },
      listeners,
      dataPlane: options.dataPlane,
      clientCertificateValidation: v ? {
        caCertificates: v.caCertificateRefs.map((r: any) => CaCertificate.fromSecretName(r.name, r.namespace ? { namespace: r.namespace } : {})),
        mode: v.mode === 'AllowValidOnly' ? ClientCertificateMode.ALLOW_VALID_ONLY : ClientCertificateMode.ALLOW_INSECURE_FALLBACK,
      } : undefined,
      backendClientCertificate: client
        ? TlsCertificate.fromSecretName(client.name, client.namespace ? { namespace: client.namespace } : {})
        : undefined,
    });
    for (const g of t.referenceGrants) {
      const md = g.metadata as { name: string; namespace: string };
      const spec = g.spec as { from: any[]; to: any[] };
      new ReferenceGrant(this, `ReferenceGrant-${md.namespace}-${md.name}`, { metadata: { name: md.name, namespace: md.namespace }, from: spec.from, to: spec.to });
    }
    const rest = m.objects.filter((o) => o.kind !== 'GatewayClass' && o.kind !== 'Gateway' && o.kind !== 'ReferenceGrant');
    for (const o of rest) {
      const md = o.metadata as { name: string; namespace?: string };
      new ApiObject(this, `${o.kind}-${md.namespace ?? 'default'}-${md.name}`, o as any);
    }

    this.findings = [];
    for (const i of m.report.ingresses.filter((x) => x.selected)) {
      for (const a of i.annotations) {
        const status = a.status as MigrationStatus;
        this.findings.push({ ingress: i.ingress, subject: a.annotation, value: a.value, status, became: [...a.became], reason: a.reason });
      }
      for (const f of i.features) {
        this.findings.push({ ingress: i.ingress, subject: f.feature, status: f.status as MigrationStatus, became: f.status === 'translated' ? [f.text] : [], reason: f.status === 'translated' ? undefined : f.text });
      }
    }
    for (const f of this.findings) {
      if (f.status !== MigrationStatus.UNTRANSLATABLE && f.status !== MigrationStatus.APPROXIMATED) continue;
      const what = `${f.ingress ? `Ingress ${f.ingress}` : 'Gateway'}: ${f.subject}${f.value !== undefined ? ` ${JSON.stringify(f.value)}` : ''}`;
      addWarning(this, `${what} ${f.status === MigrationStatus.UNTRANSLATABLE ? 'has no Gateway API equivalent' : 'is approximated'}: ${f.reason}`);
    }
    if (t.experimental) addWarning(this, 'the migrated routes use experimental-channel fields (ExternalAuth, retry or sessionPersistence): install the experimental Gateway API CRDs');
    for (const p of m.report.problems) addWarning(this, p);
  }

  /** Findings with no Gateway API equivalent. */
  public get untranslatable(): IngressMigrationFinding[] {
    return this.findings.filter((f) => f.status === MigrationStatus.UNTRANSLATABLE);
  }

  /**
   * Requests derived from every Ingress rule, decided by a model of ingress-nginx and by the migrated
   * Gateway's router; the ones they decide differently. Empty when routing did not change.
   */
  public verify(): IngressMigrationDifference[] {
    const r = verifyMigration(this.migration);
    const out: IngressMigrationDifference[] = r.problems.map((p) => ({ request: '(compile)', ingressNginx: 'accepted', gateway: p }));
    if (r.error) out.push({ request: '(compile)', ingressNginx: 'a config', gateway: r.error });
    return [...out, ...r.disagreements.map((d) => ({ request: d.request, ingressNginx: d.ingress, gateway: d.gateway }))];
  }
}
