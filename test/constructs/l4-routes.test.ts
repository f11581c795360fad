import { App, Chart } from 'cdk8s';
import { find, synth, warnings } from './fixture';
import {
  Backend, Gateway, GatewayClass, HttpFilter, Listener, TcpRoute, TlsCertificate, TlsRoute, UdpRoute,
} from '../../src';

function l4() {
  const app = new App();
  const chart = new Chart(app, 'l4', { namespace: 'data' });
  const gateway = new Gateway(chart, 'gw', {
    gatewayClass: GatewayClass.nodeDataPlane(chart),
    listeners: [
      Listener.tlsPassthrough({ name: 'pass', port: 443, hostname: '*.db.example.com' }),
      Listener.tlsTerminate({ name: 'term', port: 8443, certificates: [TlsCertificate.fromSecretName('c')] }),
      Listener.tcp({ name: 'tcp', port: 6379 }),
      Listener.udp({ name: 'udp', port: 53 }),
    ],
  });
  return { app, chart, gateway };
}

const pg = Backend.fromServiceName('pg', { port: 5432 });

test('TLS, TCP and UDP routes render one rule of weighted backends', () => {
  const { app, chart, gateway } = l4();
  new TlsRoute(chart, 'pg', { parentRefs: [{ parent: gateway, sectionName: 'pass' }], hostnames: ['pg.db.example.com'], backends: [pg], ruleName: 'primary' });
  const tcp = new TcpRoute(chart, 'redis', { parentRefs: [{ parent: gateway, sectionName: 'tcp' }] });
  tcp.addBackend(Backend.fromServiceName('redis-a', { port: 6379, weight: 1 }));
  tcp.addBackend(Backend.fromServiceName('redis-b', { port: 6379, weight: 3 }));
  new UdpRoute(chart, 'dns', { parentRefs: [{ parent: gateway, sectionName: 'udp' }], backends: [Backend.fromServiceName('coredns', { port: 53 })] });

  const objects = synth(app);
  expect(find(objects, 'TLSRoute', 'pg').spec).toEqual({
    parentRefs: [{ name: 'gw', sectionName: 'pass' }], hostnames: ['pg.db.example.com'], rules: [{ name: 'primary', backendRefs: [{ name: 'pg', port: 5432 }] }],
  });
  expect(find(objects, 'TCPRoute', 'redis').spec.rules).toEqual([{ backendRefs: [{ name: 'redis-a', port: 6379, weight: 1 }, { name: 'redis-b', port: 6379, weight: 3 }] }]);
  expect(find(objects, 'UDPRoute', 'dns').spec).toEqual({ parentRefs: [{ name: 'gw', sectionName: 'udp' }], rules: [{ backendRefs: [{ name: 'coredns', port: 53 }] }] });
});

test('a TLSRoute also attaches to a TLS Terminate listener', () => {
  const { app, chart, gateway } = l4();
  new TlsRoute(chart, 'queue', { parentRefs: [{ parent: gateway, sectionName: 'term' }], hostnames: ['queue.example.com'], backends: [pg] });
  expect(() => synth(app)).not.toThrow();
});

test('a TLSRoute needs a hostname and every layer-4 route needs a backend', () => {
  const { app, chart, gateway } = l4();
  new TlsRoute(chart, 'nohost', { parentRefs: [{ parent: gateway, sectionName: 'pass' }], backends: [pg] });
  new UdpRoute(chart, 'nobackend', { parentRefs: [{ parent: gateway, sectionName: 'udp' }] });
  const error = () => synth(app);
  expect(error).toThrow(/\[l4\/nohost\] TlsRoute: needs at least one hostname \(the SNI it serves\); add one with addHostname\(\)/);
  expect(error).toThrow(/\[l4\/nobackend\] UdpRoute: has no backends; add one with addBackend\(\)/);
});

test.each([
  [() => Backend.fromServiceName('pg', { port: 5432, filters: [HttpFilter.requestHeaders({ set: { a: '1' } })] }),
    /TcpRoute l4\/r: rules\[0\].backendRefs\[0\].filters: are not supported on TCPRoute backends \(HTTPRoute and GRPCRoute only\)/],
  [() => Backend.fromServiceName('pg', { port: 99999 }), /rules\[0\].backendRefs\[0\].port 99999 must be an integer between 1 and 65535/],
])('layer-4 backends are checked (%#)', (backend, message) => {
  const { chart, gateway } = l4();
  expect(() => new TcpRoute(chart, 'r', { parentRefs: [{ parent: gateway, sectionName: 'tcp' }], backends: [backend()] })).toThrow(message);
});

test('more than 16 backends are rejected', () => {
  const { chart, gateway } = l4();
  expect(() => new TcpRoute(chart, 'r', { parentRefs: [{ parent: gateway }], backends: Array.from({ length: 17 }, () => pg) })).toThrow(
    /TcpRoute l4\/r: rules\[0\].backendRefs: has 17 entries; at most 16 are allowed/);
});

test('a TLS hostname outside the listener hostname is a synth error', () => {
  const { app, chart, gateway } = l4();
  new TlsRoute(chart, 'r', { parentRefs: [{ parent: gateway, sectionName: 'pass' }], hostnames: ['pg.example.org'], backends: [pg] });
  expect(() => synth(app)).toThrow(/TlsRoute: parentRefs\[0\]: hostnames \["pg.example.org"\] match no hostname of the listeners of Gateway data\/gw \(pass: TLS\/443 \*.db.example.com\)/);
});

test('every backend at weight 0 is a warning', () => {
  const { app, chart, gateway } = l4();
  new TcpRoute(chart, 'r', { parentRefs: [{ parent: gateway, sectionName: 'tcp' }], backends: [pg.withWeight(0)] });
  synth(app);
  expect(warnings(app)).toEqual(['l4/r: rules[0]: every backend has weight 0, so every connection is refused']);
});
