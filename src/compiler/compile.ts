import { attachRoutes, routeStatus } from './attach';
import { BackendTlsPolicies } from './backend-tls';
import { canonicalJson, compareStrings } from './canonical-json';
import { buildConfig } from './config';
import { Context } from './context';
import { CoreObjects, ReferenceMode } from './core-objects';
import { Diagnostic } from './diagnostics';
import { dataPlaneAddresses } from './gateway-addresses';
import { buildGateways, gatewayStatus, listenerSetStatus } from './gateways';
import { resolveRouteKindConflicts } from './kind-conflicts';
import { Namespaces } from './namespaces';
import { ingest } from './objects';
import { ReferenceGrants } from './reference-grants';
import { RouteState } from './route-state';
import { compileRoute } from './routes';
import { ObjectStatus } from './status';
import type { DataPlaneConfig } from '../config/dataplane-config';
import { ROUTE_KINDS } from '../spec/gateway-api';
import { CONTROLLER_NAME } from '../spec/project';

/** What `compile` is told besides the objects: whose Gateways it compiles (GatewayClass `spec.controllerName`) and how it treats references. */
export interface CompileOptions {
  /** @default CONTROLLER_NAME */
  readonly controllerName?: string;
  /**
   * Compile every Gateway, whatever its gatewayClassName (`serve` does: a local run has no controller to
   * compete with). By default only Gateways of a GatewayClass with this controllerName are compiled.
   */
  readonly allGateways?: boolean;
  /** Class names to treat as this controller's even when no GatewayClass object is among the input. */
  readonly gatewayClassNames?: readonly string[];
  /** How to treat Services, Secrets and ConfigMaps missing from the input. @default 'namespace' */
  readonly references?: ReferenceMode;
  /**
   * Cluster mode (sync): a Gateway's `status.addresses` are those of its data-plane Service among the input
   * (gateway-addresses.ts), and an accepted Gateway without any is Programmed=False AddressNotAssigned. Off at
   * synth, where the Service has not been applied yet.
   */
  readonly dataPlaneAddresses?: boolean;
}

/** What `compile` returns: a DataPlaneConfig per accepted Gateway, the status the spec asks a controller to write, and input problems. */
export interface CompileResult {
  /** One config per compiled, Accepted Gateway, sorted by namespace/name. */
  readonly configs: DataPlaneConfig[];
  /** Status of every object this controller is responsible for, sorted by kind, namespace, name. */
  readonly status: ObjectStatus[];
  /** Problems with the input itself (sorted; errors first within an object). */
  readonly diagnostics: Diagnostic[];
}

/**
 * Compiles Gateway API objects (plus the Services, Secrets, ConfigMaps and Namespaces among them) into one
 * DataPlaneConfig per Gateway and the status the spec defines for every GatewayClass, Gateway, listener,
 * ListenerSet, route parentRef, BackendTLSPolicy and ReferenceGrant.
 *
 * Pure and deterministic: no I/O, the same objects in any order give byte-identical output
 * (`serializeConfig`). It never throws on input: anything it cannot use is a diagnostic or a condition.
 */
export function compile(objects: readonly unknown[], opts: CompileOptions = {}): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const store = ingest(Array.isArray(objects) ? objects : [objects], diagnostics);
  const ctx: Context = {
    store,
    grants: new ReferenceGrants(store),
    namespaces: new Namespaces(store, (opts.references ?? 'namespace') !== 'strict'),
    core: new CoreObjects(store, opts.references ?? 'namespace'),
    controllerName: opts.controllerName ?? CONTROLLER_NAME,
    diagnostics,
  };

  const { gateways, listenerSets, classStatuses } = buildGateways(ctx, opts);
  const routes: RouteState[] = [];
  for (const kind of ROUTE_KINDS) for (const obj of store.all(kind)) routes.push(compileRoute(ctx, obj, kind));
  attachRoutes(ctx, routes, gateways, listenerSets);
  resolveRouteKindConflicts(ctx, routes);

  const policies = new BackendTlsPolicies(ctx);
  const configs = gateways.filter((g) => g.accepted.status).map((g) => buildConfig(g, routes, policies, ctx.namespaces));

  const status: ObjectStatus[] = [
    ...classStatuses,
    ...gateways.map((g) => gatewayStatus(g, opts.dataPlaneAddresses ? dataPlaneAddresses(ctx, g.obj) : undefined)),
    ...listenerSets.map(listenerSetStatus),
    ...routes.filter((r) => r.parents.length > 0).map((r) => routeStatus(r, ctx.controllerName)),
    ...policies.statuses(ctx.controllerName),
    ...ctx.grants.statuses(),
  ].sort((a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.namespace ?? '', b.namespace ?? '') || compareStrings(a.name, b.name));

  // field problems found while reading objects, reported once each
  for (const obj of store.everything()) {
    for (const p of obj.problems.list) {
      diagnostics.push({
        severity: 'error',
        object: { kind: obj.kind, apiVersion: obj.apiVersion, namespace: obj.namespace || undefined, name: obj.name, index: obj.index },
        field: p.field,
        value: p.value,
        message: p.message,
      });
    }
  }
  return { configs, status, diagnostics: sortDiagnostics(diagnostics) };
}

const SEVERITY = { error: 0, warning: 1, info: 2 };

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const key = canonicalJson(d, 0);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort(
    (a, b) =>
      compareStrings(a.object.kind ?? '', b.object.kind ?? '') ||
      compareStrings(a.object.namespace ?? '', b.object.namespace ?? '') ||
      compareStrings(a.object.name ?? '', b.object.name ?? '') ||
      SEVERITY[a.severity] - SEVERITY[b.severity] ||
      compareStrings(a.field ?? '', b.field ?? '') ||
      compareStrings(a.message, b.message) ||
      a.object.index - b.object.index,
  );
}

/** The canonical JSON of a config: sorted keys, two-space indent, trailing newline. */
export function serializeConfig(config: DataPlaneConfig): string {
  return `${canonicalJson(config)}\n`;
}
