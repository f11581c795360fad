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
import type { GrantHandle, TeamGrant } from './team';
import { ImportedTeamGrant } from './team-import';
import { compile, formatSynthFinding } from '../compiler';
import { auditGrants, GrantSpec } from '../compiler/grant-audit';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { GrantData } from '../spec/team-grant';

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

/** The grant as the compiler's audit reads it. */
export function grantSpecOf(g: GrantData): GrantSpec {
  return {
    team: g.team,
    namespace: g.namespace,
    gateway: g.gateway,
    source: g.source,
    hostnames: g.hostnames,
    routeKinds: g.routeKinds,
    listeners: g.teamListeners.map((l) => ({
      name: l.name, granted: l.grantedListener, ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
    })),
  };
}

function grantsOf(root: IConstruct): TeamGrant[] {
  return root.node.findAll().filter((c): c is Gateway => (c as Partial<Gateway>)._grantSpecs !== undefined).flatMap((g) => g.grants);
}

function grantErrors(root: IConstruct): string[] {
  const grants = grantsOf(root);
  const imported = ImportedTeamGrant.of(root);
  if (grants.length === 0 && imported.length === 0) return [];
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
  for (const g of [...grants, ...imported] as GrantHandle[]) {
    for (const r of g._routes) {
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
  // a grant imported from the platform's document: its Gateway is not in this app; the document's listeners stand in
  const standIns = new Map<string, ImportedTeamGrant>();
  for (const g of imported) standIns.set(`${g.gatewayData.namespace}/${g.gatewayData.name}`, g);
  for (const g of standIns.values()) {
    const gw = g.gatewayData;
    json.push({
      apiVersion: `${GATEWAY_API_GROUP}/v1`,
      kind: 'Gateway',
      metadata: { name: gw.name, namespace: gw.namespace },
      spec: { gatewayClassName: gw.gatewayClassName, listeners: standInListeners(imported, gw.namespace, gw.name) },
    });
  }
  const classes = [...new Set([
    ...grants.map((g) => g.gateway.gatewayClass.gatewayClassName), ...imported.map((g) => g.gatewayData.gatewayClassName),
  ])];
  const result = compile(json, { gatewayClassNames: classes });
  const specs = [...grants, ...imported].map((g) => grantSpecOf(g._data()));
  return auditGrants(result, { objects: json, grants: specs, madeBy }).findings.map(formatSynthFinding);
}

/** The listeners of a Gateway as the imported grants on it carry them (each listener once). */
function standInListeners(imported: readonly ImportedTeamGrant[], namespace: string, name: string): unknown[] {
  const byName = new Map<string, unknown>();
  for (const g of imported) {
    if (g.gatewayData.namespace !== namespace || g.gatewayData.name !== name) continue;
    for (const l of g.gatewayData.listeners as Array<{ name?: string }>) if (!byName.has(String(l.name))) byName.set(String(l.name), l);
  }
  return [...byName.values()];
}

function chartNamespace(o: ApiObject): string | undefined {
  try {
    return Chart.of(o).namespace;
  } catch {
    return undefined;
  }
}
