import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { GatewayDataPlane } from './gateway-data-plane';
import { gatewayDataPlaneProps } from './gateway-inputs';
import { compile, formatSynthFinding, synthReport } from '../compiler';
import type { SynthFinding } from '../compiler';
import { GrantSpec, withoutGrantFindings } from '../compiler/grant-audit';
import { orderAfterNamespaces } from '../constructs/apply-order';
import type { DataPlaneProps } from '../constructs/data-plane';
import type { Gateway } from '../constructs/gateway';
import { onNodeDataPlaneGateway } from '../constructs/synth-hooks';
import { addWarning, Warnings } from '../constructs/warnings';

/** Changes the objects of a Gateway's data plane right after the synth step rendered them. */
export interface IDataPlaneCustomizer {
  /** Called once with the rendered data plane: reach its objects (cdk8s `ApiObject`s) and patch what you need. */
  customize(dataPlane: GatewayDataPlane): void;
}

/** The id of the data-plane construct under its Gateway. */
const DATA_PLANE_ID = 'DataPlane';

const enabledApps = new WeakSet<IConstruct>();
const customizers = new WeakMap<IConstruct, IDataPlaneCustomizer[]>();

/**
 * The synth step: when the app synthesizes, every Gateway of `GatewayClass.nodeDataPlane()` gets its data
 * plane (`GatewayDataPlane`), rendered from the config compiled out of all the app's Gateway API objects
 * as they finally are. A Gateway the compiler does not accept, or a reference a pod cannot mount, fails
 * the synth with the reason; route problems and size concerns are printed as warnings.
 *
 * Such a Gateway turns the step on itself when it is created: an app that imports this package needs no call.
 */
export class DataPlaneSynthStep {
  /**
   * Renders the data planes of the app of `scope` at synth. Every Gateway of the node data plane class
   * already does this; calling it (again) does nothing more.
   */
  public static enable(scope: IConstruct): void {
    const root = scope.node.root;
    if (enabledApps.has(root)) return;
    enabledApps.add(root);
    root.node.addValidation({ validate: () => renderDataPlanes(root) });
  }

  /** Runs `customizer` on the data plane of `gateway` once it is rendered (escape hatch). */
  public static customize(gateway: Gateway, customizer: IDataPlaneCustomizer): void {
    DataPlaneSynthStep.enable(gateway);
    const list = customizers.get(gateway) ?? [];
    list.push(customizer);
    customizers.set(gateway, list);
  }

  /** The data plane rendered for `gateway`, once the app synthesized (undefined before). */
  public static of(gateway: Gateway): GatewayDataPlane | undefined {
    const c = gateway.node.tryFindChild(DATA_PLANE_ID);
    return c instanceof GatewayDataPlane ? c : undefined;
  }

  private constructor() {}
}

// every Gateway of GatewayClass.nodeDataPlane() turns the step on for its app when it is created
onNodeDataPlaneGateway((gateway) => DataPlaneSynthStep.enable(gateway));

interface GatewayLike extends IConstruct {
  readonly isNodeDataPlane: boolean;
  readonly dataPlane?: DataPlaneProps;
  readonly apiObject: ApiObject;
  /** Its team grants: routes outside them are reported by the grant audit (src/constructs/grant-audit.ts), with the grant. */
  _grantSpecs?(): GrantSpec[];
}

function isNodeDataPlaneGateway(c: IConstruct): c is GatewayLike {
  const g = c as Partial<GatewayLike>;
  return g.isNodeDataPlane === true && g.apiObject instanceof ApiObject && g.apiObject.kind === 'Gateway';
}

/** Compiles the app's objects and renders one data plane per Gateway of ours; returns the synth errors. */
function renderDataPlanes(root: IConstruct): string[] {
  // the Namespaces the app writes (the Gateways' own too) are among the objects compiled, as in dist/
  orderAfterNamespaces(root);
  const all = root.node.findAll();
  const gateways = all.filter(isNodeDataPlaneGateway).filter((g) => !g.node.tryFindChild(DATA_PLANE_ID));
  if (gateways.length === 0) return [];

  // the objects as they will be written (a second synth must not see the data planes it rendered)
  const inDataPlane = new Set(all.filter((c) => c instanceof GatewayDataPlane).flatMap((c) => c.node.findAll()));
  const json = new Map<ApiObject, any>();
  for (const c of all) if (c instanceof ApiObject && !inDataPlane.has(c)) json.set(c, c.toJson());
  const result = compile([...json.values()]);

  // the spec's conditions as synth errors (not Accepted, unresolved refs) and warnings, each with a fix;
  // input warnings (objects assumed to exist in the cluster) are what a cdk8s app usually looks like: not repeated
  const grants = gateways.flatMap((g) => g._grantSpecs?.() ?? []);
  const status = grants.length > 0 ? withoutGrantFindings(result.status, grants, [...json.values()]) : result.status;
  const findings = synthReport({ status, diagnostics: result.diagnostics.filter((d) => d.severity === 'error') });
  const errors = findings.filter((f) => f.severity === 'error').map(formatSynthFinding);
  for (const f of findings.filter((x) => x.severity === 'warning')) addWarning(ownerOf(f, json) ?? root, formatSynthFinding(f));
  for (const gw of gateways) {
    const obj = json.get(gw.apiObject);
    const ns: string = obj.metadata.namespace ?? 'default';
    const name: string = obj.metadata.name;
    const config = result.configs.find((c) => c.gateway.namespace === ns && c.gateway.name === name);
    if (!config) {
      if (!findings.some((f) => f.severity === 'error' && f.kind === 'Gateway' && f.namespace === ns && f.name === name)) {
        errors.push(`Gateway ${ns}/${name}: the compiler produced no config for it, so no data plane can be rendered`);
      }
      continue;
    }
    try {
      const props = gatewayDataPlaneProps(config, obj, gw.dataPlane ?? {}, [...json.values()]);
      const dataPlane = new GatewayDataPlane(gw, DATA_PLANE_ID, props);
      for (const c of customizers.get(gw) ?? []) c.customize(dataPlane);
      errors.push(...collisions(dataPlane, json));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  // the data planes' objects also go after their Namespace (src/constructs/apply-order.ts)
  orderAfterNamespaces(root);
  printWarnings(root);
  return errors;
}

/**
 * The construct a finding is about, so that its warning carries that construct's path: the L2 construct that owns
 * the object (an ApiObject with the id `Resource`), or the ApiObject itself.
 */
function ownerOf(f: SynthFinding, app: Map<ApiObject, any>): IConstruct | undefined {
  for (const [o, j] of app) {
    if (o.kind !== f.kind || j.metadata?.name !== f.name) continue;
    if ((j.metadata?.namespace ?? 'default') !== (f.namespace ?? 'default') && j.metadata?.namespace !== f.namespace) continue;
    return o.node.id === 'Resource' && o.node.scope ? o.node.scope : o;
  }
  return undefined;
}

/** A data-plane object with the kind, namespace and name of an app object would overwrite it when applied. */
function collisions(dataPlane: GatewayDataPlane, app: Map<ApiObject, any>): string[] {
  const taken = new Map<string, ApiObject>();
  for (const [o, j] of app) taken.set(`${o.apiVersion}|${o.kind}|${j.metadata?.namespace ?? 'default'}|${j.metadata?.name}`, o);
  const out: string[] = [];
  for (const c of dataPlane.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const other = taken.get(`${c.apiVersion}|${c.kind}|${c.metadata.namespace}|${c.name}`);
    if (other) {
      out.push(`the data plane of ${dataPlane.node.scope!.node.path} renders ${c.kind} ${c.metadata.namespace}/${c.name}, which ${other.node.path} ` +
        'also defines (one would overwrite the other when applied); rename that object');
    }
  }
  return out;
}

const printed = new WeakSet<IConstruct>();

/** cdk8s has no warning channel: the synth step prints the app's warnings once, on stderr. */
function printWarnings(root: IConstruct): void {
  if (printed.has(root) || process.env.CDK8S_GATEWAY_QUIET) return;
  printed.add(root);
  const list = Warnings.of(root);
  if (list.length > 0) process.stderr.write(list.map((w) => `cdk8s-gateway: warning: ${w}\n`).join(''));
}
