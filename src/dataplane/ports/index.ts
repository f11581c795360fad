import { HttpPortServer } from './http-port';
import type { PortServerEnv } from './port-server';
import type { ServedPort } from './served-port';
import { TcpPortServer } from './tcp-port';
import { TlsPortServer } from './tls-port';
import { UdpPortServer } from './udp-port';

export type PortServerClass = new (env: PortServerEnv, port: number, kind: string) => ServedPort;

/** The server class for each PortConfig kind. */
export const PORT_KINDS: Record<string, PortServerClass | undefined> = {
  HTTP: HttpPortServer,
  TLS: TlsPortServer,
  TCP: TcpPortServer,
  UDP: UdpPortServer,
};
