import * as net from 'node:net';
import { EchoServer } from '../../src/cli/echo';

export interface RunningEcho {
  readonly name: string;
  /** `127.0.0.1:<port>` for --backend mappings. */
  readonly target: string;
  readonly port: number;
  close(): Promise<void>;
}

/** In-process echo backends (the same server as `cdk8s-gateway echo`), on free ports. */
export async function startEchoServers(...names: string[]): Promise<RunningEcho[]> {
  return Promise.all(names.map(async (name) => {
    const server = new EchoServer({ port: 0, name, namespace: 'default', address: '127.0.0.1' });
    const port = await server.listen();
    return { name, port, target: `127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(r)) };
  }));
}

/** A TCP backend that echoes every byte back, on a free port. */
export async function startTcpEcho(): Promise<RunningEcho> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { name: 'tcp-echo', port, target: `127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
