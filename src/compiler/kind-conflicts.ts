import { intersectHostnames } from './attach';
import { Context, note } from './context';
import { ListenerState } from './listeners';
import { compareAge, describe } from './objects';
import { Attachment, RouteState } from './route-state';
import { Reason } from './status';

/**
 * HTTPRoutes and GRPCRoutes that share a listener and a hostname. The GRPCRoute `spec.hostnames` text of
 * Gateway API v1.6.1 (GEP-1016 "Cross Serving"):
 *
 * > If a Route (A) of type HTTPRoute or GRPCRoute is attached to a Listener and that listener already has another
 * > Route (B) of the other type attached and the intersection of the hostnames of A and B is non-empty, then the
 * > implementation MUST accept exactly one of these two routes, determined by the following criteria, in order:
 * > the oldest Route based on creation timestamp; the Route appearing first in alphabetical order by
 * > "{namespace}/{name}". The rejected Route MUST raise an 'Accepted' condition with a status of 'False' in the
 * > corresponding RouteParentStatus.
 *
 * Routes are taken oldest first (compareAge: creationTimestamp, then namespace/name); a route loses a listener when
 * a route of the other kind already kept there has a hostname in common (route hostnames ∩ listener hostname, no
 * hostnames meaning every host). A parentRef that loses all its listeners is Accepted=False with the reason
 * HostnameConflict (the spec names none; the listener reason of that name says the same thing); one that keeps some
 * stays Accepted and the lost listeners are a warning. Runs after attachRoutes, before configs are built, so that
 * the config (and so the data plane, `explain` and GatewayTester) and the status agree.
 */
export function resolveRouteKindConflicts(ctx: Context, routes: readonly RouteState[]): void {
  // per listener, per route kind, in the order kept: a route looks only at the other kind's list, and lists
  // grow in place (10,000 HTTPRoutes on one listener stay linear; cluster mode compiles on every change)
  const kept = new Map<ListenerState, Map<string, Array<{ route: RouteState; hostnames: string[] }>>>();
  const keptOf = (listener: ListenerState, kind: string) => {
    let byKind = kept.get(listener);
    if (!byKind) kept.set(listener, (byKind = new Map()));
    let list = byKind.get(kind);
    if (!list) byKind.set(kind, (list = []));
    return list;
  };
  const otherKind = (kind: string) => (kind === 'HTTPRoute' ? 'GRPCRoute' : 'HTTPRoute');
  const http = routes.filter((r) => r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute').sort((a, b) => compareAge(a.obj, b.obj));
  for (const route of http) {
    route.parents.forEach((p, i) => {
      if (!p.accepted.status) return;
      const lost: Array<{ attachment: Attachment; winner: RouteState }> = [];
      const keep: Attachment[] = [];
      for (const a of p.attachments) {
        const winner = kept.get(a.listener)?.get(otherKind(route.kind))?.find((k) => hostnamesIntersect(k.hostnames, a.hostnames));
        if (winner) lost.push({ attachment: a, winner: winner.route });
        else keep.push(a);
      }
      for (const a of keep) keptOf(a.listener, route.kind).push({ route, hostnames: a.hostnames });
      if (lost.length === 0) return;
      // attachToParent counted these; the spec counts accepted attachments only
      for (const { attachment } of lost) attachment.listener.attachedRoutes--;
      const why = lost.map(({ attachment, winner }) => conflictMessage(route, attachment, winner)).join('; ');
      if (keep.length === 0) {
        route.parents[i] = { ...p, attachments: [], accepted: { status: false, reason: Reason.HostnameConflict, message: why } };
      } else {
        route.parents[i] = { ...p, attachments: keep, accepted: { ...p.accepted, message: `attached to ${keep.map((a) => `listener "${a.listener.name}"`).join(', ')}` } };
        note(ctx, 'warning', route.obj, `spec.parentRefs[${p.key.kind} ${p.key.namespace}/${p.key.name}]`, why);
      }
    });
  }
}

function conflictMessage(route: RouteState, a: Attachment, winner: RouteState): string {
  const hosts = (h: string[]) => (h.length === 0 ? 'every host' : h.join(', '));
  return `${describe(route.obj)}: not attached to ${a.listener.describe()}: its hostnames there (${hosts(a.hostnames)}) intersect those of ` +
    `${describe(winner.obj)}, which is older (or first by namespace/name) and keeps the listener; a listener serves a hostname ` +
    'with HTTPRoutes or with GRPCRoutes, not both (GRPCRoute spec.hostnames)';
}

/** Two effective hostname lists (empty: any host) have a host in common. */
export function hostnamesIntersect(a: readonly string[], b: readonly string[]): boolean {
  if (b.length === 0) return true;
  return b.some((h) => intersectHostnames(a, h) !== undefined);
}
