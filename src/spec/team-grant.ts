/**
 * The rules of a team grant, on the grant as plain data. The in-app `TeamGrant` (the platform's construct) and a
 * grant imported from the platform's exported document (`Team.fromGrant` in a team's own repository) both
 * check routes with these functions, so the two give the same errors, word for word.
 *
 * Internal: not exported from src/index.ts (the public shape of the document is `TeamGrantDocument`).
 */
import { GATEWAY_API_GROUP } from './gateway-api';
import { hostnameCovers, hostnamesIntersect } from './hostname';
import { failObject, show, Where } from './where';

/** A listener of the Gateway granted to a team, as the rules need it. */
export interface GrantedListenerData {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname?: string;
  /** The route kinds the listener accepts. */
  readonly routeKinds: readonly string[];
}

/** A listener the team may attach to: a granted listener narrowed to one granted hostname (or the listener whole). */
export interface TeamListenerData {
  readonly name: string;
  readonly grantedListener: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname?: string;
}

/** Services of another namespace a team may use as backends. */
export interface BackendGrantData {
  readonly namespace: string;
  /** Only these Services (absent: every Service of the namespace). */
  readonly serviceNames?: readonly string[];
}

/** A team's grant on one Gateway: everything the route checks read. */
export interface GrantData {
  readonly team: string;
  readonly namespace: string;
  readonly gateway: { readonly namespace: string; readonly name: string };
  /** Where the grant is made, for messages: `grantTeam("shop") on Gateway gateway-system/edge (platform/edge/shop)`. */
  readonly source: string;
  /** Granted hostnames; empty: any the listeners accept. */
  readonly hostnames: readonly string[];
  readonly routeKinds: readonly string[];
  readonly grantedListeners: readonly GrantedListenerData[];
  readonly teamListeners: readonly TeamListenerData[];
  readonly backendGrants: readonly BackendGrantData[];
}

/** A parent a route names: group, kind, name, namespace. */
export interface GrantParent {
  readonly apiGroup: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** `Gateway gateway-system/edge` */
export function describeGrantGateway(g: GrantData): string {
  return `Gateway ${g.gateway.namespace}/${g.gateway.name}`;
}

/** A team may create only its granted route kinds. */
export function checkTeamRouteKind(where: Where, g: GrantData, kind: string): void {
  if (!g.routeKinds.includes(kind)) failObject(where, `team "${g.team}" may not create ${kind} (granted: ${g.routeKinds.join(', ')})`);
}

/** A team's routes live in its namespace; `where` names the field the namespace came from. */
export function checkTeamNamespace(where: Where, g: GrantData, namespace: string | undefined): void {
  if (namespace !== undefined && namespace !== g.namespace) {
    failObject(where, `team "${g.team}" may not place routes in namespace ${show(namespace)} (granted: ${g.namespace})`);
  }
}

/** The listener names a team route may pick: the granted listeners, then the team's own. */
export function teamListenerNames(g: GrantData): string[] {
  const granted = g.grantedListeners.map((l) => l.name);
  return [...granted, ...g.teamListeners.map((l) => l.name).filter((n) => !granted.includes(n))];
}

/**
 * The team's listeners a route of `kind` attaches to (those `names` picks, when given), after checking the
 * names: every listener of the team that accepts the kind by default.
 */
export function teamListenersFor(where: Where, g: GrantData, kind: string, names: readonly string[] | undefined): TeamListenerData[] {
  const known = teamListenerNames(g);
  (names ?? []).forEach((n, i) => {
    if (!known.includes(n)) failObject(where.at('listeners').at(i), `team "${g.team}" may not use listener ${show(n)} (granted: ${known.join(', ')})`);
  });
  const picked = (l: TeamListenerData) => !names || names.includes(l.name) || names.includes(l.grantedListener);
  const accepts = (l: TeamListenerData) => g.grantedListeners.find((x) => x.name === l.grantedListener)?.routeKinds.includes(kind) ?? false;
  const chosen = g.teamListeners.filter((l) => picked(l) && accepts(l));
  if (chosen.length === 0) {
    failObject(where, `team "${g.team}" has no granted listener that accepts ${kind} ` +
      `(granted: ${g.grantedListeners.map((l) => `${l.name}: ${l.protocol}`).join(', ')})`);
  }
  return chosen;
}

/** The hostnames of a route that names none: the granted ones its listeners can receive. */
export function defaultTeamHostnames(g: GrantData, chosen: readonly TeamListenerData[]): string[] {
  return g.hostnames.filter((h) => chosen.some((l) => !l.hostname || hostnamesIntersect(h, l.hostname)));
}

/** The sectionNames a team route's parentRefs name: the granted listener's (or the team's own, when picked by name). */
export function teamParentSectionNames(chosen: readonly TeamListenerData[], names: readonly string[] | undefined): string[] {
  return [...new Set(chosen.map((l) => (names?.includes(l.name) ? l.name : l.grantedListener)))];
}

/** A team may serve only its granted hostnames (or any, when none are granted). */
export function checkTeamHostname(where: Where, g: GrantData, hostname: string): void {
  if (g.hostnames.length === 0 || g.hostnames.some((h) => hostnameCovers(h, hostname))) return;
  failObject(where, `team "${g.team}" may not use hostname ${show(hostname)} (granted: ${g.hostnames.join(', ')})`);
}

/** A team route attaches only to the granted Gateway, through one of its listeners. */
export function checkTeamParent(where: Where, g: GrantData, parent: GrantParent, sectionName: string | undefined): void {
  const same = parent.kind === 'Gateway' && parent.apiGroup === GATEWAY_API_GROUP && parent.name === g.gateway.name &&
    (parent.namespace || 'default') === g.gateway.namespace;
  if (!same) {
    failObject(where, `team "${g.team}" may only attach to ${describeGrantGateway(g)} (not ${parent.kind} ${parent.namespace ? `${parent.namespace}/` : ''}${parent.name})`);
  }
  const names = [...g.grantedListeners.map((l) => l.name), ...g.teamListeners.map((l) => l.name)];
  if (sectionName === undefined || !names.includes(sectionName)) {
    failObject(where, `team "${g.team}" may not use listener ${sectionName === undefined ? '(all listeners)' : show(sectionName)} ` +
      `(granted: ${[...new Set(names)].join(', ')})`);
  }
}

/** A team sends traffic to its own namespace, and to the Services of other namespaces it was granted. */
export function checkTeamBackend(where: Where, g: GrantData, backend: { namespace?: string; name: string; isService: boolean }): void {
  const ns = backend.namespace;
  if (ns === undefined || ns === g.namespace) return;
  const grant = g.backendGrants.find((b) => b.namespace === ns);
  const granted = [g.namespace, ...g.backendGrants.map((b) => b.namespace)].join(', ');
  if (!grant || !backend.isService) failObject(where, `team "${g.team}" may not use backends in namespace ${show(ns)} (granted: ${granted})`);
  if (grant.serviceNames && !grant.serviceNames.includes(backend.name)) {
    failObject(where, `team "${g.team}" may not use Service ${show(`${ns}/${backend.name}`)} (granted in ${ns}: ${grant.serviceNames.join(', ')})`);
  }
}

/**
 * The sectionNames a parentRef naming `sectionName` renders as: a granted listener becomes the team's listeners on
 * it that serve the route's hostnames (all of them when none does: the attachment check then says why).
 */
export function renderTeamSectionNames(g: GrantData, sectionName: string | undefined, hostnames: readonly string[]): Array<string | undefined> {
  if (sectionName === undefined || !g.grantedListeners.some((l) => l.name === sectionName)) return [sectionName];
  const on = g.teamListeners.filter((l) => l.grantedListener === sectionName);
  const serves = (l: TeamListenerData) => l.hostname === undefined || hostnames.some((h) => hostnamesIntersect(h, l.hostname!));
  const serving = on.filter((l) => hostnames.length === 0 || serves(l));
  const pick = serving.length > 0 ? serving : on;
  return pick.length > 0 ? pick.map((l) => l.name) : [sectionName];
}
