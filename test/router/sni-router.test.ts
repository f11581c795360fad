import { ListenerConfig, PortConfig, TlsRouteEntry } from '../../src/config/dataplane-config';
import { SniRouter } from '../../src/router';

function tlsListener(name: string, hostname: string | undefined, routes: Array<[string, string[]]>, protocol: 'TLS' | 'HTTPS' = 'TLS'): ListenerConfig {
  return {
    id: name,
    name,
    parent: { kind: 'Gateway', namespace: 'infra', name: 'gw' },
    protocol,
    hostname,
    tls: { mode: protocol === 'TLS' ? 'Passthrough' : 'Terminate', certificates: [] },
    tlsRoutes: routes.map(
      ([route, hostnames]): TlsRouteEntry => ({ source: { kind: 'TLSRoute', namespace: 'default', name: route }, hostnames, backends: [] }),
    ),
  };
}

const port: PortConfig = {
  port: 443,
  transport: 'TCP',
  kind: 'TLS',
  listeners: [
    tlsListener('exact', 'abc.example.com', [['abc', ['abc.example.com']]]),
    tlsListener('wild', '*.example.com', [
      ['star', ['*.example.com']],
      ['foo', ['foo.example.com']],
    ]),
    tlsListener('web', 'www.example.org', [], 'HTTPS'),
    tlsListener('any', undefined, [['default', []]]),
  ],
};
const router = SniRouter.build(port);
const pick = (sni: string) => {
  const d = router.matchSni(sni);
  return d && `${d.listener.name}:${d.entry?.source.name ?? '-'}`;
};

test.each([
  ['an exact listener hostname wins', 'abc.example.com', 'exact:abc'],
  ['within a listener, an exact route hostname beats a wildcard one', 'foo.example.com', 'wild:foo'],
  ['a wildcard route hostname serves other names under it', 'bar.example.com', 'wild:star'],
  ['an HTTPS listener is chosen without a TLSRoute entry', 'www.example.org', 'web:-'],
  ['a listener without hostname takes the rest', 'other.net', 'any:default'],
  ['no SNI only matches a listener without hostname', '', 'any:default'],
])('%s', (_name, sni, expected) => {
  expect(pick(sni)).toBe(expected);
});

test('no listener for the name gives undefined', () => {
  const only = SniRouter.build({ ...port, listeners: [port.listeners[0]] });
  expect(only.matchSni('nope.example.com')).toBeUndefined();
});
