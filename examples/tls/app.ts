/**
 * TLSRoute: a Passthrough listener forwards encrypted connections by SNI (the database terminates TLS
 * itself); a Terminate listener decrypts and forwards the plaintext stream.
 */
import { App, Chart } from 'cdk8s';
import { Backend, Gateway, GatewayClass, Listener, TlsCertificate, TlsRoute } from '../../src';

export function build(app: App): void {
  const chart = new Chart(app, 'tls', { namespace: 'data' });
  const gateway = new Gateway(chart, 'tls-gateway', {
    gatewayClass: GatewayClass.nodeDataPlane(chart),
    listeners: [
      Listener.tlsPassthrough({ name: 'passthrough', port: 443, hostname: '*.db.example.com' }),
      Listener.tlsTerminate({
        name: 'terminate',
        port: 8443,
        hostname: 'queue.example.com',
        certificates: [TlsCertificate.fromSecretName('queue-example-com')],
      }),
    ],
  });

  new TlsRoute(chart, 'postgres', {
    parentRefs: [{ parent: gateway, sectionName: 'passthrough' }],
    hostnames: ['pg.db.example.com'],
    backends: [Backend.fromServiceName('postgres', { port: 5432 })],
  });
  new TlsRoute(chart, 'queue', {
    parentRefs: [{ parent: gateway, sectionName: 'terminate' }],
    hostnames: ['queue.example.com'],
    backends: [Backend.fromServiceName('rabbitmq', { port: 5672 })],
  });
}
