import { HttpPortServer } from './http-port';
import type { PortServer, PortServerEnv } from './port-server';
import { TlsPortServer } from './tls-port';

export type PortServerClass = new (env: PortServerEnv, port: number, kind: string) => PortServer;

/**
 * Port kinds this data plane serves, by PortConfig.kind. TCP and UDP (TCPRoute/UDPRoute) and TLS
 * passthrough are added by registering their own PortServer here; a kind with no entry is logged
 * and left unbound.
 */
export const PORT_KINDS: Record<string, PortServerClass | undefined> = {
  HTTP: HttpPortServer,
  TLS: TlsPortServer,
};
