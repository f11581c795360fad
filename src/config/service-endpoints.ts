/**
 * The second channel from sync to the data plane, beside the DataPlaneConfig: one document per Service with
 * the endpoints new requests may go to, per Service port. It changes with pods (EndpointSlices) without a
 * recompile: the data plane swaps the endpoints of that Service only, and the connection pools of the
 * endpoints that stay are kept.
 *
 * Written by sync as `<sync dir>/endpoints/<namespace>.<name>.json` (a namespace and a Service name are DNS
 * labels: neither holds a dot), each file replaced atomically; a Service without a file is resolved through
 * DNS as in static mode. Internal: not exported from src/index.ts.
 */
import { DATAPLANE_CONFIG_API_VERSION } from './dataplane-config';

export const SERVICE_ENDPOINTS_KIND = 'ServiceEndpoints';

export interface EndpointAddress {
  /** An IPv4 or IPv6 address (a pod's). */
  readonly address: string;
  /** The port on that address (the EndpointSlice port mapped from the Service port). */
  readonly port: number;
}

export interface ServiceEndpoints {
  readonly apiVersion: typeof DATAPLANE_CONFIG_API_VERSION;
  readonly kind: typeof SERVICE_ENDPOINTS_KIND;
  readonly namespace: string;
  readonly name: string;
  /**
   * Service port number (what a backendRef names) → the endpoints to send new requests to, sorted. Empty:
   * the Service has no ready endpoint for that port (requests answer 503).
   */
  readonly ports: Record<string, EndpointAddress[]>;
}

/** The file name of a Service's endpoints document. */
export function endpointsFileName(namespace: string, name: string): string {
  return `${namespace}.${name}.json`;
}

/** namespace and name from a file name, or undefined for another file (a temporary one). */
export function parseEndpointsFileName(file: string): { namespace: string; name: string } | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.json$/.exec(file);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}
