import { ApiObject, ApiObjectMetadataDefinition } from 'cdk8s';
import { IConstruct } from 'constructs';
import { failObject, Where } from '../spec/where';

/**
 * A Kubernetes object of the app, whichever cdk8s library made it: a resource of any cdk8s-plus major
 * (cdk8s-plus-28 ... cdk8s-plus-33), an `ApiObject` or a generated L1 object. Only these members are read, so
 * the API takes them from any of those libraries without depending on one; the object's full JSON is read through
 * `ApiObject.of(obj)` when the route or data plane renders.
 */
export interface IKubernetesObject extends IConstruct {
  /** The object's `metadata.name`. */
  readonly name: string;
  /** The object's API version, e.g. `v1`. */
  readonly apiVersion: string;
  /** The object's kind, e.g. `Service`. */
  readonly kind: string;
  /** The object's metadata (its namespace is read from it). */
  readonly metadata: ApiObjectMetadataDefinition;
}

/** Fails unless `obj` is a `kind` of the core API group (`v1`). @internal */
export function checkCoreKind(where: Where, obj: IKubernetesObject, kind: string): void {
  if (obj.kind !== kind || obj.apiVersion !== 'v1') {
    failObject(where, `takes a ${kind} (apiVersion v1), got ${obj.apiVersion} ${obj.kind} "${obj.name}" at ${obj.node.path}`);
  }
}

/** The object's JSON as it will be written (lazy values resolved): read when rendering, not when passed in. @internal */
export function objectJson(obj: IKubernetesObject): any {
  return ApiObject.of(obj).toJson();
}
