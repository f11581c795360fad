/**
 * How team grants render: as listeners any Gateway API implementation enforces.
 *
 * A granted listener is narrowed to each hostname granted on it: one listener per (granted listener, granted
 * hostname), with the granted listener's port, protocol and TLS settings (certificates included), named
 * `<listener>-<hostname>` (`*` spelled `wildcard`), whose `allowedRoutes` select the teams' namespaces by
 * `kubernetes.io/metadata.name` and their route kinds. A route of team `shop` for `pay.example.com` then
 * intersects no listener that admits `shop`, so no conformant implementation accepts it.
 *
 * A grant without hostnames (or with the granted listener's own hostname, or a wider one) is rendered on the
 * granted listener itself, which then admits the teams' namespaces besides the Gateway's own. A granted
 * listener no team takes whole keeps the Gateway API default (routes of the Gateway's namespace: the
 * platform's catch-all). TCP and UDP listeners have no hostname: their teams share the listener itself.
 *
 * Internal: not exported from src/index.ts.
 */
import { GrantedRoutes, Listener, ListenerProtocol, RouteKind } from './listener';
import { listenerConflicts } from './listener-conflicts';
import { hostnameCovers } from '../spec/hostname';
import { MAX_ITEMS } from '../spec/limits';
import { failObject, Where } from '../spec/where';

/** What the rendering needs of a grant. */
export interface GrantView {
  readonly teamName: string;
  readonly namespace: string;
  /** Names of the declared listeners granted. */
  readonly listeners: readonly string[];
  /** Granted hostnames; empty: every hostname the listeners accept. */
  readonly hostnames: readonly string[];
  readonly routeKinds: readonly RouteKind[];
}

/** One listener as the Gateway renders it. */
export interface RenderedListener {
  /** The declared listener, or the one narrowed from it for a granted hostname. */
  readonly listener: Listener;
  /** The declared listener (the listener itself when it is declared). */
  readonly granted: Listener;
  /** The grants whose teams may attach (empty: the listener's allowedRoutes as declared). */
  readonly grants: readonly GrantView[];
}

/** The hostnames a grant takes on a granted listener: each granted hostname narrowed to the listener's. */
export function grantedHostnamesOn(grant: GrantView, listener: Listener): Array<string | undefined> {
  if (!hasHostname(listener) || grant.hostnames.length === 0) return [listener.hostname];
  const out: Array<string | undefined> = [];
  for (const h of grant.hostnames) {
    const n = narrower(h, listener.hostname);
    if (n !== null && !out.includes(n)) out.push(n);
  }
  return out;
}

/** The name of the listener a grant renders for `hostname` on `listener`: `websecure-shop.example.com`. */
export function narrowedName(listener: Listener, hostname: string): string {
  return `${listener.name}-${hostname.replace(/^\*/, 'wildcard')}`;
}

/** Every listener the Gateway renders: each declared one, followed by those its grants narrow it to. */
export function renderListeners(declared: readonly Listener[], grants: readonly GrantView[]): RenderedListener[] {
  const out: RenderedListener[] = [];
  for (const l of declared) {
    const on = grants.filter((g) => g.listeners.includes(l.name));
    const whole: GrantView[] = [];
    const narrowed = new Map<string, GrantView[]>();
    for (const g of on) {
      for (const h of grantedHostnamesOn(g, l)) {
        if (h === l.hostname) whole.push(g);
        else narrowed.set(h!, [...(narrowed.get(h!) ?? []), g]);
      }
    }
    out.push({ listener: l, granted: l, grants: whole });
    const names = [...narrowed.keys()].map((h) => ({ h, name: narrowedName(l, h) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { h, name } of names) out.push({ listener: Listener._narrowed(l, name, h), granted: l, grants: narrowed.get(h)! });
  }
  return out;
}

/**
 * The allowed routes a rendered listener gets from its grants: the teams' namespaces (and, on the declared
 * listener, the Gateway's own), the union of their kinds. Undefined when no grant applies.
 */
export function grantedRoutes(r: RenderedListener, gatewayNamespace: string): GrantedRoutes | undefined {
  if (r.grants.length === 0) return undefined;
  const namespaces = new Set(r.grants.map((g) => g.namespace));
  if (r.listener === r.granted) namespaces.add(gatewayNamespace);
  const kinds = r.listener.routeKinds.filter((k) => r.grants.some((g) => g.routeKinds.includes(k)));
  return { namespaces: [...namespaces].sort(), kinds };
}

/** The more specific of two intersecting hostnames (undefined: any), or null when they do not intersect. */
function narrower(h: string, listenerHostname: string | undefined): string | undefined | null {
  if (listenerHostname === undefined || hostnameCovers(listenerHostname, h)) return h;
  if (hostnameCovers(h, listenerHostname)) return listenerHostname;
  return null;
}

function hasHostname(l: Listener): boolean {
  return l.protocol !== ListenerProtocol.TCP && l.protocol !== ListenerProtocol.UDP;
}

/**
 * Checks what the grants would render before they are made (at `grantTeam()` and `addListener()`): listener
 * names unique and valid, teams that share a listener granted the same route kinds on it (one listener admits
 * one set of kinds for every namespace), and at most 64 listeners.
 */
export function checkRendering(where: Where, declared: readonly Listener[], grants: readonly GrantView[]): void {
  const rendered = renderListeners(declared, grants);
  const byName = new Map<string, RenderedListener>();
  for (const r of rendered) {
    const name = r.listener.name;
    if (name.length > 253) {
      failObject(where, `the listener for ${r.listener.hostname} on listener "${r.granted.name}" would be named "${name}", ` +
        `longer than the 253 characters a listener name may have; give listener "${r.granted.name}" a shorter name`);
    }
    const other = byName.get(name);
    if (other) {
      const own = [other, r].find((x) => x.listener === x.granted) ?? r;
      failObject(where, `two listeners would be named "${name}" (${describeRendered(other)} and ${describeRendered(r)}); rename listener "${own.granted.name}"`);
    }
    byName.set(name, r);
  }
  // a granted hostname on the port and protocol of a listener the Gateway declares for it: the CRD refuses both
  const [clash] = listenerConflicts(rendered.map((r) => r.listener), (l) => describeRendered(rendered.find((r) => r.listener === l)!).replace(/^listener /, ''))
    .filter((p) => !p.startsWith('listener name'));
  if (clash) failObject(where, `${clash} (a team grant renders one of them: grant the team the declared listener instead, or another hostname)`);
  for (const r of rendered) {
    if (r.grants.length < 2) continue;
    const kinds = (g: GrantView) => r.listener.routeKinds.filter((k) => g.routeKinds.includes(k)).join(', ');
    const differ = r.grants.find((g) => kinds(g) !== kinds(r.grants[0]));
    if (differ) {
      failObject(where, `teams "${r.grants[0].teamName}" and "${differ.teamName}" share ${describeRendered(r)} with different route kinds ` +
        `(${kinds(r.grants[0]) || 'none'} / ${kinds(differ) || 'none'}), and one listener admits the same kinds for every namespace it admits: ` +
        'grant them the same routeKinds on it, or different hostnames');
    }
  }
  if (rendered.length > MAX_ITEMS.listeners) {
    const perTeam = grants.map((g) => `${g.teamName} ${rendered.filter((r) => r.listener !== r.granted && r.grants.includes(g)).length}`).join(', ');
    failObject(where, `the Gateway would have ${rendered.length} listeners (${declared.length} declared, ${rendered.length - declared.length} ` +
      `for the hostnames of team grants: ${perTeam}), and a Gateway holds at most ${MAX_ITEMS.listeners}. Each granted hostname is a listener ` +
      'on each granted listener it falls under: grant a wildcard (*.shop.example.com) instead of several names, grant teams fewer ' +
      'listeners, or spread the teams over more Gateways');
  }
}

/** `listener "websecure-shop.example.com" (shop.example.com on "websecure")` */
export function describeRendered(r: RenderedListener): string {
  return r.listener === r.granted ? `listener "${r.listener.name}"` : `listener "${r.listener.name}" (${r.listener.hostname} on "${r.granted.name}")`;
}
