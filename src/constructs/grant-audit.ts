/**
 * The synth-time check of team grants: compiles the app's objects as they will be written (after every JSON
 * patch, Include and raw ApiObject) and fails the synth on any route outside its team's grant, naming the
 * route, the hostname, and the grant and listener that would have to change. It runs for Gateways of any
 * class that carry grants: the listeners a grant renders are plain Gateway API, so what our compiler refuses
 * here, any conformant implementation refuses in the cluster.
 *
 * Internal: not exported from src/index.ts.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { appState } from './app-state';
import type { Gateway } from './gateway';
import { RouteBase } from './route-base';
import type { TeamGrant } from './team';
import { compile, formatSynthFinding } from '../compiler';
import { auditGrants } from '../compiler/grant-audit';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';

const enabled = new WeakSet<IConstruct>();

/**
 * The last result per app, with the state of the tree it was computed on. `App.synth()` validates the whole app
 * once, then again for each chart it writes (`Chart.toJson()`); the audit (every object rendered, then compiled)
 * runs again only when the tree changed since.
 */
const lastResult = new WeakMap<IConstruct, { readonly state: string; readonly errors: string[] }>();

/** Registers the check on the app of `scope` (once). */
export function enableGrantAudit(scope: IConstruct): void {
  const root = scope.node.root;
  if (enabled.has(root)) return;
  enabled.add(root);
  root.node.addValidation({
    validate: () => {
      const state = treeState(root);
      const last = lastResult.get(root);
      if (last?.state === state) return last.errors;
      const errors = grantErrors(root);
      lastResult.set(root, { state, errors });
      return errors;
    },
  });
}

/** What the audit's result depends on that can change without a new construct: JSON patches, route parents and hostnames. */
function treeState(root: IConstruct): string {
  let constructs = 0;
  let patches = 0;
  const routes: string[] = [];
  for (const c of root.node.findAll()) {
    constructs++;
    if (c instanceof ApiObject) patches += (c as unknown as { patches?: unknown[] }).patches?.length ?? 0;
    if (c instanceof RouteBase) routes.push(`${c.parentRefs.length}.${c._hostnameList.length}`);
  }
  return `${constructs}|${patches}|${routes.join(',')}`;
}

function grantsOf(root: IConstruct): TeamGrant[] {
  return root.node.findAll().filter((c): c is Gateway => (c as Partial<Gateway>)._grantSpecs !== undefined).flatMap((g) => g.grants);
}

function grantErrors(root: IConstruct): string[] {
  const grants = grantsOf(root);
  if (grants.length === 0) return [];
  const objects = root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const json = objects.map((o) => o.toJson());
  const index = new Map(objects.map((o, i) => [o, i]));

  // who made what: a team's factory routes, and the Gateway API objects of charts in a team's namespace
  const madeBy = new Map<number, string>();
  const teamOf = appState(root).teamNamespaces;
  objects.forEach((o, i) => {
    if (!o.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) return;
    const ns = chartNamespace(o);
    const owner = ns !== undefined ? teamOf.get(ns) : undefined;
    if (owner) madeBy.set(i, owner.team);
  });
  for (const g of grants) {
    for (const r of g._madeRoutes) {
      const i = index.get(r.apiObject);
      if (i !== undefined) madeBy.set(i, g.teamName);
    }
  }

  // another implementation's Gateway is judged on what attachment depends on, not on features only ours lacks
  for (const g of new Set(grants.map((x) => x.gateway))) {
    if (g.isNodeDataPlane) continue;
    const i = index.get(g.apiObject)!;
    const spec = json[i].spec ?? {};
    json[i] = { ...json[i], spec: { gatewayClassName: spec.gatewayClassName, listeners: spec.listeners, allowedListeners: spec.allowedListeners } };
  }
  const classes = [...new Set(grants.map((g) => g.gateway.gatewayClass.gatewayClassName))];
  const result = compile(json, { gatewayClassNames: classes });
  return auditGrants(result, { objects: json, grants: grants.map((g) => g._spec()), madeBy }).findings.map(formatSynthFinding);
}

function chartNamespace(o: ApiObject): string | undefined {
  try {
    return Chart.of(o).namespace;
  } catch {
    return undefined;
  }
}
