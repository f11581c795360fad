/** explainConnection on the cases the examples do not cover: HTTPS and passthrough on one port, refused shares. */
import { explainConnection, formatConnectionExplanation } from '../../src/router';
import { ConfigBuilder } from '../support/config-builder';

function mixed() {
  const c = new ConfigBuilder();
  const db = c.backend('db', 5432);
  const web = c.backend('web');
  c.tlsListener(443, { name: 'db', hostname: 'db.example.com', mode: 'Passthrough' }, [{
    route: 'db',
    backends: [{ backend: db, weight: 3 }, { invalid: { reason: 'RefNotPermitted', message: 'no ReferenceGrant in other' }, weight: 1 }],
  }]);
  c.route(c.listener(443, { name: 'https', hostname: '*.example.com', certificates: ['default/web'] }), { route: 'web', backends: [web] });
  c.tcpListener(5432, 'bare');
  c.listener(80, { name: 'http' });
  return c.build();
}

test('a passthrough name is routed by weight, and the refused share is named', () => {
  const e = explainConnection(mixed(), { port: 443, serverName: 'DB.example.com.' });
  expect(e).toMatchObject({ code: 'GW_ROUTED', mode: 'Passthrough', connection: { serverName: 'db.example.com' } });
  expect(e.backends.map((b) => b.percent)).toEqual([75, 25]);
  expect(e.notes).toEqual(['25% of connections are refused: RefNotPermitted: no ReferenceGrant in other']);
  expect(formatConnectionExplanation(e)).toMatch(/ {2}- invalid: RefNotPermitted weight 1 \(25%\)/);
});

test('on a port shared with HTTPS, other names (and none) are terminated for HTTP routing', () => {
  expect(explainConnection(mixed(), { port: 443, serverName: 'shop.example.com' })).toMatchObject({ code: 'GW_HTTP', mode: 'HTTPS', listener: { name: 'https' }, refused: false });
  const none = explainConnection(mixed(), { port: 443 });
  expect(none).toMatchObject({ code: 'GW_HTTP', mode: 'HTTPS' });
  expect(none.notes[0]).toMatch(/no listener matches no server name \(SNI\): terminated with the default certificate/);
});

test('a TCP listener without a route refuses connections; an HTTP port points to http:// URLs', () => {
  expect(explainConnection(mixed(), { port: 5432 })).toMatchObject({ code: 'GW_NO_ROUTE', refused: true, notes: ['no TCPRoute is attached to listener "bare"'] });
  expect(explainConnection(mixed(), { port: 80 })).toMatchObject({ code: 'GW_HTTP', mode: 'HTTP', refused: false });
});
