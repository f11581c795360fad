import { ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { appState } from './app-state';
import { IKubernetesObject } from './kubernetes-object';
import { checkDnsLabel, checkDnsSubdomain, checkLabelValue, checkQualifiedName } from '../spec/checks';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { Where } from '../spec/where';

/** The namespace an object lands in when none is set: what `kubectl apply` picks without `-n`. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Common base of the Gateway API constructs: one L2 construct wraps one generated L1 object, which stays
 * reachable as `apiObject` for fields the L2 does not cover.
 *
 * It has the members of cdk8s-plus's `IApiResource` (`apiGroup`, `resourceType`, `resourceName`), so any
 * cdk8s-plus major takes it where it takes one (`Role.allow(...)`), and those of `IKubernetesObject`.
 */
export abstract class GatewayApiResource extends Construct implements IKubernetesObject {
  /**
   * The generated L1 object (escape hatch: `apiObject.addJsonPatch(...)` for a field this construct does not
   * cover). Its class is in the `k8s` submodule (docs/api/k8s.md in the repository).
   */
  public abstract readonly apiObject: ApiObject;

  /** The API group, `gateway.networking.k8s.io`. */
  public readonly apiGroup: string = GATEWAY_API_GROUP;

  /** The resource type for RBAC rules, e.g. `httproutes`. */
  public abstract readonly resourceType: string;

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
    appState(this); // registers the app-wide checks (duplicate objects)
  }

  /** The object's `metadata.name`. */
  public get name(): string {
    return this.apiObject.name;
  }

  /** The object's `metadata.name`, for RBAC rules that name it. */
  public get resourceName(): string | undefined {
    return this.apiObject.name;
  }

  /** The object's namespace, or undefined when neither the object nor its chart sets one. */
  public get namespace(): string | undefined {
    return this.apiObject.metadata.namespace;
  }

  /** Labels, annotations and the rest of the object's metadata. */
  public get metadata(): ApiObjectMetadataDefinition {
    return this.apiObject.metadata;
  }

  /** The object's API version, e.g. `gateway.networking.k8s.io/v1`. */
  public get apiVersion(): string {
    return this.apiObject.apiVersion;
  }

  /** The Kubernetes kind, e.g. `HTTPRoute`. */
  public get kind(): string {
    return this.apiObject.kind;
  }

  /** @internal the object as messages name it: `HttpRoute shop/storefront` */
  public get _where(): Where {
    return new Where(`${this.constructor.name} ${this.node.path}`);
  }
}

/**
 * `metadata.name` defaults to the construct id (lower-cased), so objects have the names people type
 * (`--gateway gateway-system/edge`, `parentRefs: [{name: edge}]`). The rest of the metadata is checked
 * the way the API server checks it.
 */
export function resolveObjectName(kind: string, scope: Construct, id: string, metadata?: ApiObjectMetadata): string {
  const name = metadata?.name ?? id.toLowerCase();
  const path = scope.node.path ? `${scope.node.path}/${id}` : id;
  const object = new Where(`${kind} ${path}`);
  checkDnsSubdomain(object.at(metadata?.name ? 'metadata.name' : 'name (from the construct id)'), name);
  if (metadata?.namespace !== undefined) checkDnsLabel(object.at('metadata.namespace'), metadata.namespace);
  for (const [k, v] of Object.entries(metadata?.labels ?? {})) {
    checkQualifiedName(object.at('metadata.labels'), k);
    checkLabelValue(object.at(`metadata.labels.${k}`), v);
  }
  for (const k of Object.keys(metadata?.annotations ?? {})) checkQualifiedName(object.at('metadata.annotations'), k);
  return name;
}

/** The namespace an object really lands in. */
export function effectiveNamespace(ns: string | undefined): string {
  return ns ?? DEFAULT_NAMESPACE;
}

/** Cluster-scoped objects (GatewayClass, Namespace) must not carry the chart's namespace. */
export function stripNamespace(obj: ApiObject): void {
  if (obj.metadata.namespace !== undefined) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
}
