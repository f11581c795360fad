/**
 * A first `kubectl apply -f dist/` on an empty cluster (CRDs installed) must succeed. kubectl applies the files in
 * name order and each file top to bottom, and the API server refuses an object whose namespace does not exist yet.
 * So the app's Namespace objects (a team's, the Gateway's own) go before everything in them: each namespaced object
 * depends on the Namespace object of its namespace, and cdk8s writes a chart's objects in dependency order and, when
 * charts depend on each other, numbers their files in that order (`0000-platform.k8s.yaml`, `0001-blog.k8s.yaml`).
 *
 * Internal: run by the app's validation (src/constructs/app-state.ts) and again after the data planes are rendered.
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { stripNamespace } from './resource';

/** Namespaces every cluster has: never written, never waited for. */
const BUILT_IN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** The id of the Namespace object written under its owner. */
const NAMESPACE_ID = 'Namespace';

/** A construct (a Gateway: `GatewayProps.createNamespace`) whose namespace is written unless the app defines it. */
interface NamespaceOwner {
  readonly scope: Construct;
  /** Read at synth: the namespace as it finally is. */
  readonly namespace: () => string;
}

const owners = new WeakMap<IConstruct, NamespaceOwner[]>();

/** Writes `namespace()` as a Namespace object under `scope` at synth, unless the app has a Namespace of that name. */
export function createNamespaceAtSynth(scope: Construct, namespace: () => string): void {
  const root = scope.node.root;
  owners.set(root, [...(owners.get(root) ?? []), { scope, namespace }]);
}

/** The Namespace objects of the app by name (core v1 Namespaces only). */
function namespaceObjects(all: readonly IConstruct[]): Map<string, ApiObject> {
  const out = new Map<string, ApiObject>();
  for (const c of all) if (c instanceof ApiObject && c.kind === 'Namespace' && c.apiVersion === 'v1') out.set(c.name, c);
  return out;
}

/** Writes the namespaces owners asked for (once, unless the app defines them) and orders every object after its Namespace. */
export function orderAfterNamespaces(root: IConstruct): void {
  const before = namespaceObjects(root.node.findAll());
  for (const { scope, namespace } of owners.get(root) ?? []) {
    const ns = namespace();
    if (BUILT_IN_NAMESPACES.has(ns) || before.has(ns) || scope.node.tryFindChild(NAMESPACE_ID)) continue;
    const obj = new ApiObject(scope, NAMESPACE_ID, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    stripNamespace(obj);
    before.set(ns, obj);
  }
  const all = root.node.findAll();
  const namespaces = namespaceObjects(all);
  for (const c of all) {
    if (!(c instanceof ApiObject) || c.kind === 'Namespace') continue;
    const ns = c.metadata.namespace;
    const target = ns !== undefined ? namespaces.get(ns) : undefined;
    if (target && target !== c) c.node.addDependency(target);
  }
}
