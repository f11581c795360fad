import { assumed, Context, note } from './context';
import { GatewayState, ListenerSetState } from './gateways';
import { ListenerState } from './listeners';
import { describe } from './objects';
import { Attachment, ParentState, RouteState } from './route-state';
import { condition, Condition, ConditionType, ObjectStatus, ParentRefStatusKey, Reason } from './status';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { hostnameIntersection } from '../spec/hostname';
import { PORT_RANGE } from '../spec/limits';

/**
 * The hostnames a route serves through a listener: the route's hostnames that the listener's hostname
 * matches, narrowed to the more specific side. `[]` means any host; undefined means no intersection.
 */
export function intersectHostnames(route: readonly string[], listener: string | undefined): string[] | undefined {
  if (listener === undefined) return [...route];
  if (route.length === 0) return [listener];
  const out: string[] = [];
  const add = (h: string) => {
    if (!out.includes(h)) out.push(h);
  };
  for (const r of route) {
    const both = hostnameIntersection(listener, r);
    if (both !== undefined) add(both);
  }
  return out.length > 0 ? out : undefined;
}

const HOSTNAME_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);

/**
 * Attaches every route to its parentRefs (Gateways and ListenerSets this controller compiles), following the
 * spec: sectionName and port select listeners (else NoMatchingParent), allowedRoutes kinds and namespaces
 * filter them (else NotAllowedByListeners), hostnames must intersect (else NoMatchingListenerHostname).
 * Counts attachedRoutes on the listeners of accepted routes.
 */
export function attachRoutes(ctx: Context, routes: RouteState[], gateways: GatewayState[], listenerSets: ListenerSetState[]): void {
  const gwByKey = new Map(gateways.map((g) => [`${g.obj.namespace}/${g.obj.name}`, g]));
  const lsByKey = new Map(listenerSets.map((s) => [`${s.obj.namespace}/${s.obj.name}`, s]));
  const defaults = gateways.filter((g) => g.obj.root.at('spec').at('defaultScope').str() === 'All');

  for (const route of routes) {
    const spec = route.obj.root.at('spec');
    const refs: Array<{ key: ParentRefStatusKey; field: string }> = spec
      .at('parentRefs')
      .list()
      .map((p) => ({
        field: p.path,
        key: {
          group: p.at('group').str() ?? GATEWAY_API_GROUP,
          kind: p.at('kind').str() ?? 'Gateway',
          namespace: p.at('namespace').str() || route.obj.namespace,
          name: p.at('name').str({ required: true }) ?? '',
          sectionName: p.at('sectionName').str() || undefined,
          port: p.at('port').int(PORT_RANGE),
        },
      }));
    // experimental: routes asking for default Gateways attach to those with defaultScope All
    if (spec.at('useDefaultGateways').str() === 'All') {
      for (const g of defaults) {
        if (!refs.some((r) => r.key.kind === 'Gateway' && r.key.namespace === g.obj.namespace && r.key.name === g.obj.name)) {
          refs.push({ field: 'spec.useDefaultGateways', key: { group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: g.obj.namespace, name: g.obj.name } });
        }
      }
    }

    let allParentsKnown = true;
    for (const { key, field } of refs) {
      if (key.group !== GATEWAY_API_GROUP || (key.kind !== 'Gateway' && key.kind !== 'ListenerSet')) { // not a parent this controller serves
        allParentsKnown = false;
        continue;
      }
      let gateway: GatewayState | undefined;
      let candidates: ListenerState[];
      let parentProblem: string | undefined;
      if (key.kind === 'Gateway') {
        gateway = gwByKey.get(`${key.namespace}/${key.name}`);
        candidates = gateway ? gateway.listeners.filter((l) => l.parent === gateway!.obj) : [];
        if (gateway && !gateway.accepted.status) parentProblem = `Gateway ${key.namespace}/${key.name} is not accepted: ${gateway.accepted.message}`;
      } else {
        const ls = lsByKey.get(`${key.namespace}/${key.name}`);
        gateway = ls?.gateway;
        candidates = ls?.listeners ?? [];
        if (ls && !ls.verdict.status) parentProblem = `ListenerSet ${key.namespace}/${key.name} is not accepted: ${ls.verdict.message}`;
      }
      if (!gateway) {
        allParentsKnown = false;
        if (!ctx.store.get(key.kind, key.namespace, key.name)) {
          note(ctx, 'warning', route.obj, field, `parent ${key.kind} ${key.namespace}/${key.name} is not in the manifests; the route does not attach to it`);
        }
        continue;
      }
      route.parents.push(attachToParent(ctx, route, key, gateway, candidates, parentProblem));
    }
    if (allParentsKnown) noteUnservedHostnames(ctx, route);
  }
}

/**
 * A hostname of an accepted route that no listener it attached to serves is silently not served (the spec
 * accepts the route for the names that do intersect): a warning, with the stable code `UnservedHostname`
 * (synth turns it into an error for routes of team namespaces: it is how a name outside a grant looks).
 */
function noteUnservedHostnames(ctx: Context, route: RouteState): void {
  if (!HOSTNAME_KINDS.has(route.kind) || route.hostnames.length === 0) return;
  const listeners = route.parents.filter((p) => p.accepted.status).flatMap((p) => p.attachments.map((a) => a.listener));
  if (listeners.length === 0) return; // not accepted anywhere: the parents' conditions say why
  route.hostnames.forEach((h, i) => {
    if (listeners.some((l) => intersectHostnames([h], l.hostname))) return;
    note(
      ctx,
      'warning',
      route.obj,
      `spec.hostnames[${i}]`,
      `"${h}" is not served: no listener the route is attached to serves it (${[...new Set(listeners)].map((l) => `${l.name}: ${l.hostname ?? 'any'}`).join('; ')})`,
      undefined,
      UNSERVED_HOSTNAME,
    );
  });
}

/** The code of the diagnostic for a route hostname that no listener it attached to serves. */
export const UNSERVED_HOSTNAME = 'UnservedHostname';

function attachToParent(
  ctx: Context,
  route: RouteState,
  key: ParentRefStatusKey,
  gateway: GatewayState,
  candidates: ListenerState[],
  parentProblem: string | undefined,
): ParentState {
  const fail = (reason: string, message: string): ParentState => ({ key, gateway, attachments: [], accepted: { status: false, reason, message } });
  const who = describe(route.obj);
  if (parentProblem) return fail(Reason.NoMatchingParent, `${who}: ${parentProblem}`);
  let ls = candidates;
  if (key.sectionName !== undefined) {
    ls = ls.filter((l) => l.name === key.sectionName);
    if (ls.length === 0) {
      return fail(Reason.NoMatchingParent, `${who}: ${key.kind} ${key.namespace}/${key.name} has no listener named "${key.sectionName}" (listeners: ${candidates.map((l) => l.name).join(', ') || 'none'})`);
    }
  }
  if (key.port !== undefined) {
    const onPort = ls.filter((l) => l.port === key.port);
    if (onPort.length === 0) {
      return fail(
        Reason.NoMatchingParent,
        `${who}: ${key.kind} ${key.namespace}/${key.name} has no listener${key.sectionName ? ` "${key.sectionName}"` : ''} on port ${key.port} (ports: ${[...new Set(ls.map((l) => l.port))].join(', ') || 'none'})`,
      );
    }
    ls = onPort;
  }
  const kindOk = ls.filter((l) => l.allowsKind(route.kind));
  if (kindOk.length === 0) {
    return fail(
      Reason.NotAllowedByListeners,
      `${who}: no listener of ${key.kind} ${key.namespace}/${key.name} accepts ${route.kind} (${ls.map((l) => `${l.name}: ${l.supportedKinds.map((k) => k.kind).join(', ') || 'no kinds'}`).join('; ')})`,
    );
  }
  const nsOk = kindOk.filter((l) => {
    const allowed = l.allowsNamespace(route.obj.namespace, ctx.namespaces);
    if (allowed === 'assumed') {
      assumed(
        ctx,
        route.obj,
        'metadata.namespace',
        `namespace ${route.obj.namespace} is not in the manifests, so its labels are unknown; assumed to carry the labels ` +
          `listener "${l.name}" of ${key.kind} ${key.namespace}/${key.name} selects (add the Namespace to the manifests to have it checked)`,
      );
    }
    return allowed !== false;
  });
  if (nsOk.length === 0) {
    return fail(
      Reason.NotAllowedByListeners,
      `${who}: no listener of ${key.kind} ${key.namespace}/${key.name} admits routes from namespace ${route.obj.namespace} ` +
        `(${kindOk.map((l) => `${l.name}: ${l.admission()}`).join('; ')}); change allowedRoutes.namespaces or move the route`,
    );
  }
  const attachments: Attachment[] = [];
  for (const l of nsOk) {
    const hostnames = HOSTNAME_KINDS.has(route.kind) ? intersectHostnames(route.hostnames, l.hostname) : [];
    if (hostnames) attachments.push({ listener: l, hostnames });
  }
  if (attachments.length === 0) {
    // who serves those names instead: listeners for other namespaces (a team grant's hostnames, typically)
    const elsewhere = kindOk.filter((l) => !nsOk.includes(l) && l.hostname !== undefined && intersectHostnames(route.hostnames, l.hostname));
    return fail(
      Reason.NoMatchingListenerHostname,
      `${who}: hostnames ${route.hostnames.join(', ')} match no hostname of the listeners that admit namespace ${route.obj.namespace} ` +
        `(${nsOk.map((l) => `${l.name}: ${l.hostname ?? 'any'}`).join('; ')})` +
        (elsewhere.length > 0 ? `; ${elsewhere.map((l) => `${l.name} serves ${l.hostname} and ${l.admission()}`).join('; ')}` : ''),
    );
  }
  if (route.invalid) return fail(route.invalid.reason, route.invalid.message);
  for (const a of attachments) a.listener.attachedRoutes++;
  return { key, gateway, attachments, accepted: { status: true, reason: Reason.Accepted, message: `attached to ${attachments.map((a) => `listener "${a.listener.name}"`).join(', ')}` } };
}

/** A route's status: one entry per parentRef this controller handles. */
export function routeStatus(route: RouteState, controllerName: string): ObjectStatus {
  const g = route.obj.generation;
  const resolved = route.refProblems[0]
    ? condition(
      ConditionType.ResolvedRefs,
      false,
      route.refProblems[0].reason,
      route.refProblems.length > 1 ? `${route.refProblems.map((p) => p.message).join('; ')}` : route.refProblems[0].message,
      g,
    )
    : condition(ConditionType.ResolvedRefs, true, Reason.ResolvedRefs, 'all references resolved', g);
  return {
    apiVersion: route.obj.apiVersion,
    kind: route.kind,
    namespace: route.obj.namespace,
    name: route.obj.name,
    parents: route.parents.map((p) => {
      const conditions: Condition[] = [condition(ConditionType.Accepted, p.accepted.status, p.accepted.reason, p.accepted.message, g), resolved];
      if (p.accepted.status && route.dropped.length > 0) {
        conditions.push(
          condition(
            ConditionType.PartiallyInvalid,
            true,
            Reason.UnsupportedValue,
            `Dropped Rule(s): ${route.dropped.map((d) => `rules[${d.index}] (${d.reason}: ${d.message})`).join('; ')}`,
            g,
          ),
        );
      }
      return { parentRef: p.key, controllerName, conditions };
    }),
  };
}
