import { CoreObjects } from './core-objects';
import { Diagnostic } from './diagnostics';
import { Namespaces } from './namespaces';
import { describe, Obj, Store } from './objects';
import { ReferenceGrants } from './reference-grants';

/** Everything the compile steps share: the indexed input and the diagnostics sink. */
export interface Context {
  readonly store: Store;
  readonly grants: ReferenceGrants;
  readonly namespaces: Namespaces;
  readonly core: CoreObjects;
  readonly controllerName: string;
  readonly diagnostics: Diagnostic[];
}

/** Adds a warning or info diagnostic about an object. */
export function note(
  ctx: Context, severity: 'warning' | 'info' | 'error', obj: Obj, field: string | undefined, message: string, value?: unknown, code?: string,
): void {
  ctx.diagnostics.push({
    severity,
    object: { kind: obj.kind, apiVersion: obj.apiVersion, namespace: obj.namespace || undefined, name: obj.name, index: obj.index },
    field,
    value,
    message,
    ...(code ? { code } : {}),
  });
}

/** A warning that the compiler assumed something it could not check in the input (Diagnostic.assumption). */
export function assumed(ctx: Context, obj: Obj, field: string, message: string): void {
  ctx.diagnostics.push({
    severity: 'warning',
    object: { kind: obj.kind, apiVersion: obj.apiVersion, namespace: obj.namespace || undefined, name: obj.name, index: obj.index },
    field,
    message,
    assumption: true,
  });
}

/** A note that a referenced object is assumed to exist outside the manifests (ReferenceMode 'namespace'). */
export function assumedExternal(ctx: Context, obj: Obj, field: string, kind: string, namespace: string, name: string): void {
  assumed(
    ctx,
    obj,
    field,
    `${kind} ${namespace}/${name} is not in the manifests and no ${kind} of namespace ${namespace} is; ` +
      'assumed to exist in the cluster (add it to the manifests to have it checked)',
  );
}

export { describe };
