import * as net from 'node:net';
import { PortServer } from './port-server';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * A cleartext HTTP port: HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on the same socket, told apart
 * by the HTTP/2 connection preface.
 */
export class HttpPortServer extends PortServer {
  protected readonly openingTimeoutReason = 'header_timeout';
  private readonly server = net.createServer({ noDelay: true }, (socket) => this.onConnection(socket));

  public listen(address: string, localPort: number): Promise<number> {
    this.env.clientLimits.guard(this.server);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: address, port: localPort, backlog: 2048 }, () => {
        this.server.removeListener('error', reject);
        this.boundPort = (this.server.address() as net.AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  protected stopAccepting(): void {
    this.server.close();
  }

  private onConnection(socket: net.Socket): void {
    if (!this.admit(socket)) return;
    // a client that sends nothing, or part of the HTTP/2 preface, is closed at the header timeout
    this.opening.add(socket, this.limits.headersTimeoutMs);
    const acceptedAt = Date.now();
    let buffered: Buffer | undefined;
    const gone = (): void => {
      socket.destroy();
    };
    const sniff = (chunk: Buffer): void => {
      const data = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      const n = Math.min(data.length, PREFACE.length);
      if (data.compare(PREFACE, 0, n, 0, n) !== 0) {
        socket.removeListener('data', sniff);
        socket.removeListener('end', gone);
        this.opening.settle(socket);
        this.serveHttp1(socket, false, undefined, acceptedAt, data);
      } else if (n === PREFACE.length) {
        socket.removeListener('data', sniff);
        socket.removeListener('end', gone);
        this.opening.settle(socket);
        socket.pause();
        this.serveHttp2(socket, data);
      } else {
        // a prefix of the preface: wait for more
        buffered = data;
      }
    };
    socket.on('data', sniff);
    socket.on('end', gone);
  }
}
