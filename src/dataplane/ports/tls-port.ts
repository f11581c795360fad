import * as crypto from 'node:crypto';
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { PortServerEnv } from './port-server';
import { PortServer } from './port-server';
import { listenOn } from './tcp-port';
import type { ListenerConfig } from '../../config/dataplane-config';
import type { GatewayErrorCode } from '../errors';
import type { PortRuntime } from '../generation';
import { RelayHost, RelaySet, resetSocket, TcpRelay } from '../l4/relay';
import { labels, Series } from '../ops/metrics';
import { alertInvalidClientCertificates, stopAlertingClientCertificates } from '../tls/client-cert-alert';
import { ALERT_DECODE_ERROR, ClientHello, readClientHello, tlsAlert } from '../tls/client-hello';
import { describeClientCertificate, setClientIdentity } from '../tls/client-identity';
import { SessionTicketKeys } from '../tls/session-tickets';

/**
 * A TLS port. Its listeners may be:
 * - HTTPS: terminate (certificate by SNI), then HTTP/1.1 or HTTP/2 by ALPN; a request whose Host belongs to
 *   another listener than the one SNI chose is answered 421;
 * - TLS, mode Terminate (TLSRoute): terminate, then relay the plaintext to a TLSRoute backend;
 * - TLS, mode Passthrough (TLSRoute): never terminate; the ClientHello's server name picks the listener and
 *   the TLSRoute, and the encrypted bytes are relayed as they are.
 * When the port has TLS listeners, the ClientHello is read first (it may arrive in several records and
 * segments, within the handshake timeout) to decide which of the three handles the connection. A server
 * name no listener or TLSRoute accepts is refused by closing the connection, with no TLS alert: the Gateway API
 * conformance suite counts only a closed connection (EOF or reset) as a rejection, and Go's TLS client reports
 * an alert as another error. Bytes that are not a ClientHello get a `decode_error` alert. An HTTPS-only port
 * hands connections straight to the TLS server.
 *
 * Client-certificate validation (Gateway spec.tls.frontend) applies to every handshake this port
 * terminates. AllowValidOnly fails the handshake of a client without a certificate (alert certificate_required in
 * TLS 1.3, handshake_failure in TLS 1.2) or with one that does not verify (unknown_ca, certificate_expired, ...:
 * see client-cert-alert.ts); both are logged and counted. AllowInsecureFallback serves every client,
 * marked unverified unless its certificate verifies. A verified identity is forwarded in
 * DataPlaneOptions.clientCertificateHeader.
 */
export class TlsPortServer extends PortServer {
  protected readonly openingTimeoutReason = 'handshake_timeout';
  public readonly relays = new RelaySet();
  /** TLSRoute connections (passthrough and terminate) are relayed with this port's relay set and gauge. */
  private readonly relayHost: RelayHost;
  /** Terminates for HTTPS listeners (ALPN h2 and http/1.1). */
  private readonly server: tls.Server;
  /** Terminates for TLS listeners in Terminate mode (no ALPN). */
  private readonly terminate: tls.Server;
  private readonly acceptor = net.createServer({ noDelay: true }, (s) => this.onConnection(s));
  private defaultContextVersion = -1;
  /** Whether the TLS servers send an alert for a client certificate that does not verify (AllowValidOnly). */
  private alerting = false;
  private readonly routed = new Map<string, Series>();
  private readonly certResults = new Map<string, Series>();
  /** Session ticket keys (none with --no-tls-session-resumption or before a certificate loaded). */
  private tickets: { secret: string; keys: SessionTicketKeys } | undefined;

  constructor(env: PortServerEnv, port: number, kind: string) {
    super(env, port, kind);
    this.relayHost = {
      ctx: this.ctx,
      clock: this.clock,
      relays: this.relays,
      connections: env.ctx.metrics.activeConnections.get(labels({ gateway: env.ctx.gatewayLabel, port: String(port), kind: 'TLSRoute' })),
    };
    const sni = (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => this.sni(name, cb);
    // no handshakeTimeout: the port's sweep closes handshakes past the deadline (OpeningConnections)
    this.server = tls.createServer({ ALPNProtocols: ['h2', 'http/1.1'], SNICallback: sni, ...this.sessionOptions() });
    this.server.on('secureConnection', (socket) => this.onSecure(socket));
    this.server.on('tlsClientError', (err, socket) => this.onTlsClientError(err, socket));
    this.terminate = tls.createServer({ SNICallback: sni, ...this.sessionOptions() });
    this.terminate.on('secureConnection', (socket) => this.onTerminated(socket));
    this.terminate.on('tlsClientError', (err, socket) => this.onTlsClientError(err, socket));
    this.refreshDefaultContext();
  }

  public listen(address: string, localPort: number): Promise<number> {
    this.env.clientLimits.guard(this.acceptor);
    return listenOn(this.acceptor, address, localPort).then((p) => (this.boundPort = p));
  }

  /**
   * Clients without SNI get the default listener's certificate; tls.Server needs it as options, so it is
   * re-set whenever the config or the certificates change (with the validation settings of the port).
   */
  public refreshDefaultContext(): void {
    const rt = this.runtime();
    if (!rt) return;
    const version = rt.gen.id * 1_000_000 + this.env.certVersion();
    if (version === this.defaultContextVersion) return;
    this.defaultContextVersion = version;
    // read by tls.Server for each new connection; the CAs come with the secure context chosen by SNI
    const fv = rt.port.config.frontendValidation;
    const strict = fv?.mode === 'AllowValidOnly';
    for (const s of [this.server, this.terminate] as (tls.Server & { requestCert: boolean; rejectUnauthorized: boolean })[]) {
      s.requestCert = fv !== undefined;
      s.rejectUnauthorized = strict;
      if (strict !== this.alerting) (strict ? alertInvalidClientCertificates : stopAlertingClientCertificates)(s);
    }
    this.alerting = strict;
    const https = rt.port.defaultPem('HTTPS');
    if (https) this.server.setSecureContext({ ...https, ...this.sessionOptions() });
    const terminate = rt.port.defaultPem('TLS');
    if (terminate) this.terminate.setSecureContext({ ...terminate, ...this.sessionOptions() });
    // ticket keys shared by the replicas: derived from the default certificate's key (see SessionTicketKeys)
    const secret = (https ?? terminate)?.key;
    if (!this.env.l4Limits.tlsSessionResumption || !secret) return;
    if (this.tickets?.secret !== secret) this.tickets = { secret, keys: new SessionTicketKeys(secret) };
    if (https) this.tickets.keys.attach(this.server);
    if (terminate) this.tickets.keys.attach(this.terminate);
  }

  /**
   * Session resumption is by tickets (state kept by the client, keys shared by the replicas: SessionTicketKeys);
   * --no-tls-session-resumption turns them off (SSL_OP_NO_TICKET; Node keeps no internal session cache either).
   */
  private sessionOptions(): tls.SecureContextOptions {
    return this.env.l4Limits.tlsSessionResumption ? {} : { secureOptions: crypto.constants.SSL_OP_NO_TICKET };
  }

  public sweep(now: number): void {
    super.sweep(now);
    this.relays.sweep(now, this.env.l4Limits.tcpIdleTimeoutMs);
  }

  public destroyAll(): void {
    super.destroyAll();
    this.relays.destroyAll();
  }

  public get openCount(): number {
    return super.openCount + this.relays.size;
  }

  protected stopAccepting(): void {
    this.acceptor.close();
  }

  protected tlsListenerOf(session: http2.ServerHttp2Session, port: PortRuntime): ListenerConfig | undefined | Error {
    const name = (session.socket as tls.TLSSocket).servername || '';
    const sel = port.tlsFor(name.toLowerCase());
    return sel instanceof Error ? sel : sel.listener;
  }

  private onConnection(socket: net.Socket): void {
    // errors: the owner of the socket reports them
    if (!this.admit(socket)) return;
    const rt = this.runtime();
    // a refused client certificate is logged with the client's address, which is gone once Node closed the socket
    if (rt?.port.config.frontendValidation) (socket as PeerSocket)[PEER] = socket.remoteAddress;
    // The ClientHello is read before any TLS state exists, on every TLS port: a client that sends nothing (or stops
    // half-way) costs a socket, not a TLS session, and is closed at the handshake deadline like one that stalls
    // later in its handshake.
    const timeoutMs = this.env.l4Limits.tlsHandshakeTimeoutMs;
    const giveUp = readClientHello(socket, (r, bytes) => {
      // a client that went away (a port scan, a health check) is no protocol error
      if (socket.destroyed) return;
      // from here on the handshake deadline simply closes the connection
      this.opening.plainExpiry(socket);
      if ('error' in r) return this.refuse(socket, 'GW_BAD_CLIENT_HELLO', r.error, '', ALERT_DECODE_ERROR);
      const now = this.runtime();
      if (now && !now.port.routesClientHello) {
        // an HTTPS-only port: the TLS server chooses the certificate by SNI itself
        socket.unshift(bytes);
        this.server.emit('connection', socket);
        return;
      }
      this.route(socket, r.hello, bytes);
    });
    this.opening.add(socket, timeoutMs, () => giveUp(`no complete ClientHello within ${timeoutMs} ms`));
  }

  /** Where a ClientHello goes: the HTTPS server, the Terminate server, or a passthrough relay. */
  private route(socket: net.Socket, hello: ClientHello, bytes: Buffer): void {
    const rt = this.runtime();
    if (!rt) return this.refuse(socket, 'GW_DRAINING', 'port is no longer configured', hello.serverName);
    const d = rt.port.sni!.matchSni(hello.serverName);
    const listener = d?.listener;
    if (!listener || listener.protocol === 'HTTPS') {
      // an unknown name on a port with HTTPS listeners gets the default certificate, then 421/404 over HTTP
      if (!listener && !rt.port.config.listeners.some((l) => l.protocol === 'HTTPS')) {
        return this.refuse(socket, 'GW_UNKNOWN_SERVER_NAME', `no listener of port ${this.port} accepts server name "${hello.serverName}"`, hello.serverName);
      }
      this.count(listener?.id ?? '', 'HTTPS');
      socket.unshift(bytes);
      this.server.emit('connection', socket);
      return;
    }
    if (!d.entry) {
      return this.refuse(socket, 'GW_UNKNOWN_SERVER_NAME', `no TLSRoute of listener ${listener.id} accepts server name "${hello.serverName}"`,
        hello.serverName, undefined, listener.id);
    }
    // relayed connections pass a half-close on (a TLS socket takes this setting from the socket it wraps)
    socket.allowHalfOpen = true;
    if (listener.tls?.mode === 'Terminate') {
      this.count(listener.id, 'Terminate');
      socket.unshift(bytes);
      this.terminate.emit('connection', socket);
      return;
    }
    this.count(listener.id, 'Passthrough');
    this.opening.settle(socket);
    new TcpRelay(this.relayHost, socket, {
      listener, plan: rt.port.l4.get(d.entry), clusterDomain: rt.gen.config.options.clusterDomain, mode: 'Passthrough', serverName: hello.serverName, first: bytes,
    }).start();
  }

  /** A TLS Terminate listener's connection, decrypted: relayed to its TLSRoute's backend. */
  private onTerminated(socket: tls.TLSSocket): void {
    socket.on('error', () => { /* the relay reports it */ });
    this.handshakeDone(socket);
    if (!this.verifyClient(socket)) return;
    const name = (socket.servername || '').toLowerCase();
    const rt = this.runtime();
    const d = rt?.port.sni!.matchSni(name);
    if (!rt || !d?.entry) {
      this.ctx.log.warn('terminated TLS connection has no TLSRoute; closed', { port: this.port, serverName: name });
      socket.destroy();
      return;
    }
    new TcpRelay(this.relayHost, socket, {
      listener: d.listener, plan: rt.port.l4.get(d.entry), clusterDomain: rt.gen.config.options.clusterDomain, mode: 'Terminate', serverName: name,
    }).start();
  }

  /** The handshake is over: the connection is counted by whoever serves it now. */
  private handshakeDone(socket: tls.TLSSocket): void {
    const raw = (socket as { _parent?: net.Socket })._parent;
    if (raw) this.opening.settle(raw);
  }

  /**
   * Refuses a connection whose ClientHello was read: closes it (FIN; `alert` first only for bytes that are not TLS),
   * and resets it if the client has not closed its side a second later.
   */
  private refuse(socket: net.Socket, code: GatewayErrorCode, detail: string, serverName: string, alert?: number, listener = ''): void {
    this.ctx.countError(code);
    this.count(listener, code);
    this.ctx.log.info('TLS connection refused', { port: this.port, code, serverName, client: socket.remoteAddress ?? '', detail });
    if (socket.destroyed) return;
    if (alert === undefined) socket.end();
    else socket.end(tlsAlert(alert));
    setTimeout(() => resetSocket(socket), 1000).unref();
  }

  private count(listener: string, mode: string): void {
    const key = `${listener}\n${mode}`;
    let s = this.routed.get(key);
    if (!s) {
      s = this.ctx.metrics.tlsRouted.get(labels({ gateway: this.ctx.gatewayLabel, port: String(this.port), listener, mode }));
      this.routed.set(key, s);
    }
    s.inc();
  }

  /**
   * A handshake that failed. With AllowValidOnly, Node refuses client certificates itself (rejectUnauthorized):
   * - none sent: OpenSSL fails the handshake with an alert (SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
   * - one that does not verify: Node closes the socket before 'secureConnection', after the alert that
   *   alertInvalidClientCertificates sent.
   * Those are logged and counted here; other handshake failures (a client that does not trust our certificate,
   * a timeout) only at debug level.
   */
  private onTlsClientError(err: NodeJS.ErrnoException, socket: tls.TLSSocket): void {
    const fv = this.runtime()?.port.config.frontendValidation;
    const reason = socket.authorizationError ? String(socket.authorizationError)
      : err.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' ? 'no client certificate' : undefined;
    if (fv?.mode !== 'AllowValidOnly' || reason === undefined) {
      this.ctx.log.debug('TLS handshake failed', { port: this.port, error: err });
      return;
    }
    this.clientCertRejected(socket, reason);
  }

  private clientCertRejected(socket: tls.TLSSocket, reason: string): void {
    const serverName = (socket.servername || '').toLowerCase();
    const sel = this.runtime()?.port.tlsFor(serverName);
    const parent = (socket as { _parent?: PeerSocket })._parent;
    this.ctx.countError('GW_CLIENT_CERT_REJECTED');
    this.certResult('rejected').inc();
    this.ctx.log.info('client certificate rejected', {
      gateway: this.ctx.gatewayLabel,
      port: this.port,
      listener: sel && !(sel instanceof Error) ? sel.listener.id : null,
      serverName,
      client: parent?.[PEER] ?? socket.remoteAddress ?? '',
      reason,
    });
  }

  /**
   * Applies the port's client-certificate validation to a terminated connection: records a verified identity for
   * the backends, counts the result. Returns false (and closes the connection) when it must not be served.
   */
  private verifyClient(socket: tls.TLSSocket): boolean {
    const fv = this.runtime()?.port.config.frontendValidation;
    if (!fv) return true;
    if (socket.authorized) {
      const cert = socket.getPeerX509Certificate();
      if (cert) setClientIdentity(socket, describeClientCertificate(cert));
      this.certResult('verified').inc();
      return true;
    }
    const reason = socket.authorizationError ? String(socket.authorizationError) : 'no client certificate';
    if (fv.mode === 'AllowValidOnly') {
      // Node refused these already (rejectUnauthorized); a connection accepted before a reload switched the port
      // to AllowValidOnly is the one way here
      this.clientCertRejected(socket, reason);
      socket.destroy();
      return false;
    }
    this.ctx.log.debug('client certificate not verified; served as unverified (AllowInsecureFallback)', { port: this.port, reason });
    this.certResult('unverified').inc();
    return true;
  }

  private certResult(result: 'verified' | 'unverified' | 'rejected'): Series {
    let s = this.certResults.get(result);
    if (!s) {
      s = this.ctx.metrics.clientCertificates.get(labels({ gateway: this.ctx.gatewayLabel, port: String(this.port), result }));
      this.certResults.set(result, s);
    }
    return s;
  }

  private sni(name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void {
    const rt = this.runtime();
    if (!rt) return cb(new Error(`port ${this.port} is no longer configured`));
    const sel = rt.port.tlsFor(name.toLowerCase());
    if (sel instanceof Error) {
      this.ctx.log.warn('no certificate for TLS server name', { port: this.port, serverName: name, error: sel.message });
      return cb(sel);
    }
    this.tickets?.keys.adopt(sel.context);
    cb(null, sel.context);
  }

  private onSecure(socket: tls.TLSSocket): void {
    socket.on('error', () => { /* close follows */ });
    this.handshakeDone(socket);
    if (!this.verifyClient(socket)) return;
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
    else this.serveHttp1(socket, true, name, Date.now());
  }
}

/** The client address of a raw socket on a port that validates client certificates (see onConnection). */
const PEER = Symbol('peer');
type PeerSocket = net.Socket & { [PEER]?: string };
