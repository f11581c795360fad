import { isIP } from 'node:net';
import { assumed, assumedExternal, Context, note } from './context';
import { caBundleProblem, certificateProblem } from './core-objects';
import type { DataPlaneAddresses } from './gateway-addresses';
import { ListenerState, readListener, resolveConflicts } from './listeners';
import { LabelSelector, readSelector } from './namespaces';
import { compareAge, describe, Obj } from './objects';
import { DEFAULT_OPTIONS, readOptions } from './options';
import { Reader } from './reader';
import { condition, Condition, ConditionType, ObjectStatus, Reason } from './status';
import type { CaBundleRef, CertificateRef, DataPlaneOptions, FrontendValidationConfig } from '../config/dataplane-config';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { PORT_RANGE } from '../spec/limits';
import { HOSTNAME } from '../spec/patterns';

interface Verdict {
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

/** A Gateway being compiled: its object, GatewayClass name, merged listeners (Gateway `spec.listeners` then attached ListenerSets), Accepted verdict and data-plane options. */
export interface GatewayState {
  readonly obj: Obj;
  readonly className: string;
  /** The Gateway's own listeners, then those of accepted ListenerSets (oldest first): the spec's merge order. */
  readonly listeners: ListenerState[];
  readonly listenerSets: ListenerSetState[];
  accepted: Verdict;
  readonly options: DataPlaneOptions;
  /** Client-certificate validation per port, for ports with HTTPS listeners. */
  readonly frontend: Map<number, FrontendValidationConfig>;
  readonly clientCertificate?: CertificateRef;
  readonly resolvedRefs: Verdict;
  readonly insecureFallback: string[];
}

/** A ListenerSet (GEP-1713) being compiled: its parent Gateway, whether the Gateway's `spec.allowedListeners` admits it, and its listeners. */
export interface ListenerSetState {
  readonly obj: Obj;
  readonly gateway: GatewayState;
  verdict: Verdict;
  readonly listeners: ListenerState[];
}

/** Which Gateways `buildGateways` compiles: those of this controller's GatewayClasses (`spec.controllerName`), extra class names, or all. */
export interface GatewaySelection {
  /** Compile every Gateway whatever its gatewayClassName (what `serve` does). */
  readonly allGateways?: boolean;
  /** Class names treated as this controller's even without a GatewayClass object in the input. */
  readonly gatewayClassNames?: readonly string[];
}

/** What `buildGateways` returns: the Gateways and ListenerSets to attach routes to, and the status of this controller's GatewayClasses. */
export interface GatewaysResult {
  readonly gateways: GatewayState[];
  readonly listenerSets: ListenerSetState[];
  readonly classStatuses: ObjectStatus[];
}

const OK = (reason: string, message: string): Verdict => ({ status: true, reason, message });
const FAIL = (reason: string, message: string): Verdict => ({ status: false, reason, message });

/**
 * Reads the GatewayClasses, Gateways and ListenerSets of the input and decides what the spec's controller would:
 * - GatewayClass: this controller's classes (`spec.controllerName`) are Accepted unless their `spec.parametersRef`
 *   is invalid (InvalidParameters); their options are the defaults of their Gateways.
 * - Gateway: selected by `spec.gatewayClassName` (see `selection`); `spec.listeners` are read and checked
 *   (protocol, hostname, port, TLS certificateRefs, allowedRoutes), `spec.infrastructure.parametersRef` gives the
 *   data-plane options.
 * - ListenerSet (GEP-1713): attached to its `spec.parentRef` Gateway when the Gateway's `spec.allowedListeners`
 *   admits its namespace; its listeners follow the Gateway's own, oldest ListenerSet first (the spec's merge order).
 * - Listener conflicts across the merged list (`resolveConflicts`: the later parent loses, Conflicted), then
 *   frontend TLS validation (`spec.tls.frontend`).
 * Takes the compile context (objects, status, diagnostics) and returns the states routes attach to next.
 */
export function buildGateways(ctx: Context, selection: GatewaySelection): GatewaysResult {
  const classStatuses: ObjectStatus[] = [];
  const classes = new Map<string, { verdict: Verdict; defaults: Partial<DataPlaneOptions> }>();
  for (const cls of ctx.store.all('GatewayClass')) {
    const controller = cls.root.at('spec').at('controllerName').str({ required: true });
    if (controller !== ctx.controllerName) continue;
    const params = readOptions(ctx, cls, cls.root.at('spec').at('parametersRef'), undefined);
    const verdict = 'error' in params ? FAIL(Reason.InvalidParameters, params.error) : OK(Reason.Accepted, `accepted by ${ctx.controllerName}`);
    classes.set(cls.name, { verdict, defaults: 'options' in params ? params.options : {} });
    classStatuses.push({
      apiVersion: cls.apiVersion,
      kind: 'GatewayClass',
      name: cls.name,
      conditions: [
        condition(ConditionType.Accepted, verdict.status, verdict.reason, verdict.message, cls.generation),
        condition(ConditionType.SupportedVersion, true, Reason.SupportedVersion, 'Gateway API v1.6.1 CRDs are supported', cls.generation),
      ],
    });
  }
  const extraClasses = new Set(selection.gatewayClassNames ?? []);

  const gateways: GatewayState[] = [];
  for (const gw of ctx.store.all('Gateway')) {
    const spec = gw.root.at('spec');
    const className = spec.at('gatewayClassName').str({ required: true }) ?? '';
    const cls = classes.get(className);
    if (!selection.allGateways && !cls && !extraClasses.has(className)) continue;
    gateways.push(buildGateway(ctx, gw, className, cls));
  }

  const byKey = new Map(gateways.map((g) => [`${g.obj.namespace}/${g.obj.name}`, g]));
  const listenerSets: ListenerSetState[] = [];
  for (const ls of [...ctx.store.all('ListenerSet')].sort(compareAge)) {
    const ref = ls.root.at('spec').at('parentRef');
    const group = ref.at('group').str() ?? GATEWAY_API_GROUP;
    const kind = ref.at('kind').str() ?? 'Gateway';
    const name = ref.at('name').str({ required: true }) ?? '';
    const namespace = ref.at('namespace').str() || ls.namespace;
    const gw = group === GATEWAY_API_GROUP && kind === 'Gateway' ? byKey.get(`${namespace}/${name}`) : undefined;
    if (!gw) {
      if (!ctx.store.get('Gateway', namespace, name)) {
        note(ctx, 'warning', ls, 'spec.parentRef', `parent ${group}/${kind} ${namespace}/${name} is not in the manifests; the ListenerSet's listeners are not served`);
      }
      continue;
    }
    const listeners = ls.root
      .at('spec')
      .at('listeners')
      .list()
      .map((r) => readListener(ctx, gw.obj, ls, r));
    markDuplicateNames(listeners);
    const denied = listenerSetDenied(ctx, gw, ls);
    const state: ListenerSetState = { obj: ls, gateway: gw, verdict: denied ?? OK(Reason.Accepted, 'attached'), listeners };
    gw.listenerSets.push(state);
    listenerSets.push(state);
    if (!denied) gw.listeners.push(...listeners);
  }

  for (const gw of gateways) {
    resolveConflicts(gw.listeners);
    applyFrontendValidation(ctx, gw);
    for (const ls of gw.listenerSets) {
      if (!ls.verdict.status) continue;
      // a listener is valid when it can carry traffic: accepted, not conflicted, its references resolved (a listener
      // whose only certificate is RefNotPermitted is not; the suite's ListenerSetReferenceGrant expects its
      // ListenerSet Accepted=False and Programmed=False ListenersNotValid); "ListenersNotValid ... can be the reason
      // when Accepted is True or False, depending on whether the listener being invalid causes the entire
      // ListenerSet to not be accepted" (ListenerSetConditionReason)
      const invalid = ls.listeners.filter((l) => !l.usable);
      if (!gw.accepted.status) {
        ls.verdict = FAIL(Reason.ParentNotAccepted, `Gateway ${gw.obj.namespace}/${gw.obj.name} is not accepted: ${gw.accepted.message}`);
      } else if (ls.listeners.length > 0 && invalid.length === ls.listeners.length) {
        ls.verdict = FAIL(Reason.ListenersNotValid, `no listener of ${describe(ls.obj)} is valid: ${invalid.map(whyInvalid).join('; ')}`);
      } else if (invalid.length > 0) {
        ls.verdict = OK(Reason.ListenersNotValid, `some listeners are not valid: ${invalid.map(whyInvalid).join('; ')}`);
      }
    }
    // a Gateway whose own listeners are all invalid is not accepted
    const own = gw.listeners.filter((l) => l.parent === gw.obj);
    if (gw.accepted.status && own.length > 0) {
      const bad = own.filter((l) => !l.accepted.status);
      if (bad.length === own.length) gw.accepted = FAIL(Reason.ListenersNotValid, `no listener is valid: ${bad.map((l) => l.accepted.message).join('; ')}`);
      else if (bad.length > 0) gw.accepted = OK(Reason.ListenersNotValid, `some listeners are not valid: ${bad.map((l) => l.accepted.message).join('; ')}`);
    }
  }
  return { gateways, listenerSets, classStatuses };
}

interface ClassInfo {
  readonly verdict: Verdict;
  readonly defaults: Partial<DataPlaneOptions>;
}

/**
 * One Gateway: Accepted unless its class or its `spec.infrastructure.parametersRef` is invalid (InvalidParameters);
 * options are the defaults, then the class's, then the Gateway's own; `spec.addresses` (IPAddress or Hostname
 * values) and `spec.listeners` are read, and `spec.tls.backend.clientCertificateRef` resolved.
 */
function buildGateway(ctx: Context, gw: Obj, className: string, cls: ClassInfo | undefined): GatewayState {
  const spec = gw.root.at('spec');
  let accepted: Verdict = OK(Reason.Accepted, 'accepted');
  if (cls && !cls.verdict.status) accepted = FAIL(Reason.InvalidParameters, `GatewayClass ${className} is not accepted: ${cls.verdict.message}`);

  const params = readOptions(ctx, gw, spec.at('infrastructure').at('parametersRef'), gw.namespace);
  if ('error' in params && accepted.status) accepted = FAIL(Reason.InvalidParameters, params.error);
  const options: DataPlaneOptions = { ...DEFAULT_OPTIONS, ...(cls?.defaults ?? {}), ...('options' in params ? params.options : {}) };

  for (const a of spec.at('addresses').list()) {
    const type = a.at('type').str() ?? 'IPAddress';
    const value = a.at('value').str();
    let problem: string | undefined;
    if (type === 'IPAddress') problem = value !== undefined && !isIP(value) ? `"${value}" is not an IP address` : undefined;
    else if (type === 'Hostname') problem = value !== undefined && !HOSTNAME.test(value) ? `"${value}" is not a hostname` : undefined;
    else problem = `address type "${type}" is not supported (use IPAddress or Hostname)`;
    if (problem && accepted.status) accepted = FAIL(Reason.UnsupportedAddress, `${describe(gw)}: ${a.path}: ${problem}`);
  }

  const listeners = spec
    .at('listeners')
    .list()
    .map((r) => readListener(ctx, gw, gw, r));
  markDuplicateNames(listeners);

  // spec.tls.backend.clientCertificateRef: presented to backends that a BackendTLSPolicy makes TLS
  let clientCertificate: CertificateRef | undefined;
  let resolvedRefs = OK(Reason.ResolvedRefs, 'all references resolved');
  const ccRef = spec.at('tls').at('backend').at('clientCertificateRef');
  if (!ccRef.missing) {
    const r = resolveClientCertificate(ctx, gw, ccRef);
    if ('error' in r) resolvedRefs = FAIL(r.reason, r.error);
    else clientCertificate = r.ref;
  }

  return {
    obj: gw,
    className,
    listeners,
    listenerSets: [],
    accepted,
    options,
    frontend: new Map(),
    clientCertificate,
    resolvedRefs,
    insecureFallback: [],
  };
}

/** Why a listener cannot carry traffic, in the words of its own conditions. */
function whyInvalid(l: ListenerState): string {
  if (!l.accepted.status) return l.accepted.message;
  if (l.conflicted) return l.conflicted.message;
  return l.resolvedRefs.status ? `${l.describe()} has no usable certificate` : l.resolvedRefs.message;
}

/** Listener names are unique within one Gateway or ListenerSet (`spec.listeners[].name`, a CRD list-map key). */
function markDuplicateNames(listeners: ListenerState[]): void {
  const seen = new Set<string>();
  for (const l of listeners) {
    if (seen.has(l.name)) l.reject(Reason.UnsupportedValue, `${l.describe()}: another listener of the same object has this name; listener names must be unique`);
    seen.add(l.name);
  }
}

/**
 * Gateway `spec.tls.backend.clientCertificateRef` (the certificate presented to backends for mTLS): a core Secret,
 * across namespaces only with a ReferenceGrant; returns the ref or why it is invalid (InvalidClientCertificateRef,
 * RefNotPermitted).
 */
function resolveClientCertificate(ctx: Context, gw: Obj, r: Reader): { ref: CertificateRef } | { error: string; reason: string } {
  const group = r.at('group').str() ?? '';
  const kind = r.at('kind').str() ?? 'Secret';
  const name = r.at('name').str({ required: true }) ?? '';
  const namespace = r.at('namespace').str() || gw.namespace;
  const where = `${describe(gw)}: ${r.path}`;
  if (group !== '' || kind !== 'Secret') return { reason: Reason.InvalidClientCertificateRef, error: `${where} refers to ${kind}; use a core Secret with tls.crt and tls.key` };
  const ok = ctx.grants.permits({
    fromGroup: GATEWAY_API_GROUP,
    fromKind: 'Gateway',
    fromNamespace: gw.namespace,
    from: describe(gw),
    toGroup: '',
    toKind: 'Secret',
    toNamespace: namespace,
    toName: name,
  });
  if (!ok) return { reason: Reason.RefNotPermitted, error: `${where} refers to Secret ${namespace}/${name}; add a ReferenceGrant in ${namespace} from Gateway in ${gw.namespace} to Secret` };
  const found = ctx.core.secret(namespace, name);
  if ('missing' in found) return { reason: Reason.InvalidClientCertificateRef, error: `${where}: Secret ${namespace}/${name} does not exist` };
  if ('found' in found) {
    const problem = certificateProblem(found.found);
    if (problem) return { reason: Reason.InvalidClientCertificateRef, error: `${where}: ${problem}` };
  } else {
    assumedExternal(ctx, gw, r.path, 'Secret', namespace, name);
  }
  return { ref: { namespace, name } };
}

/**
 * Whether a Gateway admits a ListenerSet: Gateway `spec.allowedListeners.namespaces.from` (None by default, Same,
 * Selector, All). Returns the NotAllowed verdict, or undefined when it is admitted.
 */
function listenerSetDenied(ctx: Context, gw: GatewayState, ls: Obj): Verdict | undefined {
  const ns = gw.obj.root.at('spec').at('allowedListeners').at('namespaces');
  const from = ns.at('from').str() ?? 'None';
  let selector: LabelSelector | undefined;
  if (from === 'Selector') selector = readSelector(ns.at('selector'));
  const selected = from === 'Selector' && selector !== undefined ? ctx.namespaces.selects(selector, ls.namespace) : false;
  if (selected === 'assumed') {
    assumed(ctx, ls, 'metadata.namespace', `namespace ${ls.namespace} is not in the manifests, so its labels are unknown; assumed to carry the labels Gateway ${gw.obj.namespace}/${gw.obj.name} selects in spec.allowedListeners`);
  }
  const allowed = from === 'All' || (from === 'Same' && ls.namespace === gw.obj.namespace) || selected !== false;
  if (allowed) return undefined;
  return FAIL(
    Reason.NotAllowed,
    `Gateway ${gw.obj.namespace}/${gw.obj.name} does not allow ListenerSets from namespace ${ls.namespace} (spec.allowedListeners.namespaces.from: ${from})`,
  );
}

/** spec.tls.frontend: client-certificate validation for the HTTPS listeners of each port. */
function applyFrontendValidation(ctx: Context, gw: GatewayState): void {
  const frontend = gw.obj.root.at('spec').at('tls').at('frontend');
  if (frontend.missing) return;
  const perPort = new Map<number, Reader>();
  for (const p of frontend.at('perPort').list()) {
    const port = p.at('port').int({ required: true, ...PORT_RANGE });
    if (port !== undefined) perPort.set(port, p.at('tls').at('validation'));
  }
  const def = frontend.at('default').at('validation');
  const ports = [...new Set(gw.listeners.filter((l) => l.protocol === 'HTTPS').map((l) => l.port))].sort((a, b) => a - b);
  for (const port of ports) {
    const v = perPort.get(port) ?? def;
    if (v.missing) continue;
    const https = gw.listeners.filter((l) => l.protocol === 'HTTPS' && l.port === port);
    const mode = v.at('mode').str() ?? 'AllowValidOnly';
    if (mode !== 'AllowValidOnly' && mode !== 'AllowInsecureFallback') {
      for (const l of https) l.reject(Reason.UnsupportedValue, `${describe(gw.obj)}: ${v.path}.mode "${mode}" is not AllowValidOnly or AllowInsecureFallback`);
      continue;
    }
    if (mode === 'AllowInsecureFallback') gw.insecureFallback.push(`port ${port}`);
    const refs = v.at('caCertificateRefs').list();
    const bundles: CaBundleRef[] = [];
    for (const r of refs) {
      const res = resolveCaBundle(ctx, gw.obj, r);
      if ('error' in res) for (const l of https) l.unresolved(res.reason, `${l.describe()}: ${res.error}`);
      else bundles.push(res.ref);
    }
    if (bundles.length === 0) {
      for (const l of https) {
        l.reject(Reason.NoValidCACertificate, `${l.describe()}: no valid CA certificate for client validation (${v.path}.caCertificateRefs)`);
        if (l.resolvedRefs.status) l.unresolved(Reason.InvalidCACertificateRef, `${l.describe()}: ${v.path}.caCertificateRefs is empty`);
      }
      continue;
    }
    gw.frontend.set(port, { caBundles: bundles, mode });
  }
}

/** A CA certificate reference resolved (a ConfigMap or Secret with `ca.crt`), or why not with its condition reason. */
export type CaBundleResult = { readonly ref: CaBundleRef } | { readonly error: string; readonly reason: string };

/** Resolves a CA certificate ref (frontend validation, BackendTLSPolicy): a core ConfigMap or Secret with `ca.crt`. */
export function resolveCaBundle(ctx: Context, owner: Obj, r: Reader, allowCrossNamespace = true): CaBundleResult {
  const group = r.at('group').str() ?? '';
  const kind = r.at('kind').str() ?? '';
  const name = r.at('name').str({ required: true }) ?? '';
  const namespace = (allowCrossNamespace ? r.at('namespace').str() : undefined) || owner.namespace;
  const where = `${r.path} (${group ? `${group}/` : ''}${kind} ${name})`;
  if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
    return { reason: owner.kind === 'BackendTLSPolicy' ? Reason.InvalidKind : Reason.InvalidCACertificateKind, error: `${where}: CA certificates come from a core ConfigMap or Secret with key ca.crt` };
  }
  if (
    !ctx.grants.permits({
      fromGroup: GATEWAY_API_GROUP,
      fromKind: owner.kind,
      fromNamespace: owner.namespace,
      from: describe(owner),
      toGroup: '',
      toKind: kind,
      toNamespace: namespace,
      toName: name,
    })
  ) {
    return { reason: Reason.RefNotPermitted, error: `${where} is in namespace ${namespace}; add a ReferenceGrant there from ${owner.kind} in ${owner.namespace} to ${kind}` };
  }
  const found = kind === 'ConfigMap' ? ctx.core.configMap(namespace, name) : ctx.core.secret(namespace, name);
  if ('missing' in found) return { reason: Reason.InvalidCACertificateRef, error: `${where}: ${kind} ${namespace}/${name} does not exist` };
  if ('found' in found) {
    const problem = caBundleProblem(found.found);
    if (problem) return { reason: Reason.InvalidCACertificateRef, error: `${where}: ${problem}` };
  } else {
    assumedExternal(ctx, owner, r.path, kind, namespace, name);
  }
  return { ref: { kind, namespace, name, key: 'ca.crt' } };
}

/**
 * The Gateway's status (call after routes are attached, so attachedRoutes is final). `addresses` are given in
 * cluster mode only (the data-plane Service's): none assigned yet makes an accepted Gateway Programmed=False.
 */
export function gatewayStatus(gw: GatewayState, addresses?: DataPlaneAddresses): ObjectStatus {
  const g = gw.obj.generation;
  const own = gw.listeners.filter((l) => l.parent === gw.obj);
  const unresolved = own.filter((l) => !l.resolvedRefs.status);
  const conditions: Condition[] = [
    condition(ConditionType.Accepted, gw.accepted.status, gw.accepted.reason, gw.accepted.message, g),
    !gw.accepted.status
      ? condition(ConditionType.Programmed, false, Reason.Invalid, gw.accepted.message, g)
      : addresses && 'notAssigned' in addresses
        ? condition(ConditionType.Programmed, false, Reason.AddressNotAssigned, addresses.notAssigned, g)
        : condition(ConditionType.Programmed, true, Reason.Programmed, 'the data-plane config for this Gateway was generated', g),
    !gw.resolvedRefs.status
      ? condition(ConditionType.ResolvedRefs, false, gw.resolvedRefs.reason, gw.resolvedRefs.message, g)
      : unresolved.length > 0
        ? condition(ConditionType.ResolvedRefs, false, Reason.ListenersNotResolved, unresolved.map((l) => l.resolvedRefs.message).join('; '), g)
        : condition(ConditionType.ResolvedRefs, true, Reason.ResolvedRefs, 'all references resolved', g),
  ];
  if (gw.insecureFallback.length > 0) {
    conditions.push(
      condition(
        ConditionType.InsecureFrontendValidationMode,
        true,
        Reason.ConfigurationChanged,
        `client certificates are optional (AllowInsecureFallback) on ${gw.insecureFallback.join(', ')}: backends must authorize clients themselves`,
        g,
      ),
    );
  }
  return {
    apiVersion: gw.obj.apiVersion,
    kind: 'Gateway',
    namespace: gw.obj.namespace,
    name: gw.obj.name,
    conditions,
    listeners: own.map((l) => l.status(g)),
    attachedListenerSets: gw.listenerSets.filter((s) => s.verdict.status).length,
    ...(addresses && 'addresses' in addresses ? { addresses: addresses.addresses } : {}),
  };
}

/** The status of a ListenerSet as the spec writes it: Accepted and Programmed, and per listener `status.listeners[]` like a Gateway's. */
export function listenerSetStatus(ls: ListenerSetState): ObjectStatus {
  const g = ls.obj.generation;
  const v = ls.verdict;
  return {
    apiVersion: ls.obj.apiVersion,
    kind: 'ListenerSet',
    namespace: ls.obj.namespace,
    name: ls.obj.name,
    conditions: [
      condition(ConditionType.Accepted, v.status, v.reason, v.message, g),
      condition(ConditionType.Programmed, v.status, programmedReason(v), v.status && v.reason === Reason.Accepted ? 'listeners merged into the Gateway' : v.message, g),
    ],
    listeners: v.reason === Reason.NotAllowed ? [] : ls.listeners.map((l) => l.status(g)),
  };
}

/**
 * The ListenerSet Programmed reason for an Accepted verdict. Programmed=False reasons are Invalid, ParentNotProgrammed,
 * ListenersNotValid and PortUnavailable (ListenerSetConditionProgrammed): a parent that is not accepted is not
 * programmed either; NotAllowed stays NotAllowed (the suite's ListenerSetAllowedNamespaceNone expects it on both).
 * A ListenerSet accepted with some invalid listeners is Programmed=True with ListenersNotValid, as the suite's
 * ListenerSet conflict tests expect.
 */
function programmedReason(v: Verdict): string {
  if (v.reason === Reason.ParentNotAccepted) return Reason.ParentNotProgrammed;
  if (v.status && v.reason !== Reason.ListenersNotValid) return Reason.Programmed;
  return v.reason;
}
