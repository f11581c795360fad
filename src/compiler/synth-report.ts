import type { CompileResult } from './compile';
import { Diagnostic, formatDiagnostic } from './diagnostics';
import { Condition, ObjectStatus } from './status';

/** One finding for `cdk8s synth`: an error fails synth, a warning is printed. */
export interface SynthFinding {
  readonly severity: 'error' | 'warning';
  /** `HTTPRoute shop/storefront` */
  readonly object: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The field the finding is about, e.g. `spec.parentRefs[Gateway infra/edge]` or `spec.listeners[https]`. */
  readonly field: string;
  /** The condition (`Accepted=False`), `input` for a problem with the object itself, `grant` for one with a team grant. */
  readonly condition: string;
  /** The spec's reason (NoMatchingListenerHostname, RefNotPermitted...) or the diagnostic's field problem. */
  readonly reason: string;
  /** What is wrong, with the offending value. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/** What to do, by condition reason. */
const FIXES: Record<string, string> = {
  NoMatchingListenerHostname: "use a hostname the listener serves (or no hostnames), or change the listener's hostname",
  NotAllowedByListeners: "allow the route's namespace and kind in the listener's allowedRoutes, or attach the route to another listener",
  NoMatchingParent: "make the parentRef's sectionName and port name a listener of the parent (and make sure the parent is accepted)",
  UnsupportedValue: 'correct the field named in the message to a value the spec allows',
  IncompatibleFilters: 'do not combine RequestRedirect with URLRewrite or with backendRefs, and use each filter type once per list',
  RefNotPermitted: 'add a ReferenceGrant in the referenced namespace that allows this kind from this namespace',
  BackendNotFound: 'create the Service (with that port) or point the backendRef at an existing one',
  InvalidKind: 'refer to a core Service (group "", kind Service)',
  UnsupportedProtocol: 'use a protocol this data plane speaks (listener: HTTP, HTTPS, TLS, TCP, UDP; backend appProtocol: http, kubernetes.io/h2c, kubernetes.io/ws)',
  InvalidParameters: 'point parametersRef at an existing core ConfigMap whose options are valid',
  UnsupportedAddress: 'use addresses of type IPAddress or Hostname, or none',
  ListenersNotValid: 'fix the listeners named in the message',
  ListenersNotResolved: 'fix the references of the listeners named in the message',
  InvalidCertificateRef: 'reference an existing Secret of type kubernetes.io/tls with PEM tls.crt and tls.key',
  InvalidRouteKinds: 'list only route kinds the listener protocol carries in allowedRoutes.kinds',
  InvalidCACertificateRef: 'reference an existing ConfigMap (or Secret) with a PEM ca.crt',
  InvalidCACertificateKind: 'reference a core ConfigMap or Secret for CA certificates',
  NoValidCACertificate: 'give at least one valid CA certificate reference',
  InvalidClientCertificateRef: 'reference an existing Secret of type kubernetes.io/tls for the client certificate',
  HostnameConflict: 'give the listener a hostname (or port) no other listener of the Gateway uses',
  ProtocolConflict: 'move the listener to a port no listener of another protocol uses',
  PortUnavailable: 'choose another port',
  NotAllowed: "allow the ListenerSet's namespace in the Gateway's spec.allowedListeners",
  ParentNotAccepted: 'fix the parent Gateway first',
  Conflicted: 'remove one of the policies that target the same Service (port), or target different ports',
  TargetNotFound: 'target an existing core Service (and port name)',
  Invalid: 'correct the fields named in the message',
  OverlappingHostnames: 'use non-overlapping listener hostnames, or accept that HTTP/2 clients may coalesce connections across them',
  ConfigurationChanged: 'switch frontend validation to AllowValidOnly once clients present certificates',
};

/** Route reasons whose name a listener reason shares, with the route's fix. */
const ROUTE_FIXES: Record<string, string> = {
  HostnameConflict: 'serve the hostname with one route kind on this listener (give the HTTPRoute and the GRPCRoute different hostnames or listeners), or route gRPC with the HTTPRoute',
};

const NEGATIVE = new Set(['Conflicted', 'PartiallyInvalid', 'OverlappingTLSConfig', 'InsecureFrontendValidationMode']);

/** Errors: not Accepted, or ResolvedRefs False. Warnings: PartiallyInvalid, overlapping TLS, insecure fallback. */
function severityOf(c: Condition): 'error' | 'warning' | undefined {
  if ((c.type === 'Accepted' || c.type === 'ResolvedRefs') && c.status === 'False') return 'error';
  if (NEGATIVE.has(c.type) && c.status === 'True' && c.type !== 'Conflicted') return 'warning';
  return undefined;
}

/**
 * Turns a compile result into synth findings: every condition that makes an object not Accepted and every
 * ResolvedRefs=False is an error; PartiallyInvalid, OverlappingTLSConfig and InsecureFrontendValidationMode
 * are warnings; input errors and warnings (diagnostics) are findings of the same severity. Each finding names
 * the object, the field, the reason, the message (with the value) and a fix.
 */
export function synthReport(result: Pick<CompileResult, 'status' | 'diagnostics'>): SynthFinding[] {
  const out: SynthFinding[] = [];
  for (const s of result.status) {
    const add = (field: string, c: Condition, fixes: Record<string, string> = FIXES) => {
      const severity = severityOf(c);
      if (!severity) return;
      out.push({
        severity,
        object: describe(s),
        kind: s.kind,
        namespace: s.namespace,
        name: s.name,
        field,
        condition: `${c.type}=${c.status}`,
        reason: c.reason,
        message: c.message,
        fix: fixes[c.reason] ?? FIXES[c.reason] ?? 'see the message',
      });
    };
    for (const c of s.conditions ?? []) add('spec', c);
    for (const l of s.listeners ?? []) for (const c of l.conditions) add(`spec.listeners[${l.name}]`, c);
    for (const p of s.parents ?? []) for (const c of p.conditions) add(`spec.parentRefs[${p.parentRef.kind} ${p.parentRef.namespace}/${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ''}]`, c, ROUTE_FIXES);
    for (const a of s.ancestors ?? []) for (const c of a.conditions) add(`status.ancestors[Gateway ${a.ancestorRef.namespace}/${a.ancestorRef.name}]`, c);
  }
  for (const d of result.diagnostics) {
    if (d.severity === 'info') continue;
    out.push(fromDiagnostic(d));
  }
  return dedupe(out);
}

function fromDiagnostic(d: Diagnostic): SynthFinding {
  const o = d.object;
  return {
    severity: d.severity === 'error' ? 'error' : 'warning',
    object: o.kind ? `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name ?? '<unnamed>'}` : `object #${o.index}`,
    kind: o.kind ?? '',
    namespace: o.namespace,
    name: o.name ?? '',
    field: d.field ?? '',
    condition: 'input',
    reason: 'InvalidInput',
    message: formatDiagnostic(d),
    fix: d.severity === 'error' ? 'correct the field as the message says' : 'see the message',
  };
}

function describe(s: ObjectStatus): string {
  return `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
}

function dedupe(list: SynthFinding[]): SynthFinding[] {
  const seen = new Set<string>();
  return list.filter((f) => {
    const k = `${f.severity}|${f.object}|${f.field}|${f.condition}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One line: `HTTPRoute shop/cart: spec.parentRefs[...]: Accepted=False NoMatchingListenerHostname: <message>. Fix: <fix>` */
export function formatSynthFinding(f: SynthFinding): string {
  const field = f.field ? `${f.field}: ` : '';
  if (f.condition === 'input') return `${f.message}. Fix: ${f.fix}`;
  if (f.condition === 'grant') return `${f.object}: ${field}${f.message}. Fix: ${f.fix}`;
  return `${f.object}: ${field}${f.condition} ${f.reason}: ${f.message}. Fix: ${f.fix}`;
}
