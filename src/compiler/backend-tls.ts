import { BackendDraft } from './backends';
import { Context, note } from './context';
import { resolveCaBundle } from './gateways';
import { compareAge, describe, Obj } from './objects';
import { condition, ConditionType, ObjectStatus, ParentRefStatusKey, Reason } from './status';
import type { BackendTlsConfig, CaBundleRef } from '../config/dataplane-config';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { DNS_SUBDOMAIN, HOSTNAME } from '../spec/patterns';

interface Verdict {
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

interface Policy {
  readonly obj: Obj;
  readonly targets: ReadonlyArray<{ readonly namespace: string; readonly name: string; readonly sectionName?: string }>;
  readonly accepted: Verdict;
  readonly resolvedRefs: Verdict;
  /** The TLS settings (without the Gateway's client certificate); absent when the policy is not accepted. */
  readonly tls?: Omit<BackendTlsConfig, 'clientCertificate'>;
  /** Targets (service#section) this policy lost to an older one. */
  readonly lost: Map<string, Obj>;
  /** Gateways that use a backend this policy targets. */
  readonly ancestors: Map<string, { readonly gateway: Obj; applied: boolean }>;
}

/** What a backend gets from BackendTLSPolicies: TLS settings, or why its connections must fail (5xx). */
export type BackendTls = { readonly tls: Omit<BackendTlsConfig, 'clientCertificate'> } | { readonly failure: { readonly reason: string; readonly message: string } } | undefined;

/**
 * BackendTLSPolicies: validated once, conflicts resolved per target (Service, or Service port by
 * sectionName) by age then name, and applied to the backends Gateways actually use. A policy for a port
 * (sectionName) takes precedence over one for the whole Service.
 */
export class BackendTlsPolicies {
  private readonly policies: Policy[] = [];
  /** target key → winning policy */
  private readonly winners = new Map<string, Policy>();

  public constructor(private readonly ctx: Context) {
    const byTarget = new Map<string, Policy[]>();
    for (const obj of [...ctx.store.all('BackendTLSPolicy')].sort(compareAge)) {
      const p = this.read(obj);
      this.policies.push(p);
      for (const t of p.targets) {
        const key = targetKey(t.namespace, t.name, t.sectionName);
        byTarget.set(key, [...(byTarget.get(key) ?? []), p]);
      }
    }
    for (const [key, list] of byTarget) {
      this.winners.set(key, list[0]);
      for (const loser of list.slice(1)) loser.lost.set(key, list[0].obj);
    }
  }

  private read(obj: Obj): Policy {
    const spec = obj.root.at('spec');
    const v = spec.at('validation');
    const where = describe(obj);
    const targets: Array<{ namespace: string; name: string; sectionName?: string }> = [];
    let accepted: Verdict = { status: true, reason: Reason.Accepted, message: 'accepted' };
    let resolvedRefs: Verdict = { status: true, reason: Reason.ResolvedRefs, message: 'all references resolved' };
    const reject = (reason: string, message: string) => {
      if (accepted.status) accepted = { status: false, reason, message: `${where}: ${message}` };
    };
    for (const t of spec.at('targetRefs').list()) {
      const group = t.at('group').str() ?? '';
      const kind = t.at('kind').str() ?? '';
      const name = t.at('name').str({ required: true }) ?? '';
      if (group !== '' || kind !== 'Service') {
        reject(Reason.TargetNotFound, `${t.path} refers to ${group ? `${group}/` : ''}${kind} ${name}; BackendTLSPolicy targets core Services`);
        continue;
      }
      const svc = this.ctx.core.service(obj.namespace, name);
      if ('missing' in svc) {
        reject(Reason.TargetNotFound, `${t.path}: Service ${obj.namespace}/${name} does not exist`);
        continue;
      }
      const sectionName = t.at('sectionName').str() || undefined;
      if (sectionName && 'found' in svc && !svc.found.ports.some((p) => p.name === sectionName)) {
        reject(Reason.TargetNotFound, `${t.path}: Service ${obj.namespace}/${name} has no port named "${sectionName}"`);
        continue;
      }
      targets.push({ namespace: obj.namespace, name, sectionName });
    }
    if (spec.at('targetRefs').list().length === 0) reject(Reason.Invalid, 'spec.targetRefs is empty');

    const hostname = v.at('hostname').str();
    if (hostname === undefined || !DNS_SUBDOMAIN.test(hostname)) reject(Reason.Invalid, `spec.validation.hostname ${JSON.stringify(v.at('hostname').value)} must be a hostname (the SNI and identity to verify)`);
    const refs = v.at('caCertificateRefs').list();
    const wellKnown = v.at('wellKnownCACertificates').str() || undefined;
    if (refs.length > 0 && wellKnown) reject(Reason.Invalid, 'set spec.validation.caCertificateRefs or wellKnownCACertificates, not both');
    if (refs.length === 0 && !wellKnown) reject(Reason.Invalid, 'set spec.validation.caCertificateRefs or wellKnownCACertificates: "System"');
    if (wellKnown && wellKnown !== 'System') reject(Reason.Invalid, `spec.validation.wellKnownCACertificates "${wellKnown}" is not supported (use "System")`);
    const caBundles: CaBundleRef[] = [];
    for (const r of refs) {
      const res = resolveCaBundle(this.ctx, obj, r, false);
      if ('error' in res) {
        if (resolvedRefs.status) resolvedRefs = { status: false, reason: res.reason === Reason.InvalidKind ? Reason.InvalidKind : Reason.InvalidCACertificateRef, message: `${where}: ${res.error}` };
      } else {caBundles.push(res.ref);}
    }
    if (refs.length > 0 && caBundles.length === 0) reject(Reason.NoValidCACertificate, `no valid CA certificate: ${resolvedRefs.message}`);
    const subjectAltNames: Array<{ type: 'Hostname' | 'URI'; value: string }> = [];
    for (const s of v.at('subjectAltNames').list()) {
      const type = s.at('type').str();
      const value = type === 'Hostname' ? s.at('hostname').str() : type === 'URI' ? s.at('uri').str() : undefined;
      if ((type !== 'Hostname' && type !== 'URI') || !value || (type === 'Hostname' && !HOSTNAME.test(value))) {
        reject(Reason.Invalid, `${s.path} must be {type: Hostname, hostname} or {type: URI, uri}`);
        continue;
      }
      subjectAltNames.push({ type, value });
    }
    const problems = obj.problems.under('spec');
    if (problems.length > 0) reject(Reason.Invalid, problems.map((p) => `${p.field} ${p.message}`).join('; '));
    return {
      obj,
      targets,
      accepted,
      resolvedRefs,
      tls: accepted.status ? { policy: { namespace: obj.namespace, name: obj.name }, hostname: hostname!, caBundles, systemCAs: wellKnown === 'System', subjectAltNames } : undefined,
      lost: new Map(),
      ancestors: new Map(),
    };
  }

  /** The TLS a backend gets for `gateway`, recording the Gateway as an ancestor of the policies involved. */
  public forBackend(b: BackendDraft, gateway: Obj): BackendTls {
    const sectionKey = b.portName ? targetKey(b.namespace, b.name, b.portName) : undefined;
    const wholeKey = targetKey(b.namespace, b.name, undefined);
    const winner = (sectionKey && this.winners.get(sectionKey)) || this.winners.get(wholeKey);
    const gwKey = `${gateway.namespace}/${gateway.name}`;
    for (const p of this.policies) {
      const relevant = p.targets.some(
        (t) => t.namespace === b.namespace && t.name === b.name && (t.sectionName === undefined || t.sectionName === b.portName),
      );
      if (!relevant) continue;
      const a = p.ancestors.get(gwKey) ?? { gateway, applied: false };
      if (p === winner) a.applied = true;
      p.ancestors.set(gwKey, a);
    }
    if (!winner) return undefined;
    if (!winner.tls) return { failure: { reason: winner.accepted.reason, message: `BackendTLSPolicy ${winner.obj.namespace}/${winner.obj.name} is not accepted: ${winner.accepted.message}` } };
    return { tls: winner.tls };
  }

  public statuses(controllerName: string): ObjectStatus[] {
    return this.policies.map((p) => {
      const g = p.obj.generation;
      if (p.ancestors.size === 0) {
        note(this.ctx, 'info', p.obj, 'spec.targetRefs', 'applies to no backend of a compiled Gateway, so it has no ancestor status');
      }
      const ancestors = [...p.ancestors.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, a]) => {
          const ancestorRef: ParentRefStatusKey = { group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: a.gateway.namespace, name: a.gateway.name };
          const accepted =
            !a.applied && p.lost.size > 0
              ? condition(
                ConditionType.Accepted,
                false,
                Reason.Conflicted,
                `${describe(p.obj)} conflicts with ${[...new Set([...p.lost.values()].map((o) => describe(o)))].join(', ')}, which is older (or first by name) and targets the same Service${p.targets.some((t) => t.sectionName) ? ' port' : ''}`,
                g,
              )
              : condition(ConditionType.Accepted, p.accepted.status, p.accepted.reason, p.accepted.message, g);
          return {
            ancestorRef,
            controllerName,
            conditions: [accepted, condition(ConditionType.ResolvedRefs, p.resolvedRefs.status, p.resolvedRefs.reason, p.resolvedRefs.message, g)],
          };
        });
      return { apiVersion: p.obj.apiVersion, kind: 'BackendTLSPolicy', namespace: p.obj.namespace, name: p.obj.name, ancestors };
    });
  }
}

function targetKey(namespace: string, name: string, sectionName: string | undefined): string {
  return `${namespace}/${name}#${sectionName ?? ''}`;
}
