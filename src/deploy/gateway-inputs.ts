/**
 * From a compile result to the props of each Gateway's data plane: shared by the synth step (objects of a
 * cdk8s app) and `cdk8s-gateway bundle` (objects from YAML). Internal: not exported from src/index.ts.
 */
import { secretNamespaces } from './cluster-mode';
import { GatewayDataPlaneProps, propsFromConfig } from './gateway-data-plane';
import { serializeConfig } from '../compiler';
import type { DataPlaneConfig } from '../config/dataplane-config';
import type { DataPlaneProps } from '../constructs/data-plane';

/**
 * The props of a Gateway's data plane: its compiled config, its object as written, the chosen options,
 * and all the objects (where CA bundles of other namespaces are copied from).
 */
export function gatewayDataPlaneProps(
  config: DataPlaneConfig, gateway: any, options: DataPlaneProps, objects: readonly unknown[],
): GatewayDataPlaneProps {
  const cm = options.clusterMode;
  const ns = config.gateway.namespace;
  return {
    ...options,
    // cluster mode: Secrets are readable where the app's grants and ListenerSets say certificates come from
    ...(cm
      ? { clusterMode: { ...cm, certificateNamespaces: secretNamespaces(ns, config.gateway.name, cm.certificateNamespaces ?? [], objects).slice(1) } }
      : {}),
    infrastructureLabels: gateway?.spec?.infrastructure?.labels,
    infrastructureAnnotations: gateway?.spec?.infrastructure?.annotations,
    ...propsFromConfig(serializeConfig(config), objects),
  };
}
