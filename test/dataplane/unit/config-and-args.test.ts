import { parseDataPlaneArgs } from '../../../src/dataplane/args';
import { validateConfig } from '../../../src/dataplane/config-validate';
import { ConfigBuilder } from '../../support/config-builder';

function valid() {
  const b = new ConfigBuilder();
  b.route(b.listener(80, { name: 'web' }), { route: 'r', backends: [b.backend('svc')] });
  return b.build();
}

describe('validateConfig', () => {
  test('a config from the builder is valid', () => {
    expect(validateConfig(valid()).errors).toEqual([]);
  });

  test('problems name the field path and the value', () => {
    const c = JSON.parse(JSON.stringify(valid()));
    c.apiVersion = 'dataplane.cdk8s-gateway.io/v0';
    c.ports[0].listeners[0].httpRoutes[0].rule = 7;
    c.ports[0].listeners[0].httpRoutes[0].path = { type: 'RegularExpression', value: '(' };
    c.httpRules[0].backends[0].backend = 'default/missing:80';
    expect(validateConfig(c).errors).toEqual([
      'apiVersion: "dataplane.cdk8s-gateway.io/v0" is not dataplane.cdk8s-gateway.io/v1alpha1 (regenerate the config with this version\'s compiler)',
      'httpRules[0].backends[0].backend: "default/missing:80" is not a key of backends',
      'ports[0].listeners[0].httpRoutes[0].rule: 7 is not an index into httpRules (length 1)',
      expect.stringMatching(/^ports\[0\]\.listeners\[0\]\.httpRoutes\[0\]\.path\.value: "\(" is not a valid regular expression/),
    ]);
  });

  test('an HTTPS listener without certificates is refused', () => {
    const c = JSON.parse(JSON.stringify(valid()));
    c.ports[0].listeners[0].protocol = 'HTTPS';
    expect(validateConfig(c).errors).toEqual(['ports[0].listeners[0].tls.certificates: an HTTPS listener needs at least one certificate']);
  });

  describe('each route entry is re-checked against its listener (team grants: defence in depth)', () => {
    /** A listener for pay.example.com that admits namespace payments, with one route entry from `ns` for `hosts`. */
    function granted(ns: string, hosts: string[]) {
      const c = JSON.parse(JSON.stringify(valid()));
      Object.assign(c.ports[0].listeners[0], { name: 'web-pay.example.com', hostname: 'pay.example.com', allowedNamespaces: ['payments'] });
      c.ports[0].listeners[0].httpRoutes[0].hostnames = hosts;
      c.httpRules[0].source = { kind: 'HTTPRoute', namespace: ns, name: 'r' };
      return c;
    }

    test('an entry of the admitted namespace, within the listener hostname, is valid', () => {
      expect(validateConfig(granted('payments', ['pay.example.com'])).errors).toEqual([]);
    });

    test('an entry from a namespace the listener does not admit is refused', () => {
      expect(validateConfig(granted('shop', ['pay.example.com'])).errors).toEqual([
        'ports[0].listeners[0].httpRoutes[0]: HTTPRoute shop/r is from namespace "shop", which listener "web-pay.example.com" does not admit (allowedNamespaces: payments)',
      ]);
    });

    test('an entry for hostnames outside the listener\'s is refused (no hostnames: those the listener receives)', () => {
      expect(validateConfig(granted('payments', ['shop.example.com'])).errors).toEqual([
        'ports[0].listeners[0].httpRoutes[0].hostnames: "shop.example.com" is outside the hostname pay.example.com of listener "web-pay.example.com"',
      ]);
      expect(validateConfig(granted('payments', [])).errors).toEqual([]);
    });

    test('TLSRoute and TCPRoute entries are checked the same way', () => {
      const b = new ConfigBuilder();
      b.tlsListener(443, { name: 'db-pg', hostname: 'pg.db.example.com', mode: 'Passthrough' }, [{ route: 'pg', backends: [b.backend('pg', 5432)], hostnames: ['*.db.example.com'] }]);
      b.tcpListener(6379, 'redis', { route: 'redis', backends: [b.backend('redis', 6379)] });
      const c = JSON.parse(JSON.stringify(b.build()));
      c.ports[0].listeners[0].allowedNamespaces = ['data'];
      c.ports[1].listeners[0].allowedNamespaces = ['data'];
      expect(validateConfig(c).errors).toEqual([
        'ports[0].listeners[0].tlsRoutes[0]: TLSRoute default/pg is from namespace "default", which listener "db-pg" does not admit (allowedNamespaces: data)',
        'ports[0].listeners[0].tlsRoutes[0].hostnames: "*.db.example.com" is outside the hostname pg.db.example.com of listener "db-pg"',
        'ports[1].listeners[0].l4Route: TCPRoute default/redis is from namespace "default", which listener "redis" does not admit (allowedNamespaces: data)',
      ]);
    });
  });

  test('not an object', () => {
    expect(validateConfig([]).errors).toEqual(['config: must be a JSON object']);
  });
});

describe('parseDataPlaneArgs', () => {
  test('flags', () => {
    const a = parseDataPlaneArgs(['--config', 'c.json', '--port-map', '80=8080', '--backend', 'shop/api:8080=127.0.0.1:3000',
      '--backend', 'shop/v6:80=[::1]:9000', '--admin-port', '0', '--log-level', 'warn', '--no-access-log', '--drain-timeout', '3']);
    expect(a.portMap.get(80)).toBe(8080);
    expect(a.backendMap.get('shop/api:8080')).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(a.backendMap.get('shop/v6:80')).toEqual({ host: '::1', port: 9000 });
    expect(a).toMatchObject({ configFile: 'c.json', adminPort: 0, logLevel: 'warn', accessLog: false, drainTimeoutMs: 3000, address: '0.0.0.0' });
  });

  test.each([
    [[], '--config <file> is required'],
    [['--config', 'c', '--port-map', '80:8080'], '--port-map "80:8080" must look like 80=8080 (listener port = local port)'],
    [['--config', 'c', '--backend', 'api=1.2.3.4:80'], '--backend "api=1.2.3.4:80" must look like shop/api:8080=127.0.0.1:3000 (namespace/service:port=host:port)'],
    [['--config', 'c', '--admin-port', '70000'], '--admin-port 70000 is out of range 0..65535'],
    [['--config', 'c', '--log-level', 'loud'], '--log-level "loud" is not one of debug, info, warn, error, off'],
    [['--config', 'c', '--frobnicate'], 'unknown option "--frobnicate"'],
  ])('%j: %s', (argv, message) => {
    expect(() => parseDataPlaneArgs(argv as string[])).toThrow(message);
  });
});
