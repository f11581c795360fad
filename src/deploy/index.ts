// The synth step's public API (jsii). Layout and naming helpers stay internal; the pod's boot code is in src/dataplane/boot/.
export { GatewayDataPlane, DataPlaneMountKind, DataPlaneProtocol } from './gateway-data-plane';
export type { GatewayDataPlaneProps, DataPlanePort, DataPlaneMount, DataPlaneSizes } from './gateway-data-plane';
export { DataPlaneSynthStep } from './synth-step';
export type { IDataPlaneCustomizer } from './synth-step';
