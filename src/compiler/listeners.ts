import { assumedExternal, Context } from './context';
import { certificateProblem } from './core-objects';
import { describeSelector, LabelSelector, Namespaces, namesSelected, readSelector } from './namespaces';
import { describe, Obj } from './objects';
import { Reader } from './reader';
import { condition, Condition, ConditionType, GroupKind, ListenerStatus, Reason } from './status';
import type { CertificateRef } from '../config/dataplane-config';
import { GATEWAY_API_GROUP, LISTENER_PROTOCOLS, ListenerProtocolName, NAMESPACE_NAME_LABEL, ROUTE_KINDS_BY_PROTOCOL, RouteKind } from '../spec/gateway-api';
import { compareHostnameSpecificity, hostnamesIntersect } from '../spec/hostname';
import { PORT_RANGE } from '../spec/limits';
import { DNS_SUBDOMAIN, HOSTNAME } from '../spec/patterns';

interface Verdict {
  status: boolean;
  reason: string;
  message: string;
}

/**
 * One listener of a Gateway or of a ListenerSet attached to it, with the conditions found so far. The
 * compiler fills it in steps: read and validate, resolve certificates, resolve conflicts on shared ports,
 * then count attached routes.
 */
export class ListenerState {
  public accepted: Verdict = { status: true, reason: Reason.Accepted, message: 'listener is valid' };
  public resolvedRefs: Verdict = { status: true, reason: Reason.ResolvedRefs, message: 'all references resolved' };
  public conflicted?: { reason: string; message: string };
  public overlappingWith: string[] = [];
  public attachedRoutes = 0;
  public certificates: CertificateRef[] = [];
  /** Client-certificate validation problems (spec.tls.frontend), set by the Gateway step. */
  public noValidCa?: string;

  public constructor(
    public readonly gateway: Obj,
    /** The Gateway or ListenerSet that declared this listener. */
    public readonly parent: Obj,
    public readonly id: string,
    public readonly name: string,
    public readonly field: string,
    public readonly port: number,
    public readonly protocol: string,
    public readonly hostname: string | undefined,
    public readonly tlsMode: 'Terminate' | 'Passthrough' | undefined,
    public readonly tlsOptions: Record<string, string> | undefined,
    public readonly namespacesFrom: string,
    public readonly selector: LabelSelector | undefined,
    public readonly supportedKinds: GroupKind[],
  ) {}

  public reject(reason: string, message: string): void {
    if (this.accepted.status) this.accepted = { status: false, reason, message };
  }

  public unresolved(reason: string, message: string): void {
    if (this.resolvedRefs.status) this.resolvedRefs = { status: false, reason, message };
  }

  /** Carries traffic: accepted, not conflicted, and (when it terminates TLS) has a usable certificate. */
  public get usable(): boolean {
    if (!this.accepted.status || this.conflicted) return false;
    return !this.terminatesTls || this.certificates.length > 0;
  }

  public get terminatesTls(): boolean {
    return this.protocol === 'HTTPS' || (this.protocol === 'TLS' && this.tlsMode === 'Terminate');
  }

  public get transport(): 'TCP' | 'UDP' {
    return this.protocol === 'UDP' ? 'UDP' : 'TCP';
  }

  /** True when a route of `kind` from `namespace` may attach (allowedRoutes). */
  public allowsKind(kind: RouteKind): boolean {
    return this.supportedKinds.some((k) => k.group === GATEWAY_API_GROUP && k.kind === kind);
  }

  /** True when routes from `namespace` may attach; 'assumed' when that depends on labels of a namespace not in the input. */
  public allowsNamespace(namespace: string, namespaces: Namespaces): boolean | 'assumed' {
    switch (this.namespacesFrom) {
      case 'All':
        return true;
      case 'Same':
        return namespace === this.parent.namespace;
      case 'Selector':
        return this.selector !== undefined && namespaces.selects(this.selector, namespace);
      default:
        return false;
    }
  }

  /**
   * The namespaces whose routes may attach, among `candidates` (and the names a selector names outright);
   * undefined for `from: All` (every namespace).
   */
  public admittedNamespaces(candidates: Iterable<string>, namespaces: Namespaces): string[] | undefined {
    switch (this.namespacesFrom) {
      case 'All':
        return undefined;
      case 'Same':
        return [this.parent.namespace];
      case 'Selector': {
        const sel = this.selector;
        if (!sel) return [];
        const pool = new Set(namesSelected(sel) ?? candidates);
        return [...pool].filter((ns) => namespaces.selects(sel, ns) !== false).sort();
      }
      default:
        return [];
    }
  }

  /** Which namespaces may attach routes, as messages say it: `admits namespaces shop, blog`. */
  public admission(): string {
    switch (this.namespacesFrom) {
      case 'All':
        return 'admits every namespace';
      case 'Same':
        return `admits namespace ${this.parent.namespace}`;
      case 'Selector': {
        if (!this.selector) return 'admits no namespace';
        const named = namesSelected(this.selector);
        const byNameOnly = Object.keys(this.selector.matchLabels).every((k) => k === NAMESPACE_NAME_LABEL) &&
          this.selector.matchExpressions.every((e) => e.key === NAMESPACE_NAME_LABEL && e.operator === 'In');
        if (named && byNameOnly) return named.length === 0 ? 'admits no namespace' : `admits namespace${named.length === 1 ? '' : 's'} ${named.join(', ')}`;
        return `admits namespaces selected by ${describeSelector(this.selector)}`;
      }
      default:
        return 'admits no namespace';
    }
  }

  public describe(): string {
    const where = this.parent.kind === 'Gateway' ? describe(this.parent) : `${describe(this.parent)} (Gateway ${this.gateway.namespace}/${this.gateway.name})`;
    return `listener "${this.name}" of ${where}`;
  }

  public status(generation: number | undefined): ListenerStatus {
    const programmed = this.conflicted
      ? condition(ConditionType.Programmed, false, this.conflicted.reason, this.conflicted.message, generation)
      : this.usable
        ? condition(ConditionType.Programmed, true, Reason.Programmed, 'listener is programmed in the data-plane config', generation)
        : condition(
          ConditionType.Programmed,
          false,
          Reason.Invalid,
          this.accepted.status ? this.resolvedRefs.message : this.accepted.message,
          generation,
        );
    const conditions: Condition[] = [
      condition(ConditionType.Accepted, this.accepted.status, this.accepted.reason, this.accepted.message, generation),
      programmed,
      condition(ConditionType.ResolvedRefs, this.resolvedRefs.status, this.resolvedRefs.reason, this.resolvedRefs.message, generation),
      this.conflicted
        ? condition(ConditionType.Conflicted, true, this.conflicted.reason, this.conflicted.message, generation)
        : condition(ConditionType.Conflicted, false, Reason.NoConflicts, 'no conflicts', generation),
    ];
    if (this.overlappingWith.length > 0) {
      conditions.push(
        condition(
          ConditionType.OverlappingTLSConfig,
          true,
          Reason.OverlappingHostnames,
          `hostname ${this.hostname} overlaps with ${this.overlappingWith.join(', ')} on port ${this.port}: clients coalescing connections may reach the wrong listener`,
          generation,
        ),
      );
    }
    return { name: this.name, supportedKinds: this.supportedKinds, attachedRoutes: this.attachedRoutes, conditions };
  }
}

/** Reads and validates one listener (spec.listeners[i] of a Gateway or ListenerSet). */
export function readListener(ctx: Context, gateway: Obj, parent: Obj, r: Reader): ListenerState {
  const name = r.at('name').str({ required: true, pattern: DNS_SUBDOMAIN, patternName: 'a lower-case DNS subdomain' }) ?? `<listener ${r.path}>`;
  const port = r.at('port').int({ required: true, ...PORT_RANGE });
  const protocol = r.at('protocol').str({ required: true }) ?? '';
  const hostnameReader = r.at('hostname');
  const hostname = hostnameReader.str({ pattern: HOSTNAME, patternName: 'a hostname like foo.example.com or *.example.com' }) || undefined;
  const tls = r.at('tls');
  const modeRaw = tls.missing ? undefined : (tls.at('mode').str() ?? 'Terminate');
  const tlsMode = modeRaw === 'Terminate' || modeRaw === 'Passthrough' ? modeRaw : undefined;
  const allowed = r.at('allowedRoutes');
  const from = allowed.at('namespaces').at('from').str() ?? 'Same';
  const selector = from === 'Selector' ? readSelector(allowed.at('namespaces').at('selector')) : undefined;

  const known = (LISTENER_PROTOCOLS as readonly string[]).includes(protocol) ? (protocol as ListenerProtocolName) : undefined;
  const defaultKinds = known ? ROUTE_KINDS_BY_PROTOCOL[known] : [];
  const kinds = allowed.at('kinds').list();
  const invalidKinds: string[] = [];
  let supportedKinds: GroupKind[];
  if (kinds.length === 0) {
    supportedKinds = defaultKinds.map((kind) => ({ group: GATEWAY_API_GROUP, kind }));
  } else {
    supportedKinds = [];
    for (const k of kinds) {
      const group = k.at('group').str() ?? GATEWAY_API_GROUP;
      const kind = k.at('kind').str({ required: true }) ?? '';
      if (group === GATEWAY_API_GROUP && (defaultKinds as readonly string[]).includes(kind)) {
        if (!supportedKinds.some((s) => s.kind === kind)) supportedKinds.push({ group, kind });
      } else {
        invalidKinds.push(group === GATEWAY_API_GROUP ? kind : `${group}/${kind}`);
      }
    }
  }

  const id = parent.kind === 'Gateway' ? name : `${parent.namespace}/${parent.name}/${name}`;
  const l = new ListenerState(gateway, parent, id, name, r.path, port ?? 0, protocol, hostname, tlsMode, undefined, from, selector, supportedKinds);
  const where = l.describe();

  // Accepted
  const problems = parent.problems.list.length > 0 ? parent.problems.under(r.path) : [];
  if (!known) {
    l.reject(Reason.UnsupportedProtocol, `${where}: protocol "${protocol}" is not supported (use HTTP, HTTPS, TLS, TCP or UDP)`);
  } else if (problems.length > 0) {
    l.reject(Reason.UnsupportedValue, `${where}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
  } else if ((known === 'TCP' || known === 'UDP') && hostnameReader.value) {
    l.reject(Reason.UnsupportedValue, `${where}: hostname must not be set for protocol ${known} (remove spec.listeners[].hostname)`);
  } else if ((known === 'HTTP' || known === 'TCP' || known === 'UDP') && !tls.missing) {
    l.reject(Reason.UnsupportedValue, `${where}: tls must not be set for protocol ${known} (use HTTPS or TLS, or remove tls)`);
  } else if ((known === 'HTTPS' || known === 'TLS') && tls.missing) {
    l.reject(Reason.UnsupportedValue, `${where}: protocol ${known} needs tls (certificateRefs${known === 'TLS' ? ' and mode' : ''})`);
  } else if (!tls.missing && !tlsMode) {
    l.reject(Reason.UnsupportedValue, `${where}: tls.mode "${String(tls.at('mode').value)}" is not Terminate or Passthrough`);
  } else if (known === 'HTTPS' && tlsMode === 'Passthrough') {
    l.reject(Reason.UnsupportedValue, `${where}: protocol HTTPS terminates TLS; use protocol TLS for tls.mode Passthrough`);
  } else if (!['All', 'Same', 'Selector'].includes(from)) {
    l.reject(Reason.UnsupportedValue, `${where}: allowedRoutes.namespaces.from "${from}" is not All, Same or Selector`);
  } else if (from === 'Selector' && !selector) {
    l.reject(Reason.UnsupportedValue, `${where}: allowedRoutes.namespaces.from is Selector but no selector is set`);
  }

  // ResolvedRefs: route kinds
  if (invalidKinds.length > 0) {
    l.unresolved(
      Reason.InvalidRouteKinds,
      `${where}: allowedRoutes.kinds ${invalidKinds.map((k) => `"${k}"`).join(', ')} cannot attach to a ${protocol} listener` +
        ` (supported: ${defaultKinds.join(', ') || 'none'})`,
    );
  }

  // certificates
  if (l.accepted.status && l.terminatesTls) {
    const opts = tls.at('options').stringMap();
    (l as { tlsOptions?: Record<string, string> }).tlsOptions = Object.keys(opts).length ? opts : undefined;
    const refs = tls.at('certificateRefs').list();
    if (refs.length === 0) {
      l.unresolved(Reason.InvalidCertificateRef, `${where}: tls.certificateRefs is empty; reference a Secret of type kubernetes.io/tls`);
    }
    for (const ref of refs) {
      const cert = resolveCertificate(ctx, l, ref);
      if (cert) l.certificates.push(cert);
    }
  }
  return l;
}

function resolveCertificate(ctx: Context, l: ListenerState, r: Reader): CertificateRef | undefined {
  const group = r.at('group').str() ?? '';
  const kind = r.at('kind').str() ?? 'Secret';
  const name = r.at('name').str({ required: true }) ?? '';
  const namespace = r.at('namespace').str() || l.parent.namespace;
  const where = `${l.describe()}: ${r.path}`;
  if (group !== '' || kind !== 'Secret') {
    l.unresolved(Reason.InvalidCertificateRef, `${where} refers to ${group ? `${group}/` : ''}${kind} ${name}: only core Secrets (group "", kind Secret) hold certificates`);
    return undefined;
  }
  if (!name) return undefined;
  const permitted = ctx.grants.permits({
    fromGroup: GATEWAY_API_GROUP,
    fromKind: l.parent.kind,
    fromNamespace: l.parent.namespace,
    from: describe(l.parent),
    toGroup: '',
    toKind: 'Secret',
    toNamespace: namespace,
    toName: name,
  });
  if (!permitted) {
    l.unresolved(
      Reason.RefNotPermitted,
      `${where} refers to Secret ${namespace}/${name} in another namespace; add a ReferenceGrant in ${namespace} from ${l.parent.kind} in ${l.parent.namespace} to Secret`,
    );
    return undefined;
  }
  const found = ctx.core.secret(namespace, name);
  if ('missing' in found) {
    l.unresolved(Reason.InvalidCertificateRef, `${where}: Secret ${namespace}/${name} does not exist`);
    return undefined;
  }
  if ('external' in found) {
    assumedExternal(ctx, l.parent, r.path, 'Secret', namespace, name);
  } else {
    const problem = certificateProblem(found.found);
    if (problem) {
      l.unresolved(Reason.InvalidCertificateRef, `${where}: ${problem}`);
      return undefined;
    }
  }
  return { namespace, name };
}

function family(p: string): string {
  return p === 'HTTPS' || p === 'TLS' ? 'tls' : p.toLowerCase();
}

/** Why two listeners cannot share their port, or undefined when they can. */
function conflictReason(a: ListenerState, l: ListenerState): string | undefined {
  if (a.port !== l.port || a.transport !== l.transport) return undefined;
  if (family(a.protocol) !== family(l.protocol)) return Reason.ProtocolConflict;
  // TCP and UDP listeners are told apart by port only; the others by hostname
  if (l.protocol === 'TCP' || l.protocol === 'UDP' || a.hostname === l.hostname) return a.protocol === l.protocol ? Reason.HostnameConflict : Reason.ProtocolConflict;
  return undefined;
}

function conflictOf(l: ListenerState, a: ListenerState, reason: string): { reason: string; message: string } {
  const what =
    reason === Reason.ProtocolConflict
      ? `port ${l.port} is used by ${a.describe()} with protocol ${a.protocol}`
      : `port ${l.port}${l.hostname ? ` and hostname ${l.hostname}` : ' without hostname'} are used by ${a.describe()}`;
  return { reason, message: `${l.describe()} (${l.protocol}) conflicts: ${what}; change the port or hostname` };
}

/**
 * Marks conflicting listeners, in the merged order the spec gives (the Gateway's own listeners, then
 * ListenerSets oldest first): a listener that conflicts with one of an earlier parent loses; among the
 * listeners of one parent that survive that, those that conflict with each other all lose (the spec gives no
 * precedence among siblings).
 */
export function resolveConflicts(listeners: readonly ListenerState[]): void {
  const earlier: ListenerState[] = [];
  const groups: ListenerState[][] = [];
  for (const l of listeners) {
    if (!l.accepted.status || l.port === 0) continue;
    const g = groups[groups.length - 1];
    if (g && g[0].parent === l.parent) g.push(l);
    else groups.push([l]);
  }
  for (const group of groups) {
    const survivors: ListenerState[] = [];
    for (const l of group) {
      const a = earlier.find((e) => conflictReason(e, l));
      if (a) l.conflicted = conflictOf(l, a, conflictReason(a, l)!);
      else survivors.push(l);
    }
    for (const l of survivors) {
      for (const a of survivors) {
        const reason = a !== l ? conflictReason(a, l) : undefined;
        if (reason && !l.conflicted) l.conflicted = conflictOf(l, a, reason);
      }
    }
    earlier.push(...survivors);
  }
  for (const l of listeners) {
    if (l.conflicted) l.reject(l.conflicted.reason, l.conflicted.message);
  }
  // OverlappingTLSConfig: TLS listeners of one port whose hostnames overlap without being equal
  const tlsListeners = listeners.filter((l) => l.usable && family(l.protocol) === 'tls' && l.hostname);
  for (const a of tlsListeners) {
    for (const b of tlsListeners) {
      if (a === b || a.port !== b.port || a.hostname === b.hostname) continue;
      if (hostnamesIntersect(a.hostname!, b.hostname!)) a.overlappingWith.push(`${b.describe()} (${b.hostname})`);
    }
  }
}

/** Listeners in the order a port lists them: most specific hostname first, then by id. */
export function compareListeners(a: ListenerState, b: ListenerState): number {
  return compareHostnameSpecificity(a.hostname, b.hostname) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
