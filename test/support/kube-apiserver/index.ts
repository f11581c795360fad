// The stand-in kube-apiserver (see server.ts for what it does and its limits) and its helpers.
export { KubeApiServer } from './server';
export type { KubeApiServerOptions, RequestRecord } from './server';
export { gatewayApiCrds } from './crds';
export { kubectl } from './kubectl';
export type { KubectlResult } from './kubectl';
