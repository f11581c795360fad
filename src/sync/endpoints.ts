/**
 * A Service's endpoints as kube-proxy would use them: for each Service port, the EndpointSlice port of the
 * same name (and protocol) gives the target port; an endpoint is used while its `ready` condition holds
 * (absent means ready); when no endpoint of a port is ready, the ones still `serving` while `terminating`
 * are used instead (kube-proxy's terminating-endpoints fallback), so a rollout down to its last pod does not
 * answer 503 while that pod still serves. Only the first address of an endpoint counts; FQDN slices are
 * ignored, as kube-proxy ignores them.
 */
import { DATAPLANE_CONFIG_API_VERSION } from '../config/dataplane-config';
import { EndpointAddress, SERVICE_ENDPOINTS_KIND, ServiceEndpoints } from '../config/service-endpoints';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function serviceEndpoints(service: any, slices: readonly any[]): ServiceEndpoints {
  const ports: Record<string, EndpointAddress[]> = {};
  for (const sp of service?.spec?.ports ?? []) {
    if (typeof sp?.port !== 'number') continue;
    const name = sp.name ?? '';
    const protocol = sp.protocol ?? 'TCP';
    const ready = new Map<string, EndpointAddress>();
    const terminating = new Map<string, EndpointAddress>();
    for (const slice of slices) {
      if (slice?.addressType !== 'IPv4' && slice?.addressType !== 'IPv6') continue;
      const port = (slice.ports ?? []).find((p: any) => (p?.name ?? '') === name && (p?.protocol ?? 'TCP') === protocol);
      if (typeof port?.port !== 'number') continue;
      for (const ep of slice.endpoints ?? []) {
        const address = ep?.addresses?.[0];
        if (typeof address !== 'string') continue;
        const c = ep.conditions ?? {};
        const isReady = c.ready !== false;
        const serving = c.serving ?? isReady;
        const key = `${address}|${port.port}`;
        if (isReady && c.terminating !== true) ready.set(key, { address, port: port.port });
        else if (serving && c.terminating === true) terminating.set(key, { address, port: port.port });
      }
    }
    const use = ready.size > 0 ? ready : terminating;
    ports[String(sp.port)] = [...use.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
  }
  return {
    apiVersion: DATAPLANE_CONFIG_API_VERSION,
    kind: SERVICE_ENDPOINTS_KIND,
    namespace: service.metadata.namespace,
    name: service.metadata.name,
    ports,
  };
}
