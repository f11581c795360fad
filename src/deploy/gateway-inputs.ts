/**
 * From a compile result to the props of each Gateway's data plane: shared by the synth step (objects of a
 * cdk8s app) and `cdk8s-gateway bundle` (objects from YAML). Internal: not exported from src/index.ts.
 */
import { GatewayDataPlaneOptions, GatewayDataPlaneProps, propsFromConfig } from './gateway-data-plane';
import { ObjectStatus, serializeConfig } from '../compiler';
import type { DataPlaneConfig } from '../config/dataplane-config';
import type { DataPlaneProps } from '../constructs/data-plane';

/**
 * The props of a Gateway's data plane: its compiled config, its object as written, the chosen options,
 * and all the objects (where CA bundles of other namespaces are copied from).
 */
export function gatewayDataPlaneProps(
  config: DataPlaneConfig, gateway: any, options: GatewayDataPlaneOptions, objects: readonly unknown[],
): GatewayDataPlaneProps {
  return {
    ...options,
    infrastructureLabels: gateway?.spec?.infrastructure?.labels,
    infrastructureAnnotations: gateway?.spec?.infrastructure?.annotations,
    ...propsFromConfig(serializeConfig(withDataPlaneOptions(config, options.dataPlane)), objects),
  };
}

/** Options the Gateway's `dataPlane` sets for the running data plane (the rest of the config is compiled). */
function withDataPlaneOptions(config: DataPlaneConfig, dp: DataPlaneProps | undefined): DataPlaneConfig {
  if (!dp?.clientCertificateHeader) return config;
  return { ...config, options: { ...config.options, clientCertificateHeader: dp.clientCertificateHeader.toLowerCase() } };
}

export function notAcceptedReason(status: readonly ObjectStatus[], ns: string, name: string): string {
  const s = status.find((x) => x.kind === 'Gateway' && x.namespace === ns && x.name === name);
  const bad = (s?.conditions ?? []).filter((c) => c.status !== 'True' && (c.type === 'Accepted' || c.type === 'Programmed'));
  return bad.length > 0 ? bad.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`).join('; ') : 'the compiler produced no config for it';
}

/** Route parents of this Gateway that are not Accepted or have unresolved refs, one line each. */
export function routeProblems(status: readonly ObjectStatus[], ns: string, name: string): string[] {
  const out: string[] = [];
  for (const s of status) {
    for (const p of s.parents ?? []) {
      if (p.parentRef.kind !== 'Gateway' || p.parentRef.namespace !== ns || p.parentRef.name !== name) continue;
      for (const c of p.conditions) {
        if ((c.type === 'Accepted' || c.type === 'ResolvedRefs') && c.status !== 'True') {
          out.push(`${s.kind} ${s.namespace}/${s.name}${p.parentRef.sectionName ? ` (listener ${p.parentRef.sectionName})` : ''}: ` +
            `${c.type}=${c.status} ${c.reason}: ${c.message}`);
        }
      }
    }
  }
  return out;
}
