/**
 * A Gateway's addresses in cluster mode (`CompileOptions.dataPlaneAddresses`): those of the data-plane Service
 * the synth step renders for it (`<gateway>-dataplane` in the Gateway's namespace), as found among the input.
 * A LoadBalancer Service's addresses are its load balancer's ingress (its cluster IP is not where clients reach
 * the Gateway); any other type's are its cluster IPs. None: the Gateway is Programmed=False AddressNotAssigned,
 * the spec's reason for "none of the requested addresses have been assigned to the Gateway".
 */
import type { Context } from './context';
import type { Obj } from './objects';
import { dataPlaneServiceName } from '../spec/project';

/** An entry of a Gateway's `status.addresses`. */
export interface GatewayStatusAddress {
  readonly type: 'IPAddress' | 'Hostname';
  readonly value: string;
}

/** The addresses found, or why there are none (for the Programmed condition's message). */
export type DataPlaneAddresses = { readonly addresses: GatewayStatusAddress[] } | { readonly notAssigned: string };

/** The addresses of `gw`'s data-plane Service among the compiler's input, or why it has none. */
export function dataPlaneAddresses(ctx: Context, gw: Obj): DataPlaneAddresses {
  const name = dataPlaneServiceName(gw.name);
  const where = `Service ${gw.namespace}/${name}`;
  const found = ctx.core.service(gw.namespace, name);
  if (!('found' in found)) {
    return { notAssigned: `the data-plane ${where} does not exist yet; it is rendered with the Gateway: apply it (kubectl get service -n ${gw.namespace} ${name})` };
  }
  const svc = found.found;
  const addresses: GatewayStatusAddress[] = [];
  if (svc.type === 'LoadBalancer') {
    for (const i of svc.obj.root.at('status').at('loadBalancer').at('ingress').list()) {
      const ip = i.at('ip').str();
      const hostname = i.at('hostname').str();
      if (ip) addresses.push({ type: 'IPAddress', value: ip });
      else if (hostname) addresses.push({ type: 'Hostname', value: hostname });
    }
    if (addresses.length === 0) {
      return { notAssigned: `the data-plane ${where} (LoadBalancer) has no load-balancer ingress yet: the cluster's load-balancer controller assigns it (kubectl describe service -n ${gw.namespace} ${name}); without one, use serviceType ClusterIP or NodePort` };
    }
    return { addresses };
  }
  const spec = svc.obj.root.at('spec');
  const ips = spec.at('clusterIPs').missing ? [spec.at('clusterIP')] : spec.at('clusterIPs').list();
  for (const r of ips) {
    const ip = r.str();
    if (ip && ip !== 'None') addresses.push({ type: 'IPAddress', value: ip });
  }
  if (addresses.length === 0) return { notAssigned: `the data-plane ${where} has no cluster IP (headless or not yet allocated)` };
  return { addresses };
}
