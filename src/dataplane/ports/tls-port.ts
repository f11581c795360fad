import type * as http2 from 'node:http2';
import * as tls from 'node:tls';
import type { ListenerConfig } from '../../config/dataplane-config';
import type { PortRuntime } from '../generation';
import { PortServer, PortServerEnv } from './port-server';

/**
 * A TLS port whose listeners terminate TLS (protocol HTTPS): the ClientHello server name picks the
 * listener and its certificate, ALPN picks HTTP/2 or HTTP/1.1. A request whose Host belongs to another
 * listener than the one SNI chose is answered 421.
 *
 * TLS listeners (TLSRoute passthrough / terminate-to-TCP) are not served here yet: their connections
 * are closed after the handshake with a log line (see ports/index.ts for where that work plugs in).
 */
export class TlsPortServer extends PortServer {
  private readonly server: tls.Server;
  private defaultContextVersion = -1;

  constructor(env: PortServerEnv, port: number, kind: string) {
    super(env, port, kind);
    this.server = tls.createServer({
      ALPNProtocols: ['h2', 'http/1.1'],
      handshakeTimeout: 10_000,
      SNICallback: (name, cb) => this.sni(name, cb),
    });
    this.server.on('secureConnection', (socket) => this.onSecure(socket));
    this.server.on('tlsClientError', (err) => this.ctx.log.debug('TLS handshake failed', { port, error: err }));
    this.refreshDefaultContext();
  }

  public listen(address: string, localPort: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: address, port: localPort, backlog: 2048 }, () => {
        this.server.removeListener('error', reject);
        this.boundPort = (this.server.address() as { port: number }).port;
        resolve(this.boundPort);
      });
    });
  }

  /**
   * Clients without SNI get the default listener's certificate; tls.Server needs it as options, so it is
   * re-set whenever the certificates change.
   */
  public refreshDefaultContext(): void {
    const rt = this.runtime();
    if (!rt) return;
    const version = rt.gen.id * 1_000_000 + this.env.certVersion();
    if (version === this.defaultContextVersion) return;
    this.defaultContextVersion = version;
    const pem = rt.port.defaultPem();
    if (pem) this.server.setSecureContext(pem);
  }

  protected stopAccepting(): void {
    this.server.close();
  }

  protected tlsListenerOf(session: http2.ServerHttp2Session, port: PortRuntime): ListenerConfig | undefined | Error {
    const name = (session.socket as tls.TLSSocket).servername || '';
    const sel = port.tlsFor(name.toLowerCase());
    return sel instanceof Error ? sel : sel.listener;
  }

  private sni(name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void {
    const rt = this.runtime();
    if (!rt) return cb(new Error(`port ${this.port} is no longer configured`));
    const sel = rt.port.tlsFor(name.toLowerCase());
    if (sel instanceof Error) {
      this.ctx.log.warn('no certificate for TLS server name', { port: this.port, serverName: name, error: sel.message });
      return cb(sel);
    }
    cb(null, sel.context);
  }

  private onSecure(socket: tls.TLSSocket): void {
    socket.on('error', () => { /* close follows */ });
    const name = (socket.servername || '').toLowerCase();
    const rt = this.runtime();
    const sel = rt?.port.tlsFor(name);
    if (!sel || sel instanceof Error || sel.listener.protocol !== 'HTTPS') {
      this.ctx.log.warn('TLS connection for a listener that does not serve HTTPS closed', {
        port: this.port, serverName: name, listener: sel && !(sel instanceof Error) ? sel.listener.id : null,
      });
      socket.destroy();
      return;
    }
    if (socket.alpnProtocol === 'h2') this.serveHttp2(socket);
    else this.serveHttp1(socket, true, name);
  }
}
