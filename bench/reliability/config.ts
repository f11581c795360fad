// The data-plane configs of the reliability suite (bundled by esbuild before bench/reliability/run.mjs runs): every
// port kind, built with the tests' ConfigBuilder so that the suite serves what the compiler would emit.
import { ConfigBuilder, prefix } from '../../test/support/config-builder';

/** Listener ports of the suite's gateway. */
export const PORTS = { http: 80, https: 443, passthrough: 8443, tcp: 9000, udp: 5353 };

/** Backend ids (for --backend mappings). */
export const BACKENDS = { web: 'default/web:80', faults: 'default/faults:80', gone: 'default/gone:80', tls: 'default/tls-echo:8443', tcp: 'default/tcp-echo:7', udp: 'default/udp-echo:53' };

/**
 * HTTP (`/` to web, `/fault/...` to the fault backend with a 1.5 s backendRequest timeout, `/gone/` to a backend
 * nobody listens on), HTTPS, TLS passthrough (pass.example.com), TCP and UDP. `extraRoutes` adds HTTPRoutes
 * `/r<i>/` (the soak's reloads).
 */
export function suiteConfig(extraRoutes = 0): unknown {
  const c = new ConfigBuilder({ namespace: 'default', name: 'reliability' });
  const web = c.backend('web');
  const faults = c.backend('faults');
  const gone = c.backend('gone');
  const tls = c.backend('tls-echo', 8443);
  const tcp = c.backend('tcp-echo', 7);
  const udp = c.backend('udp-echo', 53);
  const http = c.listener(PORTS.http, { name: 'http' });
  for (let i = 0; i < extraRoutes; i++) c.route(http, { route: `extra-${i}`, matches: [{ path: prefix(`/r${i}/`) }], backends: [web] });
  c.route(http, { route: 'faults', matches: [{ path: prefix('/fault') }], backends: [faults], timeouts: { backendRequestMs: 1500 } });
  c.route(http, { route: 'gone', matches: [{ path: prefix('/gone') }], backends: [gone] });
  c.route(http, { route: 'web', backends: [web] });
  c.route(c.listener(PORTS.https, { name: 'https', certificates: ['default/web-tls'] }), { route: 'web-tls', backends: [web] });
  c.tlsListener(PORTS.passthrough, { name: 'pass', hostname: 'pass.example.com', mode: 'Passthrough' }, [{ route: 'pass', backends: [tls] }]);
  c.tcpListener(PORTS.tcp, 'tcp', { route: 'tcp', backends: [tcp] });
  c.udpListener(PORTS.udp, 'udp', { route: 'udp', backends: [udp] });
  return c.build();
}
