/**
 * Drafts → Gateway API manifests (the `--output yaml` objects, in apply order).
 */
import { Context } from './context';
import { RouteDraft, RuleDraft } from './drafts';
import { Translation } from './translate';
import { GATEWAY_API_GROUP, GATEWAY_API_VERSION } from '../spec/gateway-api';

/** Every object of a translation, in the order to apply them. */
export function manifests(ctx: Context, t: Translation): Array<Record<string, unknown>> {
  return [
    ...(t.gatewayClass ? [t.gatewayClass] : []),
    t.gateway,
    ...t.referenceGrants,
    ...t.backendTlsPolicies,
    ...t.routes.map((r) => routeObject(ctx, r)),
    ...t.services,
  ];
}

export function routeObject(ctx: Context, r: RouteDraft): Record<string, unknown> {
  const parentRefs = r.listeners.map((sectionName) => ({
    group: GATEWAY_API_GROUP, kind: 'Gateway', name: ctx.gateway.name, namespace: ctx.gateway.namespace, sectionName,
  }));
  const metadata = { name: r.name, namespace: r.namespace };
  const hostnames = r.hostnames.length ? { hostnames: r.hostnames } : {};
  if (r.kind === 'TLSRoute') {
    return { apiVersion: GATEWAY_API_VERSION, kind: 'TLSRoute', metadata, spec: { parentRefs, ...hostnames, rules: [{ backendRefs: r.tlsBackends }] } };
  }
  if (r.kind === 'GRPCRoute') {
    return {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'GRPCRoute',
      metadata,
      spec: {
        parentRefs,
        ...hostnames,
        rules: r.rules.map((rule, i) => {
          const matches = r.grpcMatches![i].map((m) => ({
            ...(m.method ? { method: { type: 'Exact', ...m.method } } : {}),
            ...(m.headers ? { headers: m.headers } : {}),
          }));
          return {
            ...(matches.some((m) => Object.keys(m).length > 0) ? { matches } : {}),
            ...(rule.filters.length ? { filters: rule.filters } : {}),
            ...(rule.backendRefs.length ? { backendRefs: rule.backendRefs } : {}),
            ...(rule.sessionPersistence ? { sessionPersistence: rule.sessionPersistence } : {}),
          };
        }),
      },
    };
  }
  return { apiVersion: GATEWAY_API_VERSION, kind: 'HTTPRoute', metadata, spec: { parentRefs, ...hostnames, rules: r.rules.map(ruleObject) } };
}

export function ruleObject(rule: RuleDraft): Record<string, unknown> {
  return {
    matches: rule.matches,
    ...(rule.filters.length ? { filters: rule.filters } : {}),
    ...(rule.backendRefs.length ? { backendRefs: rule.backendRefs } : {}),
    ...(rule.timeouts ? { timeouts: rule.timeouts } : {}),
    ...(rule.retry ? { retry: rule.retry } : {}),
    ...(rule.sessionPersistence ? { sessionPersistence: rule.sessionPersistence } : {}),
  };
}
