import { ApiObject, ApiObjectMetadata, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { appState } from './app-state';
import { GatewayApiResource, resolveObjectName, stripNamespace } from './resource';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkControllerName, checkDnsLabel, checkDnsSubdomain, checkGroup, checkKind, checkLength } from '../spec/checks';
import { MAX_LENGTH } from '../spec/limits';
import { CONTROLLER_NAME, NODE_DATA_PLANE_CLASS_NAME } from '../spec/project';
import { fail, Where } from '../spec/where';

/** A GatewayClass: defined in this app, or referenced by name. */
export interface IGatewayClass {
  /** The GatewayClass name, used as the Gateway's `gatewayClassName`. */
  readonly gatewayClassName: string;
  /**
   * The controller that runs Gateways of this class, when known.
   * @default - unknown (a class referenced by name)
   */
  readonly controllerName?: string;
}

/** Implementation-specific configuration of a GatewayClass. */
export interface GatewayClassParametersRef {
  /** API group of the parameters object (`""` for core kinds such as ConfigMap). */
  readonly group: string;
  /** Kind of the parameters object. */
  readonly kind: string;
  /** Name of the parameters object. */
  readonly name: string;
  /**
   * Namespace, for namespaced kinds.
   * @default - none (a cluster-scoped object)
   */
  readonly namespace?: string;
}

export interface GatewayClassProps {
  /** The controller that manages Gateways of this class, e.g. `example.net/gateway-controller`. */
  readonly controllerName: string;
  /**
   * Implementation-specific parameters.
   * @default - none
   */
  readonly parametersRef?: GatewayClassParametersRef;
  /**
   * Human-readable description (at most 64 characters).
   * @default - none
   */
  readonly description?: string;
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id
   */
  readonly metadata?: ApiObjectMetadata;
}

export interface NodeDataPlaneClassOptions {
  /**
   * Name of the GatewayClass.
   * @default "cdk8s-gateway"
   */
  readonly name?: string;
}

/**
 * A GatewayClass: the kind of Gateway a controller runs. Use `GatewayClass.nodeDataPlane()` for this
 * project's own Node.js data plane (the synth step deploys it; no controller runs in the cluster) and
 * `GatewayClass.fromName()` for a class another implementation installed.
 */
export class GatewayClass extends GatewayApiResource implements IGatewayClass {
  /** The controllerName of this project's Node.js data plane. */
  public static readonly NODE_DATA_PLANE_CONTROLLER = CONTROLLER_NAME;

  /** The default name of the node data plane GatewayClass. */
  public static readonly NODE_DATA_PLANE_CLASS_NAME = NODE_DATA_PLANE_CLASS_NAME;

  /**
   * The GatewayClass of this project's data plane. One per app: the first call defines it in `scope`'s
   * chart, later calls return the same construct.
   */
  public static nodeDataPlane(scope: Construct, options: NodeDataPlaneClassOptions = {}): GatewayClass {
    const state = appState(scope);
    const existing = state.nodeDataPlaneClass as GatewayClass | undefined;
    const name = options.name ?? GatewayClass.NODE_DATA_PLANE_CLASS_NAME;
    if (existing) {
      if (existing.name !== name) {
        fail(new Where(`GatewayClass ${existing.node.path}`, 'metadata.name'), name,
          `conflicts with the node data plane GatewayClass already defined as "${existing.name}" (one per app)`);
      }
      return existing;
    }
    const cls = new GatewayClass(Chart.of(scope), 'NodeDataPlaneGatewayClass', {
      controllerName: GatewayClass.NODE_DATA_PLANE_CONTROLLER,
      description: 'cdk8s-gateway Node.js data plane, deployed by cdk8s synth',
      metadata: { name },
    });
    state.nodeDataPlaneClass = cls;
    return cls;
  }

  /** A GatewayClass defined elsewhere (installed by another implementation, e.g. `eg` or `istio`). */
  public static fromName(name: string): IGatewayClass {
    checkDnsSubdomain(new Where('GatewayClass.fromName', 'name'), name);
    return { gatewayClassName: name };
  }

  /** True when `gatewayClass` is this project's node data plane class. */
  public static isNodeDataPlane(gatewayClass: IGatewayClass): boolean {
    return gatewayClass.controllerName === GatewayClass.NODE_DATA_PLANE_CONTROLLER;
  }

  public readonly apiObject: ApiObject;
  public readonly resourceType = 'gatewayclasses';
  public readonly controllerName?: string;

  public constructor(scope: Construct, id: string, props: GatewayClassProps) {
    super(scope, id);
    const name = resolveObjectName('GatewayClass', scope, id, props.metadata);
    const where = new Where(`GatewayClass ${this.node.path}`);
    checkControllerName(where.at('controllerName'), props.controllerName);
    if (props.description !== undefined) checkLength(where.at('description'), props.description, 0, MAX_LENGTH.description);
    const p = props.parametersRef;
    if (p) {
      checkGroup(where.at('parametersRef.group'), p.group);
      checkKind(where.at('parametersRef.kind'), p.kind);
      checkLength(where.at('parametersRef.name'), p.name, 1, MAX_LENGTH.dnsSubdomain);
      if (p.namespace !== undefined) checkDnsLabel(where.at('parametersRef.namespace'), p.namespace);
    }
    this.controllerName = props.controllerName;
    this.apiObject = new k8s.GatewayClass(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: {
        controllerName: props.controllerName,
        ...(props.description !== undefined ? { description: props.description } : {}),
        ...(p ? { parametersRef: { ...p } } : {}),
      },
    });
    stripNamespace(this.apiObject); // cluster-scoped
  }

  /** The name Gateways use as `gatewayClassName`. */
  public get gatewayClassName(): string {
    return this.name;
  }
}
