// The synth step's public API (jsii). Pod-side code (pod/), layout and naming helpers stay internal.
export { GatewayDataPlane, DataPlaneMountKind } from './gateway-data-plane';
export type { GatewayDataPlaneProps, GatewayDataPlaneOptions, DataPlanePort, DataPlaneMount, DataPlaneSizes } from './gateway-data-plane';
export { DataPlaneLogLevel, ExternalTrafficPolicy } from './options';
export type { DataPlaneDeploymentOptions, DataPlaneAutoscaling } from './options';
export { DataPlaneSynthStep } from './synth-step';
export type { IDataPlaneCustomizer } from './synth-step';
