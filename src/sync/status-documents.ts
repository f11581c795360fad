/**
 * The compiler's ObjectStatus shaped as the status subresource of each kind, for the objects one Gateway's
 * leader owns, merged into what the object's status holds now. No condition is decided here: the conditions
 * are the compiler's; this adds what only the cluster knows (lastTransitionTime, the data-plane Service's
 * addresses) and keeps what belongs to others (other controllers' and other Gateways' entries).
 */
import type { ObjectCache } from './object-cache';
import type { Condition, ListenerStatus, ObjectStatus } from '../compiler/status';
import { GATEWAY_API_GROUP, ROUTE_KINDS } from '../spec/gateway-api';
import { SUPPORTED_FEATURES } from '../spec/supported-features';

export interface StatusScope {
  readonly gateway: { readonly namespace: string; readonly name: string };
  readonly controllerName: string;
}

/**
 * The compiler's conditions with `lastTransitionTime` (kept from the current condition of that type while its
 * status stays the same, else `now`) and `observedGeneration` (the object's generation when the compiler had none).
 */
export function conditionsForWire(
  computed: readonly Condition[], current: readonly any[] | undefined, generation: number | undefined, now: Date,
): any[] {
  return computed.map((c) => {
    const before = current?.find((x) => x?.type === c.type);
    const observedGeneration = c.observedGeneration ?? generation;
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
      lastTransitionTime: before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  });
}

function listenersForWire(
  computed: readonly ListenerStatus[], current: readonly any[] | undefined, generation: number | undefined, now: Date,
): any[] {
  return computed.map((l) => ({
    name: l.name,
    supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    attachedRoutes: l.attachedRoutes,
    conditions: conditionsForWire(l.conditions, current?.find((x) => x?.name === l.name)?.conditions, generation, now),
  }));
}

/** A parentRef with the spec's defaults filled in (group, kind, the route's namespace). */
function normalizeRef(ref: any, ownNamespace: string): string {
  return [ref?.group ?? GATEWAY_API_GROUP, ref?.kind ?? 'Gateway', ref?.namespace ?? ownNamespace, ref?.name ?? '', ref?.sectionName ?? '', ref?.port ?? ''].join('|');
}

/** Does this parentRef (or ancestorRef) name the scope's Gateway or a ListenerSet attached to it? */
export function refersToGateway(scope: StatusScope, cache: ObjectCache, ref: any, ownNamespace: string): boolean {
  const group = ref?.group ?? GATEWAY_API_GROUP;
  const kind = ref?.kind ?? 'Gateway';
  const namespace = ref?.namespace ?? ownNamespace;
  if (group !== GATEWAY_API_GROUP) return false;
  if (kind === 'Gateway') return namespace === scope.gateway.namespace && ref?.name === scope.gateway.name;
  if (kind !== 'ListenerSet') return false;
  const ls = cache.get('ListenerSet', namespace, ref?.name);
  const parent = ls?.spec?.parentRef;
  return !!parent && (parent.namespace ?? namespace) === scope.gateway.namespace && parent.name === scope.gateway.name;
}

/**
 * A shared list (route `status.parents`, policy `status.ancestors`): our controller's entries for the scope's
 * Gateway replaced by the computed ones in place, stale ones of ours dropped, new ones appended, everyone
 * else's kept untouched.
 */
function mergeShared(
  scope: StatusScope, cache: ObjectCache, current: readonly any[] | undefined, computed: readonly { ref: any; conditions: readonly Condition[] }[],
  refField: 'parentRef' | 'ancestorRef', ns: string, generation: number | undefined, now: Date,
): any[] | undefined {
  const ours = computed.filter((c) => refersToGateway(scope, cache, c.ref, ns));
  const mine = (e: any) => e?.controllerName === scope.controllerName && refersToGateway(scope, cache, e?.[refField], ns);
  if (ours.length === 0 && !(current ?? []).some(mine)) return undefined;
  const byKey = new Map(ours.map((c) => [normalizeRef(c.ref, ns), c]));
  const out: any[] = [];
  const entry = (c: { ref: any; conditions: readonly Condition[] }, before: any) => ({
    [refField]: c.ref,
    controllerName: scope.controllerName,
    conditions: conditionsForWire(c.conditions, before?.conditions, generation, now),
  });
  for (const e of current ?? []) {
    if (!mine(e)) {
      out.push(e);
      continue;
    }
    const key = normalizeRef(e[refField], ns);
    const c = byKey.get(key);
    if (c) {
      out.push(entry(c, e));
      byKey.delete(key);
    }
  }
  for (const c of byKey.values()) out.push(entry(c, undefined));
  return out;
}

/**
 * The status `obj` should have, or undefined when the scope's leader does not write this object's status.
 * `computed` is the compiler's status of the object (undefined when it has none any more).
 */
export function ownedStatus(scope: StatusScope, cache: ObjectCache, obj: any, computed: ObjectStatus | undefined, now: Date): any {
  const ns: string = obj?.metadata?.namespace ?? '';
  const generation: number | undefined = obj?.metadata?.generation;
  const old = obj?.status ?? {};
  switch (obj?.kind) {
    case 'GatewayClass': {
      const gw = cache.get('Gateway', scope.gateway.namespace, scope.gateway.name);
      if (!computed?.conditions || obj.spec?.controllerName !== scope.controllerName) return undefined;
      if (gw?.spec?.gatewayClassName !== obj.metadata?.name) return undefined;
      const conditions = conditionsForWire(computed.conditions, old.conditions, generation, now);
      return { ...old, conditions, supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })) };
    }
    case 'Gateway': {
      if (!computed?.conditions || ns !== scope.gateway.namespace || obj.metadata?.name !== scope.gateway.name) return undefined;
      const { addresses: _a, attachedListenerSets: _l, ...rest } = old;
      // the compiler's (cluster mode: the data-plane Service's), as the Programmed condition says
      const addr = computed.addresses ?? [];
      return {
        ...rest,
        ...(addr.length > 0 ? { addresses: addr } : {}),
        conditions: conditionsForWire(computed.conditions, old.conditions, generation, now),
        listeners: listenersForWire(computed.listeners ?? [], old.listeners, generation, now),
        ...(computed.attachedListenerSets !== undefined ? { attachedListenerSets: computed.attachedListenerSets } : {}),
      };
    }
    case 'ListenerSet': {
      if (!computed?.conditions || !refersToGateway(scope, cache, { ...obj.spec?.parentRef, kind: 'Gateway', group: GATEWAY_API_GROUP }, ns)) return undefined;
      return {
        ...old,
        conditions: conditionsForWire(computed.conditions, old.conditions, generation, now),
        listeners: listenersForWire(computed.listeners ?? [], old.listeners, generation, now),
      };
    }
    case 'BackendTLSPolicy': {
      const computedAncestors = (computed?.ancestors ?? []).map((a) => ({ ref: a.ancestorRef, conditions: a.conditions }));
      const ancestors = mergeShared(scope, cache, old.ancestors, computedAncestors,
        'ancestorRef', ns, generation, now);
      return ancestors === undefined ? undefined : { ...old, ancestors };
    }
    default: {
      if (!(ROUTE_KINDS as readonly string[]).includes(obj?.kind)) return undefined;
      const parents = mergeShared(scope, cache, old.parents, (computed?.parents ?? []).map((p) => ({ ref: p.parentRef, conditions: p.conditions })),
        'parentRef', ns, generation, now);
      return parents === undefined ? undefined : { ...old, parents };
    }
  }
}

function conditionsFromWire(list: unknown): Condition[] {
  return (Array.isArray(list) ? list : []).map((c: any) => ({
    type: String(c?.type ?? ''),
    status: c?.status,
    reason: String(c?.reason ?? ''),
    message: String(c?.message ?? ''),
    ...(c?.observedGeneration !== undefined ? { observedGeneration: c.observedGeneration } : {}),
  }));
}

function listenersFromWire(list: unknown): ListenerStatus[] {
  return (Array.isArray(list) ? list : []).map((l: any) => ({
    name: String(l?.name ?? ''),
    supportedKinds: (l?.supportedKinds ?? []).map((k: any) => ({ group: k?.group ?? GATEWAY_API_GROUP, kind: String(k?.kind ?? '') })),
    attachedRoutes: Number(l?.attachedRoutes ?? 0),
    conditions: conditionsFromWire(l?.conditions),
  }));
}

/**
 * The status this controller wrote, read back from the cluster's objects in the compiler's shape (so
 * `formatStatus` prints it as `compile --output text` does): GatewayClasses of the controller, their Gateways,
 * ListenerSets with status, and the controller's entries of routes' `parents` and policies' `ancestors`.
 * Routes with parentRefs but no entry of the controller are returned with `parents: []`.
 */
export function statusFromCluster(objects: readonly any[], controllerName: string): ObjectStatus[] {
  const classes = new Set(objects.filter((o) => o?.kind === 'GatewayClass' && o.spec?.controllerName === controllerName).map((o) => o.metadata?.name));
  const out: ObjectStatus[] = [];
  for (const o of objects) {
    const base = { apiVersion: String(o?.apiVersion ?? ''), kind: String(o?.kind ?? ''), name: String(o?.metadata?.name ?? ''), ...(o?.metadata?.namespace ? { namespace: o.metadata.namespace } : {}) };
    const st = o?.status ?? {};
    if (o?.kind === 'GatewayClass') {
      if (classes.has(o.metadata?.name)) out.push({ ...base, conditions: conditionsFromWire(st.conditions) });
    } else if (o?.kind === 'Gateway') {
      if (!classes.has(o.spec?.gatewayClassName)) continue;
      out.push({
        ...base,
        conditions: conditionsFromWire(st.conditions),
        listeners: listenersFromWire(st.listeners),
        ...(st.attachedListenerSets !== undefined ? { attachedListenerSets: st.attachedListenerSets } : {}),
        ...(Array.isArray(st.addresses) && st.addresses.length > 0
          ? { addresses: st.addresses.map((a: any) => ({ type: a.type, value: a.value })) }
          : {}),
      });
    } else if (o?.kind === 'ListenerSet') {
      if (st.conditions) out.push({ ...base, conditions: conditionsFromWire(st.conditions), listeners: listenersFromWire(st.listeners) });
    } else if (o?.kind === 'BackendTLSPolicy') {
      const ancestors = (st.ancestors ?? []).filter((a: any) => a?.controllerName === controllerName)
        .map((a: any) => ({ ancestorRef: a.ancestorRef, controllerName, conditions: conditionsFromWire(a.conditions) }));
      if (ancestors.length > 0) out.push({ ...base, ancestors });
    } else if ((ROUTE_KINDS as readonly string[]).includes(o?.kind)) {
      const parents = (st.parents ?? []).filter((p: any) => p?.controllerName === controllerName)
        .map((p: any) => ({ parentRef: p.parentRef, controllerName, conditions: conditionsFromWire(p.conditions) }));
      if (parents.length > 0 || (o.spec?.parentRefs ?? []).length > 0) out.push({ ...base, parents });
    }
  }
  const order = (s: ObjectStatus) => `${s.kind}\u0000${s.namespace ?? ''}\u0000${s.name}`;
  return out.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
