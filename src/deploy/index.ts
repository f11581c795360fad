// The synth step's public API (jsii). Pod-side code (pod/), layout and naming helpers stay internal.
export {
  GatewayDataPlane, GatewayDataPlaneProps, GatewayDataPlaneOptions, DataPlanePort, DataPlaneMount, DataPlaneMountKind, DataPlaneSizes,
} from './gateway-data-plane';
export { DataPlaneDeploymentOptions, DataPlaneLogLevel } from './options';
export { DataPlaneSynthStep, IDataPlaneCustomizer } from './synth-step';
