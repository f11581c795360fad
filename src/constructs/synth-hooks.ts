import { IConstruct } from 'constructs';

/**
 * How the synth step (src/deploy/synth-step.ts) learns of the Gateways whose data plane it renders without
 * the constructs importing deploy: it registers here when its module loads (the package entry, src/index.ts,
 * loads it), and every Gateway of `GatewayClass.nodeDataPlane()` calls in when it is created.
 */
export type NodeDataPlaneGatewayHook = (gateway: IConstruct) => void;

let hook: NodeDataPlaneGatewayHook | undefined;

/** Called by the synth step's module when it loads. @internal */
export function onNodeDataPlaneGateway(h: NodeDataPlaneGatewayHook): void {
  hook = h;
}

/**
 * A Gateway of the node data plane class was created. Without the synth step loaded (code that imports
 * a file under lib/constructs/ and never the package entry) its data plane could not be rendered: the
 * synth fails and says so rather than writing a Gateway that nothing serves. @internal
 */
export function nodeDataPlaneGatewayCreated(gateway: IConstruct): void {
  if (hook) {
    hook(gateway);
    return;
  }
  gateway.node.addValidation({
    validate: () => [
      `${gateway.node.path}: the data plane of a GatewayClass.nodeDataPlane() Gateway is rendered by the synth step, ` +
        'which is not loaded: import from \'cdk8s-gateway\' (the package entry loads it), not from a file under lib/',
    ],
  });
}
