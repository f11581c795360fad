/**
 * Team grants, checked on the compiled result at synth: whatever produced an object (a team's factory, a JSON
 * patch, `new HttpRoute`, a raw ApiObject, an Include of YAML), a route outside its team's grant is not
 * Accepted by the listeners the grant renders (or serves none of the names it asks for), and the finding says
 * which team's grant and which listener would have to change. Grants arrive as plain data; this file knows
 * nothing of constructs.
 *
 * Internal: not exported from src/index.ts.
 */
import { UNSERVED_HOSTNAME } from './attach';
import type { CompileResult } from './compile';
import { ObjectStatus, Reason, RouteParentStatus } from './status';
import type { SynthFinding } from './synth-report';
import { GATEWAY_API_GROUP, ROUTE_KINDS } from '../spec/gateway-api';
import { hostnameCovers } from '../spec/hostname';
import type { GrantData } from '../spec/team-grant';

/**
 * A team's grant on one Gateway, as the audit needs it: the grant's data (src/spec/team-grant.ts) with its team
 * listeners as `{ name, granted, hostname }`.
 */
export interface GrantSpec extends Pick<GrantData, 'team' | 'namespace' | 'gateway' | 'source' | 'hostnames' | 'routeKinds'> {
  /** The listeners rendered for the team: their names (sectionNames), the declared listener, the hostname. */
  readonly listeners: ReadonlyArray<{ readonly name: string; readonly granted: string; readonly hostname?: string }>;
}

/** What `auditGrants` checks a compile result against: the objects it came from, the grants, and who made what. */
export interface GrantAuditInput {
  /** The objects the result was compiled from (the audit reads hostnames, namespaces and parentRefs there). */
  readonly objects: readonly unknown[];
  readonly grants: readonly GrantSpec[];
  /** Objects a team's code made (index into `objects` → team name): they must stay in the team's namespace. */
  readonly madeBy: ReadonlyMap<number, string>;
}

/** What `auditGrants` found: synth findings (errors) in the shape of the spec's conditions, each with the grant to change. */
export interface GrantAudit {
  /** One finding per route, hostname or object outside its grant, each naming the grant to change. */
  readonly findings: SynthFinding[];
}

/** Reasons for which a route parent on a granted Gateway is a grant matter (reported here, with the grant). */
const GRANT_REASONS = new Set<string>([Reason.NotAllowedByListeners, Reason.NoMatchingListenerHostname, Reason.NoMatchingParent]);

/** Checks a compile result against the team grants. */
export function auditGrants(result: Pick<CompileResult, 'status' | 'diagnostics'>, input: GrantAuditInput): GrantAudit {
  const ctx = new AuditContext(input);
  const findings: SynthFinding[] = [];
  if (input.grants.length === 0) return { findings };

  // objects a team made must stay in its namespace (the compiler cannot see who made what)
  for (const [index, team] of input.madeBy) {
    const o = ctx.object(index);
    const home = input.grants.find((g) => g.team === team)?.namespace;
    if (!o || home === undefined || o.namespace === home) continue;
    findings.push({
      ...objectFinding(o, 'metadata.namespace'),
      reason: 'NotInTeamNamespace',
      message: `${o.kind} ${o.namespace}/${o.name} was made by team "${team}" (through its grant, or in a chart of namespace ${home}) but is in namespace "${o.namespace}"`,
      fix: `team "${team}"'s objects stay in namespace ${home} (${ctx.sources(team)}); remove what changed metadata.namespace`,
    });
  }

  // routes on a granted Gateway that are not Accepted there (a Gateway that is not accepted has its own finding)
  const acceptedGateways = new Set(result.status.filter((s) => s.kind === 'Gateway' && s.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True'))
    .map((s) => `${s.namespace}/${s.name}`));
  for (const s of result.status) {
    if (!ROUTE_KINDS.includes(s.kind as never)) continue;
    for (const p of s.parents ?? []) {
      const gw = ctx.gatewayOf(p);
      if (!gw || !acceptedGateways.has(`${gw.namespace}/${gw.name}`)) continue;
      const accepted = p.conditions.find((c) => c.type === 'Accepted');
      if (!accepted || accepted.status !== 'False' || !GRANT_REASONS.has(accepted.reason)) continue;
      const k = p.parentRef;
      findings.push({
        ...statusFinding(s),
        field: `spec.parentRefs[${k.kind} ${k.namespace}/${k.name}${k.sectionName ? `/${k.sectionName}` : ''}]`,
        condition: 'Accepted=False',
        reason: accepted.reason,
        message: accepted.message,
        fix: ctx.fix(s, gw, ctx.hostnamesOf(s), k.kind === 'Gateway' ? k.sectionName : undefined),
      });
    }
  }

  // accepted routes with names no listener serves: how a hostname outside a grant looks when another one is inside
  for (const d of result.diagnostics) {
    if (d.code !== UNSERVED_HOSTNAME || !d.object.kind || d.object.namespace === undefined || d.object.name === undefined) continue;
    const s = result.status.find((x) => x.kind === d.object.kind && x.namespace === d.object.namespace && x.name === d.object.name);
    const gw = s?.parents?.map((p) => ctx.gatewayOf(p)).find((g) => g !== undefined);
    if (!s || !gw) continue;
    const hostname = ctx.hostnamesOf(s)[Number(/\[(\d+)\]$/.exec(d.field ?? '')?.[1] ?? -1)];
    findings.push({
      ...statusFinding(s),
      field: d.field ?? 'spec.hostnames',
      condition: 'grant',
      reason: 'HostnameNotServed',
      message: d.message,
      fix: ctx.fix(s, gw, hostname !== undefined ? [hostname] : ctx.hostnamesOf(s), undefined),
    });
  }

  // listeners and Gateways declared from a team's namespace: a team's listeners come from its grant
  for (const o of ctx.objects()) {
    const team = ctx.teamOfNamespace(o.namespace);
    if (!team || o.group !== GATEWAY_API_GROUP) continue;
    if (o.kind === 'ListenerSet') {
      const gw = ctx.granted(o.raw?.spec?.parentRef?.namespace ?? o.namespace, o.raw?.spec?.parentRef?.name);
      if (!gw) continue;
      findings.push({
        ...objectFinding(o, 'spec.parentRef'),
        reason: 'ListenerSetFromTeamNamespace',
        message: `ListenerSet ${o.namespace}/${o.name} adds listeners to Gateway ${gw.namespace}/${gw.name} from namespace ${o.namespace}, which belongs to team "${team}"`,
        fix: `a team's listeners come from its grant (${ctx.sources(team)}): remove the ListenerSet, and have the platform grant the hostnames it needs`,
      });
    } else if (o.kind === 'Gateway' && !input.grants.some((g) => g.team === team && g.gateway.namespace === o.namespace && g.gateway.name === o.name)) {
      findings.push({
        ...objectFinding(o, 'metadata.namespace'),
        reason: 'GatewayInTeamNamespace',
        message: `Gateway ${o.namespace}/${o.name} is declared in namespace ${o.namespace}, which belongs to team "${team}"`,
        fix: `teams attach routes to the platform's Gateways through their grants (${ctx.sources(team)}): declare Gateways in the platform's chart, and have the platform grant the hostnames the team needs`,
      });
    }
  }
  return { findings };
}

/**
 * The statuses as the synth report of a granted Gateway should see them: without the route-parent conditions
 * `auditGrants` reports (with the grant), and without the overlaps `withoutGrantOverlaps` takes out. The
 * conditions themselves stay in the compile result and in the cluster's status.
 */
export function withoutGrantFindings(status: readonly ObjectStatus[], grants: readonly GrantSpec[], objects: readonly unknown[]): ObjectStatus[] {
  const ctx = new AuditContext({ objects, grants, madeBy: new Map() });
  return withoutGrantOverlaps(status, grants).map((s) => {
    if (!s.parents) return s;
    const parents = s.parents.filter((p) => {
      const accepted = p.conditions.find((c) => c.type === 'Accepted');
      return !(accepted && accepted.status === 'False' && GRANT_REASONS.has(accepted.reason) && ctx.gatewayOf(p));
    });
    return parents.length === s.parents.length ? s : { ...s, parents };
  });
}

/**
 * The statuses without OverlappingTLSConfig between the listeners grants rendered from one granted listener,
 * for reports of what is wrong (synth warnings, GatewayTester.problems): they overlap by design, share its
 * certificates, and a request coalesced onto the wrong one is answered 421 (this data plane does, as GEP-3567
 * recommends), which clients retry on a new connection.
 */
export function withoutGrantOverlaps(status: readonly ObjectStatus[], grants: readonly GrantSpec[]): ObjectStatus[] {
  return status.map((s) => {
    if (s.kind !== 'Gateway' || !s.listeners) return s;
    const family = new Map<string, string>(); // rendered listener → the granted listener it comes from
    for (const g of grants) {
      if (g.gateway.namespace !== s.namespace || g.gateway.name !== s.name) continue;
      for (const l of g.listeners) family.set(l.name, l.granted).set(l.granted, l.granted);
    }
    if (family.size === 0) return s;
    const listeners = s.listeners.map((l) => {
      const mine = family.get(l.name);
      const keep = (c: { type: string; message: string }) => c.type !== 'OverlappingTLSConfig' || mine === undefined ||
        [...c.message.matchAll(/listener "([^"]+)"/g)].some((m) => family.get(m[1]) !== mine);
      return l.conditions.every(keep) ? l : { ...l, conditions: l.conditions.filter(keep) };
    });
    return { ...s, listeners };
  });
}

interface AuditObject {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly raw: any;
}

/** The object part of an error finding about an object with a status. */
function statusFinding(s: ObjectStatus): Pick<SynthFinding, 'severity' | 'object' | 'kind' | 'namespace' | 'name'> {
  return { severity: 'error', object: `${s.kind} ${s.namespace}/${s.name}`, kind: s.kind, namespace: s.namespace, name: s.name };
}

function objectFinding(o: AuditObject, field: string): Omit<SynthFinding, 'reason' | 'message' | 'fix'> {
  return { severity: 'error', object: `${o.kind} ${o.namespace}/${o.name}`, kind: o.kind, namespace: o.namespace, name: o.name, field, condition: 'grant' };
}

class AuditContext {
  private readonly list: Array<AuditObject | undefined>;

  public constructor(private readonly input: GrantAuditInput) {
    this.list = input.objects.map((raw: any) => {
      if (raw === null || typeof raw !== 'object' || typeof raw.kind !== 'string') return undefined;
      const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : '';
      return {
        group: apiVersion.includes('/') ? apiVersion.split('/')[0] : '',
        kind: raw.kind,
        namespace: raw.metadata?.namespace || 'default',
        name: String(raw.metadata?.name ?? ''),
        raw,
      };
    });
  }

  public object(index: number): AuditObject | undefined {
    return this.list[index];
  }

  public objects(): AuditObject[] {
    return this.list.filter((o): o is AuditObject => o !== undefined);
  }

  /** The granted Gateway a route parent lies on (directly, or through a ListenerSet attached to it). */
  public gatewayOf(p: RouteParentStatus): { namespace: string; name: string } | undefined {
    const k = p.parentRef;
    if (k.group !== GATEWAY_API_GROUP) return undefined;
    if (k.kind === 'Gateway') return this.granted(k.namespace, k.name);
    if (k.kind !== 'ListenerSet') return undefined;
    const ls = this.list.find((o) => o?.kind === 'ListenerSet' && o.namespace === k.namespace && o.name === k.name);
    const ref = ls?.raw?.spec?.parentRef;
    return ref ? this.granted(ref.namespace || k.namespace, ref.name) : undefined;
  }

  public granted(namespace: string, name: unknown): { namespace: string; name: string } | undefined {
    const g = this.input.grants.find((x) => x.gateway.namespace === namespace && x.gateway.name === name);
    return g?.gateway;
  }

  public teamOfNamespace(namespace: string): string | undefined {
    return this.input.grants.find((g) => g.namespace === namespace)?.team;
  }

  public sources(team: string): string {
    return [...new Set(this.input.grants.filter((g) => g.team === team).map((g) => g.source))].join(', ');
  }

  public hostnamesOf(s: ObjectStatus): string[] {
    const o = this.list.find((x) => x?.kind === s.kind && x.namespace === s.namespace && x.name === s.name);
    const list = o?.raw?.spec?.hostnames;
    return Array.isArray(list) ? list.filter((h: unknown): h is string => typeof h === 'string') : [];
  }

  /** What would have to change for the route to attach: the route, or which team's grant on which listener. */
  public fix(s: ObjectStatus, gw: { namespace: string; name: string }, hostnames: readonly string[], sectionName: string | undefined): string {
    const onGateway = this.input.grants.filter((g) => g.gateway.namespace === gw.namespace && g.gateway.name === gw.name);
    const g = onGateway.find((x) => x.namespace === s.namespace);
    if (!g) {
      const teams = onGateway.map((x) => `${x.team} in ${x.namespace}`).join(', ');
      return `namespace ${s.namespace} is granted to no team on Gateway ${gw.namespace}/${gw.name} (teams: ${teams}): ` +
        'move the route into its team\'s namespace, or have the platform grant a team this namespace with Gateway.grantTeam()';
    }
    const who = `team "${g.team}"`;
    const problems: string[] = [];
    const widen: string[] = [];
    let listeners = [...new Set(g.listeners.map((l) => l.granted))];
    if (!g.routeKinds.includes(s.kind)) {
      problems.push(`${who} may not create ${s.kind} (granted: ${g.routeKinds.join(', ')})`);
      widen.push(`${s.kind} to its routeKinds`);
    }
    if (sectionName !== undefined && !g.listeners.some((l) => l.name === sectionName)) {
      const mine = g.listeners.filter((l) => l.granted === sectionName);
      const theirs = onGateway.flatMap((x) => x.listeners.map((l) => ({ grant: x, l }))).find((x) => x.l.name === sectionName);
      if (mine.length > 0) {
        problems.push(`listener "${sectionName}" is granted to ${who} for its hostnames only, as ${mine.map((l) => `"${l.name}" (${l.hostname ?? 'any host'})`).join(', ')}: attach to ${mine.length === 1 ? 'that one' : 'those'}`);
      } else if (theirs) {
        problems.push(`listener "${sectionName}" is team "${theirs.grant.team}"'s (${theirs.l.hostname ?? 'any host'} on "${theirs.l.granted}")`);
        listeners = [theirs.l.granted];
        if (theirs.l.hostname !== undefined && !hostnames.includes(theirs.l.hostname)) widen.push(`"${theirs.l.hostname}" to its hostnames`);
      } else {
        problems.push(`listener "${sectionName}" is not granted to ${who} (its listeners: ${g.listeners.map((l) => l.name).join(', ')})`);
        listeners = [sectionName];
        widen.push(`"${sectionName}" to its listeners`);
      }
    } else if (sectionName !== undefined) {
      listeners = [g.listeners.find((l) => l.name === sectionName)!.granted];
    }
    const outside = g.hostnames.length === 0 ? [] : hostnames.filter((h) => !g.hostnames.some((x) => hostnameCovers(x, h)));
    for (const h of outside) {
      const owners = onGateway.filter((x) => x !== g && (x.hostnames.length === 0 || x.hostnames.some((y) => hostnameCovers(y, h))));
      problems.push(`hostname "${h}" is outside ${who}'s grant (${g.hostnames.join(', ')})${owners.length > 0 ? ` and granted to ${owners.map((o) => `team "${o.team}"`).join(', ')}` : ''}`);
      widen.push(`"${h}" to its hostnames`);
    }
    const within = `${who}'s grant (${g.hostnames.length > 0 ? `hostnames ${g.hostnames.join(', ')}, ` : ''}listeners ${g.listeners.map((l) => l.name).join(', ')})`;
    if (problems.length === 0) return `keep the route within ${within}`;
    return `${problems.join('; ')}. Keep the route within ${within}` +
      (widen.length > 0 ? `, or have the platform add ${widen.join(' and ')} in ${g.source}, for listener${listeners.length === 1 ? '' : 's'} ${listeners.join(', ')}` : '');
  }
}
