import * as http from 'node:http';
import type * as net from 'node:net';

export interface AdminState {
  /** Every configured port is bound and the gateway is not draining. */
  ready(): boolean;
  metrics(): string;
  /** The config being served, as JSON. */
  config(): string;
  /** What does not serve while the rest does (a listener whose certificate cannot be loaded), one line each. */
  problems?(): string[];
}

/** `/healthz` (the process answers), `/readyz` (ready to take traffic), `/metrics` (Prometheus), `/config`. */
export class AdminServer {
  private readonly server: http.Server;

  constructor(private readonly state: AdminState) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  public listen(address: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: address, port }, () => {
        this.server.removeListener('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  public close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/healthz': return send(200, 'text/plain', 'ok\n');
      case '/readyz': {
        // the pod stays ready for what serves; what does not is listed under it
        const problems = (this.state.problems?.() ?? []).map((p) => `${p}\n`).join('');
        return this.state.ready() ? send(200, 'text/plain', `ready\n${problems}`) : send(503, 'text/plain', `not ready\n${problems}`);
      }
      case '/metrics': return send(200, 'text/plain; version=0.0.4', this.state.metrics());
      case '/config': return send(200, 'application/json', this.state.config());
      default: return send(404, 'text/plain', 'not found: try /healthz, /readyz, /metrics or /config\n');
    }
  }
}
