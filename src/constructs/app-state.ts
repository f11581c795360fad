/**
 * State shared by the constructs of one cdk8s App: things that must exist once per cluster (our
 * GatewayClass, a team's Namespace, one ReferenceGrant per namespace pair) and app-wide checks.
 *
 * Internal: not exported from src/index.ts.
 */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { orderAfterNamespaces } from './apply-order';

export interface TeamNamespace {
  readonly team: string;
  /** Path of the grant that claimed the namespace, for messages. */
  readonly grantPath: string;
  emitted: boolean;
}

export interface AppState {
  /** The node data plane GatewayClass, created by the first `GatewayClass.nodeDataPlane()`. */
  nodeDataPlaneClass?: unknown;
  /** Team namespaces: namespace → the team that owns it. */
  readonly teamNamespaces: Map<string, TeamNamespace>;
  /** Team backend ReferenceGrants: `<target ns>|<team ns>` → grant construct. */
  readonly backendGrants: Map<string, unknown>;
  /**
   * The ReferenceGrants the platform's app emits for grants imported from its documents (`Team.fromGrant`): they
   * are in the cluster, not in this app, and admit the team's routes to the granted Services.
   */
  readonly importedBackendGrants: ImportedBackendGrant[];
}

/** What the ReferenceGrant the platform emitted for an imported grant admits. */
export interface ImportedBackendGrant {
  /** The team's namespace and route kinds (the grant's `from`). */
  readonly fromNamespace: string;
  readonly fromKinds: readonly string[];
  /** The Services' namespace and names (absent: every Service). */
  readonly toNamespace: string;
  readonly serviceNames?: readonly string[];
}

const states = new WeakMap<IConstruct, AppState>();

export function appState(scope: IConstruct): AppState {
  const root = scope.node.root;
  let state = states.get(root);
  if (!state) {
    state = { teamNamespaces: new Map(), backendGrants: new Map(), importedBackendGrants: [] };
    states.set(root, state);
    root.node.addValidation({
      validate: () => {
        // the Namespaces first (the Gateway's own is written here), then the app-wide checks see them too
        orderAfterNamespaces(root);
        return duplicateObjects(root);
      },
    });
  }
  return state;
}

/** Two objects with the same kind, namespace and name would overwrite each other when applied. */
function duplicateObjects(root: IConstruct): string[] {
  const seen = new Map<string, string>();
  const errors: string[] = [];
  for (const c of root.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const clusterScoped = c.kind === 'GatewayClass' || c.kind === 'Namespace' || c.kind.startsWith('Cluster');
    const ns = clusterScoped ? '' : (c.metadata.namespace ?? 'default');
    const key = `${c.apiVersion.split('/')[0]}|${c.kind}|${ns}|${c.name}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      errors.push(`${c.kind} "${clusterScoped ? c.name : `${ns}/${c.name}`}" is defined twice (${prev} and ${c.node.path}); ` +
        'give one of them another name (metadata.name or the construct id)');
    } else {
      seen.set(key, c.node.path);
    }
  }
  return errors;
}
