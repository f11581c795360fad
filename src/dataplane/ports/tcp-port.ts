import * as net from 'node:net';
import { L4PortServer } from './l4-port';
import { resetSocket, TcpRelay } from '../l4/relay';

/**
 * A TCP port (TCPRoute): every accepted connection is relayed to one backend of the listener's route,
 * chosen by weight per connection (see TcpRelay for half-close, idle timeout and backpressure).
 */
export class TcpPortServer extends L4PortServer {
  private readonly server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (s) => this.onConnection(s));

  public listen(address: string, localPort: number): Promise<number> {
    this.env.clientLimits.guard(this.server);
    return listenOn(this.server, address, localPort).then((p) => (this.boundPort = p));
  }

  public sweep(now: number): void {
    this.relays.sweep(now, this.env.l4Limits.tcpIdleTimeoutMs);
  }

  public drain(): void {
    this.draining = true;
    this.server.close();
  }

  public destroyAll(): void {
    this.relays.destroyAll();
  }

  public get openCount(): number {
    return this.relays.size;
  }

  private onConnection(socket: net.Socket): void {
    if (!this.env.clientLimits.admitOrReset(socket, this.clock.now, this.closes)) return;
    const rt = this.runtime();
    if (!rt || this.draining) {
      socket.on('error', () => { /* reset below */ });
      resetSocket(socket);
      return;
    }
    // a TCP port has one listener (two would conflict); the oldest attached route carries it
    const listener = rt.port.config.listeners[0];
    const plan = listener.l4Route ? rt.port.l4.get(listener.l4Route) : undefined;
    new TcpRelay(this, socket, { listener, plan, clusterDomain: rt.gen.config.options.clusterDomain, mode: 'TCP' }).start();
  }
}

/** Binds a net.Server (backlog 2048) and resolves with the bound port. */
export function listenOn(server: net.Server, address: string, localPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port: localPort, backlog: 2048 }, () => {
      server.removeListener('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
